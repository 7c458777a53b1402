"""The API of reviewing reports: scorecards, the coordinators' triage queue, overruling dedupe.

Mounted before the reports router, so that `/reports/scorecards` is not read as a report id.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from clearinghouse import db
from clearinghouse.deps import RuntimeDep
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.problems import Problem
from clearinghouse.reports import dedupe_service, scorecards, triage
from clearinghouse.reports.schemas import ReportOut

router = APIRouter(prefix="/api/v1", tags=["reports"])
Read = Annotated[Principal, Depends(requires("reports.read"))]
Triage = Annotated[Principal, Depends(requires("reports.triage"))]
Override = Annotated[Principal, Depends(requires("reports.override"))]


class OverrideIn(BaseModel):
    decision: Literal["duplicate", "not_duplicate"]
    note: str = Field(min_length=1, max_length=2000, description="Why; kept in the evidence")
    original: str | None = Field(
        default=None, max_length=200, description="For `duplicate`: a vulnerability or report id"
    )


@router.get(
    "/reports/scorecards",
    summary="Finder scorecards by organization and declared AI model (yours; coordinators: all)",
)
def get_scorecards(
    principal: Read, request: Request, runtime: RuntimeDep, organization: str | None = None
) -> scorecards.Scorecards:
    with db.transaction(runtime.sessions) as session:
        return scorecards.scorecards(session, principal, origin_of(request), organization)


@router.get("/reports/triage", summary="Every finder's reports in triage priority (coordinators)")
def get_triage_queue(
    principal: Triage,
    request: Request,
    runtime: RuntimeDep,
    group: str | None = None,
    organization: str | None = None,
    target: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[triage.TriageItem]:
    try:
        with db.transaction(runtime.sessions) as session:
            return triage.queue(
                session,
                principal,
                origin_of(request),
                group=group,
                organization_id=organization,
                target=target,
                limit=limit,
            )
    except ValueError as exc:
        raise Problem(422, str(exc)) from None


@router.post(
    "/reports/{report_id}/dedupe",
    summary="Overrule deduplication: mark a report a duplicate of an original, or not (audited)",
    responses={404: {}, 422: {}},
)
def override_dedupe(
    report_id: str, body: OverrideIn, principal: Override, request: Request, runtime: RuntimeDep
) -> ReportOut:
    try:
        with db.transaction(runtime.sessions) as session:
            report = dedupe_service.override(
                session,
                principal,
                origin_of(request),
                report_id,
                body.decision,
                body.note,
                body.original,
            )
            shown = ReportOut.model_validate(report)
    except dedupe_service.OverrideRefused as exc:
        raise Problem(422, str(exc)) from None
    if body.decision == "not_duplicate":
        dedupe_service.requeue_validation(runtime, report_id)
    return shown
