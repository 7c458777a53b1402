"""The coordinators' triage queue: every finder's reports, what to look at first on top.

Priority (docs/reports.md, "Triage queue"), highest first:

1. the **group** of the verdict — what a coordinator acts on comes first:
   `reproduced` (a real, fixed vulnerability: coordinate the advisory), `reproduced_unfixed`
   (real and unfixed: the vendor must hear), then **needs a look** (grounding could not read
   the source, validation failed on our side, or dedupe found a likely duplicate it would not
   decide), then reports still in the pipeline, then the settled refusals: `duplicate`,
   `not_reproduced`, `invalid`, `ungrounded`;
2. within a group, the **severity of the claimed weakness** (`CWE_SEVERITY`: code execution and
   injection first, then access-control and crypto failures, cross-site scripting, resource
   exhaustion, information leaks; others medium);
3. then **age**: the report that has waited longest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity import policy
from clearinghouse.identity import service as identity
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.reports.models import Report
from clearinghouse.reports.service import record_reads

GROUPS: tuple[tuple[str, str], ...] = (
    ("reproduced", "Reproduced"),
    ("reproduced_unfixed", "Reproduced, no fix"),
    ("needs_look", "Needs a coordinator"),
    ("in_pipeline", "In the pipeline"),
    ("duplicate", "Duplicate"),
    ("not_reproduced", "Not reproduced"),
    ("invalid", "Invalid PoC"),
    ("ungrounded", "Ungrounded"),
)
_GROUP_RANK = {name: rank for rank, (name, _) in enumerate(GROUPS)}

SEVERITY_LABELS = ("critical", "high", "medium", "low")
# The claimed weakness's usual worst case; unlisted CWEs count as "medium".
CWE_SEVERITY: dict[str, int] = {
    **dict.fromkeys(
        ["CWE-77", "CWE-78", "CWE-94", "CWE-95", "CWE-502", "CWE-787", "CWE-416", "CWE-917"], 0
    ),
    **dict.fromkeys(
        [
            "CWE-89",
            "CWE-22",
            "CWE-287",
            "CWE-306",
            "CWE-862",
            "CWE-863",
            "CWE-290",
            "CWE-347",
            "CWE-327",
            "CWE-918",
            "CWE-611",
            "CWE-434",
            "CWE-120",
            "CWE-125",
            "CWE-190",
            "CWE-74",
        ],
        1,
    ),
    **dict.fromkeys(["CWE-79", "CWE-352", "CWE-601", "CWE-565", "CWE-20", "CWE-444"], 2),
    **dict.fromkeys(
        ["CWE-400", "CWE-770", "CWE-1333", "CWE-674", "CWE-835", "CWE-200", "CWE-208"], 3
    ),
}
DEFAULT_SEVERITY = 2


class TriageItem(BaseModel):
    id: str
    title: str
    finder_organization_id: str
    finder: str
    target: str
    cwe: str
    severity: str
    status: str
    verdict: str | None
    group: str
    group_label: str
    created_at: datetime
    waiting_days: float
    likely_duplicate_of: str | None  # a known vulnerability dedupe found likely, not decided
    duplicate_of: str | None
    duplicate_of_report: str | None  # the original's report id, when the original is a report
    evidence: list[str]  # which evidence the report holds: grounding, dedupe, validation…


def group_of(status: str, verdict: str | None, details: dict[str, Any] | None) -> str:
    if verdict in ("reproduced", "reproduced_unfixed"):
        return verdict
    if verdict in ("duplicate", "not_reproduced", "invalid", "ungrounded"):
        return verdict
    dedupe = (details or {}).get("dedupe") or {}
    likely = (dedupe.get("knowledge") or {}).get("likely")
    if verdict == "error" or status in ("grounding_failed", "validation_failed") or likely:
        return "needs_look"
    return "in_pipeline"


def severity_of(cwe: str) -> int:
    return CWE_SEVERITY.get(cwe, DEFAULT_SEVERITY)


def _item(report: Report, finder: str, now: datetime) -> TriageItem:
    content = report.content
    details = report.verdict_details or {}
    dedupe = details.get("dedupe") or {}
    likely = (dedupe.get("knowledge") or {}).get("likely")
    original = dedupe.get("original") if report.verdict == "duplicate" else None
    cwe = str(content["weakness"]["cwe"])
    group = group_of(report.status, report.verdict, details)
    return TriageItem(
        id=report.id,
        title=report.title,
        finder_organization_id=report.finder_organization_id,
        finder=finder,
        target=report.target_key,
        cwe=cwe,
        severity=SEVERITY_LABELS[severity_of(cwe)],
        status=report.status,
        verdict=report.verdict,
        group=group,
        group_label=dict(GROUPS)[group],
        created_at=report.created_at,
        waiting_days=round((now - report.created_at).total_seconds() / 86400, 1),
        likely_duplicate_of=None if not likely else str(likely.get("label")),
        duplicate_of=None if not original else str(original.get("label")),
        duplicate_of_report=(
            str(original["id"])
            if original and original.get("kind") != "vulnerability" and original.get("id")
            else None
        ),
        evidence=[k for k in ("grounding", "dedupe", "crash_state", "validation") if k in details],
    )


def queue(
    session: Session,
    actor: Principal,
    origin: Origin,
    *,
    group: str | None = None,
    organization_id: str | None = None,
    target: str | None = None,
    limit: int = 500,
) -> list[TriageItem]:
    """Every finder's reports in priority order, optionally one group, finder or target; the
    titles shown are a `report.read` of other organizations' reports (one entry)."""
    policy.require(actor, "reports.triage")
    if group is not None and group not in _GROUP_RANK:
        raise ValueError(f"unknown group {group!r}; use one of {', '.join(_GROUP_RANK)}")
    query = select(Report)
    if organization_id:
        query = query.where(Report.finder_organization_id == organization_id)
    if target:
        query = query.where(Report.target_key.contains(target.strip(), autoescape=True))
    reports = list(session.scalars(query))
    names = identity.organization_names(session, {r.finder_organization_id for r in reports})
    now = utcnow()
    items = [_item(r, names.get(r.finder_organization_id, "?"), now) for r in reports]
    if group is not None:
        items = [i for i in items if i.group == group]
    items.sort(
        key=lambda i: (_GROUP_RANK[i.group], SEVERITY_LABELS.index(i.severity), i.created_at)
    )
    shown = items[:limit]
    filters = {"group": group, "organization": organization_id, "target": target}
    record_reads(
        session,
        actor,
        origin,
        shown,
        view="triage queue",
        filters={k: v for k, v in filters.items() if v},
    )
    return shown
