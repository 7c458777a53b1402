"""`clearinghouse sandbox check|run`, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import RunRequest, SandboxUnavailable
from tests.helpers import cli_env, run_cli


def _env(tmp_path: Path, sandbox_root: Path) -> dict[str, str]:
    return cli_env(tmp_path / "data", CLEARINGHOUSE_SANDBOX_DIR=str(sandbox_root))


def test_check_reports_every_feature(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox
) -> None:
    done = run_cli("sandbox", "check", "--json", env=_env(tmp_path, sandbox_root))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["usable"] is True
    names = {f["name"] for f in report["features"] if f["available"]}
    for name in ("bubblewrap", "seccomp active", "pid namespace", "network namespace"):
        assert name in names
    table = run_cli("sandbox", "check", env=_env(tmp_path, sandbox_root))
    assert table.returncode == 0 and "every required isolation feature works" in table.stdout


def test_run_passes_output_and_exit_status(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox
) -> None:
    local = tmp_path / "poc.sh"
    local.write_text("echo inside; id -u; exit 4\n")
    done = run_cli(
        "sandbox", "run", "--limits", "wall=10,memory=128M", "--file", f"{local}:poc.sh",
        "--", "sh", "poc.sh",
        env=_env(tmp_path, sandbox_root),
    )  # fmt: skip
    assert done.returncode == 4
    assert done.stdout == "inside\n65534\n"
    assert "sandbox: exit 4" in done.stderr


def test_run_reports_a_limit_as_json(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox
) -> None:
    done = run_cli(
        "sandbox", "run", "--json", "--net", "private", "--limits", "wall=1",
        "--", "sleep", "30",
        env=_env(tmp_path, sandbox_root),
    )  # fmt: skip
    assert done.returncode == 137
    result = json.loads(done.stdout)
    assert result["limit"] == "wall_time" and result["signal"] == 9


def test_bad_limits_are_a_usage_error(tmp_path: Path, sandbox_root: Path) -> None:
    done = run_cli(
        "sandbox", "run", "--limits", "ram=1G", "--", "true", env=_env(tmp_path, sandbox_root)
    )
    assert done.returncode == 2 and "NAME=VALUE" in done.stderr


def test_fails_closed_without_bubblewrap(sandbox_root: Path, tmp_path: Path) -> None:
    box = BubblewrapSandbox(sandbox_root, bwrap=str(tmp_path / "no-bwrap"))
    report = box.check()
    assert not report.usable
    assert "apt-get install -y bubblewrap" in report.missing[0].detail
    try:
        box.run(RunRequest(command=("touch", "/sandbox/out/ran")))
    except SandboxUnavailable as exc:
        assert "untrusted code cannot run on this host" in str(exc)
        assert "bubblewrap" in str(exc)
    else:
        raise AssertionError("ran without bubblewrap")


def test_fails_closed_when_the_sandbox_folder_is_unreachable(tmp_path: Path) -> None:
    # tmp_path's parents are 0700: uid 65534 could not reach a work dir there.
    env = cli_env(tmp_path / "data", CLEARINGHOUSE_SANDBOX_DIR=str(tmp_path / "box"))
    check = run_cli("sandbox", "check", env=env)
    assert check.returncode == 1
    assert "untrusted code will not run on this host" in check.stderr
    run = run_cli("sandbox", "run", "--", "echo", "RAN", env=env)
    assert run.returncode == 2
    assert "RAN" not in run.stdout
    assert "not traversable by uid 65534" in run.stderr
