"""Sandbox fixtures: a real bubblewrap sandbox in a folder uid 65534 can reach.

Without bubblewrap (or another required isolation feature) these tests skip locally and fail
under CLEARINGHOUSE_REQUIRE_SERVICES=1, like every other service the suite needs.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import Limits, NetworkMode, RunRequest, RunResult
from tests.conftest import service_missing

# Short limits so that no test can hang: every run ends within a few seconds.
SHORT = Limits(wall_seconds=10, cpu_seconds=5, memory_bytes=256 * 2**20, processes=64)


@pytest.fixture(scope="session")
def sandbox_root() -> Iterator[Path]:
    # pytest's tmp_path sits under a 0700 folder that uid 65534 cannot walk through.
    root = Path(tempfile.mkdtemp(prefix="ch-sandbox-", dir="/tmp"))
    root.chmod(0o711)
    yield root / "box"
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox(sandbox_root: Path) -> BubblewrapSandbox:
    box = BubblewrapSandbox(sandbox_root)
    report = box.check()
    if not report.usable:
        missing = "; ".join(f"{f.name}: {f.detail}" for f in report.missing)
        service_missing("the bubblewrap sandbox", missing)
    return box


class Runner:
    """Runs shell or Python snippets in the sandbox with short limits."""

    def __init__(self, box: BubblewrapSandbox) -> None:
        self.box = box

    def sh(self, script: str, **kwargs: object) -> RunResult:
        return self.run(("/bin/sh", "-c", script), **kwargs)

    def py(self, code: str, **kwargs: object) -> RunResult:
        return self.run(("/usr/bin/python3", "-I", "-c", code), **kwargs)

    def run(
        self,
        command: tuple[str, ...],
        *,
        limits: Limits = SHORT,
        network: NetworkMode = NetworkMode.NONE,
        **kwargs: object,
    ) -> RunResult:
        request = RunRequest(command=command, limits=limits, network=network, **kwargs)  # type: ignore[arg-type]
        return self.box.run(request)


@pytest.fixture
def runner(sandbox: BubblewrapSandbox) -> Runner:
    return Runner(sandbox)


def out(result: RunResult) -> str:
    return result.stdout.decode(errors="replace") + result.stderr.decode(errors="replace")
