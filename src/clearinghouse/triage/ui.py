"""Pages: the remediation plan of an organization or an asset, printable and downloadable, and
the form that overrides a decision point."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep
from clearinghouse.identity import policy
from clearinghouse.identity.acting import IdentityError
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.problems import one_line
from clearinghouse.triage import chart, exports, service
from clearinghouse.triage.decisions import day_text
from clearinghouse.triage.points import LABELS, OVERRIDABLE
from clearinghouse.triage.schemas import OverrideIn, Plan
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
ReadAssets = Annotated[Principal, Depends(requires("assets.read"))]
ManageAssets = Annotated[Principal, Depends(requires("assets.manage"))]
View = Annotated[Literal["page", "print"], Query()]
ExportFormat = Annotated[Literal["csv", "json"], Query()]
add_nav_item("plan", "Plan", "/plan", order=21, action="assets.read")
# Rows of the ranked findings table a page shows; the downloads hold every finding.
SHOWN = 300


def _show(
    request: Request,
    principal: Principal,
    plan: Plan,
    view: str,
    base: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    can_manage = plan.asset_id is not None and policy.allowed(
        principal, "assets.manage", plan.organization_id
    )
    overrides = []
    if plan.asset_id is not None:
        with request.app.state.runtime.sessions() as session:
            overrides = service.list_overrides(session, principal, plan.asset_id)
    return render(
        request,
        "triage/print.html" if view == "print" else "triage/plan.html",
        status_code=status_code,
        plan=plan,
        chart=chart.svg(plan.findings, plan.today),
        buckets=chart.tally(plan.findings, plan.today),
        day_text=day_text,
        base=base,
        can_manage=can_manage,
        overrides=overrides,
        points=OVERRIDABLE,
        point_labels=LABELS,
        active_nav="plan",
        shown=SHOWN,
        **extra,
    )


def _organization_plan(request: Request, principal: Principal, organization: str | None) -> Plan:
    target = organization or principal.organization_id or ""
    with db.transaction(request.app.state.runtime.sessions) as session:
        return service.plan_for_organization(session, principal, origin_of(request), target)


def _asset_plan(request: Request, principal: Principal, asset_id: str) -> Plan:
    with db.transaction(request.app.state.runtime.sessions) as session:
        return service.plan_for_asset(session, principal, origin_of(request), asset_id)


def _export(plan: Plan, format: str) -> Response:
    name = (plan.asset_name or plan.organization_name).replace('"', "")
    if format == "csv":
        body, media = exports.to_csv(plan), "text/csv; charset=utf-8"
    else:
        body, media = plan.model_dump_json(indent=2), "application/json"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="plan-{name}.{format}"'},
    )


@router.get("/plan")
def organization_plan(
    request: Request,
    principal: ReadAssets,
    view: View = "page",
    organization: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    """Your organization's plan (coordinators may name another organization)."""
    if not (organization or principal.organization_id):
        return RedirectResponse("/", status_code=303)
    plan = _organization_plan(request, principal, organization)
    return _show(request, principal, plan, view, f"/plan?organization={plan.organization_id}")


@router.get("/plan/export")
def organization_export(
    request: Request,
    principal: ReadAssets,
    format: ExportFormat = "csv",
    organization: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    if not (organization or principal.organization_id):
        return RedirectResponse("/", status_code=303)
    return _export(_organization_plan(request, principal, organization), format)


@router.get("/assets/{asset_id}/plan")
def asset_plan(
    request: Request, principal: ReadAssets, asset_id: str, view: View = "page"
) -> Response:
    plan = _asset_plan(request, principal, asset_id)
    return _show(request, principal, plan, view, f"/assets/{asset_id}/plan?")


@router.get("/assets/{asset_id}/plan/export")
def asset_export(
    request: Request, principal: ReadAssets, asset_id: str, format: ExportFormat = "csv"
) -> Response:
    return _export(_asset_plan(request, principal, asset_id), format)


@router.post("/assets/{asset_id}/overrides")
def set_override(
    request: Request,
    principal: ManageAssets,
    runtime: RuntimeDep,
    asset_id: str,
    vulnerability: Annotated[str, Form()] = "",
    point: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = OverrideIn(vulnerability=vulnerability, point=point, value=value, reason=reason)
        with db.transaction(runtime.sessions) as session:
            service.set_override(session, principal, origin_of(request), asset_id, data)
    except (ValueError, IdentityError) as exc:
        plan = _asset_plan(request, principal, asset_id)
        return _show(
            request,
            principal,
            plan,
            "page",
            f"/assets/{asset_id}/plan?",
            status_code=422,
            error=one_line(exc),
        )
    return RedirectResponse(f"/assets/{asset_id}/plan", status_code=303)


@router.post("/assets/{asset_id}/overrides/clear")
def clear_override(
    request: Request,
    principal: ManageAssets,
    runtime: RuntimeDep,
    asset_id: str,
    vulnerability: Annotated[str, Form()] = "",
    point: Annotated[str, Form()] = "",
) -> Response:
    with db.transaction(runtime.sessions) as session:
        service.clear_override(
            session, principal, origin_of(request), asset_id, vulnerability, point
        )
    return RedirectResponse(f"/assets/{asset_id}/plan", status_code=303)
