"""The staff portal: sqlite3 behind http.server, building its login query by string formatting."""

import secrets
import sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

database = sqlite3.connect(":memory:", check_same_thread=False)
database.execute("CREATE TABLE users (username TEXT, password TEXT, secret TEXT)")
database.executemany(
    "INSERT INTO users VALUES (?, ?, ?)",
    [
        ("admin", secrets.token_hex(16), Path("flag.txt").read_text().strip()),
        ("jdoe", secrets.token_hex(16), "lunch is at noon"),
    ],
)


class Portal(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.reply(200, "<form method=post action=/login>username, password</form>")

    def do_POST(self) -> None:
        if self.path != "/login":
            self.reply(404, "not found")
            return
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode(errors="replace"))
        username = form.get("username", [""])[0]
        password = form.get("password", [""])[0]
        query = (
            f"SELECT username, secret FROM users "
            f"WHERE username = '{username}' AND password = '{password}'"
        )
        try:
            row = database.execute(query).fetchone()
        except sqlite3.Error as exc:
            self.reply(500, f"database error: {exc}")
            return
        if row is None:
            self.reply(403, "wrong username or password")
        else:
            self.reply(200, f"welcome {row[0]}; your secret: {row[1]}")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 8080), Portal).serve_forever()
