"""The rota API: profile updates copy every field of the request onto the account."""

import json
import secrets
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ACCOUNTS: dict[str, dict[str, object]] = {}
TOKENS: dict[str, str] = {}
KEYS = {"door_code": secrets.token_hex(3), "escrow": Path("flag.txt").read_text().strip()}


class Rota(BaseHTTPRequestHandler):
    def body(self) -> dict[str, object]:
        data = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data

    def account(self) -> dict[str, object] | None:
        name = TOKENS.get(self.headers.get("Authorization", "").removeprefix("Bearer "))
        return ACCOUNTS.get(name) if name else None

    def do_POST(self) -> None:
        if self.path != "/api/signup":
            self.reply(404, {"error": "not found"})
            return
        try:
            body = self.body()
            name, password = str(body["username"]), str(body["password"])
        except (ValueError, KeyError):
            self.reply(400, {"error": "send {username, password}"})
            return
        if name in ACCOUNTS:
            self.reply(409, {"error": "taken"})
            return
        ACCOUNTS[name] = {"username": name, "password": password, "display_name": name,
                          "phone": "", "role": "volunteer"}  # fmt: skip
        token = secrets.token_hex(16)
        TOKENS[token] = name
        self.reply(200, {"token": token})

    def do_PATCH(self) -> None:
        account = self.account()
        if self.path != "/api/me" or account is None:
            self.reply(401, {"error": "sign in first"})
            return
        try:
            account.update(self.body())  # display_name, phone … and whatever else was sent
        except ValueError:
            self.reply(400, {"error": "send a JSON object"})
            return
        self.reply(200, {k: v for k, v in account.items() if k != "password"})

    def do_GET(self) -> None:
        account = self.account()
        if account is None:
            self.reply(401, {"error": "sign in first"})
        elif self.path == "/api/me":
            self.reply(200, {k: v for k, v in account.items() if k != "password"})
        elif self.path == "/api/coordinator/keys":
            if account.get("role") != "coordinator":
                self.reply(403, {"error": "coordinators only"})
            else:
                self.reply(200, KEYS)
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


ThreadingHTTPServer(("127.0.0.1", 9204), Rota).serve_forever()
