"""The shop catalog: a LIKE search whose term is pasted into the SQL."""

import html
import sqlite3
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

database = sqlite3.connect(":memory:", check_same_thread=False)
database.executescript(
    """
    CREATE TABLE products (sku TEXT, name TEXT, price_cents INTEGER, hidden INTEGER);
    INSERT INTO products VALUES ('H-100', 'claw hammer', 1899, 0), ('S-220', 'wood screws x100', 649, 0),
        ('D-310', 'cordless drill', 8900, 0), ('T-404', 'tape measure 5m', 1250, 0),
        ('P-999', 'prototype saw', 0, 1);
    CREATE TABLE staff_memos (author TEXT, body TEXT);
    INSERT INTO staff_memos VALUES ('manager', 'inventory count on Sunday');
    """
)
database.execute(
    "INSERT INTO staff_memos VALUES ('owner', ?)",
    ("safe combination: " + Path("flag.txt").read_text().strip(),),
)


class Catalog(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/":
            self.reply(200, "<form action=/search>search: <input name=q></form>")
            return
        if url.path != "/search":
            self.reply(404, "not found")
            return
        term = parse_qs(url.query).get("q", [""])[0]
        query = (
            "SELECT name, price_cents FROM products "
            f"WHERE hidden = 0 AND name LIKE '%{term}%' ORDER BY name"
        )
        try:
            rows = database.execute(query).fetchall()
        except sqlite3.Error:
            self.reply(500, "search failed")
            return
        items = "".join(
            f"<tr><td>{html.escape(str(n))}</td><td>{html.escape(str(p))}</td></tr>"
            for n, p in rows
        )
        self.reply(200, f"<table><tr><th>product</th><th>cents</th></tr>{items}</table>")

    def reply(self, status: int, body: str) -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 9202), Catalog).serve_forever()
