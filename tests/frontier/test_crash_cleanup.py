"""A runner killed mid-sample (SIGKILL: no clean-up code runs) leaves nothing behind once the
next run has started: no process, network namespace, cgroup, mount or folder of its sandboxes,
and its run is marked interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from clearinghouse.frontier.store import parse_key, seal_folders
from clearinghouse.frontier.tasks import calibration_folder
from clearinghouse.sandbox import cgroups, stale
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from tests.frontier.scripted_endpoint import ScriptedEndpoint, serving, submit_flag_seen, tool_call
from tests.helpers import CLI, cli_env, run_cli

TASK = "web-notes-idor"  # a services sandbox and an agent sandbox in its network namespace


def _net_namespaces() -> dict[str, set[int]]:
    found: dict[str, set[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.setdefault(os.readlink(entry / "ns" / "net"), set()).add(int(entry.name))
            except OSError:
                continue
    return found


def _sleeping_sample(runs: Path) -> tuple[Path, set[int]] | None:
    """The run folder whose cgroup holds the scripted `sleep`, and the cgroup's processes."""
    if not runs.is_dir():
        return None
    parents = cgroups.parent_dirs()
    for run_dir in runs.iterdir():
        group = cgroups.RunCgroup(run_dir.name, {c: p / run_dir.name for c, p in parents.items()})
        pids = group.pids()
        for pid in pids:
            try:
                if Path(f"/proc/{pid}/cmdline").read_bytes() == b"sleep\x00600\x00":
                    return run_dir, pids
            except OSError:
                continue
    return None


def test_a_killed_runner_leaves_nothing_behind_after_the_next_start(
    tmp_path: Path, sandbox_root: Path, sandbox: BubblewrapSandbox, task_key: str
) -> None:
    store = tmp_path / "one.store"
    seal_folders([calibration_folder() / TASK], "calibration", "test.1", parse_key(task_key), store)
    env = cli_env(
        tmp_path / "data",
        CLEARINGHOUSE_SANDBOX_DIR=str(sandbox_root),
        CLEARINGHOUSE_FRONTIER_TASK_KEY=task_key,
        SCRIPTED_API_KEY="k",
    )
    endpoint = ScriptedEndpoint(
        {"notes API": [tool_call("bash", command="sleep 600"), submit_flag_seen()]}, "k"
    )
    runs = sandbox_root / "runs"
    before = set(_net_namespaces())
    with serving(endpoint) as base_url:
        arguments = [
            "frontier", "run", "--model", "openai-api/scripted/m", "--base-url", base_url,
            "--store", str(store), "--json",
        ]  # fmt: skip
        runner = subprocess.Popen(
            [*CLI, *arguments], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            deadline = time.monotonic() + 240
            while (found := _sleeping_sample(runs)) is None:
                assert runner.poll() is None, "the runner ended before its sample slept"
                assert time.monotonic() < deadline, "the sample never started its command"
                time.sleep(0.2)
            run_dir, pids = found
            # bwrap's outer process stays in the host's namespace; the sample has its own.
            namespaces = {
                link
                for link, members in _net_namespaces().items()
                if members & pids and link not in before
            }
            assert namespaces, "the sample's processes have their own network namespace"
            assert stale._mounts_under(run_dir), "the sample's work dirs are mounted"
        finally:
            runner.send_signal(signal.SIGKILL)
            runner.wait(30)
        group_dirs = {c: p / run_dir.name for c, p in cgroups.parent_dirs().items()}
        # SIGKILL ran no clean-up: the run's folder and cgroups are still there.
        assert run_dir.is_dir()
        assert any(path.is_dir() for path in group_dirs.values())

        # The next start (a run that submits at once) clears them before it begins.
        endpoint.scripts = {"notes API": [submit_flag_seen()]}
        done = run_cli(*arguments, env=env)
    assert done.returncode == 0, done.stderr
    assert not run_dir.exists()
    assert not any(path.exists() for path in group_dirs.values())
    assert not stale._mounts_under(run_dir)
    alive = {pid for pid in pids if Path(f"/proc/{pid}").exists()}
    assert not alive or all(
        Path(f"/proc/{pid}/cmdline").read_bytes() != b"sleep\x00600\x00" for pid in alive
    )
    assert not namespaces & set(_net_namespaces()), "the sample's network namespace is gone"
    assert list(runs.iterdir()) == []
    listed = json.loads(run_cli("frontier", "runs", "--json", env=env).stdout)
    assert sorted(r["status"] for r in listed) == ["finished", "interrupted"]


def test_a_sweep_leaves_the_runs_of_live_processes_alone(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    mine, dead, fresh = (runs / name for name in ("mine", "dead", "fresh"))
    for folder in (mine, dead, fresh):
        folder.mkdir(parents=True)
    stale.mark_owner(mine)
    pid = os.getpid()
    (dead / stale.OWNER_FILE).write_text(f"{pid} 1\n")  # this pid, another start time: reused
    report = stale.sweep(tmp_path)
    assert report.runs == ["dead"] and not report.failures
    assert mine.is_dir() and fresh.is_dir() and not dead.exists()
    assert stale.process_alive(stale.this_process())
    assert not stale.process_alive("not a process") and not stale.process_alive(None)
