"""Limits, their validation and parsing, and each one enforced on a real run."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from clearinghouse.config import Settings
from clearinghouse.sandbox import service
from clearinghouse.sandbox.cli import parse_limits
from clearinghouse.sandbox.interface import (
    InvalidRequest,
    LimitKind,
    Limits,
    NetworkMode,
    RunRequest,
    ServiceSpec,
)
from tests.sandbox.conftest import Runner, out


def test_limits_are_validated() -> None:
    with pytest.raises(InvalidRequest, match="memory_bytes"):
        Limits(memory_bytes=1)
    with pytest.raises(InvalidRequest, match="wall_seconds, processes"):
        Limits(wall_seconds=0, processes=0)


def test_parse_limits() -> None:
    limits = parse_limits("wall=5,cpu=2.5,memory=256M,processes=32,output=4K,disk=1G,fsize=10")
    assert limits.wall_seconds == 5 and limits.cpu_seconds == 2.5
    assert limits.memory_bytes == 256 * 2**20 and limits.processes == 32
    assert limits.output_bytes == 4096 and limits.disk_bytes == 2**30
    assert limits.file_size_bytes == 10
    with pytest.raises(InvalidRequest, match="NAME=VALUE"):
        parse_limits("ram=1G")
    with pytest.raises(InvalidRequest, match="bad value"):
        parse_limits("memory=lots")


@pytest.mark.parametrize(
    "path", ["/etc/x", "../x", "a/../../x", "", ".", "a/./../x", "x\0y"], ids=repr
)
def test_files_must_stay_in_the_work_dir(path: str) -> None:
    with pytest.raises(InvalidRequest):
        RunRequest(command=("true",), files={path: b""})


def test_services_need_a_private_network() -> None:
    service = ServiceSpec("web", ("true",), 8080)
    with pytest.raises(InvalidRequest, match="network=private"):
        RunRequest(command=("true",), services=(service,))
    RunRequest(command=("true",), services=(service,), network=NetworkMode.PRIVATE)


def test_exit_code_stdout_stderr_and_files_in(runner: Runner) -> None:
    result = runner.sh(
        "cat input/data.txt; echo oops >&2; cat; exit 3",
        files={"input/data.txt": b"hello\n"},
        stdin=b"from stdin\n",
    )
    assert result.exit_code == 3 and result.signal is None and result.limit is None
    assert result.stdout == b"hello\nfrom stdin\n" and result.stderr == b"oops\n"


def test_a_signal_is_reported(runner: Runner) -> None:
    result = runner.sh("kill -SEGV $$")
    assert result.exit_code is None and result.signal == signal.SIGSEGV


def test_wall_time(runner: Runner) -> None:
    result = runner.sh("sleep 30", limits=Limits(wall_seconds=1))
    assert result.limit is LimitKind.WALL_TIME and result.signal == signal.SIGKILL


def test_file_size(runner: Runner) -> None:
    result = runner.sh(
        "dd if=/dev/zero of=/sandbox/big bs=1K count=64", limits=Limits(file_size_bytes=16384)
    )
    assert result.signal == signal.SIGXFSZ, out(result)


def test_open_files(runner: Runner) -> None:
    result = runner.py(
        "import os\nfds = []\ntry:\n    while True: fds.append(os.open('/dev/null', 0))\n"
        "except OSError as exc: print(len(fds), exc)",
        limits=Limits(open_files=32),
    )
    assert "Too many open files" in out(result)
    assert int(result.stdout.split()[0]) < 32


def test_processes(runner: Runner) -> None:
    result = runner.sh(
        "for i in $(seq 20); do sleep 5 & done; wait", limits=Limits(processes=8, wall_seconds=3)
    )
    assert result.process_limit_hit
    assert "fork" in out(result).lower() or "resource" in out(result).lower()


def test_cpu_bandwidth_is_capped(runner: Runner) -> None:
    # Two busy processes under a one-core cap: CPU time cannot run ahead of wall time by much.
    result = runner.sh(
        "timeout 2 sh -c 'while :; do :; done' & timeout 2 sh -c 'while :; do :; done'; wait",
        limits=Limits(cpus=0.5, wall_seconds=10),
    )
    assert result.usage.cpu_seconds < result.usage.wall_seconds * 0.5 + 0.3


def test_usage_is_reported(runner: Runner) -> None:
    result = runner.py("b = bytearray(32 * 1024 * 1024); print(len(b))")
    assert result.exit_code == 0
    assert result.usage.peak_memory_bytes >= 32 * 2**20
    assert result.usage.cpu_seconds > 0 and result.usage.peak_processes >= 1
    assert result.usage.stdout_bytes == len(result.stdout)


def test_artifacts_are_capped(runner: Runner) -> None:
    result = runner.sh(
        "cd out && head -c 3000 /dev/zero > a && head -c 3000 /dev/zero > b && "
        "echo small > c && mkdir -p deep/er && echo x > deep/er/d",
        limits=Limits(artifact_bytes=4096, artifact_files=2),
    )
    stored = {a.path: a.size for a in result.artifacts}
    assert stored == {"a": 3000, "c": 6}
    assert any("b: over the artifact size limit" in r for r in result.refused_artifacts)
    assert any("deep/er/d: over the artifact count limit" in r for r in result.refused_artifacts)


def test_released_artifacts_are_deleted(runner: Runner, sandbox_root: Path) -> None:
    settings = Settings(sandbox_dir=sandbox_root, _env_file=None)  # type: ignore[call-arg]
    result = service.run(settings, RunRequest(command=("sh", "-c", "echo x > out/a")))
    stored = Path(result.artifacts[0].stored_at)
    assert stored.read_bytes() == b"x\n"
    service.release(settings, result)
    assert not stored.exists() and not stored.parent.exists()
