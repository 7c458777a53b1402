"""Deduplication against the knowledge base: precision and recall on a labelled set of real records.

Baseline, measured in the same run: the same decision on the words alone (the report's
versions, fixed version and CWE withheld).

The set is built by `clearinghouse.reports.dedupe_eval` (its docstring and docs/reports.md say
how): PYSEC and GO advisories as the knowledge base, CVE JSON 5 records of the same
vulnerabilities turned into report-like inputs (aliases, ids and references left out), the
aliases as the truth. Each query runs against its package's advisories with and without the
true one. Targets: precision ≥ 0.95 and recall ≥ 0.90 on the alias set. The validation
corpus's reports (text we wrote) are shown apart as `paraphrased`.

    PYTHONPATH=src .venv/bin/python benchmarks/dedupe_quality.py [--data DIR] [--mistakes 10]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from clearinghouse.reports import dedupe_eval

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests/data/shared")
    parser.add_argument("--corpus", type=Path, default=ROOT / "tests/data/validation-corpus")
    parser.add_argument("--mistakes", type=int, default=0, help="print this many mistakes")
    args = parser.parse_args()
    started = time.perf_counter()
    labelled = dedupe_eval.build_from(args.data, args.corpus)
    built = time.perf_counter()
    result = dedupe_eval.evaluate(labelled)
    done = time.perf_counter()
    baseline = dedupe_eval.evaluate(labelled, text_only=True)
    print(f"{len(labelled.queries)} queries; {labelled.unpaired} CVE records left unpaired")
    print(f"built in {built - started:.1f} s, evaluated in {done - built:.1f} s")
    header = (
        "set",
        "queries",
        "right",
        "wrong",
        "missed",
        "new-pkg runs",
        "false +",
        "precision",
        "recall",
        "top-1",
        "likely",
    )
    print(" | ".join(header))
    for name, tally in sorted(result.tallies.items()):
        print(
            f"{name} | {tally.queries} | {tally.right} | {tally.wrong} | {tally.missed} | "
            f"{tally.new_queries} | {tally.new_named} | {tally.precision:.3f} | "
            f"{tally.recall:.3f} | {tally.top_right} | {tally.likely_right}"
        )
    words = baseline.tallies[dedupe_eval.ALIAS_SET]
    print(
        f"baseline, words only (versions, fix and CWE withheld), alias set: "
        f"precision {words.precision:.3f}, recall {words.recall:.3f} "
        f"({words.right} right, {words.wrong} wrong, {words.new_named} false + of "
        f"{words.new_queries} new-package runs)"
    )
    overall = result.tallies[dedupe_eval.ALIAS_SET]
    print(
        f"all signals / words only: precision {overall.precision / words.precision:.3f}x, "
        f"recall {overall.recall / words.recall:.3f}x"
    )
    verdict = overall.precision >= 0.95 and overall.recall >= 0.90
    print(f"targets (precision ≥ 0.95, recall ≥ 0.90): {'met' if verdict else 'NOT met'}")
    for mistake in result.mistakes[: args.mistakes]:
        print(json.dumps(mistake)[:600])


if __name__ == "__main__":
    main()
