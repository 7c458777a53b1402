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
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports import service as reports
from clearinghouse.triage.device_fixes import ProductStatement, statements_of
from clearinghouse.triage.evidence import Evidence, evidence_of
from clearinghouse.triage.upgrades import Advice

MAX_ADVICE = 4


@dataclass(frozen=True)
class Known:
    evidence: Evidence
    advice: Advice
    summary: str | None
    products: tuple[ProductStatement, ...] = ()  # device advisories' product entries


def knowledge_of(
    session: Session, vulnerability_ids: Collection[str], viewer: Principal | None
) -> dict[str, Known]:
    """Evidence and advice per vulnerability. A validated PoC's provenance is worded for
    `viewer`: the report itself only when the policy lets the viewer read it."""
    known = {}
    pocs = reports.validated_pocs_for(session, vulnerability_ids)
    for vulnerability_id, found in knowledge.enrichment(session, vulnerability_ids).items():
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
            validated_reports=[p.provenance(viewer) for p in pocs.get(vulnerability_id, ())],
        )
        known[vulnerability_id] = Known(
            evidence,
            advice_of(found.kev, found.records),
            found.summary,
            statements_of(found.records),
        )
    return known


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
