"""The shared input reader: which members of a folder or an archive are documents."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from clearinghouse.knowledge.sources.inputs import read_documents
from tests.shared_data import shared_file

ADVISORY = "redhat-csaf-to-osv/CSAF/rhsa-2024_4420.json"
# A hidden file and a macOS resource fork beside the advisory, at the top and in a folder.
NAMES = ["feed/2024/rhsa.json", "feed/2024/._rhsa.json", ".hidden.json", "feed/notes.txt"]


def _write(kind: str, root: Path, content: bytes) -> Path:
    if kind == "folder":
        for name in NAMES:
            (root / "in" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "in" / name).write_bytes(content)
        return root / "in"
    if kind == "zip":
        with zipfile.ZipFile(root / "in.zip", "w") as archive:
            for name in NAMES:
                archive.writestr(name, content)
        return root / "in.zip"
    with tarfile.open(root / "in.tar.gz", "w:gz") as tar:
        for name in NAMES:
            member = tarfile.TarInfo(name)
            member.size = len(content)
            tar.addfile(member, io.BytesIO(content))
    return root / "in.tar.gz"


@pytest.mark.parametrize("kind", ["folder", "zip", "tar.gz"])
def test_hidden_files_and_other_suffixes_are_not_documents(kind: str, tmp_path: Path) -> None:
    content = shared_file(ADVISORY).read_bytes()
    documents = list(read_documents(_write(kind, tmp_path, content), (".json",)))
    assert [(d.name, d.content) for d in documents] == [("feed/2024/rhsa.json", content)]
