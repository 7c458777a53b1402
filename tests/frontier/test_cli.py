"""`clearinghouse frontier new-key|seal|controls`, through the real command."""

from __future__ import annotations

import json
from pathlib import Path

from clearinghouse.frontier.store import parse_key
from clearinghouse.frontier.tasks import designation_store, task_folders
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from tests.helpers import cli_env, run_cli


def _env(tmp_path: Path, sandbox_root: Path, key: str | None) -> dict[str, str]:
    extra = {"CLEARINGHOUSE_SANDBOX_DIR": str(sandbox_root)}
    if key is not None:
        extra["CLEARINGHOUSE_FRONTIER_TASK_KEY"] = key
    return cli_env(tmp_path / "data", **extra)


def test_controls_print_the_three_scores(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox
) -> None:
    made = run_cli("frontier", "new-key", env=cli_env(tmp_path / "data"))
    key = made.stdout.strip()
    assert len(parse_key(key)) == 32
    env = _env(tmp_path, sandbox_root, key)
    done = run_cli("frontier", "controls", "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["passed"] is True and report["suite"] == "calibration"
    means = {agent["agent"]: agent["mean"] for agent in report["agents"]}
    assert means == {"oracle": 1.0, "cheater": 0.0, "idle": 0.0}
    # The store was sealed in the data dir; its decryption is in the audit log.
    assert (tmp_path / "data" / "frontier" / "calibration.store").is_file()
    audit = run_cli("audit", "list", "--action", "frontier.tasks.decrypt", "--json", env=env)
    assert audit.returncode == 0, audit.stderr
    assert '"outcome": "success"' in audit.stdout


def test_without_a_key_the_command_says_what_to_set(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox
) -> None:
    done = run_cli("frontier", "controls", env=_env(tmp_path, sandbox_root, None))
    assert done.returncode == 2
    assert "CLEARINGHOUSE_FRONTIER_TASK_KEY" in done.stderr


def test_a_wrong_key_fails_cleanly(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox
) -> None:
    env = _env(tmp_path, sandbox_root, "A" * 43 + "=")
    sealed = run_cli("frontier", "seal", env=env)
    assert sealed.returncode == 0, sealed.stderr
    env["CLEARINGHOUSE_FRONTIER_TASK_KEY"] = "B" * 43 + "="
    done = run_cli("frontier", "controls", env=env)
    assert done.returncode == 2
    assert "decryption failed" in done.stderr


def test_unseal_writes_the_designation_tasks_for_editing(
    tmp_path: Path, sandbox_root: Path, designation_key: str
) -> None:
    env = _env(tmp_path, sandbox_root, designation_key)
    store = str(designation_store())
    out = tmp_path / "tasks"
    done = run_cli("frontier", "unseal", "--store", store, "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert "unsealed" in done.stdout
    assert len(task_folders(out)) >= 10
    again = run_cli("frontier", "unseal", "--store", store, "--out", str(out), env=env)
    assert again.returncode == 2 and "not empty" in again.stderr
