"""The single sign-on service: Ed25519-signed tokens, verified with the vendored PyJWT."""

import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, "vendor")  # the vendored release, ahead of anything else installed
import jwt  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

SIGNING_KEY = ed25519.Ed25519PrivateKey.generate()
PUBLIC_KEY = SIGNING_KEY.public_key().public_bytes(
    serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
)
USERS = {"guest": "guest"}
# Accept whatever the libraries can verify, so that key rotations to RSA or EC need no change.
ALGORITHMS = list(jwt.algorithms.get_default_algorithms())


class SSO(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/api/login":
            self.reply(404, {"error": "not found"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            ok = hmac.compare_digest(USERS[body["user"]], str(body["password"]))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            self.reply(403, {"error": "wrong user or password"})
            return
        claims = {"sub": body["user"], "role": "user", "exp": int(time.time()) + 3600}
        self.reply(200, {"token": jwt.encode(claims, SIGNING_KEY, algorithm="EdDSA")})

    def do_GET(self) -> None:
        if self.path == "/.well-known/sso.pub":
            self.reply(200, {"key": PUBLIC_KEY.decode(), "alg": "EdDSA"})
            return
        try:
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            claims = jwt.decode(token, PUBLIC_KEY, algorithms=ALGORITHMS)
        except jwt.PyJWTError as exc:
            self.reply(401, {"error": f"invalid token: {exc}"})
            return
        if self.path == "/api/me":
            self.reply(200, claims)
        elif self.path == "/api/admin":
            if claims.get("role") != "admin":
                self.reply(403, {"error": "admins only"})
            else:
                self.reply(200, {"vault": Path("flag.txt").read_text().strip()})
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


ThreadingHTTPServer(("127.0.0.1", 9402), SSO).serve_forever()
