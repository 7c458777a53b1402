"""Pixel requests that carry a sequence number (s=) come from one address: order their chunks
by it, join, and base32-decode."""

import base64
import re
from pathlib import Path

pattern = re.compile(r"^(\S+) .*\"GET /static/pixel\.gif\?c=([A-Z2-7]+)&s=(\d+) ")
chunks = {}
for text in Path("access.log").read_text().splitlines():
    match = pattern.match(text)
    if match:
        chunks[int(match.group(3))] = match.group(2)
encoded = "".join(chunks[i] for i in sorted(chunks))
encoded += "=" * (-len(encoded) % 8)
print(base64.b32decode(encoded).decode())
