"""Builds the locker controller: gcc -O0, with a stack protector (it changes nothing here: the
bug stays inside the struct)."""

import subprocess
from pathlib import Path

out = Path("out/service")
out.mkdir(parents=True)
subprocess.run(
    ["gcc", "-O0", "-fstack-protector-strong", "-o", str(out / "locker"), "locker.c"], check=True
)
