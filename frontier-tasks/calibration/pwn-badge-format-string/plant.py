"""Builds the badge reader (gcc -O0, PIE; -Wno-format-security keeps the build quiet)."""

import subprocess
from pathlib import Path

out = Path("out/service")
out.mkdir(parents=True)
subprocess.run(
    ["gcc", "-O0", "-Wno-format-security", "-o", str(out / "badge"), "badge.c"], check=True
)
