"""The masked key sits in .rodata after the bytes "KEY": a 4-byte mask, then the key XOR
mask[i % 4] XOR (i * 7). Try every "KEY" and keep the decoding the checker accepts."""

import re
import subprocess
from pathlib import Path

binary = Path("checker").read_bytes()
for match in re.finditer(rb"KEY", binary):
    mask = binary[match.end() : match.end() + 4]
    encoded = binary[match.end() + 4 : match.end() + 4 + 64]
    decoded = bytes(b ^ mask[i % 4] ^ ((i * 7) & 0xFF) for i, b in enumerate(encoded))
    found = re.match(rb"flag\{[0-9a-f]{32}\}", decoded)
    if found is None:
        continue
    key = found.group(0).decode()
    answer = subprocess.run(
        ["./checker"], input=key + "\n", capture_output=True, text=True, check=True
    ).stdout
    if "valid licence" in answer and "invalid" not in answer:
        print(key)
        break
