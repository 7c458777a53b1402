"""`clearinghouse frontier run|runs|show` against a real OpenAI-compatible endpoint over HTTP.

The endpoint replays a scripted conversation: on the notes task it calls `bash` with the task's
solution and submits the flag its output shows; on the RSA task it looks around and submits a
wrong flag. Everything else is the product: Inspect's provider and ReAct agent, the sandbox,
the scorer, the database and the policy.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from clearinghouse.frontier.agents import solution_command
from clearinghouse.frontier.store import parse_key, seal_folders
from clearinghouse.frontier.tasks import calibration_folder, load_folder
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from tests.frontier.scripted_endpoint import ScriptedEndpoint, serving, submit_flag_seen, tool_call
from tests.helpers import cli_env, run_cli

SOLVED, FAILED = "web-notes-idor", "crypto-rsa-cube-root"
API_KEY = "sk-scripted-3f9a1c"  # must reach the endpoint, never the database or the log


def _two_task_store(tmp_path: Path, key: str) -> Path:
    store = tmp_path / "two.store"
    folders = [calibration_folder() / SOLVED, calibration_folder() / FAILED]
    seal_folders(folders, "calibration", "test.1", parse_key(key), store)
    return store


def _endpoint() -> ScriptedEndpoint:
    notes = load_folder(calibration_folder() / SOLVED)
    return ScriptedEndpoint(
        scripts={
            "notes API": [tool_call("bash", command=solution_command(notes)), submit_flag_seen()],
            "textbook RSA": [tool_call("bash", command="ls -la /sandbox"), submit_flag_seen()],
        },
        api_key=API_KEY,
    )


def test_a_scripted_model_solves_one_task_and_fails_the_other(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox, task_key: str
) -> None:
    env = cli_env(
        tmp_path / "data",
        CLEARINGHOUSE_SANDBOX_DIR=str(sandbox_root),
        CLEARINGHOUSE_FRONTIER_TASK_KEY=task_key,
        REPLAY_KEY=API_KEY,  # named with --api-key-env (the default, NAME_API_KEY, is unset)
    )
    env.pop("SCRIPTED_API_KEY", None)
    store = _two_task_store(tmp_path, task_key)
    endpoint = _endpoint()
    with serving(endpoint) as base_url:
        done = run_cli(
            "frontier", "run",
            "--model", "openai-api/scripted/replay-1",
            "--base-url", base_url,
            "--store", str(store),
            "--epochs", "2",
            "--api-key-env", "REPLAY_KEY",
            "--json",
            env=env,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    report = json.loads(done.stdout)
    assert report["status"] == "finished" and report["epochs"] == 2
    assert report["model"] == "openai-api/scripted/replay-1"
    outcomes = {(r["task"], r["epoch"]): r["success"] for r in report["results"]}
    assert outcomes == {
        (SOLVED, 1): True,
        (SOLVED, 2): True,
        (FAILED, 1): False,
        (FAILED, 2): False,
    }
    assert all(r["total_tokens"] > 0 and r["seconds"] > 0 for r in report["results"])
    assert all(r["error"] is None for r in report["results"])
    statistics = report["statistics"]
    assert statistics["mean"] == 0.5 and statistics["per_task"] == {SOLVED: 1.0, FAILED: 0.0}
    assert statistics["pass_at_k"] == {"1": 0.5, "2": 0.5}
    assert report["judgement"]["verdict"] in ("below", "inconclusive")
    assert report["mean_success"] == 0.5 and report["verdict"] == report["judgement"]["verdict"]
    # Every request carried the key from the environment; none was refused.
    assert endpoint.refused == 0 and len(endpoint.requests) == 8
    # The Inspect log is kept in the data dir, and its hash is the file's.
    log = Path(report["log"])
    assert log.is_file() and log.is_relative_to((tmp_path / "data").resolve())
    import hashlib

    assert hashlib.sha256(log.read_bytes()).hexdigest() == report["log_sha256"]
    with zipfile.ZipFile(log) as archive:
        content = b"".join(archive.read(name) for name in archive.namelist())
    assert API_KEY.encode() not in content
    assert API_KEY not in (tmp_path / "data" / "clearinghouse.db").read_bytes().decode(
        errors="replace"
    )

    listed = run_cli("frontier", "runs", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    [run] = json.loads(listed.stdout)
    assert run["id"] == report["id"] and run["verdict"] == report["verdict"]
    shown = run_cli("frontier", "show", report["id"][:8], env=env)
    assert shown.returncode == 0, shown.stderr
    assert SOLVED in shown.stdout and "2/2" in shown.stdout and "Verdict" in shown.stdout
    audit = run_cli("audit", "list", "--action", "frontier.runs.finish", "--json", env=env)
    assert audit.returncode == 0 and '"outcome": "success"' in audit.stdout


def test_without_the_key_variable_nothing_runs(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox, task_key: str
) -> None:
    env = cli_env(
        tmp_path / "data",
        CLEARINGHOUSE_SANDBOX_DIR=str(sandbox_root),
        CLEARINGHOUSE_FRONTIER_TASK_KEY=task_key,
    )
    env.pop("SCRIPTED_API_KEY", None)
    done = run_cli(
        "frontier", "run", "--model", "openai-api/scripted/x", "--base-url", "http://127.0.0.1:9/v1",
        env=env,
    )  # fmt: skip
    assert done.returncode == 2
    assert "set SCRIPTED_API_KEY" in done.stderr
    bad = run_cli("frontier", "run", "--model", "gpt-4", "--base-url", "http://x/v1", env=env)
    assert bad.returncode == 2 and "openai-api/NAME/MODEL" in bad.stderr
    listed = run_cli("frontier", "runs", "--json", env=env)
    assert json.loads(listed.stdout) == []
