"""Parse speed of the EPSS importer on a daily-sized file, against `csv.reader` on the same bytes.

A real EPSS file has about 300,000 rows. None is in the shared data, so one is generated here in
FIRST's format (`#model_version:…,score_date:…`, `cve,epss,percentile`, one row per CVE) with
made-up ids and scores. Both are measured in the same run, plain and gzipped:

- baseline: `csv.reader` over the same bytes (decompressing first when gzipped), rows only;
- importer: `EpssImporter.parse`, which also checks every row and builds its record.

It also shows that parsing streams: the peak memory of parsing the whole file, records handed on
one at a time as the runner takes them, against what holding every record at once would take.

    .venv/bin/python benchmarks/epss_parse.py [--rows 300000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import bisect
import csv
import gzip
import io
import random
import time
import tracemalloc
from collections.abc import Callable

from clearinghouse.knowledge.sources.epss import EpssImporter
from clearinghouse.knowledge.sources.inputs import InputDocument


def generate(rows: int, seed: int = 1) -> bytes:
    rng = random.Random(seed)
    scores = [min(1.0, rng.lognormvariate(-6.0, 2.0)) for _ in range(rows)]
    ordered = sorted(scores)
    lines = [
        "#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000",
        "cve,epss,percentile",
    ]
    for number, score in enumerate(scores):
        percentile = bisect.bisect_right(ordered, score) / rows
        lines.append(f"CVE-{1999 + number % 27}-{1000 + number},{score:.5f},{percentile:.5f}")
    return ("\n".join(lines) + "\n").encode()


def baseline(data: bytes) -> int:
    raw: io.BufferedIOBase = io.BytesIO(data)
    if data[:2] == b"\x1f\x8b":
        raw = gzip.GzipFile(fileobj=raw)
    return sum(1 for _ in csv.reader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))


def importer(data: bytes) -> int:
    return sum(1 for _ in EpssImporter().parse(InputDocument("epss_scores.csv", data)))


def best(action: Callable[[bytes], int], data: bytes, repeat: int) -> tuple[float, int]:
    times, count = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        count = action(data)
        times.append(time.perf_counter() - started)
    return min(times), count


def peak_mib(action: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    plain = generate(arguments.rows)
    zipped = gzip.compress(plain, mtime=0)
    print(
        f"{arguments.rows:,} rows: {len(plain) / 2**20:.1f} MiB plain, "
        f"{len(zipped) / 2**20:.1f} MiB gzipped; best of {arguments.repeat}"
    )
    print(f"{'input':<8} {'csv.reader rows/s':>18} {'importer rows/s':>16} {'ratio':>7}")
    for label, data in (("plain", plain), ("gzipped", zipped)):
        base_time, base_rows = best(baseline, data, arguments.repeat)
        ours_time, ours_rows = best(importer, data, arguments.repeat)
        assert ours_rows == arguments.rows and base_rows == arguments.rows + 2
        print(
            f"{label:<8} {base_rows / base_time:>18,.0f} {ours_rows / ours_time:>16,.0f} "
            f"{ours_time / base_time:>6.1f}x"
        )
    sample = min(arguments.rows, 30_000)
    streaming = peak_mib(lambda: importer(zipped))
    held = peak_mib(
        lambda: list(EpssImporter().parse(InputDocument("s.csv", generate(sample))))
    ) * (arguments.rows / sample)
    print(
        f"peak memory parsing the gzipped file, records taken one at a time: {streaming:.1f} MiB; "
        f"holding all {arguments.rows:,} records at once would take about {held:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
