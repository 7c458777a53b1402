"""Build an organization's remediation plan, against listing its findings.

In a fresh SQLite database holding the PyPI corpus, the CVE sample with CISA ADP and the KEV
catalog of ../shared/data, a hospital gets N assets x M components drawn from real vulnerable
package@version pairs of that corpus; matching writes their findings. Then, each the median of
a few runs:

- baseline: matching.service.list_findings for the organization (what the Assets page reads:
  the findings with their vulnerabilities' briefs);
- the plan: triage.service.plan_for_organization (evidence, three SSVC tables per finding,
  ranks, the upgrade cover over every advisory range, mitigations);
- one asset's plan, for a sample of assets.

    .venv/bin/python benchmarks/triage_plan.py [--assets 200] [--components 60]

There is no target in the issue; the figure to watch is the plan's cost over the listing.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select
from synthetic import add_components, fresh_runtime

from clearinghouse import db
from clearinghouse.identity.models import Organization
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.inventory.models import Asset
from clearinghouse.knowledge import service as knowledge
from clearinghouse.knowledge.models import AffectedPackageRow
from clearinghouse.matching import service as matching
from clearinghouse.runtime import Runtime
from clearinghouse.triage import service as triage

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
FEEDS = [
    ("osv", "osv-pypi-pysec/pypa-advisory-database.tar.gz"),
    ("cve5", "cve-vulnrichment-sample/vulnrichment-sample.tar.gz"),
    ("kev", "cisa-kev/known_exploited_vulnerabilities.json"),
]
EXPOSURES = ("internet-facing", "internal", "isolated")
CRITICALITIES = ("low", "medium", "high", "critical")
CLI = Principal.command_line()
ORIGIN = Origin(request_id=None, client_address="benchmark")


def vulnerable_pairs(runtime: Runtime) -> list[tuple[str, str]]:
    """(name, version) of PyPI versions an advisory names as introduced or listed."""
    pairs: set[tuple[str, str]] = set()
    with runtime.sessions() as session:
        for name, ranges, versions in session.execute(
            select(AffectedPackageRow.name, AffectedPackageRow.ranges, AffectedPackageRow.versions)
        ):
            pairs.update((name, v) for v in versions or ())
            for range_ in ranges or ():
                for event in range_.get("events", ()):
                    if "introduced" in event and event["introduced"] != "0":
                        pairs.add((name, event["introduced"]))
    return sorted(pairs)


def build(runtime: Runtime, pairs: list[tuple[str, str]], assets: int, per_asset: int) -> str:
    rng = random.Random(14409)
    with db.transaction(runtime.sessions) as session:
        organization = Organization(
            name="Benchmark hospital", kinds=["operator"], sector="healthcare"
        )
        session.add(organization)
        session.flush()
        organization_id = organization.id
        rows = [
            {
                "id": str(uuid.uuid4()),
                "organization_id": organization_id,
                "name": f"asset {n}",
                "kind": "server",
                "exposure": EXPOSURES[n % 3],
                "criticality": CRITICALITIES[n % 4],
            }
            for n in range(assets)
        ]
        session.execute(insert(Asset), rows)
        asset_ids = [r["id"] for r in rows]
        add_components(
            session,
            {a: [("PyPI", n, v) for n, v in rng.sample(pairs, per_asset)] for a in asset_ids},
            file_name="requirements.txt",
        )
        matching.refresh_assets(session, asset_ids, cause="benchmark")
    return organization_id


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--assets", type=int, default=200)
    parser.add_argument("--components", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with fresh_runtime() as (runtime, _):
        for source, relative in FEEDS:
            run = knowledge.import_feed(runtime.sessions, source, SHARED / relative)
            assert run.status == "succeeded", run.failure
        organization_id = build(runtime, vulnerable_pairs(runtime), args.assets, args.components)
        with runtime.sessions() as session:
            findings = matching.list_findings(session, CLI, organization_id, limit=10**7)
            asset_ids = sorted({f.asset_id for f in findings})
        print(
            f"  {args.assets} assets x {args.components} components: {len(findings):,} open "
            f"findings on {len({f.vulnerability_id for f in findings}):,} vulnerabilities"
        )

        def listing() -> object:
            with runtime.sessions() as session:
                return matching.list_findings(session, CLI, organization_id, limit=10**7)

        def plan() -> object:
            with runtime.sessions() as session:
                return triage.plan_for_organization(session, CLI, ORIGIN, organization_id)

        sample = random.Random(1).sample(asset_ids, min(20, len(asset_ids)))

        def asset_plans() -> object:
            with runtime.sessions() as session:
                return [triage.plan_for_asset(session, CLI, ORIGIN, a) for a in sample]

        baseline = median_seconds(listing, args.runs)
        planned = median_seconds(plan, args.runs)
        per_asset = median_seconds(asset_plans, args.runs) / len(sample)
        with runtime.sessions() as session:
            made = triage.plan_for_organization(session, CLI, ORIGIN, organization_id)
        print(f"  baseline, listing the findings: {baseline * 1000:,.0f} ms")
        print(
            f"  the organization's plan: {planned * 1000:,.0f} ms = {planned / baseline:.1f}x the "
            f"listing ({len(made.upgrades):,} upgrades, {len(made.not_fixable):,} not fixable)"
        )
        print(f"  one asset's plan: {per_asset * 1000:,.0f} ms (median over {len(sample)} assets)")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory (max RSS): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
