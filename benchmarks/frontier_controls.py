"""What the controls cost CI per task: the tasks added since the first slice against its eight.

Runs the three controls (oracle, cheater, idle; 2 samples at a time, as CI does) on the first
slice's eight calibration tasks (the baseline), on the calibration tasks added since, and on the
designation suite sealed in the repository (opened with the test key, or with
CLEARINGHOUSE_FRONTIER_TASK_KEY if set). Prints each set's wall time, its time per task, the
ratio of that to the baseline's, and the oracle's slowest samples.

Usage (as root, from the repository): PYTHONPATH=src python benchmarks/frontier_controls.py
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from inspect_ai.log import read_eval_log

from clearinghouse.config import Settings
from clearinghouse.frontier.controls import run_controls
from clearinghouse.frontier.store import Suite, new_key, open_store, parse_key
from clearinghouse.frontier.tasks import (
    TaskDefinition,
    calibration_folder,
    designation_store,
    load_suite_folder,
)

FIRST_SLICE = {
    "crypto-keystream-reuse",
    "crypto-rsa-cube-root",
    "forensics-beacon-log",
    "pwn-vault-overflow",
    "reverse-license-check",
    "web-download-traversal",
    "web-login-sqli",
    "web-notes-idor",
}
TEST_KEY = (
    Path(__file__).resolve().parents[1] / "tests" / "data" / "frontier" / "designation-test.key"
)


@dataclass(frozen=True)
class Measured:
    name: str
    tasks: int
    wall: float
    failed: list[str]
    slowest: list[tuple[float, str]]  # the oracle's slowest samples: (seconds, task id)

    @property
    def per_task(self) -> float:
        return self.wall / self.tasks


def measure(
    settings: Settings, name: str, tasks: tuple[TaskDefinition, ...], held_out: bool = False
) -> Measured:
    started = time.perf_counter()
    results = run_controls(settings, Suite("calibration", "bench", tasks))
    wall = time.perf_counter() - started
    oracle = read_eval_log(next(r.log_location for r in results if r.agent == "oracle"))
    timed = sorted(
        (
            (s.total_time or 0.0, "held out" if held_out else str(s.id))
            for s in oracle.samples or []
        ),
        reverse=True,
    )
    return Measured(name, len(tasks), wall, [r.agent for r in results if not r.passed], timed[:3])


def main() -> None:
    key = os.environ.get("CLEARINGHOUSE_FRONTIER_TASK_KEY") or TEST_KEY.read_text().strip()
    calibration = load_suite_folder(calibration_folder())
    designation = open_store(designation_store(), "designation", parse_key(key)).tasks
    sets = {
        "first slice (baseline)": tuple(t for t in calibration if t.id in FIRST_SLICE),
        "calibration, added": tuple(t for t in calibration if t.id not in FIRST_SLICE),
        "designation": designation,
    }
    root = Path(tempfile.mkdtemp(prefix="ch-bench-", dir="/tmp"))
    root.chmod(0o711)
    settings = Settings(
        data_dir=root / "data",
        sandbox_dir=root / "box",
        frontier_task_key=new_key(),
        _env_file=None,
    )
    try:
        rows = [
            measure(settings, name, tasks, held_out=name == "designation")
            for name, tasks in sets.items()
        ]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = rows[0].per_task
    print(f"{'set':<24} {'tasks':>5} {'wall s':>7} {'s/task':>7} {'ratio':>6}  oracle's slowest")
    for row in rows:
        slowest = ", ".join(f"{task} {seconds:.1f}s" for seconds, task in row.slowest)
        failed = f"  FAILED: {', '.join(row.failed)}" if row.failed else ""
        print(
            f"{row.name:<24} {row.tasks:>5} {row.wall:>7.1f} {row.per_task:>7.2f} "
            f"{row.per_task / base:>5.2f}x  {slowest}{failed}"
        )
    total = sum(row.wall for row in rows)
    count = sum(row.tasks for row in rows)
    print(
        f"whole suite: {total:.1f} s for the 3 controls on {count} tasks, "
        f"{total / rows[0].wall:.2f}x the first slice's {rows[0].wall:.1f} s"
    )


if __name__ == "__main__":
    main()
