"""The portfolio index: every asset's current components, looked up by package.

Matching reads it in bulk: all current components of some assets, or all current components
of some packages across every organization (fan-out of a changed vulnerability). The index
(ecosystem, lookup_name) on components makes the second a handful of index range scans.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, tuple_
from sqlalchemy.orm import Session

from clearinghouse.db import in_chunks
from clearinghouse.inventory.models import Asset, ComponentRow, InventoryUpload


@dataclass(frozen=True, slots=True)
class HeldPackage:
    """A package version an asset currently runs."""

    organization_id: str
    asset_id: str
    ecosystem: str
    lookup_name: str
    name: str
    version: str
    purl: str | None
    cpe: str | None = None  # a device's own CPE, when its list or SBOM gives one


def _query() -> Any:
    return (
        select(
            Asset.organization_id,
            ComponentRow.asset_id,
            ComponentRow.ecosystem,
            ComponentRow.lookup_name,
            ComponentRow.name,
            ComponentRow.version,
            ComponentRow.purl,
        )
        .join(Asset, Asset.id == ComponentRow.asset_id)
        .where(ComponentRow.current.is_(True))
        .where(ComponentRow.ecosystem.is_not(None), ComponentRow.version.is_not(None))
    )


def held_by_assets(session: Session, asset_ids: Collection[str]) -> list[HeldPackage]:
    found: list[HeldPackage] = []
    for chunk in in_chunks(sorted(asset_ids)):
        found += [
            HeldPackage(*row)
            for row in session.execute(_query().where(ComponentRow.asset_id.in_(chunk)))
        ]
    return found


def held_packages(session: Session, keys: Collection[tuple[str, str]]) -> list[HeldPackage]:
    """Every current component of these (ecosystem, lookup name) packages, in every asset."""
    found: list[HeldPackage] = []
    for chunk in in_chunks(sorted(keys)):
        rows = session.execute(
            _query().where(tuple_(ComponentRow.ecosystem, ComponentRow.lookup_name).in_(chunk))
        )
        found += [HeldPackage(*row) for row in rows]
    return found


def vex_of_assets(session: Session, asset_ids: Collection[str]) -> dict[str, list[dict[str, Any]]]:
    """The VEX statements of each asset's current upload."""
    out: dict[str, list[dict[str, Any]]] = {}
    for chunk in in_chunks(sorted(asset_ids)):
        for asset_id, vex in session.execute(
            select(InventoryUpload.asset_id, InventoryUpload.vex).where(
                InventoryUpload.asset_id.in_(chunk), InventoryUpload.current.is_(True)
            )
        ):
            if vex:
                out[asset_id] = list(vex)
    return out


DEVICE = "device"  # the "ecosystem" of a device in findings and component keys


def _device_query() -> Any:
    return (
        select(
            Asset.organization_id,
            ComponentRow.asset_id,
            ComponentRow.vendor_key,
            ComponentRow.product_key,
            ComponentRow.name,
            ComponentRow.version,
            ComponentRow.cpe,
        )
        .join(Asset, Asset.id == ComponentRow.asset_id)
        .where(ComponentRow.current.is_(True))
        .where(ComponentRow.vendor_key.is_not(None), ComponentRow.version.is_not(None))
    )


def _devices(rows: Any) -> list[HeldPackage]:
    return [
        HeldPackage(org, asset, DEVICE, f"{vendor}|{product}", name, version, None, cpe)
        for org, asset, vendor, product, name, version, cpe in rows
    ]


def held_devices_by_assets(session: Session, asset_ids: Collection[str]) -> list[HeldPackage]:
    """Devices (vendor, product, version) the assets hold; `lookup_name` is vendor|product."""
    found: list[HeldPackage] = []
    for chunk in in_chunks(sorted(asset_ids)):
        found += _devices(session.execute(_device_query().where(ComponentRow.asset_id.in_(chunk))))
    return found


def held_devices(session: Session, vendor_prefixes: Collection[str]) -> list[HeldPackage]:
    """Devices of vendors whose (normalized) name starts with one of the prefixes, everywhere."""
    found: list[HeldPackage] = []
    for chunk in in_chunks(sorted(vendor_prefixes)):
        condition = or_(*(ComponentRow.vendor_key.startswith(p, autoescape=True) for p in chunk))
        found += _devices(session.execute(_device_query().where(condition)))
    return found
