"""`clearinghouse scan --prioritize`: decisions for the findings of files on disk, unstored."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory.models import Criticality, Exposure
from clearinghouse.matching.scan import PackageFinding, PackageResult, ScanReport
from clearinghouse.triage.decisions import decide
from clearinghouse.triage.facts import knowledge_of, record_shown_reports
from clearinghouse.triage.ranking import rank_key, triaged
from clearinghouse.triage.schemas import TriagedFinding

ScanKey = tuple[str, int, str]  # (file path, the package's identity, vulnerability id)


def scan_key(path: str, package: PackageResult, item: PackageFinding) -> ScanKey:
    return (path, id(package), item.hit.vulnerability_id)


def prioritize_scan(
    session: Session,
    report: ScanReport,
    *,
    exposure: Exposure,
    criticality: Criticality,
    sector: Sector | None,
    today: date | None = None,
    viewer: tuple[Principal, Origin] | None = None,
) -> dict[ScanKey, TriagedFinding]:
    """Decisions for a scan's findings (VEX-suppressed ones left out), ranked together; the
    deadlines count from today. `viewer` words validated PoCs' provenance (None: the bare
    fact); a finder's report named to them is a recorded read (commit the session)."""
    day = today or utcnow().date()
    found: dict[ScanKey, tuple[PackageResult, PackageFinding]] = {}
    for source in report.results:
        for package in source.packages:
            for item in package.findings:
                if not item.suppressed:
                    found[scan_key(source.path, package, item)] = (package, item)
    who = viewer[0] if viewer else None
    known = knowledge_of(session, {item.hit.vulnerability_id for _, item in found.values()}, who)
    decided: list[tuple[ScanKey, TriagedFinding]] = []
    for key, (package, item) in found.items():
        facts = known.get(item.hit.vulnerability_id)
        if facts is None:
            continue
        decision = decide(
            facts.evidence,
            exposure=exposure,
            criticality=criticality,
            sector=sector,
            opened=day,
            fixable=bool(item.hit.fixed_versions),
        )
        component = package.component
        decided.append(
            (
                key,
                triaged(
                    None,
                    None,
                    facts,
                    decision,
                    component_name=component.name,
                    component_version=component.version,
                    ecosystem=component.ecosystem,
                    fixed_versions=item.hit.fixed_versions,
                    opened=day,
                ),
            )
        )
    decided.sort(key=lambda pair: rank_key(pair[1]))
    if viewer is not None:
        record_shown_reports(session, *viewer, [f for _, f in decided], known, view="scan")
    return {
        key: finding.model_copy(update={"rank": n})
        for n, (key, finding) in enumerate(decided, start=1)
    }
