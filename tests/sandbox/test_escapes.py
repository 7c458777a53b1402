"""The escape suite: each test is one attack a submitted proof of concept could try.

Every one must be contained: the attack fails inside the sandbox, and the host shows no trace.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearinghouse.config import Settings
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import LimitKind, Limits, NetworkMode, RunResult
from tests.sandbox.conftest import SHORT, Runner, out

NETWORKS = [NetworkMode.NONE, NetworkMode.PRIVATE]

CONNECT = """
import socket, sys
try:
    socket.create_connection(("{host}", {port}), timeout=3)
except OSError as exc:
    print("refused:", exc)
else:
    print("CONNECTED")
"""


def host_processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def host_listener() -> Iterator[int]:
    """The app's own port, as a tiny TCP listener on the host's loopback."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_read_etc_shadow(runner: Runner) -> None:
    result = runner.sh("cat /etc/shadow; ls /etc")
    assert "No such file" in out(result)
    assert "shadow" not in result.stdout.decode()


def test_read_the_database_file_and_secret_key(runner: Runner, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]
    key = settings.effective_secret_key()
    database = Path(settings.database.database or "")
    database.write_bytes(b"SQLite format 3\x00 pretend")
    secret = settings.data_dir / "secret_key"
    result = runner.sh(
        f"cat {secret} {database}; ls {settings.data_dir} /work /root /var /home /srv 2>&1; "
        "cat /proc/1/root/etc/shadow"
    )
    assert key not in out(result)
    assert "SQLite" not in out(result)
    assert result.exit_code != 0


def test_read_another_runs_files(runner: Runner, sandbox: BubblewrapSandbox) -> None:
    first: list[RunResult] = []
    writer = threading.Thread(
        target=lambda: first.append(
            runner.sh("echo other-run-secret > /sandbox/secret; cp /sandbox/secret /tmp/; sleep 3")
        )
    )
    writer.start()
    try:
        time.sleep(1)
        result = runner.sh(
            f"ls -a /sandbox /tmp; cat /sandbox/secret /tmp/secret {sandbox.root}/runs/*/work/*; "
            "grep -rs other-run-secret /sandbox /tmp /dev/shm /proc/*/cwd 2>/dev/null; true"
        )
    finally:
        writer.join()
    assert "other-run-secret" not in out(result)
    assert first[0].exit_code == 0


def test_write_outside_the_work_dir(runner: Runner) -> None:
    targets = "/x /usr/x /etc/x /etc/passwd /bin/x /proc/x /dev/x /sandbox/../x"
    result = runner.sh(
        f"for f in {targets}; do (echo pwned > $f) 2>/dev/null && echo WROTE $f; done; "
        "echo fine > /sandbox/ok && echo fine > /tmp/ok && cat /sandbox/ok /tmp/ok"
    )
    assert "WROTE" not in out(result)
    assert result.stdout.decode().count("fine") == 2


@pytest.mark.parametrize("network", NETWORKS)
def test_connect_to_host_postgresql(runner: Runner, network: NetworkMode) -> None:
    result = runner.py(CONNECT.format(host="127.0.0.1", port=5432), network=network)
    assert "refused" in result.stdout.decode(), out(result)


@pytest.mark.parametrize("network", NETWORKS)
def test_connect_to_host_redis(runner: Runner, network: NetworkMode) -> None:
    result = runner.py(CONNECT.format(host="127.0.0.1", port=6379), network=network)
    assert "refused" in result.stdout.decode(), out(result)


@pytest.mark.parametrize("network", NETWORKS)
def test_connect_to_the_apps_own_port(
    runner: Runner, network: NetworkMode, host_listener: int
) -> None:
    # The host side can reach its own listener; the sandbox cannot.
    socket.create_connection(("127.0.0.1", host_listener), timeout=3).close()
    result = runner.py(CONNECT.format(host="127.0.0.1", port=host_listener), network=network)
    assert "refused" in result.stdout.decode(), out(result)


@pytest.mark.parametrize("network", NETWORKS)
def test_dns_and_egress(runner: Runner, network: NetworkMode) -> None:
    code = """
import socket
for name in ("pypi.org", "example.com"):
    try:
        print("RESOLVED", socket.getaddrinfo(name, 443))
    except OSError as exc:
        print("no dns:", exc)
for address in (("1.1.1.1", 53), ("8.8.8.8", 443), ("2606:4700:4700::1111", 443)):
    try:
        socket.create_connection(address, timeout=3)
        print("CONNECTED", address)
    except OSError as exc:
        print("no egress:", exc)
for family in (socket.AF_NETLINK, socket.AF_PACKET):
    try:
        socket.socket(family, socket.SOCK_RAW)
        print("OPENED", family)
    except OSError as exc:
        print("refused family:", exc)
"""
    result = runner.py(code, network=network)
    text = out(result)
    assert "RESOLVED" not in text and "CONNECTED" not in text and "OPENED" not in text
    assert text.count("no dns") == 2 and text.count("no egress") == 3, text


def test_fork_bomb(runner: Runner) -> None:
    limits = Limits(wall_seconds=3, cpu_seconds=10, processes=32)
    result = runner.sh(
        "bomb() { bomb | bomb & }; bomb; sleep 100 # fork-bomb-marker", limits=limits
    )
    assert result.process_limit_hit
    assert result.usage.peak_processes <= 32
    assert host_processes_with("fork-bomb-marker") == []


def test_memory_bomb(runner: Runner) -> None:
    limits = Limits(wall_seconds=20, cpu_seconds=10, memory_bytes=64 * 2**20)
    result = runner.py("b = bytearray(2 * 1024 ** 3); print('ALLOCATED')", limits=limits)
    assert "ALLOCATED" not in out(result)
    assert result.limit is LimitKind.MEMORY
    assert result.signal == signal.SIGKILL
    assert result.usage.peak_memory_bytes <= 64 * 2**20


def test_filling_the_disk(runner: Runner) -> None:
    limits = Limits(wall_seconds=20, disk_bytes=8 * 2**20, file_size_bytes=2**30)
    result = runner.sh(
        "dd if=/dev/zero of=/sandbox/fill bs=1M count=64; dd if=/dev/zero of=/tmp/fill bs=1M "
        "count=64; dd if=/dev/zero of=/dev/shm/fill bs=1M count=64; ls -l /sandbox/fill /tmp/fill",
        limits=limits,
    )
    assert out(result).count("No space left on device") == 3, out(result)
    assert result.limit is None


def test_spinning_past_the_cpu_limit(runner: Runner) -> None:
    limits = Limits(wall_seconds=30, cpu_seconds=1)
    result = runner.py("while True: pass", limits=limits)
    assert result.limit is LimitKind.CPU_TIME
    assert result.exit_code is None


def test_ptrace_of_a_host_process(runner: Runner) -> None:
    code = f"""
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for pid in (1, {os.getpid()}, os.getppid()):
    if libc.ptrace(16, pid, 0, 0) == 0:  # PTRACE_ATTACH
        print("ATTACHED", pid)
    else:
        print("ptrace", pid, os.strerror(ctypes.get_errno()))
try:
    open("/proc/{os.getpid()}/mem", "rb")
    print("OPENED MEM")
except OSError as exc:
    print("no mem:", exc)
"""
    result = runner.py(code)
    assert "ATTACHED" not in out(result) and "OPENED MEM" not in out(result)
    assert out(result).count("Operation not permitted") == 3, out(result)
    assert "no mem" in out(result)


def test_setuid_tricks(runner: Runner) -> None:
    assert Path("/usr/bin/su").stat().st_mode & 0o4000, "the host's su should be setuid"
    result = runner.sh(
        "grep NoNewPrivs /proc/self/status; su -c 'echo ROOT' root </dev/null; "
        "cp /bin/sh /sandbox/sh && chmod 4755 /sandbox/sh && /sandbox/sh -c 'id -u'; "
        "/usr/bin/python3 -c 'import os; os.setuid(0)' 2>&1 | tail -1"
    )
    text = out(result)
    assert "NoNewPrivs:\t1" in text
    assert "ROOT" not in text
    assert "\n0\n" not in "\n" + result.stdout.decode()
    assert "Invalid argument" in text  # uid 0 does not even exist in the sandbox


def test_seeing_host_processes_in_proc(runner: Runner) -> None:
    result = runner.sh("ls /proc | grep -E '^[0-9]+$'; echo ==; cat /proc/*/cmdline | tr '\\0' ' '")
    listing = result.stdout.decode().split("==")[0]
    pids = [int(line) for line in listing.split()]
    assert pids and max(pids) < 20
    assert "pytest" not in out(result)


def test_killing_processes_outside(runner: Runner) -> None:
    # A host process of the same uid the sandbox runs as: the worst case for signals.
    victim = subprocess.Popen(
        ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "60"]
    )
    try:
        result = runner.sh(f"kill -9 {victim.pid}; kill -9 -1; echo after")
        assert victim.poll() is None, "the host process was killed from inside the sandbox"
        assert "No such process" in out(result)
    finally:
        victim.kill()
        victim.wait()


def test_a_process_left_behind_after_timeout(runner: Runner, sandbox: BubblewrapSandbox) -> None:
    marker = "left-behind-marker"
    limits = Limits(wall_seconds=1.5)
    result = runner.sh(
        f"(setsid sh -c 'sleep 1000 # {marker}' &); nohup sh -c 'sleep 1001 # {marker}' & "
        f"sh -c 'trap \"\" TERM HUP; sleep 1002 # {marker}' & sleep 1003 # {marker}",
        limits=limits,
    )
    assert result.limit is LimitKind.WALL_TIME
    assert host_processes_with(marker) == []
    assert list((sandbox.root / "runs").iterdir()) == []


def test_a_symlink_in_the_artifacts_out_of_the_work_dir(
    runner: Runner, sandbox: BubblewrapSandbox
) -> None:
    host_secret = sandbox.root / "etc" / "passwd"  # a host file the trusted side can read
    result = runner.sh(
        f"cd /sandbox/out && ln -s /etc/shadow shadow && ln -s {host_secret} host && "
        "ln -s / root && mkdir d && ln -s /etc d/etc && ln -s ../../.. up && mkfifo fifo && "
        "echo real > real.txt && ln real.txt hard.txt"
    )
    assert result.exit_code == 0, out(result)
    names = sorted(a.path for a in result.artifacts)
    assert names == ["hard.txt", "real.txt"]
    for artifact in result.artifacts:
        assert Path(artifact.stored_at).read_bytes() == b"real\n"
    refused = " ".join(result.refused_artifacts)
    for name in ("shadow", "host", "root", "d/etc", "up", "fifo"):
        assert name in refused


def test_one_gigabyte_of_stdout(runner: Runner) -> None:
    limits = Limits(wall_seconds=30, output_bytes=2**20)
    result = runner.sh("head -c 1073741824 /dev/zero", limits=limits)
    assert result.limit is LimitKind.OUTPUT
    assert len(result.stdout) == 2**20 and result.stdout_truncated
    assert result.usage.stdout_bytes < 2**30


def test_namespaces_and_mounts_refused_by_seccomp(runner: Runner) -> None:
    code = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
for name, call in (
    ("unshare", lambda: libc.unshare(0x10000000)),
    ("mount", lambda: libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)),
    ("bpf", lambda: libc.syscall(321, 0, 0, 0)),
    ("keyctl", lambda: libc.syscall(250, 0, 0, 0)),
    ("kexec_load", lambda: libc.syscall(246, 0, 0, 0, 0)),
):
    print(name, "ok" if call() == 0 else os.strerror(ctypes.get_errno()))
"""
    result = runner.py(code, limits=SHORT)
    assert result.stdout.decode().count("Operation not permitted") == 5, out(result)
