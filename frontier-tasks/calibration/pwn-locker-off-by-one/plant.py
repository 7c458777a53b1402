"""Builds the locker controller with gcc -O0 and Debian's defaults (PIE, stack protector)."""

import subprocess
from pathlib import Path

out = Path("out/service")
out.mkdir(parents=True)
subprocess.run(
    ["gcc", "-O0", "-fstack-protector-strong", "-o", str(out / "locker"), "locker.c"], check=True
)
