"""The inventory API: assets, inventory uploads, what changed between two uploads, findings."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Query, Request, Response, UploadFile
from pydantic import BaseModel

from clearinghouse import db
from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service
from clearinghouse.inventory.schemas import AssetIn, AssetOut, ComponentOut, UploadDiff, UploadOut
from clearinghouse.matching import service as matching
from clearinghouse.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["inventory"])
ReadAssets = Annotated[Principal, Depends(requires("assets.read"))]
ManageAssets = Annotated[Principal, Depends(requires("assets.manage"))]


class UploadResult(BaseModel):
    upload: UploadOut
    findings: dict[str, int]  # opened, closed, reopened, changed
    # Large files are parsed by a job: its run id (see GET /api/v1/jobs/{run}); the upload's
    # status goes from "queued" to "parsed" or "failed".
    job: str | None = None


async def read_limited(file: UploadFile) -> bytes:
    data = await file.read(service.MAX_FILE_BYTES + 1)
    if len(data) > service.MAX_FILE_BYTES:
        raise Problem(413, f"the file is larger than {service.MAX_FILE_BYTES:,} bytes")
    return data


@router.get("/organizations/{organization_id}/assets", summary="An organization's assets")
def list_assets(organization_id: str, principal: ReadAssets, session: SessionDep) -> list[AssetOut]:
    return service.list_assets(session, principal, organization_id)


@router.post(
    "/organizations/{organization_id}/assets", status_code=201, summary="Register an asset"
)
def create_asset(
    organization_id: str,
    principal: ManageAssets,
    request: Request,
    runtime: RuntimeDep,
    body: AssetIn,
) -> AssetOut:
    with db.transaction(runtime.sessions) as session:
        return service.create_asset(session, principal, origin_of(request), organization_id, body)


@router.get("/assets/{asset_id}", summary="One asset")
def get_asset(asset_id: str, principal: ReadAssets, session: SessionDep) -> AssetOut:
    return service.get_asset(session, principal, asset_id)


@router.post(
    "/assets/{asset_id}/uploads",
    status_code=201,
    summary="Upload an SBOM, a lockfile, a package database or a device list for an asset",
    description="Files up to 4 MiB are parsed and matched at once (201); larger ones are kept "
    "and parsed by a job (202 with the job's run id; poll the asset's uploads).",
)
async def upload(
    asset_id: str,
    principal: ManageAssets,
    request: Request,
    runtime: RuntimeDep,
    response: Response,
    file: Annotated[UploadFile | None, File(description="The inventory file")] = None,
    format: Annotated[str | None, Form(description="The format, if its name does not say")] = None,
) -> UploadResult:
    # The file is optional in the signature so that the tenant check comes before any
    # validation: another organization's asset is "not found" whatever the request holds.
    with runtime.sessions() as session:
        service.check_upload_allowed(session, principal, asset_id)
    if file is None:
        raise Problem(422, "attach the inventory file as the multipart field 'file'")
    data = await read_limited(file)
    name = file.filename or "upload"
    if len(data) > service.INLINE_BYTES:
        with db.transaction(runtime.sessions) as session:
            queued = service.queue_upload(
                session, principal, origin_of(request), asset_id, name, data, format or None
            )
        job = runtime.queue.enqueue("inventory.parse_upload", upload_id=queued.id)
        response.status_code = 202
        return UploadResult(upload=queued, findings={}, job=job)
    try:
        with db.transaction(runtime.sessions) as session:
            stored = service.add_upload(
                session, principal, origin_of(request), asset_id, name, data, format or None
            )
            counts = matching.refresh_assets(session, [asset_id], cause=f"upload:{stored.id}")
    except service.InventoryRejected as rejected:
        raise Problem(422, str(rejected)) from None
    return UploadResult(upload=stored, findings=dict(counts))


@router.get("/assets/{asset_id}/uploads", summary="An asset's uploads, newest first")
def list_uploads(asset_id: str, principal: ReadAssets, session: SessionDep) -> list[UploadOut]:
    return service.list_uploads(session, principal, asset_id)


@router.get("/assets/{asset_id}/components", summary="An asset's current components")
def components(asset_id: str, principal: ReadAssets, session: SessionDep) -> list[ComponentOut]:
    return service.current_components(session, principal, asset_id)


@router.get("/assets/{asset_id}/diff", summary="What changed between two uploads of an asset")
def diff(
    asset_id: str,
    principal: ReadAssets,
    session: SessionDep,
    old: Annotated[int, Query(ge=1, description="The older upload's version")],
    new: Annotated[int, Query(ge=1, description="The newer upload's version")],
) -> UploadDiff:
    return service.diff_uploads(session, principal, asset_id, old, new)
