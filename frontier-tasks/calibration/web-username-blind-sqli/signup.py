"""Username availability, answered from sqlite3 with a query built by string formatting."""

import json
import secrets
import sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

database = sqlite3.connect(":memory:", check_same_thread=False)
database.executescript(
    """
    CREATE TABLE accounts (id INTEGER PRIMARY KEY, username TEXT UNIQUE, pw_hash TEXT);
    CREATE TABLE integrations (id INTEGER PRIMARY KEY, account_id INTEGER, service TEXT,
                               api_key TEXT);
    """
)
names = ["admin", "mwilson", "tanaka", "okafor", "lindqvist", "bernard"]
for number, name in enumerate(names, 1):
    database.execute("INSERT INTO accounts VALUES (?, ?, ?)", (number, name, secrets.token_hex(32)))
    database.execute(
        "INSERT INTO integrations (account_id, service, api_key) VALUES (?, 'billing', ?)",
        (number, "bk_" + secrets.token_hex(16)),
    )
database.execute(
    "INSERT INTO integrations (account_id, service, api_key) VALUES (1, 'admin-api', ?)",
    (Path("flag.txt").read_text().strip(),),
)


class Signup(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/api/available":
            self.reply(404, {"error": "not found"})
            return
        username = parse_qs(url.query).get("username", [""])[0]
        try:
            row = database.execute(
                f"SELECT id FROM accounts WHERE username = '{username}'"
            ).fetchone()
        except sqlite3.Error:
            self.reply(500, {"error": "internal error"})
            return
        self.reply(200, {"available": row is None})

    def reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 9201), Signup).serve_forever()
