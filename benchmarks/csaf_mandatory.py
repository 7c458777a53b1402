"""What the CSAF mandatory tests (6.1.x, the `csaf` package's rules) cost on the CISA ICS corpus.

Reads every CSAF advisory of ../shared/data/csaf-cisa-ics/*.tar.gz into memory, then times, twice
each (the second runs are the ones to quote), parsing the JSON and checking the compiled schema
(what the importer did before), and the same plus the mandatory tests (what it does now).
Prints the times, the rejections by test id and the slowest tests; asserts nothing.

    PYTHONPATH=src .venv/bin/python benchmarks/csaf_mandatory.py
"""

from __future__ import annotations

import collections
import json
import tarfile
import time
from pathlib import Path

from clearinghouse.knowledge.sources.csaf import check_schema
from clearinghouse.knowledge.sources.csaf_mandatory import check_mandatory, mandatory_tests
from clearinghouse.knowledge.sources.interface import RecordRejected

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def main() -> None:
    documents = []
    for archive_path in sorted((SHARED / "csaf-cisa-ics").glob("*.tar.gz")):
        with tarfile.open(archive_path) as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.name.endswith(".json") else None
                if handle is not None:
                    documents.append(handle.read())
    tests = mandatory_tests()  # imports the package once, outside the timings
    for run in (1, 2):
        for mandatory in (False, True):
            rejected: collections.Counter[str] = collections.Counter()
            advisories = 0
            start = time.perf_counter()
            for content in documents:
                data = json.loads(content)
                if not isinstance(data, dict) or not isinstance(data.get("document"), dict):
                    continue
                advisories += 1
                check_schema(data)
                if mandatory:
                    try:
                        check_mandatory(data)
                    except RecordRejected as exc:
                        rejected[str(exc).split(" (", 1)[0]] += 1
            elapsed = time.perf_counter() - start
            what = "parse + schema + mandatory tests" if mandatory else "parse + schema"
            print(
                f"run {run}: {advisories} advisories, {what}: {elapsed:.1f} s "
                f"({elapsed / advisories * 1000:.1f} ms each)"
                + (f"; rejected {dict(rejected)}" if mandatory else "")
            )
    per_test: collections.Counter[str] = collections.Counter()
    for content in documents:
        data = json.loads(content)
        if isinstance(data, dict) and isinstance(data.get("document"), dict):
            for test in tests:
                start = time.perf_counter()
                test.check(data)
                per_test[test.test_id] += time.perf_counter() - start
    slowest = ", ".join(f"{test_id} {secs:.1f} s" for test_id, secs in per_test.most_common(5))
    print(f"slowest tests: {slowest}")


if __name__ == "__main__":
    main()
