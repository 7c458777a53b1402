"""Pages: an organization's assets, and one asset with its inventory, uploads and findings."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity import policy
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service
from clearinghouse.inventory.models import AssetKind, Criticality, Exposure
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.matching import service as matching
from clearinghouse.problems import one_line
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
ReadAssets = Annotated[Principal, Depends(requires("assets.read"))]
ManageAssets = Annotated[Principal, Depends(requires("assets.manage"))]
add_nav_item("assets", "Assets", "/assets", order=20, action="assets.read")
CHOICES: dict[str, Any] = {
    "kinds": list(AssetKind),
    "exposures": list(Exposure),
    "criticalities": list(Criticality),
}


def _assets_page(
    request: Request,
    principal: Principal,
    organization_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    runtime = request.app.state.runtime
    with runtime.sessions() as session:
        assets = service.list_assets(session, principal, organization_id)
        open_by_asset, undecided_by_asset = matching.counts_by_asset(
            session, principal, organization_id
        )
    return render(
        request,
        "inventory/assets.html",
        status_code=status_code,
        organization_id=organization_id,
        assets=assets,
        open_by_asset=open_by_asset,
        undecided_by_asset=undecided_by_asset,
        can_manage=policy.allowed(principal, "assets.manage", organization_id),
        active_nav="assets",
        **CHOICES,
        **extra,
    )


@router.get("/assets")
def assets_page(
    request: Request,
    principal: ReadAssets,
    organization: Annotated[str | None, Query(max_length=36)] = None,
) -> Response:
    """Your organization's assets (coordinators may name another organization)."""
    target = organization or principal.organization_id
    if target is None:
        return RedirectResponse("/", status_code=303)
    return _assets_page(request, principal, target)


@router.post("/assets")
def create_asset(
    request: Request,
    principal: ManageAssets,
    runtime: RuntimeDep,
    name: Annotated[str, Form()],
    kind: Annotated[str, Form()],
    exposure: Annotated[str, Form()],
    criticality: Annotated[str, Form()] = "medium",
    owner_contact: Annotated[str, Form()] = "",
    organization: Annotated[str, Form()] = "",
) -> Response:
    target = organization or principal.organization_id or ""
    try:
        data = AssetIn.model_validate(
            {
                "name": name,
                "kind": kind,
                "exposure": exposure,
                "criticality": criticality,
                "owner_contact": owner_contact or None,
            }
        )
        with db.transaction(runtime.sessions) as session:
            created = service.create_asset(session, principal, origin_of(request), target, data)
    except (ValueError, service.IdentityError) as exc:
        return _assets_page(request, principal, target, status_code=422, error=one_line(exc))
    return RedirectResponse(f"/assets/{created.id}", status_code=303)


def _asset_page(
    request: Request, principal: Principal, asset_id: str, status_code: int = 200, **extra: Any
) -> Response:
    runtime = request.app.state.runtime
    with runtime.sessions() as session:
        asset = service.get_asset(session, principal, asset_id)
        uploads = service.list_uploads(session, principal, asset_id)
        findings = matching.list_findings(
            session, principal, asset.organization_id, asset_id=asset_id
        )
        undecided = matching.list_findings(
            session,
            principal,
            asset.organization_id,
            asset_id=asset_id,
            status=matching.FindingStatus.UNDECIDED,
        )
    return render(
        request,
        "inventory/asset.html",
        status_code=status_code,
        asset=asset,
        uploads=uploads,
        findings=findings,
        undecided=matching.fold_unreadable_versions(undecided),
        can_manage=policy.allowed(principal, "assets.manage", asset.organization_id),
        formats=sorted((f.format_id, f.description) for f in service.FORMATS),
        active_nav="assets",
        **extra,
    )


@router.get("/assets/{asset_id}")
def asset_page(request: Request, principal: ReadAssets, asset_id: str) -> Response:
    return _asset_page(request, principal, asset_id)


@router.post("/assets/{asset_id}/uploads")
async def upload(
    request: Request,
    principal: ManageAssets,
    runtime: RuntimeDep,
    asset_id: str,
    file: Annotated[UploadFile | None, File()] = None,
    file_format: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    with runtime.sessions() as session:
        service.check_upload_allowed(session, principal, asset_id)
    if file is None or not file.filename:
        return _asset_page(request, principal, asset_id, 422, error="Choose a file to upload.")
    # Empty: detected from the file's name and content.
    format_id = file_format or None
    if format_id and format_id not in {f.format_id for f in service.FORMATS}:
        error = f"Unknown format {format_id!r}: choose one from the list."
        return _asset_page(request, principal, asset_id, 422, error=error)
    data = await file.read(service.MAX_FILE_BYTES + 1)
    if len(data) > service.MAX_FILE_BYTES:
        error = f"The file is larger than {service.MAX_FILE_BYTES:,} bytes."
        return _asset_page(request, principal, asset_id, 413, error=error)
    if len(data) > service.INLINE_BYTES:
        with db.transaction(runtime.sessions) as session:
            queued = service.queue_upload(
                session, principal, origin_of(request), asset_id, file.filename, data, format_id
            )
        runtime.queue.enqueue("inventory.parse_upload", upload_id=queued.id)
        notice = (
            f"{queued.file_name} is large: it is kept as upload {queued.version} and being read "
            "in the background. Reload this page in a minute to see its findings."
        )
        return _asset_page(request, principal, asset_id, 202, notice=notice)
    try:
        with db.transaction(runtime.sessions) as session:
            stored = service.add_upload(
                session, principal, origin_of(request), asset_id, file.filename, data, format_id
            )
            counts = matching.refresh_assets(session, [asset_id], cause=f"upload:{stored.id}")
    except service.InventoryRejected as rejected:
        return _asset_page(request, principal, asset_id, 422, error=str(rejected))
    notice = (
        f"Read {stored.component_count} components from {stored.file_name} "
        f"({stored.format_id}): {counts['opened'] + counts['reopened']} findings opened, "
        f"{counts['closed']} closed."
    )
    return _asset_page(request, principal, asset_id, notice=notice)


@router.get("/assets/{asset_id}/diff")
def diff_page(
    request: Request,
    principal: ReadAssets,
    session: SessionDep,
    asset_id: str,
    old: Annotated[int, Query(ge=1)],
    new: Annotated[int, Query(ge=1)],
) -> Response:
    asset = service.get_asset(session, principal, asset_id)
    try:
        diff = service.diff_uploads(session, principal, asset_id, old, new)
    except service.IdentityError as exc:
        return _asset_page(request, principal, asset_id, 422, error=one_line(exc))
    return render(request, "inventory/diff.html", asset=asset, diff=diff, active_nav="assets")
