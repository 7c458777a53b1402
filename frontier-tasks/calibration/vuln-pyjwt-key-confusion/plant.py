"""Vendors PyJWT 2.3.0, the wheel on PyPI (sha256 checked), into the service's vendor/ folder."""

import hashlib
import zipfile
from pathlib import Path

RELEASE = Path("PyJWT-2.3.0-py3-none-any.whl")
SHA256 = "e0c4bb8d9f0af0c7f5b1ec4c5036309617d03d56932877f2f7a0beeb5318322f"

if hashlib.sha256(RELEASE.read_bytes()).hexdigest() != SHA256:
    raise SystemExit(f"{RELEASE} is not the PyPI release")
target = Path("out/service/vendor")
with zipfile.ZipFile(RELEASE) as wheel:
    for name in wheel.namelist():
        parts = name.split("/")
        if parts[0] == "jwt" and name.endswith(".py") and ".." not in parts:
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            (target / name).write_bytes(wheel.read(name))
