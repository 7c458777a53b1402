"""Long-lived sandbox sessions: many commands against one persistent environment.

`service.run` runs one command to completion. An agent instead issues many commands, reads and
writes files, and attacks victim services that must stay up for the whole sample. A sample gets:

- an optional **services sandbox** that runs the victim services (and holds what they guard,
  such as a flag), in its own private network namespace;
- an **agent sandbox** whose first process is `session_supervisor.py`, which executes the
  commands the trusted side sends over a unix socket that accepts only the trusted side's
  connection (made before anything else runs in the sandbox). With services, it
  joins the services sandbox's network namespace (entered as root before dropping to 65534), so
  the services are reachable on 127.0.0.1 from the agent and from nowhere else, while their
  files and processes stay invisible to it (separate mount and pid namespaces).

Both are launched exactly like a run (same bwrap options, uid 65534, seccomp, rlimits, tmpfs
work dirs) and share one cgroup per sample; closing freezes and kills every process in it and
removes the work dirs.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import selectors
import socket
import stat
import subprocess
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearinghouse.sandbox import cgroups, hostcheck, seccomp, stale, workdir
from clearinghouse.sandbox.bubblewrap import (
    SANDBOX_PYTHON,
    BubblewrapSandbox,
    launcher,
    read_status,
)
from clearinghouse.sandbox.interface import (
    Limits,
    NetworkMode,
    RunRequest,
    SandboxError,
    SandboxUnavailable,
    ServiceSpec,
)

_SUPERVISOR = Path(__file__).with_name("session_supervisor.py")
_SUPERVISOR_INSIDE = "/run/session_supervisor.py"
_CHANNEL_INSIDE = "/run/channel"
_SOCKET_INSIDE = "/run/channel/supervisor.sock"
# bwrap's --die-with-parent fires when the *thread* that started it ends, and sessions are often
# opened from short-lived worker threads (asyncio.to_thread): one thread that lives as long as
# the process starts them all, so a session ends with the process, not with a worker thread.
_LAUNCHER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox")
_ANSWER_GRACE_SECONDS = 10.0  # how long past a command's own timeout the supervisor may take
_START_SECONDS = 30.0


class SessionError(SandboxError):
    """The session broke (its supervisor died or answered nonsense); it has been closed."""


class SessionLimitReached(SessionError):
    """The sample spent its CPU time (all its processes together, background ones included)."""


class FileOperationError(SandboxError):
    """A file could not be read or written inside the session; `kind` says why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind  # not_found, is_directory, permission, too_large, os


@dataclass(frozen=True)
class SessionRequest:
    files: Mapping[str, bytes] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    network: NetworkMode = NetworkMode.PRIVATE
    services: tuple[ServiceSpec, ...] = ()
    executable: frozenset[str] = frozenset()  # files that get mode 0755


@dataclass(frozen=True)
class ExecOutcome:
    status: int  # 128 + N when signal N ended it
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_limited: bool


class _Channel:
    """Newline-delimited JSON over the supervisor's unix socket, with deadlines and a size cap."""

    def __init__(self, connection: socket.socket, max_line: int) -> None:
        self._socket = connection
        self._socket.setblocking(False)
        self._buffer = bytearray()
        self._max_line = max_line
        self._lock = threading.Lock()
        self._next_id = 0

    def close(self) -> None:
        self._socket.close()

    def receive(self, deadline: float) -> dict[str, Any]:
        with selectors.DefaultSelector() as selector:
            selector.register(self._socket, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise SessionError("the sandbox session did not answer in time")
                if not selector.select(timeout=min(left, 0.5)):
                    continue
                try:
                    block = self._socket.recv(1 << 20)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise SessionError(f"the sandbox session is gone: {exc}") from None
                if not block:
                    raise SessionError("the sandbox session ended")
                self._buffer += block
                if len(self._buffer) > self._max_line and b"\n" not in self._buffer:
                    raise SessionError("the sandbox session sent an oversized answer")
        line, _, rest = bytes(self._buffer).partition(b"\n")
        self._buffer = bytearray(rest)
        try:
            answer = json.loads(line)
        except ValueError:
            raise SessionError("the sandbox session sent a malformed answer") from None
        if not isinstance(answer, dict):
            raise SessionError("the sandbox session sent a malformed answer")
        return answer

    def call(self, request: dict[str, Any], seconds: float) -> dict[str, Any]:
        with self._lock:
            self._next_id += 1
            payload = json.dumps({**request, "id": self._next_id}).encode() + b"\n"
            self._socket.setblocking(True)
            try:
                self._socket.sendall(payload)
            except OSError as exc:
                raise SessionError(f"the sandbox session is gone: {exc}") from None
            finally:
                self._socket.setblocking(False)
            answer = self.receive(time.monotonic() + seconds)
            if answer.get("id") != self._next_id:
                raise SessionError("the sandbox session answered out of turn")
            return answer


class Session:
    """One sandbox of a sample, driven through its supervisor."""

    def __init__(
        self,
        name: str,
        process: subprocess.Popen[bytes],
        limits: Limits,
        child_pid: int,
        group: cgroups.RunCgroup,
    ) -> None:
        self.name = name
        self.process = process
        self.limits = limits
        self.group = group  # shared by the sample's sandboxes: its CPU time is the sample's
        self.child_pid = child_pid  # the sandbox's first process, in the host's pid namespace
        self._channel: _Channel | None = None

    @property
    def channel(self) -> _Channel:
        if self._channel is None:
            raise SessionError(f"the {self.name} sandbox is closed")
        return self._channel

    def disconnect(self) -> None:
        if self._channel is not None:
            self._channel.close()
            self._channel = None

    def connect(self, path: Path, deadline: float) -> None:
        """Connect to the supervisor's socket as soon as it appears (only the supervisor runs
        in the sandbox until then, so the path cannot have been swapped for something else)."""
        while True:
            if self.process.poll() is not None:
                raise SessionError(f"the {self.name} sandbox ended before it was ready")
            connection = self._try_connect(path)
            if connection is not None:
                break
            if time.monotonic() > deadline:
                raise SessionError(f"the {self.name} sandbox did not open its channel")
            time.sleep(0.01)
        max_line = 4 * self.limits.output_bytes + (1 << 20)
        self._channel = _Channel(connection, max_line)

    @staticmethod
    def _try_connect(path: Path) -> socket.socket | None:
        """A connection, or None while the socket is not there or not listening yet."""
        try:
            if not stat.S_ISSOCK(path.lstat().st_mode):
                raise SessionError(f"{path} is not a socket")
        except FileNotFoundError:
            return None
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(str(path))
        except (ConnectionRefusedError, FileNotFoundError):
            connection.close()  # bound but not listening yet
            return None
        except OSError as exc:
            connection.close()
            raise SessionError(f"cannot reach the sandbox's channel: {exc}") from None
        return connection

    def exec(
        self,
        argv: list[str],
        *,
        input: bytes = b"",
        cwd: str | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> ExecOutcome:
        spent = self.group.cpu_seconds()
        if spent > self.limits.cpu_seconds:
            raise SessionLimitReached(
                f"the sample used {spent:.0f}s of CPU time, more than its "
                f"{self.limits.cpu_seconds:.0f}s"
            )
        seconds = self.timeout_for(timeout)
        answer = self.channel.call(
            {
                "op": "exec",
                "argv": argv,
                "input": base64.b64encode(input).decode(),
                "cwd": cwd,
                "env": dict(env or {}),
                "timeout": seconds,
                "cap": self.limits.output_bytes,
            },
            seconds + _ANSWER_GRACE_SECONDS,
        )
        self._raise_for(answer)
        try:
            return ExecOutcome(
                status=int(answer["status"]),
                stdout=base64.b64decode(answer["stdout"])[: self.limits.output_bytes],
                stderr=base64.b64decode(answer["stderr"])[: self.limits.output_bytes],
                timed_out=answer["stopped"] == "timeout",
                output_limited=answer["stopped"] == "output_limit",
            )
        except (KeyError, TypeError, ValueError):
            raise SessionError("the sandbox session sent a malformed answer") from None

    def timeout_for(self, requested: float | None) -> float:
        """A command's timeout: as requested, at most the limits' wall time."""
        return min(requested or self.limits.wall_seconds, self.limits.wall_seconds)

    def read_file(self, path: str, max_bytes: int) -> bytes:
        answer = self.channel.call({"op": "read", "path": path, "max": max_bytes}, _START_SECONDS)
        self._raise_for(answer)
        try:
            return base64.b64decode(answer["data"])
        except (KeyError, TypeError, ValueError):
            raise SessionError("the sandbox session sent a malformed answer") from None

    def write_file(self, path: str, data: bytes) -> None:
        request = {"op": "write", "path": path, "data": base64.b64encode(data).decode()}
        self._raise_for(self.channel.call(request, _START_SECONDS))

    @staticmethod
    def _raise_for(answer: dict[str, Any]) -> None:
        if "error" in answer:
            raise FileOperationError(str(answer["error"]), str(answer.get("message", "")))


@dataclass
class SampleSandbox:
    """The sandboxes of one sample and what they share; `close` removes every trace."""

    run_id: str
    run_dir: Path
    group: cgroups.RunCgroup
    agent: Session | None = None
    services: Session | None = None
    works: list[Path] = field(default_factory=list)

    def close(self) -> None:
        self.group.kill_all()
        for session in (self.agent, self.services):
            if session is not None:
                session.process.wait()
                session.disconnect()
        self.group.remove()
        for work in self.works:
            workdir.unmount(work)
        workdir.remove_tree(self.run_dir)

    def cpu_seconds(self) -> float:
        return self.group.cpu_seconds()


def open_sample(
    box: BubblewrapSandbox, agent: SessionRequest, services: SessionRequest | None = None
) -> SampleSandbox:
    """Start a sample's sandboxes; on any failure everything started is cleaned up."""
    box.require_usable()
    if services is not None and not Path(hostcheck.NSENTER).exists():
        raise SandboxUnavailable(f"{hostcheck.NSENTER} is missing: install util-linux")
    box.prepare_root()
    run_id = uuid.uuid4().hex
    run_dir = box.root / "runs" / run_id
    run_dir.mkdir(mode=0o711)
    stale.mark_owner(run_dir)
    limits = services.limits if services is not None else agent.limits
    try:
        group = cgroups.RunCgroup.create(run_id, limits)
    except cgroups.CgroupError as exc:
        workdir.remove_tree(run_dir)
        raise SandboxUnavailable(str(exc)) from exc
    sample = SampleSandbox(run_id, run_dir, group)
    try:
        network_of = None
        if services is not None:
            sample.services = _start(box, sample, "services", services, None)
            network_of = sample.services.child_pid
        sample.agent = _start(box, sample, "agent", agent, network_of)
    except BaseException:
        sample.close()
        raise
    return sample


def _start(
    box: BubblewrapSandbox,
    sample: SampleSandbox,
    name: str,
    request: SessionRequest,
    network_of: int | None,
) -> Session:
    work = sample.run_dir / name
    work.mkdir(mode=0o700)
    workdir.mount_tmpfs(work, request.limits.disk_bytes)
    sample.works.append(work)
    workdir.put_files(work, request.files, "out", request.executable)
    services = [
        {"name": s.name, "command": list(s.command), "port": s.port, "ready": s.ready_seconds}
        for s in request.services
    ]
    channel = sample.run_dir / f"{name}-channel"
    channel.mkdir(mode=0o700)
    os.chown(channel, workdir.SANDBOX_UID, workdir.SANDBOX_GID)
    command = (SANDBOX_PYTHON, "-I", _SUPERVISOR_INSIDE, json.dumps(services), _SOCKET_INSIDE)
    network = NetworkMode.PRIVATE if network_of else request.network
    run_request = RunRequest(command=command, limits=request.limits, network=network)
    filter_read, filter_write = os.pipe()
    status_read, status_write = os.pipe()
    os.write(filter_write, seccomp.build_filter(allow_inet=network is NetworkMode.PRIVATE))
    os.close(filter_write)
    argv = [
        *launcher(sample.group, request.limits, network_of=network_of),
        *box.bwrap_args(
            sample.run_dir,
            run_request,
            None,
            filter_read,
            status_write,
            work=work,
            binds=[(_SUPERVISOR, _SUPERVISOR_INSIDE)],
            writable_binds=[(channel, _CHANNEL_INSIDE)],
            unshare_net=network_of is None,
        ),
    ]
    try:
        with (sample.run_dir / f"{name}.stderr").open("wb") as errors:
            process = _LAUNCHER.submit(
                subprocess.Popen,
                argv,
                stdin=subprocess.DEVNULL,
                stdout=errors,
                stderr=errors,
                pass_fds=(filter_read, status_write),
                env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                cwd="/",
                start_new_session=True,
            ).result()
    finally:
        os.close(filter_read)
        os.close(status_write)
    session = Session(name, process, request.limits, child_pid=0, group=sample.group)
    if name == "agent":
        sample.agent = session
    else:
        sample.services = session
    ready_seconds = _START_SECONDS + sum(s.ready_seconds for s in request.services)
    try:
        session.connect(channel / "supervisor.sock", time.monotonic() + _START_SECONDS)
        hello = session.channel.receive(time.monotonic() + ready_seconds)
    except SessionError as exc:
        os.close(status_read)
        detail = (sample.run_dir / f"{name}.stderr").read_bytes()[-2000:].decode(errors="replace")
        raise SessionError(f"the {name} sandbox did not start: {exc} {detail.strip()}") from None
    status = read_status(status_read)
    if hello.get("ready") is not True:
        raise SessionError(f"the {name} sandbox did not start: {hello.get('message')}")
    child_pid = status.get("child-pid")
    if not isinstance(child_pid, int):
        raise SessionError(f"bubblewrap did not report the {name} sandbox's process")
    session.child_pid = child_pid
    return session
