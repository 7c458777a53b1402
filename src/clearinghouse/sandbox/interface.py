"""What a sandbox is asked to do and what it gives back; one implementation per file.

Untrusted code (proofs of concept, agent commands, victim services) only ever runs through a
`Sandbox`. Everything here is plain data, so the trusted side can validate, store and compare it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path, PurePosixPath
from typing import Protocol

MiB = 1024 * 1024
# Environment names a run may set; the sandbox sets PATH, HOME, TMPDIR and LANG itself.
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")


class SandboxError(Exception):
    """The sandbox could not run the request (not: the command failed)."""


class SandboxUnavailable(SandboxError):
    """A required isolation feature is missing on this host; nothing untrusted was run."""


class InvalidRequest(SandboxError, ValueError):
    """The request itself is wrong (bad path, bad limit, services without a network)."""


class NetworkMode(StrEnum):
    NONE = "none"  # no network namespace reachable at all; only unix sockets
    PRIVATE = "private"  # a private namespace with loopback, shared only with declared services


class LimitKind(StrEnum):
    """Which limit stopped a run."""

    WALL_TIME = "wall_time"
    CPU_TIME = "cpu_time"
    MEMORY = "memory"
    OUTPUT = "output"


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 60.0
    cpu_seconds: float = 30.0
    memory_bytes: int = 512 * MiB
    processes: int = 64
    cpus: float = 1.0  # CPU bandwidth: at most this many cores at once
    file_size_bytes: int = 64 * MiB
    open_files: int = 256
    output_bytes: int = 1 * MiB  # per stream (stdout, stderr); past it the run is stopped
    disk_bytes: int = 128 * MiB  # the work dir; /tmp and /dev/shm get the same again each
    artifact_bytes: int = 16 * MiB  # total copied out by the record step
    artifact_files: int = 256

    def __post_init__(self) -> None:
        checks = {
            "wall_seconds": 0 < self.wall_seconds <= 24 * 3600,
            "cpu_seconds": 0 < self.cpu_seconds <= 24 * 3600,
            "memory_bytes": 16 * MiB <= self.memory_bytes <= 64 * 1024 * MiB,
            "processes": 1 <= self.processes <= 4096,
            "cpus": 0.01 <= self.cpus <= 256,
            "file_size_bytes": 1 <= self.file_size_bytes <= 64 * 1024 * MiB,
            "open_files": 16 <= self.open_files <= 65536,
            "output_bytes": 0 <= self.output_bytes <= 256 * MiB,
            "disk_bytes": 1 * MiB <= self.disk_bytes <= 64 * 1024 * MiB,
            "artifact_bytes": 0 <= self.artifact_bytes <= 4096 * MiB,
            "artifact_files": 0 <= self.artifact_files <= 100_000,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            raise InvalidRequest(f"limit out of range: {', '.join(bad)}")


@dataclass(frozen=True)
class ServiceSpec:
    """A victim service started inside the run's private network before the command.

    The command waits until the service accepts TCP connections on 127.0.0.1:`port`.
    """

    name: str
    command: tuple[str, ...]
    port: int
    ready_seconds: float = 10.0

    def __post_init__(self) -> None:
        if not _SERVICE_NAME.match(self.name):
            raise InvalidRequest(f"service name {self.name!r}: use [a-z][a-z0-9-]{{0,31}}")
        if not self.command:
            raise InvalidRequest(f"service {self.name}: empty command")
        if not 1 <= self.port <= 65535:
            raise InvalidRequest(f"service {self.name}: port {self.port} out of range")
        if not 0 < self.ready_seconds <= 600:
            raise InvalidRequest(f"service {self.name}: ready_seconds out of range")


@dataclass(frozen=True)
class RunRequest:
    command: tuple[str, ...]
    files: Mapping[str, bytes] = field(default_factory=dict)  # work-dir relative path → content
    limits: Limits = field(default_factory=Limits)
    network: NetworkMode = NetworkMode.NONE
    services: tuple[ServiceSpec, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    stdin: bytes = b""
    # Files under this work-dir folder are copied out by the record step.
    artifacts_dir: str = "out"

    def __post_init__(self) -> None:
        if not self.command or not all(isinstance(part, str) for part in self.command):
            raise InvalidRequest("the command must be a non-empty list of strings")
        if any("\0" in part for part in self.command):
            raise InvalidRequest("the command contains a NUL byte")
        for path in (*self.files, self.artifacts_dir):
            work_relative(path)
        for name, value in self.env.items():
            if not _ENV_NAME.match(name) or "\0" in value:
                raise InvalidRequest(f"environment variable {name!r} is not allowed")
        if self.services and self.network is not NetworkMode.PRIVATE:
            raise InvalidRequest("services need network=private (they talk over loopback)")
        names = [service.name for service in self.services]
        if len(set(names)) != len(names):
            raise InvalidRequest("service names must be unique")


def work_relative(path: str) -> PurePosixPath:
    """A path inside the work dir, or InvalidRequest: no absolute paths, no `..`."""
    pure = PurePosixPath(path)
    if (
        not path
        or "\0" in path
        or pure.is_absolute()
        or any(part in ("..", "") for part in pure.parts)
        or pure == PurePosixPath(".")
    ):
        raise InvalidRequest(f"{path!r} is not a plain path inside the work dir")
    return pure


@dataclass(frozen=True)
class ResourceUsage:
    wall_seconds: float
    cpu_seconds: float
    peak_memory_bytes: int
    peak_processes: int
    stdout_bytes: int  # as produced, before the cap
    stderr_bytes: int


@dataclass(frozen=True)
class Artifact:
    path: str  # relative to the artifacts dir
    size: int
    sha256: str
    stored_at: str  # where the record step copied it, on the trusted side


@dataclass(frozen=True)
class RunResult:
    run_id: str
    exit_code: int | None  # None when the sandbox stopped the run
    signal: int | None  # the signal that ended the command, when known
    limit: LimitKind | None  # the limit that stopped the run, if any
    stdout: bytes
    stderr: bytes
    stdout_truncated: bool
    stderr_truncated: bool
    usage: ResourceUsage
    artifacts: tuple[Artifact, ...] = ()
    refused_artifacts: tuple[str, ...] = ()  # symlinks, devices, over-size: not copied
    process_limit_hit: bool = False  # a fork failed because of the process limit

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and self.limit is None


@dataclass(frozen=True)
class Feature:
    """One isolation feature of this host, as `sandbox check` reports it."""

    name: str
    available: bool
    required: bool
    detail: str


@dataclass(frozen=True)
class HostReport:
    backend: str
    features: tuple[Feature, ...]

    @property
    def missing(self) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.required and not f.available)

    @property
    def usable(self) -> bool:
        return not self.missing


class Sandbox(Protocol):
    """Runs one request in isolation and returns what it did."""

    name: str

    def check(self) -> HostReport:
        """Which isolation features this host has."""
        ...

    def run(
        self,
        request: RunRequest,
        *,
        wheelhouse: Path | None = None,
        binds: Sequence[tuple[Path, str]] = (),
        writable_binds: Sequence[tuple[Path, str]] = (),
    ) -> RunResult:
        """Run the request; raise SandboxUnavailable, never run it with less isolation.

        `wheelhouse` is shown read-only at /wheelhouse; `binds` are host folders shown read-only
        at the given paths (a prepared environment); `writable_binds` are host folders the run
        may write (where an environment is built; the trusted side takes them over after)."""
        ...
