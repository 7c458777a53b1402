"""The advisory corpora in the shared data sets (`../shared/data` beside the checkout)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from tests.shared_data import shared_file

RUSTSEC_MAIN = "osv-rustsec/rustsec-advisory-db-main.tar.gz"
RUSTSEC_OSV = "osv-rustsec/rustsec-osv-branch.tar.gz"
NSWG = "npm-nodejs-security-wg/nodejs-security-wg-vuln.tar.gz"


corpus = shared_file


def members(relative: str) -> dict[str, bytes]:
    """Every file in a shared .tar.gz, by member name."""
    with tarfile.open(corpus(relative)) as archive:
        return {
            m.name: archive.extractfile(m).read()  # type: ignore[union-attr]
            for m in archive
            if m.isfile()
        }


def write_tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path
