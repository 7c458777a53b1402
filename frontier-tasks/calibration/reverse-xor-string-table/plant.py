"""Builds the console with its texts XOR a random 8-byte key; the secret command is random too,
so it cannot be guessed, only the texts decoded."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

flag = sys.stdin.readline().strip()
texts = [
    "== BMS maintenance console v4.2 ==",
    "1) show zone temperatures",
    "2) show alarm history",
    "3) show firmware version",
    "zone A 21.5C | zone B 22.0C | plant room 27.9C",
    "2026-02-11 03:14 chiller 2 fault (cleared)",
    "firmware 4.2.7 build 1187 (signed)",
    f"service unlock code: {flag}",
    "unknown command",
]
key = os.urandom(8)
blob, offsets = b"", []
for text in texts:
    offsets.append(len(blob))
    blob += text.encode() + b"\0"
encoded = bytes(b ^ key[i % 8] for i, b in enumerate(blob))
command = secrets.token_hex(12)
digest = 2166136261
for byte in command.encode():
    digest = ((digest ^ byte) * 16777619) & 0xFFFFFFFF
source = (
    Path("panel.c.in")
    .read_text()
    .replace("@TEXTS@", ", ".join(map(str, encoded)))
    .replace("@KEY@", ", ".join(map(str, key)))
    .replace("@OFFSETS@", ", ".join(map(str, offsets)))
    .replace("@HASH@", str(digest))
)
Path("/tmp/panel.c").write_text(source)
out = Path("out/agent")
out.mkdir(parents=True)
subprocess.run(["gcc", "-O2", "-s", "-o", str(out / "panel"), "/tmp/panel.c"], check=True)
