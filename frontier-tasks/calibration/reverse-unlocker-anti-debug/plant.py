"""Builds the unlocker with the flag sealed under a random seed; gcc -O2, stripped."""

import secrets
import subprocess
import sys
from pathlib import Path

flag = sys.stdin.readline().strip().encode()
seed = secrets.randbits(32) | 1
state, sealed = seed, []
for byte in flag:
    state ^= (state << 13) & 0xFFFFFFFF
    state ^= state >> 17
    state ^= (state << 5) & 0xFFFFFFFF
    sealed.append(byte ^ (state & 0xFF))
source = (
    Path("unlocker.c.in")
    .read_text()
    .replace("@LENGTH@", str(len(flag)))
    .replace("@SEED@", str(seed))
    .replace("@SEALED@", ", ".join(map(str, sealed)))
)
Path("/tmp/unlocker.c").write_text(source)
out = Path("out/agent")
out.mkdir(parents=True)
subprocess.run(["gcc", "-O2", "-s", "-o", str(out / "unlocker"), "/tmp/unlocker.c"], check=True)
