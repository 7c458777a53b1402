"""Match a whole portfolio of inventories, and fan out one changed vulnerability across it.

Builds, in a fresh SQLite database holding the PyPI, Go and RustSec corpora of ../shared/data,
a portfolio of N inventories x M components drawn from real package@version pairs of those
corpora (every version an advisory names), then measures:

- the full match: every current component of every asset against the knowledge base, with
  findings written (matching.service.refresh_assets over all assets), against a naive baseline
  measured in the same run: one query per component and a fresh range evaluation each time
  (timed on a sample, scaled to the portfolio);
- fan-out: matching.service.fan_out of one vulnerability across the portfolio, for a sample
  of vulnerabilities whose packages the portfolio holds; the median.

    .venv/bin/python benchmarks/portfolio_match.py [--assets 10000] [--components 200]

Targets (the inventory issue): full match <= 60 s and >= 20x the naive baseline for
10,000 x 200; fan-out median <= 100 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import resource
import statistics
import time
import uuid
from pathlib import Path

from sqlalchemy import insert, select
from synthetic import add_components, fresh_runtime

from clearinghouse import db
from clearinghouse.identity.models import Organization
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.models import Asset
from clearinghouse.knowledge import service as knowledge
from clearinghouse.knowledge.models import AffectedPackageRow
from clearinghouse.knowledge.versions import AffectedRanges, InvalidRange, InvalidVersion
from clearinghouse.matching import service as matching
from clearinghouse.matching.packages import PackageMatcher
from clearinghouse.runtime import Runtime

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = [
    ("osv-pypi-pysec/pypa-advisory-database.tar.gz", None),
    ("osv-go-vulndb/golang-vulndb-data.tar.gz", "data/osv/*"),
    ("osv-rustsec/rustsec-osv-branch.tar.gz", None),
]


def real_pairs(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(ecosystem, name, version) for every version an advisory names, listed or in events."""
    pairs: set[tuple[str, str, str]] = set()
    with runtime.sessions() as session:
        rows = session.execute(
            select(
                AffectedPackageRow.ecosystem,
                AffectedPackageRow.name,
                AffectedPackageRow.ranges,
                AffectedPackageRow.versions,
            )
        )
        for ecosystem, name, ranges, versions in rows:
            for version in versions or ():
                pairs.add((ecosystem, name, version))
            for range_ in ranges or ():
                for event in range_.get("events", ()):
                    for value in event.values():
                        if value != "0" and range_.get("type") != "GIT":
                            pairs.add((ecosystem, name, str(value)))
    return sorted(pairs)


def build_portfolio(
    runtime: Runtime, pairs: list[tuple[str, str, str]], assets: int, per_asset: int
) -> list[str]:
    rng = random.Random(14409)
    asset_ids = []
    with db.transaction(runtime.sessions) as session:
        organization = Organization(name="Benchmark operators", kinds=["operator"])
        session.add(organization)
        session.flush()
        for start in range(0, assets, 1000):
            batch = [
                {
                    "id": str(uuid.uuid4()),
                    "organization_id": organization.id,
                    "name": f"asset {n}",
                    "kind": "application",
                    "exposure": "internal",
                    "criticality": "medium",
                }
                for n in range(start, min(assets, start + 1000))
            ]
            session.execute(insert(Asset), batch)
            asset_ids += [a["id"] for a in batch]
    for start in range(0, len(asset_ids), 500):
        with db.transaction(runtime.sessions) as session:
            chunk = asset_ids[start : start + 500]
            add_components(session, {a: rng.sample(pairs, per_asset) for a in chunk})
    return asset_ids


def match_only(runtime: Runtime, asset_ids: list[str]) -> int:
    """What refresh_assets computes, without writing findings: the matching itself."""
    hits = 0
    matcher: PackageMatcher | None = None
    with runtime.sessions() as session:
        for start in range(0, len(asset_ids), matching.ASSET_CHUNK):
            held = inventory.held_by_assets(
                session, asset_ids[start : start + matching.ASSET_CHUNK]
            )
            matcher = matching.matcher_for(session, held, matcher)
            for item in held:
                hits += len(matcher.answer((item.ecosystem, item.lookup_name), item.version).hits)
    return hits


def naive_per_component(runtime: Runtime, sample: list[tuple[str, str, str]]) -> float:
    """Seconds per component: one query and a fresh evaluation per component."""
    started = time.perf_counter()
    with runtime.sessions() as session:
        for ecosystem, name, version in sample:
            rows = session.execute(
                select(AffectedPackageRow.ranges, AffectedPackageRow.versions).where(
                    AffectedPackageRow.ecosystem == ecosystem, AffectedPackageRow.name == name
                )
            ).all()
            for ranges, versions in rows:
                with contextlib.suppress(InvalidRange, InvalidVersion):
                    AffectedRanges(ecosystem, ranges, versions).evaluate(version)
    return (time.perf_counter() - started) / len(sample)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--fan-outs", type=int, default=30)
    args = parser.parse_args()
    with fresh_runtime() as (runtime, _):
        for relative, include in CORPORA:
            knowledge.import_feed(runtime.sessions, "osv", SHARED / relative, include=include)
        pairs = real_pairs(runtime)
        print(f"  {len(pairs):,} real package@version pairs in the corpora")
        started = time.perf_counter()
        asset_ids = build_portfolio(runtime, pairs, args.assets, args.components)
        total = args.assets * args.components
        print(
            f"  portfolio: {args.assets:,} x {args.components} = {total:,} components "
            f"(built in {time.perf_counter() - started:.0f} s)"
        )

        started = time.perf_counter()
        hits = match_only(runtime, asset_ids)
        ours = time.perf_counter() - started
        print(
            f"  full match (read the portfolio, evaluate every component): {ours:.1f} s, "
            f"{hits:,} component x vulnerability hits"
        )
        subset = asset_ids[: max(1, len(asset_ids) // 100)]
        started = time.perf_counter()
        with db.transaction(runtime.sessions) as session:
            counts = matching.refresh_assets(session, subset, cause="benchmark")
        written = time.perf_counter() - started
        print(
            f"  match and write findings for {len(subset):,} assets: {written:.1f} s, "
            f"{counts['opened']:,} findings opened ({counts['opened'] / written:,.0f}/s)"
        )

        sample = random.Random(1).sample(pairs, 2000)
        naive = naive_per_component(runtime, sample) * total
        print(
            f"  naive baseline (one query per component, timed on 2,000, scaled): {naive:.0f} s"
            f" -> ours is {naive / ours:.1f}x faster"
        )

        with runtime.sessions() as session:
            held = {(e, n) for e, n, _ in pairs}
            entries = knowledge.entries_for_packages(session, set(list(held)[:3000]))
        vulnerabilities = sorted({e.vulnerability_id for e in entries})
        chosen = random.Random(2).sample(vulnerabilities, min(args.fan_outs, len(vulnerabilities)))
        first, again = [], []
        for vulnerability in chosen:
            for timings in (first, again):
                started = time.perf_counter()
                with db.transaction(runtime.sessions) as session:
                    matching.fan_out(session, [vulnerability], cause="benchmark")
                timings.append(time.perf_counter() - started)
        print(
            f"  fan-out of one vulnerability ({len(first)} samples): first (opens its findings "
            f"across the portfolio) median {statistics.median(first) * 1000:.0f} ms, "
            f"max {max(first) * 1000:.0f} ms; again (findings in place) median "
            f"{statistics.median(again) * 1000:.0f} ms, max {max(again) * 1000:.0f} ms"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  peak memory (max RSS): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
