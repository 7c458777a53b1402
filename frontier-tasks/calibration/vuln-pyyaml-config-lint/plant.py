"""Vendors PyYAML 5.3.1, the release on PyPI (sha256 checked), into the linter's vendor/ folder:
its pure-Python package lib3/yaml, copied out of the sdist without running anything of it."""

import hashlib
import tarfile
from pathlib import Path

RELEASE = Path("PyYAML-5.3.1.tar.gz")
SHA256 = "b8eac752c5e14d3eca0e6dd9199cd627518cb5ec06add0de9d32baeee6fe645d"
PACKAGE = "PyYAML-5.3.1/lib3/yaml/"

if hashlib.sha256(RELEASE.read_bytes()).hexdigest() != SHA256:
    raise SystemExit(f"{RELEASE} is not the PyPI release")
target = Path("out/service/vendor/yaml")
target.mkdir(parents=True)
with tarfile.open(RELEASE) as archive:
    for member in archive.getmembers():
        name = member.name.removeprefix(PACKAGE)
        if member.name.startswith(PACKAGE) and member.isfile() and "/" not in name:
            (target / name).write_bytes(archive.extractfile(member).read())
