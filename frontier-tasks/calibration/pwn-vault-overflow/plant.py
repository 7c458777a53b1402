"""Builds the vault binary for the service side."""

import subprocess
from pathlib import Path

out = Path("out/service")
out.mkdir(parents=True)
subprocess.run(
    ["gcc", "-O0", "-fno-stack-protector", "-o", str(out / "vault"), "vault.c"], check=True
)
