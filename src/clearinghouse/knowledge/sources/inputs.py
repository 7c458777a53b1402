"""Reading input documents from a file, a folder, a .zip or a .tar.gz, safely.

Archives are streamed member by member, never extracted to disk, so hostile member names
(`../../etc/passwd`) cannot write anywhere. Oversized members are reported, not read.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar")


@dataclass(frozen=True)
class InputDocument:
    name: str  # the path inside the input, for messages
    content: bytes | None  # None when the document was too big to read
    problem: str | None = None
    # True when nothing after this point of the input can be read (a truncated archive).
    ends_input: bool = False


class InputError(ValueError):
    """The input as a whole cannot be read (missing, not an archive we know)."""


def _wanted(name: str, suffixes: tuple[str, ...]) -> bool:
    # Hidden files (".DS_Store", "._x.json" resource forks) are not documents. The names are
    # "/"-separated; a Path per member would cost ten times this split.
    return name.lower().endswith(suffixes) and not name.rsplit("/", 1)[-1].startswith(".")


def _too_big(name: str, size: int) -> InputDocument:
    return InputDocument(
        name,
        None,
        f"{size:,} bytes is more than the {MAX_DOCUMENT_BYTES:,}-byte limit for one document",
    )


def read_documents(path: Path, suffixes: tuple[str, ...]) -> Iterator[InputDocument]:
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            relative = file.relative_to(path).as_posix()
            if _wanted(relative, suffixes):
                size = file.stat().st_size
                yield (
                    _too_big(relative, size)
                    if size > MAX_DOCUMENT_BYTES
                    else InputDocument(relative, file.read_bytes())
                )
        return
    name = path.name.lower()
    if name.endswith(TAR_SUFFIXES):
        yield from _read_tar(path, suffixes)
    elif name.endswith(".zip"):
        yield from _read_zip(path, suffixes)
    elif _wanted(name, suffixes):
        size = path.stat().st_size
        yield (
            _too_big(path.name, size)
            if size > MAX_DOCUMENT_BYTES
            else InputDocument(path.name, path.read_bytes())
        )
    else:
        raise InputError(
            f"{path}: expected a folder, a .zip, a .tar.gz or a file ending in "
            f"{', '.join(suffixes)}"
        )


def _read_tar(path: Path, suffixes: tuple[str, ...]) -> Iterator[InputDocument]:
    try:
        archive = tarfile.open(path)  # noqa: SIM115 (closed below; members stream from it)
    except (tarfile.TarError, OSError) as exc:
        raise InputError(f"{path}: not a readable tar archive ({exc})") from None
    with archive:
        try:
            for member in archive:
                if not member.isfile() or not _wanted(member.name, suffixes):
                    continue
                if member.size > MAX_DOCUMENT_BYTES:
                    yield _too_big(member.name, member.size)
                    continue
                handle = archive.extractfile(member)
                if handle is not None:
                    yield InputDocument(member.name, handle.read())
        except (tarfile.TarError, EOFError, OSError) as exc:
            yield InputDocument(
                path.name, None, f"the archive is truncated or corrupt: {exc}", ends_input=True
            )


def _read_zip(path: Path, suffixes: tuple[str, ...]) -> Iterator[InputDocument]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{path}: not a readable zip archive ({exc})") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or not _wanted(info.filename, suffixes):
                continue
            if info.file_size > MAX_DOCUMENT_BYTES:
                yield _too_big(info.filename, info.file_size)
                continue
            try:
                yield InputDocument(info.filename, archive.read(info))
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                yield InputDocument(info.filename, None, f"cannot read this member: {exc}")
