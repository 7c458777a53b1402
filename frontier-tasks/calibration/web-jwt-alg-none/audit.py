"""The audit API: hand-rolled JSON Web Tokens, HS256 with a random server key."""

import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

KEY = os.urandom(32)
USERS = {"viewer": ("viewer", "viewer"), "chief": (os.urandom(16).hex(), "auditor")}
REPORTS = {
    "q1-summary": ("viewer", "Q1: 14 findings, 12 closed."),
    "q2-summary": ("viewer", "Q2: 9 findings, 9 closed."),
    "sealed-2026": ("auditor", "Sealed: " + Path("flag.txt").read_text().strip()),
}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def issue(claims: dict[str, object]) -> str:
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(mac)}"


def verify(token: str) -> dict[str, object]:
    head, body, signature = token.split(".")
    header = json.loads(unb64(head))
    algorithm = header.get("alg")
    if algorithm == "HS256":
        mac = hmac.new(KEY, f"{head}.{body}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(mac, unb64(signature)):
            raise ValueError("bad signature")
    elif algorithm.lower() != "none":  # unsigned tokens come from the internal health checker
        raise ValueError(f"unsupported alg {algorithm}")
    claims = json.loads(unb64(body))
    if float(claims.get("exp", 0)) < time.time():
        raise ValueError("expired")
    return claims


class Audit(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/api/login":
            self.reply(404, {"error": "not found"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            password, role = USERS[body["user"]]
        except (ValueError, KeyError, TypeError):
            self.reply(403, {"error": "wrong user or password"})
            return
        if not hmac.compare_digest(str(body.get("password")), password):
            self.reply(403, {"error": "wrong user or password"})
            return
        token = issue({"sub": body["user"], "role": role, "exp": time.time() + 3600})
        self.reply(200, {"token": token})

    def do_GET(self) -> None:
        try:
            claims = verify(self.headers.get("Authorization", "").removeprefix("Bearer "))
        except (ValueError, AttributeError, TypeError):
            self.reply(401, {"error": "invalid token"})
            return
        role = claims.get("role")
        if self.path == "/api/reports":
            names = [name for name, (needs, _) in REPORTS.items() if needs == role]
            self.reply(200, {"reports": names, "role": role})
        elif self.path.startswith("/api/reports/") and self.path[13:] in REPORTS:
            needs, text = REPORTS[self.path[13:]]
            if needs != role:
                self.reply(403, {"error": f"{needs} only"})
            else:
                self.reply(200, {"report": text})
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


ThreadingHTTPServer(("127.0.0.1", 9203), Audit).serve_forever()
