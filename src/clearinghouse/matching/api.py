"""The matching API: findings of an asset and of an organization."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearinghouse.deps import SessionDep
from clearinghouse.identity.guard import requires
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.matching import service
from clearinghouse.matching.models import FindingStatus
from clearinghouse.matching.schemas import FindingOut

router = APIRouter(prefix="/api/v1", tags=["findings"])
ReadAssets = Annotated[Principal, Depends(requires("assets.read"))]


@router.get("/assets/{asset_id}/findings", summary="An asset's findings")
def asset_findings(
    asset_id: str,
    principal: ReadAssets,
    session: SessionDep,
    status: Annotated[FindingStatus | None, Query()] = FindingStatus.OPEN,
) -> list[FindingOut]:
    asset = inventory.get_asset(session, principal, asset_id)
    return service.list_findings(
        session, principal, asset.organization_id, asset_id=asset_id, status=status
    )


@router.get("/organizations/{organization_id}/findings", summary="An organization's findings")
def organization_findings(
    organization_id: str,
    principal: ReadAssets,
    session: SessionDep,
    status: Annotated[FindingStatus | None, Query()] = FindingStatus.OPEN,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
) -> list[FindingOut]:
    return service.list_findings(session, principal, organization_id, status=status, limit=limit)
