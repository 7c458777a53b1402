"""A notes API whose note endpoint checks the token but not who owns the note."""

import json
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

USERS = {"guest": "guest", "director": secrets.token_hex(16)}
NOTES = {
    1: {"owner": "director", "text": "board meeting moved to Friday"},
    2: {"owner": "guest", "text": "welcome to the notes service"},
    3: {"owner": "director", "text": "vendor escrow code: " + Path("flag.txt").read_text().strip()},
    4: {"owner": "guest", "text": "remember to rotate your password"},
}
SESSIONS: dict[str, str] = {}


class Notes(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/api/session":
            self.reply(404, {"error": "not found"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            user, password = body["user"], body["password"]
        except (ValueError, KeyError, TypeError):
            self.reply(400, {"error": "send {user, password}"})
            return
        if USERS.get(user) != password:
            self.reply(403, {"error": "wrong user or password"})
            return
        token = secrets.token_hex(16)
        SESSIONS[token] = user
        self.reply(200, {"token": token})

    def do_GET(self) -> None:
        user = SESSIONS.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
        if user is None:
            self.reply(401, {"error": "sign in first"})
        elif self.path == "/api/notes":
            mine = [{"id": i, "text": n["text"]} for i, n in NOTES.items() if n["owner"] == user]
            self.reply(200, {"notes": mine})
        elif self.path.startswith("/api/notes/") and self.path[11:].isdigit():
            note = NOTES.get(int(self.path[11:]))
            if note is None:
                self.reply(404, {"error": "no such note"})
            else:
                self.reply(200, {"id": int(self.path[11:]), "text": note["text"]})
        else:
            self.reply(404, {"error": "not found"})

    def reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 8082), Notes).serve_forever()
