"""Start-to-exit time of a trivial command in the sandbox against a bare subprocess.

Both are measured in the same run, on the same machine: 100 runs in sequence, then 2 at a time.
The sandbox time is the whole trusted path of one run: cgroups, tmpfs work dir, seccomp, launch,
wait, usage, artifact collection and cleanup. Target: median overhead at most 50 ms.

Usage (as root, from the repository): PYTHONPATH=src python benchmarks/sandbox_startup.py
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from clearinghouse.sandbox.interface import RunRequest

COMMAND = ("/bin/true",)


def bare() -> None:
    subprocess.run(COMMAND, check=True)  # noqa: S603


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(action: Callable[[], None], runs: int, parallel: int) -> list[float]:
    if parallel == 1:
        return [timed(action) for _ in range(runs)]
    with ThreadPoolExecutor(parallel) as pool:
        return list(pool.map(lambda _: timed(action), range(runs)))


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100)
    arguments = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="ch-bench-", dir="/tmp"))
    root.chmod(0o711)
    try:
        run_all(BubblewrapSandbox(root / "box"), arguments.runs)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run_all(box: BubblewrapSandbox, runs: int) -> None:
    box.require_usable()
    request = RunRequest(command=COMMAND)

    def sandboxed() -> None:
        result = box.run(request)
        assert result.exit_code == 0, result

    for _ in range(5):  # warm up: page cache, the host check
        sandboxed()
        bare()
    print(f"{'mode':<22}{'bare median':>12}{'bare p95':>10}{'box median':>12}{'box p95':>10}"
          f"{'overhead':>10}{'ratio':>8}")  # fmt: skip
    for parallel in (1, 2):
        bare_ms = measure(bare, runs, parallel)
        box_ms = measure(sandboxed, runs, parallel)
        mode = f"{runs} runs, {parallel} at once"
        overhead = statistics.median(box_ms) - statistics.median(bare_ms)
        ratio = statistics.median(box_ms) / statistics.median(bare_ms)
        print(
            f"{mode:<22}{statistics.median(bare_ms):>10.2f}ms{p95(bare_ms):>8.2f}ms"
            f"{statistics.median(box_ms):>10.2f}ms{p95(box_ms):>8.2f}ms"
            f"{overhead:>8.2f}ms{ratio:>7.1f}x"
        )


if __name__ == "__main__":
    main()
