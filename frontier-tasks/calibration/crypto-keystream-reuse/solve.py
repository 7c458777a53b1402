"""Both messages share one keystream: c1 ^ p1 is the keystream, so p2 = c2 ^ c1 ^ p1."""

import json
import re
from pathlib import Path

data = json.loads(Path("intercept.json").read_text())
c1, c2 = bytes.fromhex(data["message_1"]), bytes.fromhex(data["message_2"])
p1 = data["plaintext_1"].encode()
keystream = bytes(a ^ b for a, b in zip(c1, p1))
p2 = bytes(a ^ b for a, b in zip(c2, keystream)).decode(errors="replace")
print(re.search(r"flag\{[0-9a-f]{32}\}", p2).group(0))
