"""Operators' overrides of decision points: set, clear, list; setting and clearing are audited."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity.acting import IdentityError, audit, not_found
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetOut
from clearinghouse.knowledge import service as knowledge
from clearinghouse.knowledge.schemas import VulnerabilityOut
from clearinghouse.triage.models import PointOverride
from clearinghouse.triage.points import OVERRIDABLE, Override
from clearinghouse.triage.schemas import OverrideIn, OverrideOut

CHUNK = 400


class TriageError(IdentityError):
    """Input triage cannot take: the message says why (422)."""


def overrides_of(
    session: Session, asset_ids: Collection[str]
) -> dict[tuple[str, str], dict[str, Override]]:
    """(asset, vulnerability) -> point -> the operator's override; for assets already checked."""
    found: dict[tuple[str, str], dict[str, Override]] = {}
    ids = sorted(asset_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        for row in session.scalars(select(PointOverride).where(PointOverride.asset_id.in_(chunk))):
            found.setdefault((row.asset_id, row.vulnerability_id), {})[row.point] = Override(
                row.value, row.reason, row.set_by
            )
    return found


def _managed_asset(session: Session, actor: Principal, asset_id: str) -> AssetOut:
    # Overrides are the asset's data: whoever may manage the asset (upload its inventories).
    inventory.check_upload_allowed(session, actor, asset_id)
    return inventory.get_asset(session, actor, asset_id)


def _vulnerability(session: Session, identifier: str) -> VulnerabilityOut:
    """By any of its ids (CVE, GHSA, PYSEC …), as the knowledge base resolves them."""
    vulnerability = knowledge.find_vulnerability(session, identifier)
    if vulnerability is None:
        raise not_found("vulnerability")
    return vulnerability


def _out(row: PointOverride, display_id: str) -> OverrideOut:
    return OverrideOut(
        asset_id=row.asset_id,
        vulnerability_id=row.vulnerability_id,
        vulnerability=display_id,
        point=row.point,
        value=row.value,
        reason=row.reason,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def set_override(
    session: Session, actor: Principal, origin: Origin, asset_id: str, data: OverrideIn
) -> OverrideOut:
    """Set (or replace) the operator's value of one decision point for a vulnerability."""
    asset = _managed_asset(session, actor, asset_id)
    if data.point not in OVERRIDABLE:
        raise TriageError(
            f"{data.point!r} cannot be overridden; the points: {', '.join(OVERRIDABLE)}"
        )
    if data.value not in OVERRIDABLE[data.point]:
        raise TriageError(
            f"{data.point} takes {', '.join(OVERRIDABLE[data.point])}, not {data.value!r}"
        )
    vulnerability = _vulnerability(session, data.vulnerability)
    row = session.scalar(
        select(PointOverride).where(
            PointOverride.asset_id == asset.id,
            PointOverride.vulnerability_id == vulnerability.id,
            PointOverride.point == data.point,
        )
    )
    previous = row.value if row else None
    if row is None:
        row = PointOverride(
            organization_id=asset.organization_id,
            asset_id=asset.id,
            vulnerability_id=vulnerability.id,
            point=data.point,
        )
        session.add(row)
    row.value, row.reason = data.value, data.reason.strip()
    row.set_by, row.set_at = actor.label, utcnow()
    session.flush()
    audit(
        session,
        actor,
        origin,
        "triage.override.set",
        organization_id=asset.organization_id,
        resource_type="asset",
        resource_id=asset.id,
        vulnerability=vulnerability.display_id,
        point=data.point,
        value=data.value,
        previous=previous,
        reason=row.reason,
    )
    return _out(row, vulnerability.display_id)


def clear_override(
    session: Session,
    actor: Principal,
    origin: Origin,
    asset_id: str,
    vulnerability: str,
    point: str,
) -> None:
    asset = _managed_asset(session, actor, asset_id)
    found = _vulnerability(session, vulnerability)
    row = session.scalar(
        select(PointOverride).where(
            PointOverride.asset_id == asset.id,
            PointOverride.vulnerability_id == found.id,
            PointOverride.point == point,
        )
    )
    if row is None:
        raise not_found("override")
    session.delete(row)
    audit(
        session,
        actor,
        origin,
        "triage.override.clear",
        organization_id=asset.organization_id,
        resource_type="asset",
        resource_id=asset.id,
        vulnerability=found.display_id,
        point=point,
        value=row.value,
    )


def list_overrides(session: Session, actor: Principal, asset_id: str) -> list[OverrideOut]:
    asset = inventory.get_asset(session, actor, asset_id)
    rows = list(
        session.scalars(
            select(PointOverride)
            .where(PointOverride.asset_id == asset.id)
            .order_by(PointOverride.set_at)
        )
    )
    briefs = knowledge.briefs(session, {r.vulnerability_id for r in rows})
    return [
        _out(r, briefs[r.vulnerability_id].display_id if r.vulnerability_id in briefs else "?")
        for r in rows
    ]
