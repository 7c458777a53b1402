"""The members service: a profile string encrypted with AES-128 in ECB mode is the session token."""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY = os.urandom(16)
next_uid = [1000]


def pad(data: bytes) -> bytes:
    n = 16 - len(data) % 16
    return data + bytes([n]) * n


def unpad(data: bytes) -> bytes:
    n = data[-1] if data else 0
    if not 1 <= n <= 16 or data[-n:] != bytes([n]) * n:
        raise ValueError("bad padding")
    return data[:-n]


def encrypt(data: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(KEY), modes.ECB()).encryptor()
    return encryptor.update(pad(data)) + encryptor.finalize()


def decrypt(data: bytes) -> bytes:
    if not data or len(data) % 16:
        raise ValueError("bad length")
    decryptor = Cipher(algorithms.AES(KEY), modes.ECB()).decryptor()
    return unpad(decryptor.update(data) + decryptor.finalize())


def profile_for(email: str) -> bytes:
    # Metacharacters are stripped so that nobody can smuggle in "&role=admin".
    email = email.replace("&", "").replace("=", "")
    next_uid[0] += 1
    return f"email={email}&uid={next_uid[0]}&role=user".encode("latin-1")


def parse(profile: bytes) -> dict[str, str]:
    fields = {}
    for part in profile.decode("latin-1").split("&"):
        key, _, value = part.partition("=")
        fields[key] = value
    return fields


class Members(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/register":
            self.reply(404, {"error": "not found"})
            return
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            token = encrypt(profile_for(str(body["email"]))).hex()
        except (ValueError, KeyError, TypeError, UnicodeError):
            self.reply(400, {"error": 'send {"email": ...}'})
            return
        self.reply(200, {"token": token})

    def do_GET(self) -> None:
        if self.path != "/admin":
            self.reply(404, {"error": "not found"})
            return
        try:
            profile = parse(decrypt(bytes.fromhex(self.headers.get("Authorization", ""))))
        except ValueError:
            self.reply(401, {"error": "invalid token"})
            return
        if profile.get("role") != "admin":
            self.reply(403, {"error": f"role {profile.get('role')!r} is not admin"})
            return
        self.reply(200, {"console": "welcome", "flag": Path("flag.txt").read_text().strip()})

    def reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


ThreadingHTTPServer(("127.0.0.1", 9101), Members).serve_forever()
