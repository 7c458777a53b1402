"""Signed download links: mac = SHA-256(secret || data), data a query string of key=value pairs."""

import hashlib
import hmac
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, quote_from_bytes, unquote_to_bytes, urlsplit

SECRET = os.urandom(16 + os.urandom(1)[0] % 17)
FILES = {
    b"q3-report.txt": b"Q3 report: revenue up 4%, churn flat.\n",
    b"flag.txt": Path("flag.txt").read_bytes(),
}


def sign(data: bytes) -> str:
    return hashlib.sha256(SECRET + data).hexdigest()


def fields(data: bytes) -> dict[bytes, bytes]:
    result = {}
    for pair in data.split(b"&"):
        key, _, value = pair.partition(b"=")
        result[key] = value  # a later field wins
    return result


class Share(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/share":
            data = b"file=q3-report.txt&expires=2030-01-01&user=guest"
            link = f"/download?data={quote_from_bytes(data, safe='')}&mac={sign(data)}"
            self.reply(200, link.encode())
        elif url.path == "/download":
            raw = {k: v for k, _, v in (p.partition("=") for p in url.query.split("&"))}
            data = unquote_to_bytes(raw.get("data", ""))
            if not hmac.compare_digest(sign(data), raw.get("mac", "")):
                self.reply(403, b"bad signature")
                return
            wanted = fields(data).get(b"file", b"")
            if wanted in FILES:
                self.reply(200, FILES[wanted])
            else:
                self.reply(404, b"no such file")
        else:
            self.reply(404, b"not found")

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 9102), Share).serve_forever()
