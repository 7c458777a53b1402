"""Unpacking a source archive we did not make, without trusting it.

Only regular files and folders are written. Absolute names, `..`, links, devices, too many
members and too many bytes are refused or skipped; nothing in the archive is ever run. Files are
written through our own `open`, never by `tarfile.extract`, so no metadata or link is honoured.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 200 * 2**20
MAX_FILE_BYTES = 20 * 2**20


class UnsafeArchive(ValueError):
    """The archive breaks a rule that makes it unusable (too big, unreadable, escaping names)."""


@dataclass
class Unpacked:
    root: Path
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # links, devices: named, not written


def _safe_name(name: str) -> str:
    if name.startswith("/") or "\\" in name or "\x00" in name or (len(name) > 1 and name[1] == ":"):
        raise UnsafeArchive(f"member {name!r} has an absolute or foreign path")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafeArchive(f"member {name!r} climbs out with '..'")
    return "/".join(parts)


def _tar_members(path: Path) -> Iterator[tuple[str, str, int, IO[bytes] | None]]:
    with tarfile.open(path, mode="r:*") as archive:
        for info in archive:
            if info.isreg():
                yield info.name, "file", info.size, archive.extractfile(info)
            elif info.isdir():
                yield info.name, "dir", 0, None
            else:
                yield info.name, "other", 0, None


def _zip_members(path: Path) -> Iterator[tuple[str, str, int, IO[bytes] | None]]:
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            mode = (info.external_attr >> 16) & 0o170000
            if info.is_dir():
                yield info.filename, "dir", 0, None
            elif mode not in (0, 0o100000):  # a symlink or device stored in the zip
                yield info.filename, "other", 0, None
            else:
                with archive.open(info) as stream:
                    yield info.filename, "file", info.file_size, stream


def unpack(
    archive: Path,
    destination: Path,
    *,
    max_members: int = MAX_MEMBERS,
    max_total_bytes: int = MAX_TOTAL_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> Unpacked:
    """Unpack `archive` (.tar.gz, .tar.bz2, .tar.xz, .tgz, .zip, .whl) into a new `destination`.

    On any refusal the half-written destination is removed.
    """
    if destination.exists():
        raise FileExistsError(destination)
    members = _zip_members if archive.suffix in (".zip", ".whl") else _tar_members
    result = Unpacked(destination)
    destination.mkdir(parents=True)
    try:
        count = 0
        for raw_name, kind, size, stream in members(archive):
            count += 1
            if count > max_members:
                raise UnsafeArchive(f"more than {max_members} members")
            name = _safe_name(raw_name)
            if not name:
                continue
            if kind == "other":
                result.skipped.append(name)
                continue
            target = destination / name
            if kind == "dir":
                target.mkdir(parents=True, exist_ok=True)
                continue
            assert stream is not None
            target.parent.mkdir(parents=True, exist_ok=True)
            written = _copy(stream, target, min(max_file_bytes, max_total_bytes - result.bytes))
            if written < 0:
                raise UnsafeArchive(f"{name}: over the size limits ({size} bytes declared)")
            result.files += 1
            result.bytes += written
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError) as exc:
        shutil.rmtree(destination, ignore_errors=True)
        raise UnsafeArchive(f"unreadable archive: {exc}") from None
    except BaseException:
        shutil.rmtree(destination, ignore_errors=True)
        raise
    return result


def _copy(stream: IO[bytes], target: Path, budget: int) -> int:
    """Copy at most `budget` bytes; -1 if the stream holds more (the real size counts)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    written = 0
    with os.fdopen(os.open(target, flags, 0o644), "wb") as out:
        while chunk := stream.read(1 << 16):
            written += len(chunk)
            if written > budget:
                return -1
            out.write(chunk)
    return written
