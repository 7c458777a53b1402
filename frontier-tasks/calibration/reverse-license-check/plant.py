"""Builds the checker with gcc, the flag masked into its data, symbols stripped."""

import os
import subprocess
import sys
from pathlib import Path

flag = sys.stdin.readline().strip().encode()
mask = os.urandom(4)
encoded = bytes(b ^ mask[i % 4] ^ ((i * 7) & 0xFF) for i, b in enumerate(flag))
source = (
    Path("checker.c.in")
    .read_text()
    .replace("@MASK@", ", ".join(str(b) for b in mask))
    .replace("@ENCODED@", ", ".join(str(b) for b in encoded))
    .replace("@LENGTH@", str(len(flag)))
)
Path("/tmp/checker.c").write_text(source)
out = Path("out/agent")
out.mkdir(parents=True)
subprocess.run(["gcc", "-O2", "-s", "-o", str(out / "checker"), "/tmp/checker.c"], check=True)
