"""Statically: after the "UNLOCKER-CFG v3" tag (16 bytes) come the 32-bit seed and the sealed
bytes; unseal with xorshift32 from the seed (the value when nobody watches), check by running."""

import re
import struct
import subprocess
from pathlib import Path

binary = Path("unlocker").read_bytes()
start = binary.index(b"UNLOCKER-CFG v3\0") + 16
(state,) = struct.unpack_from("<I", binary, start)
plain = bytearray()
for byte in binary[start + 4 : start + 4 + 38]:
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    plain.append(byte ^ (state & 0xFF))
flag = re.match(rb"flag\{[0-9a-f]{32}\}", bytes(plain)).group(0).decode()
answer = subprocess.run(["./unlocker"], input=flag + "\n", capture_output=True, text=True)
assert "unlocked" in answer.stdout, answer.stdout
print(flag)
