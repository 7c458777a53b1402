"""What triage knows of each vulnerability: its evidence and the advisories' advice.

Read through the knowledge domain's service (knowledge.service.enrichment) and, for the proofs
of concept the clearinghouse validated, the reports domain's (reports.service.validated_pocs_for).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports import service as reports
from clearinghouse.triage.device_fixes import ProductStatement, statements_of
from clearinghouse.triage.evidence import Evidence, evidence_of
from clearinghouse.triage.points import VALIDATED_POC, exploitation
from clearinghouse.triage.schemas import TriagedFinding
from clearinghouse.triage.upgrades import Advice

MAX_ADVICE = 4


@dataclass(frozen=True)
class Known:
    evidence: Evidence
    advice: Advice
    summary: str | None
    products: tuple[ProductStatement, ...] = ()  # device advisories' product entries
    # The validated PoC whose report the evidence names to the viewer (Exploitation's detail
    # shows the first one only); a door that shows it records a `report.read`.
    shown_report: reports.ValidatedPoc | None = None


def knowledge_of(
    session: Session, vulnerability_ids: Collection[str], viewer: Principal | None
) -> dict[str, Known]:
    """Evidence and advice per vulnerability. A validated PoC's provenance is worded for
    `viewer`: the report itself only when the policy lets the viewer read it."""
    known = {}
    pocs = reports.validated_pocs_for(session, vulnerability_ids)
    for vulnerability_id, found in knowledge.enrichment(session, vulnerability_ids).items():
        proving = pocs.get(vulnerability_id, [])
        evidence = evidence_of(
            vulnerability_id=vulnerability_id,
            display_id=found.display_id,
            known_exploited=found.known_exploited,
            kev=found.kev,
            epss=found.epss_score,
            epss_percentile=found.epss_percentile,
            severities=found.severities,
            ssvc=found.ssvc,
            ssvc_source=found.ssvc_source,
            records=found.records,
            validated_reports=[p.provenance(viewer) for p in proving],
        )
        named = exploitation(evidence).source == VALIDATED_POC and proving[0].shows_report(viewer)
        known[vulnerability_id] = Known(
            evidence,
            advice_of(found.kev, found.records),
            found.summary,
            statements_of(found.records),
            proving[0] if named else None,
        )
    return known


def record_shown_reports(
    session: Session,
    viewer: Principal,
    origin: Origin,
    findings: Iterable[TriagedFinding],
    known: Mapping[str, Known],
    **context: Any,
) -> None:
    """Findings that name a finder's report (a validated PoC's title, to a coordinator) are a
    read of it: one `report.read` per report, with the view it was read through in `context`
    and the vulnerabilities it proved. Commit the session with the answer."""
    shown: dict[str, tuple[reports.ValidatedPoc, list[str]]] = {}
    for finding in findings:
        poc = known[finding.vulnerability_id].shown_report
        if poc is not None:
            vulnerabilities = shown.setdefault(poc.report_id, (poc, []))[1]
            if finding.vulnerability not in vulnerabilities:
                vulnerabilities.append(finding.vulnerability)
    for poc, vulnerabilities in shown.values():
        reports.record_reads(
            session, viewer, origin, [poc], **context, vulnerabilities=vulnerabilities
        )


def advice_of(
    kev: Mapping[str, Any] | None,
    records: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> Advice:
    """Mitigations the advisories give (KEV's required action, a CVE record's workarounds and
    solutions), and the advisories' own pages."""
    mitigations: dict[str, None] = {}
    advisories: dict[str, None] = {}
    if kev and kev.get("required_action"):
        mitigations[f"CISA: {kev['required_action']}"] = None
    for _source, fields, document in records:
        for reference in fields.get("references") or ():
            if reference.get("type") == "ADVISORY" and isinstance(reference.get("url"), str):
                advisories[reference["url"]] = None
        cna = ((document.get("cve_record") or {}).get("containers") or {}).get("cna") or {}
        for kind in ("workarounds", "solutions"):
            for item in cna.get(kind) or ():
                if isinstance(item, Mapping) and isinstance(item.get("value"), str):
                    mitigations[" ".join(item["value"].split())[:500]] = None
    return Advice(tuple(mitigations)[:MAX_ADVICE], tuple(advisories)[:MAX_ADVICE])
