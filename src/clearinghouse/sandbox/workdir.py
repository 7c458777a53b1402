"""The run's work dir on the trusted side: a size-capped tmpfs, the files put in, artifacts out.

The work dir is a tmpfs mounted by the trusted side (so "filling the disk" fills only its cap,
and its pages count against the run's memory cgroup), owned by the sandbox user. After the run,
when every process of it is dead, the record step copies regular files out of the artifacts
folder through file descriptors opened with O_NOFOLLOW: a symlink, device or FIFO left there is
refused, never followed to the host's files.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import hashlib
import os
import shutil
import stat
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from clearinghouse.sandbox.interface import Artifact, SandboxError, work_relative

SANDBOX_UID = SANDBOX_GID = 65534
_MS_NOSUID, _MS_NODEV = 2, 4
_MNT_DETACH = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
_CHUNK = 1024 * 1024


def mount_tmpfs(path: Path, size_bytes: int) -> None:
    options = f"size={size_bytes},mode=0700,uid={SANDBOX_UID},gid={SANDBOX_GID}"
    flags = _MS_NOSUID | _MS_NODEV
    if _libc.mount(b"tmpfs", os.fsencode(path), b"tmpfs", flags, options.encode()) != 0:
        code = ctypes.get_errno()
        raise SandboxError(f"cannot mount the work dir tmpfs on {path}: {os.strerror(code)}")


def unmount(path: Path) -> None:
    # Lazy: the run's processes are dead by now, but a reader of the artifacts might not be.
    _libc.umount2(os.fsencode(path), _MNT_DETACH)


def is_mountpoint(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return os.path.ismount(path)
    return False


def put_files(
    work: Path,
    files: Mapping[str, bytes],
    artifacts_dir: str,
    executable: Collection[str] = (),
) -> None:
    """Write the run's input files (and its empty artifacts folder), owned by the sandbox user;
    those named in `executable` get mode 0755."""
    _make_dirs(work, work_relative(artifacts_dir).parts)
    for name, content in files.items():
        parts = work_relative(name).parts
        parent = _make_dirs(work, parts[:-1])
        target = parent / parts[-1]
        mode = 0o755 if name in executable else 0o644
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.chown(target, SANDBOX_UID, SANDBOX_GID)


def _make_dirs(work: Path, parts: tuple[str, ...]) -> Path:
    current = work
    for part in parts:
        current = current / part
        if not current.is_dir() or current.is_symlink():
            current.mkdir(mode=0o755)
            os.chown(current, SANDBOX_UID, SANDBOX_GID)
    return current


class ArtifactCollector:
    """Copies regular files out of the artifacts folder, within a count and a total size."""

    def __init__(self, destination: Path, *, max_bytes: int, max_files: int) -> None:
        self.destination = destination
        self.max_bytes = max_bytes
        self.max_files = max_files
        self.artifacts: list[Artifact] = []
        self.refused: list[str] = []
        self._total = 0

    def collect(self, work: Path, artifacts_dir: str) -> None:
        flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
        try:
            fd = os.open(work, flags)
        except OSError as exc:
            raise SandboxError(f"cannot open the work dir: {exc}") from exc
        try:
            for part in work_relative(artifacts_dir).parts:
                try:
                    child = os.open(part, flags, dir_fd=fd)
                except OSError:
                    self.refused.append(f"{artifacts_dir}: not a plain folder")
                    return
                os.close(fd)
                fd = child
            self._walk(fd, "")
        finally:
            os.close(fd)

    def _walk(self, dir_fd: int, prefix: str) -> None:
        for name in sorted(os.listdir(dir_fd)):
            relative = f"{prefix}{name}"
            try:
                info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                try:
                    child = os.open(
                        name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd
                    )
                except OSError:
                    self.refused.append(f"{relative}/: cannot open")
                    continue
                try:
                    self._walk(child, relative + "/")
                finally:
                    os.close(child)
            elif not stat.S_ISREG(info.st_mode):
                kind = "symlink" if stat.S_ISLNK(info.st_mode) else "not a regular file"
                self.refused.append(f"{relative}: {kind}")
            elif len(self.artifacts) >= self.max_files:
                self.refused.append(f"{relative}: over the artifact count limit")
            elif self._total + info.st_size > self.max_bytes:
                self.refused.append(f"{relative}: over the artifact size limit")
            else:
                self._copy(dir_fd, name, relative)

    def _copy(self, dir_fd: int, name: str, relative: str) -> None:
        try:
            source = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError:
            self.refused.append(f"{relative}: cannot open")
            return
        target = self.destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with os.fdopen(source, "rb") as reader, target.open("xb") as writer:
            if not stat.S_ISREG(os.fstat(reader.fileno()).st_mode):
                self.refused.append(f"{relative}: not a regular file")
                return
            # Read no more than the budget left, even if the file grew since stat.
            budget = self.max_bytes - self._total
            while size < budget:
                block = reader.read(min(_CHUNK, budget - size))
                if not block:
                    break
                digest.update(block)
                writer.write(block)
                size += len(block)
            if reader.read(1):
                writer.close()
                target.unlink()
                self.refused.append(f"{relative}: over the artifact size limit")
                return
        self._total += size
        self.artifacts.append(Artifact(relative, size, digest.hexdigest(), str(target)))


def remove_tree(path: Path) -> None:
    """Remove a run's folder; a still-mounted work dir is unmounted first."""
    for child in _mount_candidates(path):
        unmount(child)
    shutil.rmtree(path, ignore_errors=True)


def _mount_candidates(path: Path) -> Iterator[Path]:
    work = path / "work"
    if is_mountpoint(work):
        yield work
