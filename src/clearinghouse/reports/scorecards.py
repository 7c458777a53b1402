"""Finder scorecards: how each finder organization, and each declared AI model, is doing.

Counted from the reports' verdicts (docs/reports.md, "Finder scorecards"):

- `submitted`: every report; `pending`: no verdict yet;
- `reproduced`: verdicts `reproduced` and `reproduced_unfixed`;
- `duplicates`, `ungrounded`, `not_reproduced`, `invalid`: those verdicts;
- `errors`: the verdict `error` — the infrastructure's fault, so it counts neither way;
- `decided`: every verdict but `error`; **precision** = reproduced / decided (none when nothing
  is decided yet);
- **median time to verdict**: from submission to the last change of the verdict, over the
  decided reports (a coordinator's override counts as the verdict's time).

The model is the report's declared `provenance.model` (with `model_version` when given); a
report without one is counted under "no AI model declared". A finder sees its own
organization's scorecards, coordinators everyone's.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity import policy
from clearinghouse.identity import service as identity
from clearinghouse.identity.acting import audit, not_found
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.reports.models import Report

REPRODUCED = ("reproduced", "reproduced_unfixed")
NO_MODEL = "no AI model declared"


class ScorecardRow(BaseModel):
    key: str  # organization id, or the model as declared
    label: str
    organization_id: str | None = None  # model rows: whose reports (coordinators' "all": None)
    submitted: int
    pending: int
    reproduced: int
    duplicates: int
    ungrounded: int
    not_reproduced: int
    invalid: int
    errors: int
    decided: int
    precision: float | None
    median_hours_to_verdict: float | None


class Scorecards(BaseModel):
    generated_at: datetime
    by_organization: list[ScorecardRow]
    by_model: list[ScorecardRow]


@dataclass
class _Tally:
    submitted: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    hours: list[float] = field(default_factory=list)

    def add(self, verdict: str | None, created: datetime, updated: datetime) -> None:
        self.submitted += 1
        self.verdicts[verdict or "pending"] += 1
        if verdict is not None and verdict != "error":
            self.hours.append(max(0.0, (updated - created).total_seconds() / 3600))

    def row(self, key: str, label: str, organization_id: str | None) -> ScorecardRow:
        v = self.verdicts
        reproduced = sum(v[name] for name in REPRODUCED)
        decided = self.submitted - v["pending"] - v["error"]
        return ScorecardRow(
            key=key,
            label=label,
            organization_id=organization_id,
            submitted=self.submitted,
            pending=v["pending"],
            reproduced=reproduced,
            duplicates=v["duplicate"],
            ungrounded=v["ungrounded"],
            not_reproduced=v["not_reproduced"],
            invalid=v["invalid"],
            errors=v["error"],
            decided=decided,
            precision=round(reproduced / decided, 4) if decided else None,
            median_hours_to_verdict=round(statistics.median(self.hours), 3) if self.hours else None,
        )


def model_label(model: str | None, version: str | None) -> str:
    if not model:
        return NO_MODEL
    return f"{model} {version}" if version else model


def scorecards(
    session: Session, actor: Principal, origin: Origin, organization_id: str | None = None
) -> Scorecards:
    """Scorecards the actor may see; `organization_id` narrows a coordinator's view to one.
    Seeing other organizations' scorecards is audited (`scorecard.read`, one entry)."""
    policy.require(actor, "reports.read")
    if organization_id is not None:
        try:
            policy.require(actor, "reports.read", organization_id)
        except AccessDenied as exc:
            raise exc.about("scorecard.read", "organization", organization_id[:200]) from None
    elif not policy.across_tenants(actor, "reports.read"):
        organization_id = actor.organization_id
    provenance = Report.content["provenance"]
    query = select(
        Report.finder_organization_id,
        provenance["model"].as_string(),
        provenance["model_version"].as_string(),
        Report.verdict,
        Report.created_at,
        Report.updated_at,
    )
    if organization_id is not None:
        query = query.where(Report.finder_organization_id == organization_id)
    rows = list(session.execute(query))
    if organization_id is not None and not rows:
        names = identity.organization_names(session, [organization_id])
        if organization_id not in names:
            raise not_found("organization")
    cards = _build(session, rows, per_organization_models=organization_id is not None)
    others = sorted(
        r.key for r in cards.by_organization if r.organization_id != actor.organization_id
    )
    if others:
        audit(
            session,
            actor,
            origin,
            "scorecard.read",
            organization_id=organization_id,
            resource_type="organization" if organization_id else None,
            resource_id=organization_id,
            organizations=others,
        )
    return cards


def _build(session: Session, rows: Iterable[tuple], per_organization_models: bool) -> Scorecards:  # type: ignore[type-arg]
    by_org: dict[str, _Tally] = defaultdict(_Tally)
    by_model: dict[tuple[str, str | None], _Tally] = defaultdict(_Tally)
    for organization, model, version, verdict, created, updated in rows:
        by_org[organization].add(verdict, created, updated)
        key = (model_label(model, version), organization if per_organization_models else None)
        by_model[key].add(verdict, created, updated)
    names = identity.organization_names(session, by_org)
    organizations = sorted(
        (t.row(o, names.get(o, o), o) for o, t in by_org.items()),
        key=lambda r: (-r.submitted, r.label),
    )
    models = sorted(
        (t.row(label, label, org) for (label, org), t in by_model.items()),
        key=lambda r: (-r.submitted, r.label),
    )
    return Scorecards(generated_at=utcnow(), by_organization=organizations, by_model=models)
