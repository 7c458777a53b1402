"""Pages of reviewing reports: the coordinators' triage queue, finder scorecards, and the form
with which a coordinator overrules deduplication on a report's page.

Mounted before the reports pages, so that `/reports/triage` is not read as a report id.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep
from clearinghouse.identity import service as identity
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.reports import dedupe_service, scorecards, triage
from clearinghouse.reports.ui import render_report
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
add_nav_item("triage", "Triage", "/reports/triage", order=41, action="reports.triage")
add_nav_item("scorecards", "Scorecards", "/reports/scorecards", order=42, action="reports.read")
Read = Annotated[Principal, Depends(requires("reports.read"))]
Triage = Annotated[Principal, Depends(requires("reports.triage"))]
Override = Annotated[Principal, Depends(requires("reports.override"))]


@router.get("/reports/triage")
def triage_page(
    request: Request,
    principal: Triage,
    runtime: RuntimeDep,
    group: str = "",
    organization: str = "",
    target: str = "",
) -> Response:
    error = None
    with db.transaction(runtime.sessions) as session:
        try:
            items = triage.queue(
                session,
                principal,
                origin_of(request),
                group=group or None,
                organization_id=organization or None,
                target=target or None,
            )
        except ValueError as exc:
            items, error = [], str(exc)
        finders = identity.organization_names(session, {i.finder_organization_id for i in items})
    return render(
        request,
        "reports/triage.html",
        items=items,
        groups=triage.GROUPS,
        finders=sorted(finders.items(), key=lambda pair: pair[1]),
        filters={"group": group, "organization": organization, "target": target},
        error=error,
        active_nav="triage",
    )


@router.get("/reports/scorecards")
def scorecards_page(
    request: Request, principal: Read, runtime: RuntimeDep, organization: str = ""
) -> Response:
    with db.transaction(runtime.sessions) as session:
        cards = scorecards.scorecards(session, principal, origin_of(request), organization or None)
    return render(request, "reports/scorecards.html", cards=cards, active_nav="scorecards")


@router.post("/reports/{report_id}/dedupe")
def override_form(
    request: Request,
    report_id: str,
    principal: Override,
    runtime: RuntimeDep,
    decision: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=2000)] = "",
    original: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if decision not in ("duplicate", "not_duplicate"):
        error = "choose duplicate or not a duplicate"
        return render_report(request, principal, runtime, report_id, 422, error=error)
    try:
        with db.transaction(runtime.sessions) as session:
            dedupe_service.override(
                session,
                principal,
                origin_of(request),
                report_id,
                "duplicate" if decision == "duplicate" else "not_duplicate",
                note,
                original or None,
            )
    except dedupe_service.OverrideRefused as exc:
        return render_report(request, principal, runtime, report_id, 422, error=str(exc))
    if decision == "not_duplicate":
        dedupe_service.requeue_validation(runtime, report_id)
    return RedirectResponse(f"/reports/{report_id}?overruled=1", status_code=303)
