"""Keeping findings true: what should be open is open, what no longer holds is closed.

`reconcile` takes the findings that should exist within a scope (some assets, or some
vulnerabilities across every asset) and the ones stored for that scope, and opens, reopens,
closes or updates the difference, writing one event per change. Within its scope it is
idempotent: run twice, the second run changes nothing.

A wanted finding is either decided (open: an exposure) or undecided (an advisory names the
device or package but cannot be evaluated for its version). Becoming undecided is an
"undecided" event, never "opened"; an undecided finding later decided affected is "opened" then,
with its deadline clock starting that day.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, Table, insert, select, update
from sqlalchemy.orm import Session

from clearinghouse.db import Base, in_chunks, utcnow
from clearinghouse.inventory.service import HeldPackage
from clearinghouse.matching.models import Finding, FindingEvent, FindingStatus
from clearinghouse.matching.packages import Hit

FindingKey = tuple[str, str, str]  # (asset, vulnerability, component key)


def _core_insert(model: type[Base]) -> Insert:
    """A Core insert: for many plain rows it costs a fraction of the ORM's bulk insert."""
    table = model.__table__
    assert isinstance(table, Table)
    return insert(table)


def component_key(held: HeldPackage) -> str:
    return f"{held.ecosystem}|{held.lookup_name}|{held.version}"[:700]


@dataclass(frozen=True)
class Wanted:
    """A finding that should be open."""

    held: HeldPackage
    hit: Hit
    vex: dict[str, Any] | None
    decided: bool = True  # False: the advisory names it but cannot be decided

    @property
    def status(self) -> FindingStatus:
        return FindingStatus.OPEN if self.decided else FindingStatus.UNDECIDED


def reconcile(
    session: Session,
    wanted: Iterable[Wanted],
    *,
    assets: Collection[str] | None = None,
    vulnerabilities: Collection[str] | None = None,
    cause: str,
) -> Counter[str]:
    """Make the stored findings within the scope equal to `wanted`; return what changed."""
    desired: dict[FindingKey, Wanted] = {}
    for item in wanted:
        desired[(item.held.asset_id, item.hit.vulnerability_id, component_key(item.held))] = item
    stored = _stored(session, assets, vulnerabilities, set(desired))
    now = utcnow()
    counts: Counter[str] = Counter()
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    events: list[tuple[FindingKey, str]] = []
    for key, item in desired.items():
        values = _values(item)
        existing = stored.get(key)
        if existing is None:
            inserts.append(
                {
                    "organization_id": item.held.organization_id,
                    "asset_id": key[0],
                    "vulnerability_id": key[1],
                    "component_key": key[2],
                    "status": item.status,
                    "opened_at": now,
                    "updated_at": now,
                    **values,
                }
            )
            events.append((key, "opened" if item.decided else "undecided"))
        elif existing["status"] != item.status:
            change = _status_change(existing["status"], item.status, now)
            updates.append({"id": existing["id"], "updated_at": now, **change, **values})
            events.append((key, _EVENTS[(existing["status"], item.status)]))
        elif any(existing[name] != value for name, value in values.items()):
            updates.append({"id": existing["id"], "updated_at": now, **values})
            events.append((key, "changed"))
    for key, existing in stored.items():
        if key not in desired and existing["status"] != FindingStatus.CLOSED:
            updates.append(
                {
                    "id": existing["id"],
                    "status": FindingStatus.CLOSED,
                    "closed_at": now,
                    "updated_at": now,
                }
            )
            events.append((key, "closed"))
    if inserts:
        session.execute(_core_insert(Finding), inserts)
    if updates:
        session.execute(update(Finding), updates)
    if events:
        ids = _ids(session, {key for key, _ in events})
        session.execute(
            _core_insert(FindingEvent),
            [
                {
                    "finding_id": ids[key][0],
                    "organization_id": ids[key][1],
                    "kind": kind,
                    "cause": cause[:100],
                    "occurred_at": now,
                }
                for key, kind in events
            ],
        )
    counts.update(kind for _, kind in events)
    return counts


# The event a change of status writes: (stored status, wanted status) -> kind.
_EVENTS = {
    (FindingStatus.CLOSED, FindingStatus.OPEN): "reopened",
    (FindingStatus.CLOSED, FindingStatus.UNDECIDED): "undecided",
    (FindingStatus.UNDECIDED, FindingStatus.OPEN): "opened",
    (FindingStatus.OPEN, FindingStatus.UNDECIDED): "undecided",
}


def _status_change(stored: str, wanted: FindingStatus, now: datetime) -> dict[str, Any]:
    """The columns a change of status sets. A finding that was only undecided becomes an
    exposure now: its deadlines count from today, not from when the advisory was unreadable."""
    change: dict[str, Any] = {"status": wanted, "closed_at": None}
    if stored == FindingStatus.UNDECIDED and wanted == FindingStatus.OPEN:
        change["opened_at"] = now
    return change


def move_to_survivors(session: Session, moved: dict[str, str], cause: str) -> Counter[str]:
    """Findings recorded under vulnerabilities since merged into others follow their survivor.

    Each keeps its history and gets a "merged" event; where the survivor already has the same
    finding (asset and component), the merged-away one is closed instead, so nothing is counted
    twice. `moved` maps each merged-away id to its survivor.
    """
    counts: Counter[str] = Counter()
    if not moved:
        return counts
    columns = (Finding.id, Finding.organization_id, Finding.asset_id, Finding.vulnerability_id)
    old_rows = [
        row
        for chunk in in_chunks(sorted(moved))
        for row in session.execute(
            select(*columns, Finding.component_key, Finding.status).where(
                Finding.vulnerability_id.in_(chunk)
            )
        )
    ]
    if not old_rows:
        return counts
    taken = {
        (asset, vulnerability, component)
        for chunk in in_chunks(sorted({row.asset_id for row in old_rows}))
        for asset, vulnerability, component in session.execute(
            select(Finding.asset_id, Finding.vulnerability_id, Finding.component_key).where(
                Finding.asset_id.in_(chunk),
                Finding.vulnerability_id.in_(sorted(set(moved.values()))),
            )
        )
    }
    now = utcnow()
    updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for row in old_rows:
        target = (row.asset_id, moved[row.vulnerability_id], row.component_key)
        if target in taken:
            if row.status == FindingStatus.CLOSED:
                continue
            change = {"status": FindingStatus.CLOSED, "closed_at": now}
        else:
            taken.add(target)
            change = {"vulnerability_id": target[1]}
        updates.append({"id": row.id, "updated_at": now, **change})
        events.append(
            {
                "finding_id": row.id,
                "organization_id": row.organization_id,
                "kind": "merged",
                "cause": f"{cause}; was {row.vulnerability_id}"[:100],
                "occurred_at": now,
            }
        )
    if updates:
        session.execute(update(Finding), updates)
        session.execute(_core_insert(FindingEvent), events)
    counts["merged"] = len(events)
    return counts


def _values(item: Wanted) -> dict[str, Any]:
    vex = item.vex or {}
    return {
        "component_name": item.held.name[:300],
        "component_version": item.held.version[:200],
        "ecosystem": item.held.ecosystem,
        "purl": item.held.purl,
        "evidence": {("matched" if item.decided else "cannot_decide"): list(item.hit.evidence)},
        "fixed_versions": list(item.hit.fixed_versions),
        "vex_status": vex.get("status"),
        "vex_justification": vex.get("justification"),
        "vex_detail": vex.get("detail"),
    }


_COMPARED = (
    "component_name",
    "component_version",
    "ecosystem",
    "purl",
    "evidence",
    "fixed_versions",
    "vex_status",
    "vex_justification",
    "vex_detail",
)


def _stored(
    session: Session,
    assets: Collection[str] | None,
    vulnerabilities: Collection[str] | None,
    desired: set[FindingKey],
) -> dict[FindingKey, dict[str, Any]]:
    """The stored findings in scope: those of the assets, or of the vulnerabilities."""
    columns = [
        getattr(Finding, name)
        for name in ("id", "asset_id", "vulnerability_id", "component_key", "status", *_COMPARED)
    ]
    found: dict[FindingKey, dict[str, Any]] = {}
    filters = []
    if assets is not None:
        filters += [Finding.asset_id.in_(chunk) for chunk in in_chunks(sorted(assets))]
    if vulnerabilities is not None:
        filters += [
            Finding.vulnerability_id.in_(chunk) for chunk in in_chunks(sorted(vulnerabilities))
        ]
    for condition in filters:
        for row in session.execute(select(*columns).where(condition)):
            record = dict(row._mapping)
            key = (record["asset_id"], record["vulnerability_id"], record["component_key"])
            in_scope = (assets is None or key[0] in assets) and (
                vulnerabilities is None or key[1] in vulnerabilities
            )
            if in_scope or key in desired:
                found[key] = record
    return found


def _ids(session: Session, keys: set[FindingKey]) -> dict[FindingKey, tuple[int, str]]:
    out: dict[FindingKey, tuple[int, str]] = {}
    assets = sorted({k[0] for k in keys})
    for chunk in in_chunks(assets):
        for finding_id, org, asset, vulnerability, component in session.execute(
            select(
                Finding.id,
                Finding.organization_id,
                Finding.asset_id,
                Finding.vulnerability_id,
                Finding.component_key,
            ).where(Finding.asset_id.in_(chunk))
        ):
            if (asset, vulnerability, component) in keys:
                out[(asset, vulnerability, component)] = (finding_id, org)
    return out
