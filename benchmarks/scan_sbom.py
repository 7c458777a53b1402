"""`clearinghouse scan` end to end on the largest real CycloneDX example and on a 10 MB SBOM.

Runs the real command (a fresh process, as a user would) against a knowledge base holding the
PyPI, Go, RustSec and npm security-wg corpora of ../shared/data, and prints its wall time and
peak memory (max RSS of the process) against a baseline measured in the same run: a process
that merely reads and JSON-decodes the same file.

    .venv/bin/python benchmarks/scan_sbom.py

Targets (the inventory issue): a 10 MB SBOM scans in under 500 MB of memory (osv-scanner's
issue #2217 reports over 15 GB).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sbom_parse import build  # type: ignore[import-not-found]

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.knowledge import service as knowledge
from clearinghouse.runtime import Runtime

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = [
    ("osv", "osv-pypi-pysec/pypa-advisory-database.tar.gz", None),
    ("osv", "osv-go-vulndb/golang-vulndb-data.tar.gz", "data/osv/*"),
    ("osv", "osv-rustsec/rustsec-osv-branch.tar.gz", None),
    ("nswg", "npm-nodejs-security-wg/*.tar.gz", None),
]
LARGEST = SHARED / "sbom-cyclonedx-examples/SBOM/keycloak-10.0.2/bom.json.gz"
BASELINE = (
    "import sys, json, gzip; d = open(sys.argv[1], 'rb').read(); "
    "json.loads(gzip.decompress(d) if d[:2] == b'\\x1f\\x8b' else d)"
)


# A small parent that runs the command and reports its peak memory: measured from this big
# process, the child's figure would include the memory it inherits between fork and exec.
MEASURE = (
    "import resource, subprocess, sys; "
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)"
    ".returncode; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)"
)


def run(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds and peak MiB of one process, and its exit code."""
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 (our own interpreter and command)
        [sys.executable, "-c", MEASURE, *command],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seconds = time.perf_counter() - started
    peak_kib, code = done.stdout.split()
    return seconds, int(peak_kib) / 1024, int(code)


def main() -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url=None, _env_file=None)  # type: ignore[call-arg]
        runtime = Runtime.create(settings)
        db.upgrade(runtime.engine)
        for source, relative, include in CORPORA:
            for path in sorted(SHARED.glob(relative)):
                knowledge.import_feed(runtime.sessions, source, path, include=include)
        runtime.close()
        env = {**os.environ, "CLEARINGHOUSE_DATA_DIR": data_dir}
        cli = [sys.executable, "-m", "clearinghouse", "scan", "--format", "json"]
        big = Path(data_dir) / "ten-megabytes.cdx.json"
        document, count = build(10 * 2**20)
        big.write_bytes(document)
        for label, path in (
            (f"largest example ({LARGEST.name}, keycloak)", LARGEST),
            (f"generated 10 MB SBOM ({count:,} components)", big),
        ):
            base_s, base_mib, _ = run([sys.executable, "-c", BASELINE, str(path)], env)
            scan_s, scan_mib, code = run([*cli, str(path)], env)
            size = (
                len(gzip.decompress(path.read_bytes()))
                if path.suffix == ".gz"
                else path.stat().st_size
            )
            print(
                f"  {label}, {size / 2**20:.1f} MiB: scan {scan_s:.1f} s (exit {code}), "
                f"peak RSS {scan_mib:.0f} MiB; baseline json.load {base_s:.2f} s, "
                f"{base_mib:.0f} MiB -> {scan_s / base_s:.0f}x the time"
            )


if __name__ == "__main__":
    main()
