"""Findings with their decisions, as triage answers them, and their order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache

from clearinghouse.triage.decisions import Decision
from clearinghouse.triage.facts import Known
from clearinghouse.triage.points import Point
from clearinghouse.triage.schemas import PointOut, TriagedFinding


@lru_cache(maxsize=4096)
def _points_out(chosen: tuple[Point, ...]) -> tuple[PointOut, ...]:
    return tuple(PointOut.of(p) for p in chosen)


def triaged(
    finding_id: int | None,
    asset: tuple[str, str] | None,  # (id, name)
    known: Known,
    decision: Decision,
    *,
    component_name: str,
    component_version: str | None,
    ecosystem: str | None,
    fixed_versions: Sequence[str],
    opened: date,
    product: str | None = None,
) -> TriagedFinding:
    evidence = known.evidence
    primary = evidence.primary_cvss
    return TriagedFinding(
        rank=0,
        finding_id=finding_id,
        asset_id=asset[0] if asset else None,
        asset_name=asset[1] if asset else None,
        vulnerability_id=evidence.vulnerability_id,
        vulnerability=evidence.display_id,
        summary=known.summary,
        component_name=component_name,
        component_version=component_version,
        ecosystem=ecosystem,
        fixed_versions=list(fixed_versions),
        known_exploited=evidence.known_exploited,
        epss=evidence.epss,
        cvss_score=primary.base_score if primary else None,
        cvss_vector=primary.vector if primary else None,
        points=list(_points_out(decision.points)),
        bod=decision.bod.key,
        bod_label=decision.bod.name,
        cisa=decision.cisa.key,
        cisa_label=decision.cisa.name,
        deployer=decision.deployer.key,
        deployer_label=decision.deployer.name,
        opened=opened,
        deadline=decision.deadline,
        score=decision.score,
        why=decision.why,
        product=product,
    )


def rank_key(f: TriagedFinding) -> tuple[float, date, str, str, str]:
    """Highest score first, then the earliest deadline, then the id."""
    return (-f.score, f.deadline or date.max, f.vulnerability, f.component_name, f.asset_name or "")


def ranked(findings: Iterable[TriagedFinding]) -> list[TriagedFinding]:
    """In rank order, ranks numbered from 1."""
    ordered = sorted(findings, key=rank_key)
    return [f.model_copy(update={"rank": n}) for n, f in enumerate(ordered, start=1)]
