"""Long-lived sessions: one persistent environment per sample, victims in a sandbox of their own."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import Limits, NetworkMode, ServiceSpec
from clearinghouse.sandbox.session import (
    FileOperationError,
    SampleSandbox,
    SessionError,
    SessionLimitReached,
    SessionRequest,
    open_sample,
)
from tests.helpers import free_port

LIMITS = Limits(wall_seconds=10, cpu_seconds=20, memory_bytes=256 * 2**20, output_bytes=4096)


def _web(port: int) -> ServiceSpec:
    command = ("/usr/bin/python3", "-m", "http.server", str(port), "--bind", "127.0.0.1")
    return ServiceSpec("web", command, port)


@pytest.fixture
def plain(sandbox: BubblewrapSandbox) -> Iterator[SampleSandbox]:
    sample = open_sample(sandbox, SessionRequest(files={"given.txt": b"given\n"}, limits=LIMITS))
    yield sample
    sample.close()


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def with_services(sandbox: BubblewrapSandbox, port: int) -> Iterator[SampleSandbox]:
    services = SessionRequest(
        files={"secret.txt": b"only the service may read this\n"},
        limits=LIMITS,
        services=(_web(port),),
    )
    sample = open_sample(sandbox, SessionRequest(limits=LIMITS), services)
    yield sample
    sample.close()


def _sh(sample: SampleSandbox, script: str, timeout: float | None = None) -> str:
    assert sample.agent is not None
    outcome = sample.agent.exec(["/bin/sh", "-c", script], timeout=timeout)
    return (outcome.stdout + outcome.stderr).decode()


def test_commands_share_one_persistent_environment(plain: SampleSandbox) -> None:
    assert _sh(plain, "id -u; cat given.txt; pwd").split() == ["65534", "given", "/sandbox"]
    _sh(plain, "echo kept > made.txt; (sleep 30 &) ; echo started")
    assert _sh(plain, "cat made.txt").strip() == "kept"
    # A background process started by one command is still there for the next.
    assert "sleep 30" in _sh(plain, "ps -eo args")


def test_each_command_has_its_own_timeout_and_output_cap(plain: SampleSandbox) -> None:
    assert plain.agent is not None
    slow = plain.agent.exec(["sleep", "20"], timeout=1)
    assert slow.timed_out and not slow.output_limited
    loud = plain.agent.exec(["/bin/sh", "-c", "yes | head -c 100000"])
    assert loud.output_limited and len(loud.stdout) <= LIMITS.output_bytes
    # The session outlives both.
    assert _sh(plain, "echo still here").strip() == "still here"


def test_files_are_read_and_written_inside_the_sandbox(plain: SampleSandbox) -> None:
    assert plain.agent is not None
    plain.agent.write_file("deep/folder/note.bin", b"\x00\x01binary")
    assert plain.agent.read_file("/sandbox/deep/folder/note.bin", 100) == b"\x00\x01binary"
    _sh(plain, "ln -s /etc/shadow link")
    with pytest.raises(FileOperationError) as missing:
        plain.agent.read_file("link", 100)  # the host's shadow file does not exist in here
    assert missing.value.kind == "not_found"
    with pytest.raises(FileOperationError) as folder:
        plain.agent.read_file("deep", 100)
    assert folder.value.kind == "is_directory"
    with pytest.raises(FileOperationError) as large:
        plain.agent.read_file("deep/folder/note.bin", 3)
    assert large.value.kind == "too_large"


def test_the_channel_cannot_be_reached_from_inside(plain: SampleSandbox) -> None:
    listing = _sh(plain, "ls -A /run/channel; echo end")
    assert listing.strip() == "end"  # the socket was removed once the trusted side connected
    # The supervisor is not dumpable: its descriptors are closed to commands.
    denied = _sh(plain, "for p in /proc/[0-9]*; do ls $p/fd >/dev/null 2>&1 || echo denied; done")
    assert "denied" in denied


def test_services_are_reachable_but_their_files_are_not(
    with_services: SampleSandbox, port: int
) -> None:
    fetch = (
        "import urllib.request; print(urllib.request.urlopen("
        f"'http://127.0.0.1:{port}/secret.txt', timeout=5).read().decode())"
    )
    assert with_services.agent is not None
    outcome = with_services.agent.exec(["python3", "-c", fetch])
    assert outcome.stdout.strip() == b"only the service may read this"
    # Same network, separate mount and pid namespaces: the agent sees neither files nor processes.
    seen = _sh(with_services, "ls -R /sandbox /tmp; cat /sandbox/secret.txt")
    assert "only the service" not in seen and "No such file" in seen
    assert "http.server" not in _sh(with_services, "ps -eo args")
    with socket.socket() as probe:
        probe.settimeout(2)
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # not from the host


def test_no_egress_from_a_session(plain: SampleSandbox) -> None:
    probe = (
        "import socket\n"
        "for target in [('1.1.1.1', 53), ('127.0.0.1', 5432)]:\n"
        "    try:\n"
        "        socket.create_connection(target, timeout=3)\n"
        "        print('open', target)\n"
        "    except OSError:\n"
        "        print('closed', target)\n"
    )
    assert plain.agent is not None
    out = plain.agent.exec(["python3", "-c", probe]).stdout.decode()
    assert out.count("closed") == 2, out


def test_close_kills_everything_and_removes_the_work_dirs(
    sandbox: BubblewrapSandbox, port: int
) -> None:
    services = SessionRequest(limits=LIMITS, services=(_web(port),))
    sample = open_sample(sandbox, SessionRequest(limits=LIMITS), services)
    _sh(sample, "nohup sleep 300 >/dev/null 2>&1 &")
    assert len(sample.group.pids()) >= 3
    sample.close()
    assert not sample.run_dir.exists()
    assert not any(path.exists() for path in sample.group.dirs.values())
    with pytest.raises(SessionError):
        _sh(sample, "echo too late")


def test_a_service_that_never_listens_fails_the_start(sandbox: BubblewrapSandbox) -> None:
    mute = SessionRequest(
        limits=LIMITS,
        network=NetworkMode.PRIVATE,
        services=(ServiceSpec("mute", ("sleep", "30"), 9, ready_seconds=0.5),),
    )
    with pytest.raises(SessionError, match="service mute did not accept connections"):
        open_sample(sandbox, SessionRequest(limits=LIMITS), mute)
    assert not list(Path(sandbox.root / "runs").iterdir())


def test_background_work_counts_against_the_samples_cpu_time(sandbox: BubblewrapSandbox) -> None:
    sample = open_sample(sandbox, SessionRequest(limits=replace(LIMITS, cpu_seconds=1)))
    try:
        _sh(sample, "(sh -c 'while :; do :; done' &) ; echo spinning")
        with pytest.raises(SessionLimitReached, match="CPU time"):
            for _ in range(200):
                _sh(sample, "sleep 0.1")
    finally:
        sample.close()


def test_a_session_outlives_the_thread_that_opened_it(sandbox: BubblewrapSandbox) -> None:
    opened: list[SampleSandbox] = []
    worker = threading.Thread(
        target=lambda: opened.append(open_sample(sandbox, SessionRequest(limits=LIMITS)))
    )
    worker.start()
    worker.join()
    try:
        assert _sh(opened[0], "echo alive").strip() == "alive"
    finally:
        opened[0].close()
