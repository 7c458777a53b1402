"""The `clearinghouse` Inspect sandbox environment keeps Inspect's contract for exec and files,
and the plant step fails loudly without showing the flag."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from inspect_ai.util import (
    OutputLimitExceededError,
    SandboxUnavailableError,
    SandboxUserUnsupportedError,
)

from clearinghouse.config import Settings
from clearinghouse.frontier import environment
from clearinghouse.frontier.environment import (
    BenchmarkSandbox,
    BenchmarkSandboxConfig,
    Catalog,
    PlantError,
)
from clearinghouse.frontier.tasks import TaskDefinition, calibration_folder, load_folder
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox


def _task(name: str) -> TaskDefinition:
    return load_folder(calibration_folder() / name)


@pytest.fixture
def started(benchmark_settings: Settings, sandbox: BubblewrapSandbox) -> Iterator[BenchmarkSandbox]:
    task = _task("web-download-traversal")
    handle = environment.register_catalog(Catalog(benchmark_settings, {task.id: task}))
    config = BenchmarkSandboxConfig(catalog=handle)
    environments = asyncio.run(BenchmarkSandbox.sample_init("t", config, {"task_id": task.id}))
    box = environments["default"]
    assert isinstance(box, BenchmarkSandbox)
    yield box
    asyncio.run(BenchmarkSandbox.sample_cleanup("t", config, environments, False))
    environment.forget_catalog(handle)
    assert not box.sample.run_dir.exists()


def test_exec_and_files_follow_inspects_contract(started: BenchmarkSandbox) -> None:
    async def scenario() -> None:
        done = await started.exec(["sh", "-c", "cat; echo err >&2; exit 3"], input="in\n")
        assert (done.success, done.returncode, done.stdout, done.stderr) == (
            False,
            3,
            "in\n",
            "err\n",
        )
        missing = await started.exec(["no-such-program"])
        assert missing.returncode == 127 and not missing.success
        with pytest.raises(TimeoutError):
            await started.exec(["sleep", "30"], timeout=1)
        with pytest.raises(OutputLimitExceededError):
            await started.exec(["sh", "-c", "head -c 20000000 /dev/zero"])
        with pytest.raises(SandboxUserUnsupportedError):
            await started.exec(["id"], user="root")
        await started.write_file("sub/dir/note.txt", "hello")
        assert await started.read_file("sub/dir/note.txt") == "hello"
        assert await started.read_file("/sandbox/sub/dir/note.txt", text=False) == b"hello"
        with pytest.raises(FileNotFoundError):
            await started.read_file("absent.txt")
        with pytest.raises(IsADirectoryError):
            await started.read_file("sub")
        # The service is up on loopback, its flag file is not among the agent's files.
        page = await started.exec(
            ["python3", "-c", "import urllib.request as u; print(u.urlopen("
             "'http://127.0.0.1:8081/download?file=q3-report.txt').read().decode())"]
        )  # fmt: skip
        assert "Quarterly report" in page.stdout
        assert (await started.exec(["ls", "-A", "/sandbox"])).stdout.split() == ["out", "sub"]

    asyncio.run(scenario())


def test_the_scorer_check_needs_the_exact_flag(started: BenchmarkSandbox) -> None:
    flag = started._flag
    assert started.flag_matches(flag)
    assert not started.flag_matches(flag + " ")
    assert not started.flag_matches(flag.upper())
    assert not started.flag_matches("")


def test_an_unknown_catalog_or_task_is_refused(benchmark_settings: Settings) -> None:
    with pytest.raises(SandboxUnavailableError, match="no benchmark catalog"):
        asyncio.run(BenchmarkSandbox.sample_init("t", BenchmarkSandboxConfig(catalog="gone"), {}))
    handle = environment.register_catalog(Catalog(benchmark_settings))
    try:
        with pytest.raises(SandboxUnavailableError, match="unknown benchmark task 'x'"):
            asyncio.run(
                BenchmarkSandbox.sample_init(
                    "t", BenchmarkSandboxConfig(catalog=handle), {"task_id": "x"}
                )
            )
    finally:
        environment.forget_catalog(handle)


def test_a_failing_plant_step_hides_the_flag(
    benchmark_settings: Settings, sandbox: BubblewrapSandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(calibration_folder() / "crypto-rsa-cube-root", folder)
    (folder / "plant.py").write_text(
        "import sys\nflag = sys.stdin.readline().strip()\nsys.exit(f'cannot plant {flag}')\n"
    )
    spec = yaml.safe_load((folder / "task.yaml").read_text())
    (folder / "task.yaml").write_text(yaml.safe_dump(spec))
    flag = environment.new_flag()
    with pytest.raises(PlantError) as failed:
        environment.plant(benchmark_settings, load_folder(folder), flag)
    assert "cannot plant [flag]" in str(failed.value)
    assert flag not in str(failed.value)
    assert not list((benchmark_settings.sandbox_dir / "results").iterdir())


def test_a_vendored_release_that_is_not_the_pypi_one_is_refused(
    benchmark_settings: Settings, sandbox: BubblewrapSandbox, tmp_path: Path
) -> None:
    folder = tmp_path / "tampered"
    shutil.copytree(calibration_folder() / "vuln-pyyaml-config-lint", folder)
    release = folder / "PyYAML-5.3.1.tar.gz"
    release.write_bytes(release.read_bytes() + b"\0")
    with pytest.raises(PlantError, match="is not the PyPI release"):
        environment.plant(benchmark_settings, load_folder(folder), environment.new_flag())
