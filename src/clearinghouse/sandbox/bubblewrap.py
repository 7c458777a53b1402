"""The bubblewrap implementation of `Sandbox` (Debian's `bubblewrap`, /usr/bin/bwrap).

A run is launched as: /bin/sh (root: moves itself into the run's cgroups) → prlimit (file size,
open files, CPU time per process) → setpriv (becomes uid/gid 65534 on the host, no groups) →
bwrap (new user, pid, net, ipc, uts, cgroup and mount namespaces, all capabilities dropped,
seccomp) → the command. So the run is uid 65534 both inside and outside its namespaces, and
every process it makes is in cgroups it cannot leave.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from clearinghouse.sandbox import cgroups, hostcheck, seccomp, stale, workdir
from clearinghouse.sandbox.interface import (
    HostReport,
    LimitKind,
    Limits,
    NetworkMode,
    ResourceUsage,
    RunRequest,
    RunResult,
    SandboxError,
    SandboxUnavailable,
)

BWRAP = "/usr/bin/bwrap"
SANDBOX_PYTHON = "/usr/bin/python3"
WORK = "/sandbox"  # the work dir, as the run sees it
WHEELHOUSE = "/wheelhouse"
SANDBOX_TMP = "/tmp"  # noqa: S108 (a private tmpfs inside the sandbox, not the host's /tmp)
SANDBOX_SHM = "/dev/shm"  # noqa: S108 (likewise)
_SUPERVISOR = Path(__file__).with_name("supervisor.py")
_LAUNCHER = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 121; shift; done; shift; exec "$@"'
_POLL_SECONDS = 0.05
_ETC_FILES = {
    "passwd": "root:x:0:0:root:/nonexistent:/usr/sbin/nologin\n"
    "nobody:x:65534:65534:nobody:/sandbox:/usr/sbin/nologin\n",
    "group": "root:x:0:\nnogroup:x:65534:\n",
    "hosts": "127.0.0.1\tlocalhost\n::1\tlocalhost\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    "resolv.conf": "# no DNS inside the sandbox\n",
}
# Host /etc entries the run may read (shared libraries, certificates, Debian's alternatives).
_ETC_FROM_HOST = ("ld.so.cache", "ssl/certs", "alternatives", "localtime")


@dataclass
class _Streams:
    cap: int
    data: dict[str, bytearray] = field(
        default_factory=lambda: {"stdout": bytearray(), "stderr": bytearray()}
    )
    produced: dict[str, int] = field(default_factory=lambda: {"stdout": 0, "stderr": 0})

    def add(self, name: str, block: bytes) -> bool:
        """Keep up to the cap; False once the stream went past it."""
        self.produced[name] += len(block)
        room = self.cap - len(self.data[name])
        if room > 0:
            self.data[name] += block[:room]
        return self.produced[name] <= self.cap


class BubblewrapSandbox:
    name = "bubblewrap"

    def __init__(self, root: Path, *, bwrap: str = BWRAP) -> None:
        self.root = root
        self.bwrap = bwrap
        self._report: HostReport | None = None

    # -- host ---------------------------------------------------------------------------------

    def check(self) -> HostReport:
        self._report = hostcheck.check_host(self)
        return self._report

    def require_usable(self) -> None:
        """Fail closed: SandboxUnavailable unless every required feature works here."""
        report = self._report or self.check()
        if not report.usable:
            missing = "; ".join(f"{f.name}: {f.detail}" for f in report.missing)
            raise SandboxUnavailable(f"untrusted code cannot run on this host: {missing}")

    def prepare_root(self) -> None:
        """The sandbox folders, owned by root and traversable (not listable) by the run's user."""
        for path in (self.root, self.root / "runs", self.root / "results", self.root / "etc"):
            path.mkdir(mode=0o711, parents=True, exist_ok=True)
            info = path.lstat()
            if path.is_symlink() or info.st_uid != os.geteuid() or info.st_mode & 0o022:
                raise SandboxUnavailable(
                    f"{path} must be a folder owned by uid {os.geteuid()} that no one else can "
                    "write; remove it or set CLEARINGHOUSE_SANDBOX_DIR elsewhere"
                )
            path.chmod(0o711)
        for name, content in _ETC_FILES.items():
            target = self.root / "etc" / name
            if not target.is_file() or target.read_text() != content:
                # A name of its own: runs starting together on a new folder each write the file,
                # and a shared temporary name would be moved away under the other's feet.
                temporary = target.with_name(f".{name}.{uuid.uuid4().hex}.tmp")
                try:
                    temporary.write_text(content)
                    temporary.chmod(0o644)
                    temporary.replace(target)
                finally:
                    temporary.unlink(missing_ok=True)

    # -- running ------------------------------------------------------------------------------

    def run(
        self,
        request: RunRequest,
        *,
        wheelhouse: Path | None = None,
        binds: Sequence[tuple[Path, str]] = (),
        writable_binds: Sequence[tuple[Path, str]] = (),
    ) -> RunResult:
        """Run the request. `binds` are host folders shown read-only at the given paths (a
        prepared environment); `writable_binds` are host folders the run may write (where an
        environment is built; the trusted side takes them over afterwards)."""
        self.require_usable()
        return self.run_checked(
            request, wheelhouse=wheelhouse, binds=binds, writable_binds=writable_binds
        )

    def run_checked(
        self,
        request: RunRequest,
        *,
        wheelhouse: Path | None = None,
        binds: Sequence[tuple[Path, str]] = (),
        writable_binds: Sequence[tuple[Path, str]] = (),
    ) -> RunResult:
        """Run without consulting the host report (the host check itself uses this)."""
        self.prepare_root()
        run_id = uuid.uuid4().hex
        run_dir = self.root / "runs" / run_id
        run_dir.mkdir(mode=0o711)
        stale.mark_owner(run_dir)
        work = run_dir / "work"
        work.mkdir(mode=0o700)
        group: cgroups.RunCgroup | None = None
        try:
            workdir.mount_tmpfs(work, request.limits.disk_bytes)
            workdir.put_files(work, request.files, request.artifacts_dir)
            try:
                group = cgroups.RunCgroup.create(run_id, request.limits)
            except cgroups.CgroupError as exc:
                raise SandboxUnavailable(str(exc)) from exc
            return self._launch(run_id, run_dir, request, group, wheelhouse, binds, writable_binds)
        finally:
            if group is not None:
                group.kill_all()
                group.remove()
            workdir.remove_tree(run_dir)

    def _launch(
        self,
        run_id: str,
        run_dir: Path,
        request: RunRequest,
        group: cgroups.RunCgroup,
        wheelhouse: Path | None,
        binds: Sequence[tuple[Path, str]] = (),
        writable_binds: Sequence[tuple[Path, str]] = (),
    ) -> RunResult:
        limits = request.limits
        program = seccomp.build_filter(allow_inet=request.network is NetworkMode.PRIVATE)
        filter_read, filter_write = os.pipe()
        status_read, status_write = os.pipe()
        os.write(filter_write, program)  # a few hundred bytes: fits in the pipe buffer
        os.close(filter_write)
        stdin_path = run_dir / "stdin"
        stdin_path.write_bytes(request.stdin)
        argv = [
            *launcher(group, limits),
            *self.bwrap_args(
                run_dir,
                request,
                wheelhouse,
                filter_read,
                status_write,
                binds=binds,
                writable_binds=writable_binds,
            ),
        ]
        started = time.monotonic()
        try:
            with stdin_path.open("rb") as stdin:
                process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell interpolation)
                    argv,
                    stdin=stdin,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    pass_fds=(filter_read, status_write),
                    env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                    cwd="/",
                    start_new_session=True,
                )
        finally:
            os.close(filter_read)
            os.close(status_write)
        try:
            streams, limit = self._pump(process, group, request, started)
        except BaseException:
            os.close(status_read)
            raise
        finally:
            group.kill_all()
            process.wait()
        wall = time.monotonic() - started
        status = read_status(status_read)
        if "child-pid" not in status:
            detail = bytes(streams.data["stderr"]).decode(errors="replace").strip()
            raise SandboxError(
                f"bubblewrap could not start the run: {detail or process.returncode}"
            )
        if limit is None and group.memory_limit_hit():
            limit = LimitKind.MEMORY
        exit_code, signal_number = _exit_status(process.returncode, killed=limit is not None)
        collector = workdir.ArtifactCollector(
            self.root / "results" / run_id,
            max_bytes=limits.artifact_bytes,
            max_files=limits.artifact_files,
        )
        collector.collect(run_dir / "work", request.artifacts_dir)
        return RunResult(
            run_id=run_id,
            exit_code=exit_code,
            signal=signal_number,
            limit=limit,
            stdout=bytes(streams.data["stdout"]),
            stderr=bytes(streams.data["stderr"]),
            stdout_truncated=streams.produced["stdout"] > len(streams.data["stdout"]),
            stderr_truncated=streams.produced["stderr"] > len(streams.data["stderr"]),
            usage=ResourceUsage(
                wall_seconds=round(wall, 4),
                cpu_seconds=round(group.cpu_seconds(), 4),
                peak_memory_bytes=group.peak_memory(),
                peak_processes=group.peak_processes(),
                stdout_bytes=streams.produced["stdout"],
                stderr_bytes=streams.produced["stderr"],
            ),
            artifacts=tuple(collector.artifacts),
            refused_artifacts=tuple(collector.refused),
            process_limit_hit=group.process_limit_hit(),
        )

    def _pump(
        self,
        process: subprocess.Popen[bytes],
        group: cgroups.RunCgroup,
        request: RunRequest,
        started: float,
    ) -> tuple[_Streams, LimitKind | None]:
        """Read output and watch the limits until the run ends or one is crossed."""
        limits = request.limits
        streams = _Streams(limits.output_bytes)
        selector = selectors.DefaultSelector()
        assert process.stdout is not None and process.stderr is not None
        selector.register(process.stdout, selectors.EVENT_READ, "stdout")
        selector.register(process.stderr, selectors.EVENT_READ, "stderr")
        open_streams = 2
        limit: LimitKind | None = None
        try:
            while open_streams or process.poll() is None:
                for key, _ in selector.select(timeout=_POLL_SECONDS):
                    block = os.read(key.fd, 65536)
                    if not block:
                        selector.unregister(key.fileobj)
                        open_streams -= 1
                    elif not streams.add(key.data, block):
                        limit = LimitKind.OUTPUT
                if limit is None and time.monotonic() - started > limits.wall_seconds:
                    limit = LimitKind.WALL_TIME
                if limit is None and group.cpu_seconds() > limits.cpu_seconds:
                    limit = LimitKind.CPU_TIME
                if limit is not None:
                    break
                if process.poll() is not None and open_streams:
                    # The command ended; whatever it left holding the pipes dies with its cgroup.
                    group.kill_all()
        finally:
            selector.close()
        if limit is not None:
            group.kill_all()
        for stream in (process.stdout, process.stderr):
            stream.close()
        return streams, limit

    def bwrap_args(
        self,
        run_dir: Path,
        request: RunRequest,
        wheelhouse: Path | None,
        seccomp_fd: int,
        status_fd: int,
        *,
        work: Path | None = None,
        binds: Sequence[tuple[Path, str]] = (),
        writable_binds: Sequence[tuple[Path, str]] = (),
        unshare_net: bool = True,
    ) -> list[str]:
        """bwrap's argv. A session passes its own work dir, extra binds (read-only, or writable
        for its channel folder), and `unshare_net=False` when it joins the network namespace it
        was started in."""
        size = str(request.limits.disk_bytes)
        args = [
            self.bwrap,
            "--unshare-user", "--unshare-pid", *(["--unshare-net"] if unshare_net else []),
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup", "--disable-userns",
            "--uid", str(workdir.SANDBOX_UID), "--gid", str(workdir.SANDBOX_GID),
            "--hostname", "sandbox",
            "--cap-drop", "ALL", "--die-with-parent", "--new-session",
            "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--setenv", "HOME", WORK, "--setenv", "TMPDIR", SANDBOX_TMP,
            "--setenv", "LANG", "C.UTF-8",
            "--ro-bind", "/usr", "/usr",
        ]  # fmt: skip
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = Path("/") / name
            if host.is_symlink():
                args += ["--symlink", str(host.readlink()), f"/{name}"]
            elif host.is_dir():
                args += ["--ro-bind", str(host), f"/{name}"]
        args += ["--proc", "/proc", "--dev", "/dev"]
        args += ["--size", size, "--tmpfs", SANDBOX_TMP, "--size", size, "--tmpfs", SANDBOX_SHM]
        args += ["--dir", "/etc"]
        for name in _ETC_FILES:
            args += ["--ro-bind", str(self.root / "etc" / name), f"/etc/{name}"]
        for name in _ETC_FROM_HOST:
            if (Path("/etc") / name).exists():
                args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
        args += ["--bind", str(work or run_dir / "work"), WORK]
        for source, target in binds:
            args += ["--ro-bind", str(source), target]
        for source, target in writable_binds:
            args += ["--bind", str(source), target]
        if wheelhouse is not None:
            args += ["--ro-bind", str(wheelhouse), WHEELHOUSE]
        command = list(request.command)
        if request.services:
            args += ["--ro-bind", str(_SUPERVISOR), "/run/supervisor.py"]
            services = [
                {
                    "name": s.name,
                    "command": list(s.command),
                    "port": s.port,
                    "ready": s.ready_seconds,
                }
                for s in request.services
            ]
            command = [
                SANDBOX_PYTHON,
                "-I",
                "/run/supervisor.py",
                json.dumps(services),
                "--",
                *command,
            ]
        for name, value in request.env.items():
            args += ["--setenv", name, value]
        args += [
            "--remount-ro", "/dev",  # its device nodes and /dev/shm stay usable
            "--remount-ro", "/",
            "--chdir", WORK,
            "--seccomp", str(seccomp_fd),
            "--json-status-fd", str(status_fd),
            "--", *command,
        ]  # fmt: skip
        return args


def launcher(
    group: cgroups.RunCgroup, limits: Limits, *, network_of: int | None = None
) -> list[str]:
    """The argv before bwrap: join the run's cgroups, set rlimits, (join the network namespace
    of the sandbox whose first process is `network_of`, while still root), become 65534."""
    join = [hostcheck.NSENTER, f"--net=/proc/{network_of}/ns/net", "--"] if network_of else []
    return [
        "/bin/sh", "-c", _LAUNCHER, "sh", *map(str, group.procs_files), "--",
        hostcheck.PRLIMIT,
        f"--fsize={limits.file_size_bytes}",
        f"--nofile={limits.open_files}",
        f"--cpu={int(limits.cpu_seconds) + 1}",  # per process; the cgroup caps the sum
        "--core=0",
        "--",
        *join,
        hostcheck.SETPRIV, f"--reuid={workdir.SANDBOX_UID}", f"--regid={workdir.SANDBOX_GID}",
        "--clear-groups", "--",
    ]  # fmt: skip


def read_status(fd: int) -> dict[str, object]:
    """bwrap's JSON status documents, merged; the writers are dead, so this reaches EOF."""
    os.set_blocking(fd, False)
    chunks = []
    try:
        while True:
            try:
                block = os.read(fd, 65536)
            except BlockingIOError:
                break
            if not block:
                break
            chunks.append(block)
    finally:
        os.close(fd)
    merged: dict[str, object] = {}
    decoder = json.JSONDecoder()
    text = b"".join(chunks).decode(errors="replace")
    position = 0
    while position < len(text):
        while position < len(text) and text[position].isspace():
            position += 1
        if position >= len(text):
            break
        try:
            document, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        if isinstance(document, dict):
            merged.update(document)
    return merged


def _exit_status(returncode: int, *, killed: bool) -> tuple[int | None, int | None]:
    """(exit code, signal). bwrap reports a command ended by signal N as 128 + N, like a shell."""
    if killed or returncode < 0:
        return None, signal.SIGKILL if killed else -returncode
    if returncode > 128 and returncode - 128 < signal.NSIG:
        return None, returncode - 128
    return returncode, None
