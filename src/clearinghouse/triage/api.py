"""The triage API: remediation plans (JSON or CSV) and operators' decision point overrides."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.triage import exports, service
from clearinghouse.triage.schemas import OverrideIn, OverrideOut, Plan

router = APIRouter(prefix="/api/v1", tags=["triage"])
ReadAssets = Annotated[Principal, Depends(requires("assets.read"))]
ManageAssets = Annotated[Principal, Depends(requires("assets.manage"))]
Format = Annotated[
    Literal["json", "csv"], Query(description="json (the whole plan) or csv (one row a finding)")
]
PLAN_DESCRIPTION = (
    "Open findings ranked with their SSVC decisions (CISA BOD 26-04 timeline, CISA Coordinator, "
    "CERT/CC Deployer), deadlines and a sentence of why; grouped into upgrades, and what no "
    "version fixes yet with the advisories' mitigations. See docs/triage.md."
)


def _answer(plan: Plan, format: str, name: str) -> Plan | Response:
    if format == "csv":
        return Response(
            exports.to_csv(plan),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return plan


@router.get(
    "/assets/{asset_id}/plan",
    summary="An asset's remediation plan",
    description=PLAN_DESCRIPTION,
    response_model=Plan,
)
def asset_plan(
    asset_id: str,
    principal: ReadAssets,
    request: Request,
    runtime: RuntimeDep,
    format: Format = "json",
) -> Plan | Response:
    with db.transaction(runtime.sessions) as session:
        plan = service.plan_for_asset(session, principal, origin_of(request), asset_id)
    return _answer(plan, format, "plan")


@router.get(
    "/organizations/{organization_id}/plan",
    summary="An organization's remediation plan, over all its assets",
    description=PLAN_DESCRIPTION,
    response_model=Plan,
)
def organization_plan(
    organization_id: str,
    principal: ReadAssets,
    request: Request,
    runtime: RuntimeDep,
    format: Format = "json",
) -> Plan | Response:
    with db.transaction(runtime.sessions) as session:
        plan = service.plan_for_organization(
            session, principal, origin_of(request), organization_id
        )
    return _answer(plan, format, "plan")


@router.get("/assets/{asset_id}/overrides", summary="The operator's decision point overrides")
def list_overrides(asset_id: str, principal: ReadAssets, session: SessionDep) -> list[OverrideOut]:
    return service.list_overrides(session, principal, asset_id)


@router.post(
    "/assets/{asset_id}/overrides",
    status_code=201,
    summary="Override one decision point of a vulnerability on an asset (audited)",
)
def set_override(
    asset_id: str,
    body: OverrideIn,
    principal: ManageAssets,
    request: Request,
    runtime: RuntimeDep,
) -> OverrideOut:
    with db.transaction(runtime.sessions) as session:
        return service.set_override(session, principal, origin_of(request), asset_id, body)


@router.delete(
    "/assets/{asset_id}/overrides/{vulnerability}/{point}",
    status_code=204,
    summary="Remove an override: the derived value counts again (audited)",
)
def clear_override(
    asset_id: str,
    vulnerability: str,
    point: str,
    principal: ManageAssets,
    request: Request,
    runtime: RuntimeDep,
) -> Response:
    with db.transaction(runtime.sessions) as session:
        service.clear_override(
            session, principal, origin_of(request), asset_id, vulnerability, point
        )
    return Response(status_code=204)
