"""What the matching doors give."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from clearinghouse.knowledge.service import VulnerabilityBrief
from clearinghouse.matching.models import Finding


class Doubt(BaseModel):
    """Why an advisory that names a device or package cannot be decided for its version."""

    text: str  # the plain sentence
    product: str | None  # as the advisory writes it
    ranges: list[str]  # the advisory's version text we could not compare
    advisories: list[str]  # the advisory's pages
    # When one item stands for many advisories (a package whose own version cannot be read):
    # the display ids of all of them.
    vulnerabilities: list[str] = []


class FindingOut(BaseModel):
    id: int
    asset_id: str
    vulnerability_id: str
    vulnerability: str  # the display id: a CVE when there is one
    aliases: list[str]
    summary: str | None
    known_exploited: bool
    epss: float | None
    component_name: str
    component_version: str | None
    ecosystem: str | None
    purl: str | None
    fixed_versions: list[str]
    evidence: dict[str, Any]
    vex_status: str | None
    vex_justification: str | None
    status: str  # open, closed, or undecided: an advisory names it but cannot be decided
    opened_at: datetime
    closed_at: datetime | None
    cannot_decide: Doubt | None = None  # an undecided finding: why, in plain words

    @classmethod
    def from_row(
        cls, row: Finding, brief: VulnerabilityBrief | None, doubt: Doubt | None = None
    ) -> FindingOut:
        return cls(
            id=row.id,
            asset_id=row.asset_id,
            vulnerability_id=row.vulnerability_id,
            vulnerability=brief.display_id if brief else row.vulnerability_id,
            aliases=list(brief.aliases) if brief else [],
            summary=brief.summary if brief else None,
            known_exploited=brief.known_exploited if brief else False,
            epss=brief.epss_score if brief else None,
            component_name=row.component_name,
            component_version=row.component_version,
            ecosystem=row.ecosystem,
            purl=row.purl,
            fixed_versions=list(row.fixed_versions or []),
            evidence=dict(row.evidence or {}),
            vex_status=row.vex_status,
            vex_justification=row.vex_justification,
            status=row.status,
            opened_at=row.opened_at,
            closed_at=row.closed_at,
            cannot_decide=doubt,
        )
