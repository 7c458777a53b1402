"""Wall time of the whole calibration suite with the oracle agent, and the share of sandbox set-up.

Two measurements in the same run, both two samples at a time (the machine has 2 cores):

- **baseline**: each task's sandbox opened directly (plant step, services, agent sandbox), the
  oracle's solution run in it with one `exec`, the answer checked, the sandbox closed; no Inspect.
- **suite**: the real thing: `frontier controls`' oracle through Inspect (sample init, the
  `bash` tool, the scorer, the log), timed end to end.

It prints the suite's wall time as a ratio to the baseline's, and for both the share of the
samples' time (set-up + work + clean-up, summed over samples) spent opening sandboxes: the
plant step, which builds binaries with gcc, and the start of the services and agent sandboxes.

Usage (as root, from the repository): PYTHONPATH=src python benchmarks/frontier_suite.py
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from inspect_ai.log import read_eval_log

from clearinghouse.config import Settings
from clearinghouse.frontier import controls, environment
from clearinghouse.frontier.agents import FLAG_PATTERN, solution_command
from clearinghouse.frontier.store import CALIBRATION, Suite
from clearinghouse.frontier.tasks import (
    CALIBRATION_VERSION,
    TaskDefinition,
    calibration_folder,
    load_suite_folder,
)
from clearinghouse.sandbox.session import SampleSandbox

_lock = threading.Lock()
_setup_seconds: list[float] = []
_cleanup_seconds: list[float] = []
_original_open = environment._open
_original_close = SampleSandbox.close


def _timed_close(self: SampleSandbox) -> None:
    started = time.perf_counter()
    try:
        _original_close(self)
    finally:
        with _lock:
            _cleanup_seconds.append(time.perf_counter() - started)


def _timed_open(settings: Settings, task: TaskDefinition, flag: str) -> Any:
    started = time.perf_counter()
    try:
        return _original_open(settings, task, flag)
    finally:
        with _lock:
            _setup_seconds.append(time.perf_counter() - started)


def direct(settings: Settings, task: TaskDefinition) -> tuple[float, float, bool]:
    """One task without Inspect: (set-up seconds, total seconds with clean-up, solved)."""
    started = time.perf_counter()
    flag = environment.new_flag()
    sample = _original_open(settings, task, flag)
    opened = time.perf_counter()
    try:
        assert sample.agent is not None
        outcome = sample.agent.exec(["bash", "-c", solution_command(task)], timeout=240)
        found = FLAG_PATTERN.findall(outcome.stdout.decode(errors="replace"))
    finally:
        sample.close()
    return opened - started, time.perf_counter() - started, bool(found) and found[-1] == flag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ch-frontier-bench-", dir="/tmp"))
    root.chmod(0o711)
    settings = Settings(
        data_dir=root / "data",
        sandbox_dir=root / "box",
        _env_file=None,  # type: ignore[call-arg]
    )
    tasks = load_suite_folder(calibration_folder())
    suite = Suite(CALIBRATION, CALIBRATION_VERSION, tuple(tasks))
    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(2) as pool:
            baseline = list(pool.map(lambda task: direct(settings, task), tasks))
        baseline_wall = time.perf_counter() - started
        assert all(solved for _, _, solved in baseline), "the baseline oracle failed a task"

        environment._open = _timed_open  # type: ignore[assignment]
        SampleSandbox.close = _timed_close  # type: ignore[method-assign]
        started = time.perf_counter()
        [result] = controls.run_controls(settings, suite, ("oracle",))
        suite_wall = time.perf_counter() - started
        assert result.passed, f"the oracle failed: {result.errors or result.scores}"
        log = read_eval_log(result.log_location)
        # Inspect's sample time starts after the sandbox is up and ends before it is closed.
        working = sum(s.total_time or 0.0 for s in log.samples or [])
        sample_seconds = sum(_setup_seconds) + working + sum(_cleanup_seconds)
    finally:
        environment._open = _original_open  # type: ignore[assignment]
        SampleSandbox.close = _original_close  # type: ignore[method-assign]
        shutil.rmtree(root, ignore_errors=True)

    base_setup = sum(setup for setup, _, _ in baseline)
    base_total = sum(total for _, total, _ in baseline)
    print(f"calibration suite: {len(tasks)} tasks, oracle, 2 samples at a time")
    print(
        f"baseline (sandbox + solution, no Inspect): {baseline_wall:.1f} s wall; "
        f"set-up {base_setup:.1f} s of {base_total:.1f} s sample time "
        f"({base_setup / base_total:.0%})"
    )
    print(
        f"suite (Inspect oracle, as `frontier controls`): {suite_wall:.1f} s wall; "
        f"set-up {sum(_setup_seconds):.1f} s of {sample_seconds:.1f} s sample time "
        f"({sum(_setup_seconds) / sample_seconds:.0%})"
    )
    print(f"ratio suite / baseline: {suite_wall / baseline_wall:.2f}x")


if __name__ == "__main__":
    main()
