"""Assets and their uploads: create, list, upload an inventory, compare two uploads.

Every function checks the one policy for the asset's organization (another tenant's asset is
"not found") and writes what it changes to the audit log in the same transaction.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity import policy
from clearinghouse.identity.acting import IdentityError, audit, not_found
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.inventory.device_names import device_names
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryRejected,
    ParsedInventory,
    VexStatement,
)
from clearinghouse.inventory.formats.registry import format_by_id
from clearinghouse.inventory.models import Asset, ComponentRow, InventoryUpload, UploadStatus
from clearinghouse.inventory.parsing import parse_bytes
from clearinghouse.inventory.schemas import (
    AssetIn,
    AssetOut,
    ComponentOut,
    UploadDiff,
    UploadOut,
    VersionChange,
)
from clearinghouse.knowledge.service import lookup_name, normalize_vendor


def _asset(session: Session, actor: Principal, asset_id: str, action: str) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise not_found("asset")
    policy.require(actor, action, asset.organization_id)
    return asset


def create_asset(
    session: Session, actor: Principal, origin: Origin, organization_id: str, data: AssetIn
) -> AssetOut:
    policy.require(actor, "assets.manage", organization_id)
    taken = session.scalar(
        select(Asset.id).where(
            Asset.organization_id == organization_id, func.lower(Asset.name) == data.name.lower()
        )
    )
    if taken:
        raise IdentityError(f"an asset named {data.name!r} exists already")
    asset = Asset(organization_id=organization_id, **data.model_dump())
    session.add(asset)
    session.flush()
    audit(
        session,
        actor,
        origin,
        "asset.create",
        organization_id=organization_id,
        resource_type="asset",
        resource_id=asset.id,
        name=asset.name,
        exposure=asset.exposure,
    )
    return AssetOut.model_validate(asset)


def list_assets(session: Session, actor: Principal, organization_id: str) -> list[AssetOut]:
    policy.require(actor, "assets.read", organization_id)
    rows = session.scalars(
        select(Asset).where(Asset.organization_id == organization_id).order_by(Asset.name)
    )
    return [AssetOut.model_validate(a) for a in rows]


def get_asset(session: Session, actor: Principal, asset_id: str) -> AssetOut:
    return AssetOut.model_validate(_asset(session, actor, asset_id, "assets.read"))


def check_upload_allowed(session: Session, actor: Principal, asset_id: str) -> None:
    _asset(session, actor, asset_id, "assets.manage")


def add_upload(
    session: Session,
    actor: Principal,
    origin: Origin,
    asset_id: str,
    file_name: str,
    data: bytes,
    format_id: str | None = None,
) -> UploadOut:
    """Parse and keep an inventory file as the asset's new current inventory.

    A file that cannot be parsed raises InventoryRejected and nothing is stored.
    """
    asset = _asset(session, actor, asset_id, "assets.manage")
    parsed = parse_bytes(file_name, data, format_id)
    upload = _store_upload(session, asset, file_name, data, parsed, actor.user_id)
    _audit_upload(session, actor, origin, asset, upload, components=upload.component_count)
    return UploadOut.model_validate(upload)


def _audit_upload(
    session: Session,
    actor: Principal,
    origin: Origin,
    asset: Asset,
    upload: InventoryUpload,
    **details: Any,
) -> None:
    audit(
        session,
        actor,
        origin,
        "inventory.upload",
        organization_id=asset.organization_id,
        resource_type="asset",
        resource_id=asset.id,
        file_name=upload.file_name,
        sha256=upload.sha256,
        version=upload.version,
        **details,
    )


def _store_upload(
    session: Session,
    asset: Asset,
    file_name: str,
    data: bytes,
    parsed: ParsedInventory,
    user_id: str | None,
) -> InventoryUpload:
    upload = _new_upload(session, asset, file_name, data, user_id)
    _activate(session, upload, parsed)
    return upload


def _new_upload(
    session: Session, asset: Asset, file_name: str, data: bytes, user_id: str | None
) -> InventoryUpload:
    version = (
        session.scalar(
            select(func.max(InventoryUpload.version)).where(InventoryUpload.asset_id == asset.id)
        )
        or 0
    ) + 1
    upload = InventoryUpload(
        asset_id=asset.id,
        version=version,
        current=False,
        file_name=file_name[:300],
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content=zlib.compress(data, 6),
        status=UploadStatus.QUEUED,
        warnings=[],
        vex=[],
        component_count=0,
        uploaded_by=user_id,
    )
    session.add(upload)
    session.flush()
    return upload


def _activate(session: Session, upload: InventoryUpload, parsed: ParsedInventory) -> None:
    """Make a parsed upload the asset's current inventory."""
    asset_id = upload.asset_id
    session.execute(
        update(InventoryUpload)
        .where(InventoryUpload.asset_id == asset_id, InventoryUpload.current.is_(True))
        .values(current=False)
    )
    session.execute(
        update(ComponentRow)
        .where(ComponentRow.asset_id == asset_id, ComponentRow.current.is_(True))
        .values(current=False)
    )
    upload.current = True
    upload.status = UploadStatus.PARSED
    upload.format_id = parsed.format_id
    upload.warnings = list(parsed.warnings)[:200]
    upload.vex = [_vex_json(s) for s in parsed.vex]
    upload.component_count = len(parsed.components)
    rows = [_component_row(upload, asset_id, c) for c in parsed.components]
    if rows:
        session.execute(insert(ComponentRow), rows)
    session.execute(update(Asset).where(Asset.id == asset_id).values(updated_at=utcnow()))
    session.flush()


def queue_upload(
    session: Session,
    actor: Principal,
    origin: Origin,
    asset_id: str,
    file_name: str,
    data: bytes,
    format_id: str | None = None,
) -> UploadOut:
    """Keep a large file now and parse it later (`parse_queued_upload`, run by a job)."""
    asset = _asset(session, actor, asset_id, "assets.manage")
    if format_id is not None:
        format_by_id(format_id)  # an unknown format is refused now, not in the job
    upload = _new_upload(session, asset, file_name, data, actor.user_id)
    upload.format_id = format_id
    _audit_upload(session, actor, origin, asset, upload, queued=True)
    return UploadOut.model_validate(upload)


def parse_queued_upload(session: Session, upload_id: int) -> UploadOut | None:
    """Parse a queued upload; a file that cannot be read is marked failed with the reason.

    Idempotent: an upload no longer queued is left as it is (None is returned).
    """
    upload = session.get(InventoryUpload, upload_id)
    if upload is None or upload.status != UploadStatus.QUEUED:
        return None
    try:
        content = zlib.decompress(upload.content)
        parsed = parse_bytes(upload.file_name, content, upload.format_id)
    except InventoryRejected as rejected:
        upload.status = UploadStatus.FAILED
        upload.problem = str(rejected)[:2000]
        return UploadOut.model_validate(upload)
    _activate(session, upload, parsed)
    return UploadOut.model_validate(upload)


def _vex_json(statement: VexStatement) -> dict[str, object]:
    return {
        "vulnerability_id": statement.vulnerability_id,
        "status": statement.status,
        "justification": statement.justification,
        "detail": statement.detail,
        "components": list(statement.components),
    }


def _cut(value: str | None, size: int) -> str | None:
    return value[:size] if value else value


def _component_row(upload: InventoryUpload, asset_id: str, c: Component) -> dict[str, object]:
    lookup = lookup_name(c.ecosystem, c.source_name or c.name) if c.ecosystem else None
    device = device_names(c)
    return {
        "upload_id": upload.id,
        "asset_id": asset_id,
        "current": True,
        "name": c.name[:300],
        "version": _cut(c.version, 200),
        "ecosystem": _cut(c.ecosystem, 100),
        "lookup_name": _cut(lookup, 300),
        "source_name": _cut(c.source_name, 300),
        "purl": _cut(c.purl, 500),
        "cpe": _cut(c.cpe, 500),
        "vendor_key": _cut(normalize_vendor(device[0]), 300) if device else None,
        "product_key": _cut(normalize_vendor(device[1]), 500) if device else None,
        "dev": c.dev,
        "direct": c.direct,
        "location": _cut(c.location, 300),
    }


def list_uploads(session: Session, actor: Principal, asset_id: str) -> list[UploadOut]:
    _asset(session, actor, asset_id, "assets.read")
    rows = session.scalars(
        select(InventoryUpload)
        .where(InventoryUpload.asset_id == asset_id)
        .order_by(InventoryUpload.version.desc())
    )
    return [UploadOut.model_validate(u) for u in rows]


def current_components(session: Session, actor: Principal, asset_id: str) -> list[ComponentOut]:
    _asset(session, actor, asset_id, "assets.read")
    rows = session.scalars(
        select(ComponentRow)
        .where(ComponentRow.asset_id == asset_id, ComponentRow.current.is_(True))
        .order_by(ComponentRow.ecosystem, ComponentRow.name, ComponentRow.version)
    )
    return [ComponentOut.model_validate(r) for r in rows]


def diff_uploads(
    session: Session, actor: Principal, asset_id: str, old_version: int, new_version: int
) -> UploadDiff:
    """What changed between two versions of an asset's inventory."""
    _asset(session, actor, asset_id, "assets.read")
    sides = []
    for version in (old_version, new_version):
        upload_id = session.scalar(
            select(InventoryUpload.id).where(
                InventoryUpload.asset_id == asset_id, InventoryUpload.version == version
            )
        )
        if upload_id is None:
            raise IdentityError(f"this asset has no upload version {version}")
        sides.append(
            list(session.scalars(select(ComponentRow).where(ComponentRow.upload_id == upload_id)))
        )
    old, new = (_by_package(side) for side in sides)
    changed = [
        VersionChange(
            ecosystem=key[0], name=key[1], old=", ".join(old[key]), new=", ".join(new[key])
        )
        for key in sorted(old.keys() & new.keys(), key=str)
        if old[key] != new[key]
    ]
    return UploadDiff(
        asset_id=asset_id,
        old_version=old_version,
        new_version=new_version,
        added=_outs(sides[1], new.keys() - old.keys()),
        removed=_outs(sides[0], old.keys() - new.keys()),
        changed=changed,
    )


def _by_package(rows: Sequence[ComponentRow]) -> dict[tuple[str | None, str], list[str]]:
    versions: dict[tuple[str | None, str], list[str]] = {}
    for row in rows:
        versions.setdefault((row.ecosystem, row.name), []).append(row.version or "")
    return {key: sorted(set(v)) for key, v in versions.items()}


def _outs(rows: Iterable[ComponentRow], keys: set[tuple[str | None, str]]) -> list[ComponentOut]:
    picked = [r for r in rows if (r.ecosystem, r.name) in keys]
    picked.sort(key=lambda r: (r.ecosystem or "", r.name, r.version or ""))
    return [ComponentOut.model_validate(r) for r in picked]
