"""ECB encrypts each 16-byte block alone: cut the block "admin" + padding out of one token and
paste it over the "user" block of another whose profile ends exactly at "role="."""

import json
import re
import urllib.request

BASE = "http://127.0.0.1:9101"
PREFIX = len("email=")


def token(email: str) -> bytes:
    request = urllib.request.Request(
        f"{BASE}/register", data=json.dumps({"email": email}).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes.fromhex(json.load(response)["token"])


# 1. "email=" + filler fills the first block; the second block is "admin" + PKCS#7 padding.
admin_block = token("x" * (16 - PREFIX) + "admin" + "\x0b" * 11)[16:32]
# 2. Grow the email until "role=" ends a block: then the last block holds only "user".
for filler in range(16):
    email = "y" * filler
    profile = f"email={email}&uid=1234&role="  # the uid is always four digits here
    if len(profile) % 16 == 0:
        break
base = token(email)
forged = base[: len(profile)] + admin_block
request = urllib.request.Request(f"{BASE}/admin", headers={"Authorization": forged.hex()})
with urllib.request.urlopen(request, timeout=10) as response:
    print(re.search(r"flag\{[0-9a-f]{32}\}", response.read().decode()).group(0))
