"""Start-up of a `clearinghouse` command: lazy sub-commands against importing them all first.

Runs `clearinghouse orgs list --json` on an embedded database (migrated once beforehand) as a
fresh process, alternately as shipped (each domain's commands imported when they run) and, the
baseline, with every domain's CLI and the web app imported first and the timing-equalizer
password hash made at import, as the command did before.
Prints the median wall and CPU time of each and their ratio.

Run it: `PYTHONPATH=src .venv/bin/python benchmarks/cli_startup.py [--runs N]`
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

COMMAND = ["orgs", "list", "--json"]
LAZY = "from clearinghouse.cli import main; main()"
EAGER = (
    "import clearinghouse.app, clearinghouse.frontier.cli, clearinghouse.identity.cli, "
    "clearinghouse.identity.audit.cli, clearinghouse.knowledge.cli, clearinghouse.matching.cli, "
    "clearinghouse.reports.cli, clearinghouse.sandbox.cli, clearinghouse.system.cli; "
    # Before, importing the password module also made its timing-equalizer hash.
    "from clearinghouse.identity.hashing import dummy_hash; dummy_hash(); " + LAZY
)


def run(code: str, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one process running `code` with the command's arguments."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", code, *COMMAND], env=env, check=True, capture_output=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory(prefix="ch-cli-bench-") as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CLEARINGHOUSE_")}
        env["CLEARINGHOUSE_DATA_DIR"] = str(Path(data_dir))
        run(LAZY, env)  # creates and migrates the database, warms the file cache
        lazy: list[tuple[float, float]] = []
        eager: list[tuple[float, float]] = []
        for _ in range(runs):  # alternated, so that a busy moment hits both alike
            lazy.append(run(LAZY, env))
            eager.append(run(EAGER, env))
    print(f"clearinghouse {' '.join(COMMAND)}, {runs} runs each")
    for name, times in (("all imported first", eager), ("lazy (as shipped)", lazy)):
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        print(f"  {name:20} median wall {wall * 1000:6.0f} ms, CPU {cpu * 1000:6.0f} ms")
    wall_ratio = statistics.median(t[0] for t in eager) / statistics.median(t[0] for t in lazy)
    cpu_ratio = statistics.median(t[1] for t in eager) / statistics.median(t[1] for t in lazy)
    print(f"  baseline / lazy: wall {wall_ratio:.2f}x, CPU {cpu_ratio:.2f}x")


if __name__ == "__main__":
    main()
