"""Import every advisory corpus of ../shared/data into a fresh database, then again unchanged.

Prints, per database: records per second end to end, the unchanged re-import's time as a share
of the first import's (and that of a re-import without the inputs' manifests, which looks up
every document's digest), peak memory, and the ratio of the import's time to a baseline measured
in the same run: merely reading and parsing every document (the floor no importer can beat).

On a shared machine the wall time depends on what else runs, so it also prints the CPU time of
the storing process and of the parsing workers, and the critical path: per input, the larger of
the storing process's and its worker's CPU time (they run side by side), summed — the time the
import takes when each process has a core of its own.

    .venv/bin/python benchmarks/knowledge_import.py [--postgres URL]

Targets (the knowledge-base issue): >= 1,000 records/s, re-import <= 10 % of the first import,
peak memory < 1 GB.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, delete, text
from sqlalchemy.engine import make_url

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.knowledge import service
from clearinghouse.knowledge.models import InputManifest
from clearinghouse.knowledge.sources.registry import IMPORTERS, importer_for
from clearinghouse.runtime import Runtime

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
# (importer, path relative to shared/data, include-glob): every advisory corpus there is.
CORPORA = [
    ("osv", "osv-pypi-pysec/*.tar.gz", None),
    ("osv", "osv-go-vulndb/*.tar.gz", "data/osv/*"),
    ("osv", "osv-rustsec/rustsec-osv-branch.tar.gz", None),
    ("osv", "osv-almalinux/*.tar.gz", None),
    ("rustsec", "osv-rustsec/rustsec-advisory-db-main.tar.gz", None),
    ("nswg", "npm-nodejs-security-wg/*.tar.gz", None),
    ("kev", "cisa-kev/known_exploited_vulnerabilities.json", None),
    ("cve5", "cve-vulnrichment-sample/*.tar.gz", None),
    ("csaf", "csaf-cisa-ics/*.tar.gz", None),
]


def inputs() -> list[tuple[str, Path, str | None]]:
    found = []
    for source, pattern, include in CORPORA:
        if source not in IMPORTERS:
            print(f"  (no {source!r} importer in this build: {pattern} skipped)")
            continue
        found += [(source, p, include) for p in sorted(SHARED.glob(pattern))]
    return found


def baseline(corpora: list[tuple[str, Path, str | None]]) -> float:
    """Read and parse every document, storing nothing."""
    import fnmatch

    started = time.perf_counter()
    for source, path, include in corpora:
        importer = importer_for(source)
        for document in importer.read(path):
            if include and not fnmatch.fnmatchcase(document.name, include):
                continue
            if document.content is not None:
                with contextlib.suppress(ValueError):
                    list(importer.parse(document))
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(
    label: str, url: str | None, corpora: list[tuple[str, Path, str | None]], floor: float
) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url=url, _env_file=None)  # type: ignore[call-arg]
        runtime = Runtime.create(settings)
        db.upgrade(runtime.engine)
        timings: list[float] = []
        criticals: list[float] = []
        # "again": an unchanged re-import, every input answered from its manifest; "by doc.":
        # the same without manifests, each document's digest looked up (as for a folder).
        for attempt in ("first", "again", "by doc."):
            if attempt == "by doc.":
                with db.transaction(runtime.sessions) as session:
                    session.execute(delete(InputManifest))
            started = time.perf_counter()
            cpu, workers = time.process_time(), _children_cpu()
            records = rejected = 0
            critical = 0.0
            for source, path, include in corpora:
                own, theirs = time.process_time(), _children_cpu()
                result = service.import_feed(runtime.sessions, source, path, include=include)
                records += result.added + result.changed + result.unchanged + result.withdrawn
                rejected += result.rejected
                # Storing and a worker's parsing run side by side: the longer one counts.
                critical += max(time.process_time() - own, _children_cpu() - theirs)
            timings.append(time.perf_counter() - started)
            criticals.append(critical)
            cpu, workers = time.process_time() - cpu, _children_cpu() - workers
            print(
                f"  {label:10} {attempt:7}: {records:,} records ({rejected:,} rejected) in "
                f"{timings[-1]:.1f} s = {records / timings[-1]:,.0f} records/s "
                f"(CPU: storing {cpu:.1f} s, parsing workers {workers:.1f} s; critical path "
                f"{critical:.1f} s = {records / critical:,.0f} records/s with a core for each)"
            )
        runtime.close()
    print(
        f"  {label:10} re-import / first import = {timings[1] / timings[0]:.1%} wall, "
        f"{criticals[1] / criticals[0]:.1%} critical path; without manifests "
        f"{timings[2] / timings[0]:.1%} wall, {criticals[2] / criticals[0]:.1%} critical path; "
        f"import / parse-only baseline = {timings[0] / floor:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    corpora = inputs()
    floor = baseline(corpora)
    print(f"  baseline: read + parse only: {floor:.1f} s")
    run("SQLite", None, corpora, floor)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.postgres)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        run("PostgreSQL", url.render_as_string(hide_password=False), corpora, floor)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
