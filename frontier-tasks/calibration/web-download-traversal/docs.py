"""The document server: joins the requested name onto the public folder and serves the file."""

import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

PUBLIC = "public"


class Documents(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/download":
            self.reply(404, b"not found")
            return
        name = parse_qs(url.query).get("file", [""])[0]
        if not name or name.startswith("/"):
            self.reply(400, b"bad file name")
            return
        try:
            with open(os.path.join(PUBLIC, name), "rb") as handle:
                self.reply(200, handle.read())
        except OSError:
            self.reply(404, b"no such document")

    def reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 8081), Documents).serve_forever()
