"""The matching domain's public face: findings of assets, fan-out of changed vulnerabilities.

- `refresh_assets`: re-match some assets' current components against the whole knowledge base
  (after an upload).
- `fan_out`: re-match, for some vulnerabilities only, the components that hold their packages,
  across every organization (after an import added or changed them).
- `process_vulnerability_events`: fan out what the knowledge base has recorded as changed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse import db
from clearinghouse.identity import policy
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.knowledge import service as knowledge
from clearinghouse.matching.devices import (
    AFFECTED_STATUSES,
    DeviceMatcher,
    name_key,
    normalize_name,
    product_keys,
    vendor_prefix,
)
from clearinghouse.matching.findings import Wanted, move_to_survivors, reconcile
from clearinghouse.matching.firmware_ranges import (
    in_range,
    listed_verdict,
    range_verdict,
    version_key,
)
from clearinghouse.matching.models import Finding, FindingStatus
from clearinghouse.matching.packages import Hit, PackageMatcher, package_key
from clearinghouse.matching.schemas import FindingOut
from clearinghouse.matching.undecided import (
    doubt_of,
    fold_unreadable_versions,
    records_of,
    shown_per_asset,
)
from clearinghouse.matching.vex import speaks_about

EVENT_BATCH = 2000


ASSET_CHUNK = 200  # assets matched and reconciled per step: bounds memory on big portfolios


def refresh_assets(session: Session, asset_ids: Collection[str], cause: str) -> Counter[str]:
    """Re-match these assets' current components against the whole knowledge base."""
    ordered = sorted(set(asset_ids))
    counts: Counter[str] = Counter()
    matcher: PackageMatcher | None = None
    for start in range(0, len(ordered), ASSET_CHUNK):
        chunk = ordered[start : start + ASSET_CHUNK]
        held = inventory.held_by_assets(session, chunk)
        # One matcher for the whole run, so each package@version is evaluated once.
        matcher = matcher_for(session, held, matcher)
        packages, doubts = _package_hits(held, matcher)
        devices, undecided = _device_hits(session, inventory.held_devices_by_assets(session, chunk))
        wanted = _wanted(session, packages + devices, chunk, doubts + undecided)
        counts += reconcile(session, wanted, assets=set(chunk), cause=cause)
    return counts


def matcher_for(
    session: Session,
    held: Iterable[inventory.HeldPackage],
    matcher: PackageMatcher | None = None,
) -> PackageMatcher:
    """A matcher that knows every affected entry of these packages (extending `matcher`)."""
    keys = {(h.ecosystem, h.lookup_name) for h in held}
    if matcher is None:
        return PackageMatcher(knowledge.entries_for_packages(session, keys), keys)
    missing = keys - matcher.loaded
    matcher.add(knowledge.entries_for_packages(session, missing), missing)
    return matcher


def fan_out(session: Session, vulnerability_ids: Collection[str], cause: str) -> Counter[str]:
    """Re-evaluate these vulnerabilities, and nothing else, wherever their packages are held."""
    chosen = set(vulnerability_ids)
    moved = move_to_survivors(session, knowledge.merged_away(session, chosen), cause)
    keys = {(e.ecosystem, e.name) for e in knowledge.entries_of(session, chosen)}
    entries = knowledge.entries_for_packages(session, keys)
    live = [e for e in entries if e.vulnerability_id in chosen]
    held = inventory.held_packages(session, keys)
    found, undecided = _package_hits(held, PackageMatcher(live, keys))
    prefixes = {vendor_prefix(v) for v in knowledge.vendors_of(session, chosen)}
    if prefixes:
        devices = inventory.held_devices(session, prefixes)
        hits, doubts = _device_hits(session, devices, chosen)
        found += hits
        undecided += doubts
    assets = {h.asset_id for h, _ in found + undecided}
    wanted = _wanted(session, found, assets, undecided)
    return moved + reconcile(session, wanted, vulnerabilities=chosen, cause=cause)


HeldHits = list[tuple[inventory.HeldPackage, Hit]]


def _package_hits(
    held: Iterable[inventory.HeldPackage], matcher: PackageMatcher
) -> tuple[HeldHits, HeldHits]:
    """The advisories that affect these packages, and those that name them but whose ranges
    cannot be evaluated for their versions."""
    found: HeldHits = []
    undecided: HeldHits = []
    for item in held:
        answer = matcher.answer((item.ecosystem, item.lookup_name), item.version)
        found += [(item, hit) for hit in answer.hits]
        undecided += [(item, hit) for hit in answer.undecided]
    return found, undecided


def _device_hits(
    session: Session,
    devices: list[inventory.HeldPackage],
    only: Collection[str] | None = None,
) -> tuple[HeldHits, HeldHits]:
    """The advisories that affect these devices, and those that name them but whose versions
    cannot be compared with theirs."""
    if not devices:
        return [], []
    prefixes = {vendor_prefix(d.lookup_name.split("|", 1)[0]) for d in devices}
    matcher = DeviceMatcher(knowledge.devices_for(session, prefixes, only))
    found: HeldHits = []
    undecided: HeldHits = []
    for item in devices:
        vendor, product = item.lookup_name.split("|", 1)
        answer = matcher.answer(vendor, product, item.version, item.cpe)
        found += [(item, hit) for hit in answer.hits]
        undecided += [(item, hit) for hit in answer.undecided]
    return found, undecided


def _wanted(
    session: Session, found: HeldHits, asset_ids: Collection[str], undecided: HeldHits
) -> list[Wanted]:
    """The findings that should be open, and the undecided ones, each with the asset's own VEX
    statement about it (an operator who asked the vendor can record the answer that way)."""
    every = [(item, hit, True) for item, hit in found] + [(i, h, False) for i, h in undecided]
    vex = inventory.vex_of_assets(session, asset_ids) if every else {}
    names: dict[str, set[str]] = {}
    if vex:
        briefs = knowledge.briefs(session, {hit.vulnerability_id for _, hit, _ in every})
        names = {v: {b.display_id, *b.aliases} for v, b in briefs.items()}
    return [
        Wanted(
            item,
            hit,
            _statement(vex.get(item.asset_id), names.get(hit.vulnerability_id), item),
            decided,
        )
        for item, hit, decided in every
    ]


def _statement(
    statements: list[dict[str, Any]] | None,
    ids: set[str] | None,
    held: inventory.HeldPackage,
) -> dict[str, Any] | None:
    """The asset's own VEX statement about this vulnerability in this component, if any."""
    if not statements or not ids:
        return None
    for statement in statements:
        about = statement.get("components") or []
        if speaks_about(statement.get("vulnerability_id"), about, ids, (held.purl, held.name)):
            return statement
    return None


def process_vulnerability_events(sessions: sessionmaker[Session]) -> Counter[str]:
    """Fan out every vulnerability event not processed yet, a batch per transaction."""
    total: Counter[str] = Counter()
    while True:
        with db.transaction(sessions) as session:
            events = knowledge.pending_events(session, EVENT_BATCH)
            if not events:
                return total
            vulnerabilities = {vulnerability for _, vulnerability, _ in events}
            first, last = events[0][0], events[-1][0]
            total += fan_out(session, vulnerabilities, cause=f"vulnerability-events:{first}-{last}")
            knowledge.mark_processed(session, [event_id for event_id, _, _ in events])
            total["events"] += len(events)


def counts_by_asset(
    session: Session, actor: Principal, organization_id: str
) -> tuple[Counter[str], Counter[str]]:
    """Open findings and cannot-decide items per asset of an organization, counted whole (the
    lists are capped), the cannot-decide ones folded as the asset page shows them."""
    policy.require(actor, "assets.read", organization_id)
    in_organization = Finding.organization_id == organization_id
    opened = session.execute(
        select(Finding.asset_id, func.count())
        .where(in_organization, Finding.status == FindingStatus.OPEN)
        .group_by(Finding.asset_id)
    )
    undecided = session.execute(
        select(
            Finding.asset_id,
            Finding.component_name,
            Finding.component_version,
            Finding.ecosystem,
            Finding.evidence,
        ).where(in_organization, Finding.status == FindingStatus.UNDECIDED)
    )
    return (
        Counter({asset_id: count for asset_id, count in opened}),  # noqa: C416 (rows)
        shown_per_asset(tuple(row) for row in undecided),
    )


def list_findings(
    session: Session,
    actor: Principal,
    organization_id: str,
    *,
    asset_id: str | None = None,
    status: FindingStatus | None = FindingStatus.OPEN,
    limit: int = 1000,
) -> list[FindingOut]:
    policy.require(actor, "assets.read", organization_id)
    query = select(Finding).where(Finding.organization_id == organization_id)
    if asset_id is not None:
        query = query.where(Finding.asset_id == asset_id)
    if status is not None:
        query = query.where(Finding.status == status)
    rows = list(session.scalars(query.order_by(Finding.opened_at.desc(), Finding.id).limit(limit)))
    briefs = knowledge.briefs(session, {f.vulnerability_id for f in rows})
    undecided = [f for f in rows if f.status == FindingStatus.UNDECIDED]
    # The advisory's page is what the operator takes to the vendor: read for undecided only.
    pages = knowledge.advisory_pages(
        session, {r for f in undecided for r in records_of(f.evidence or {})}
    )
    return [
        FindingOut.from_row(
            f,
            briefs.get(f.vulnerability_id),
            doubt_of(f.evidence or {}, f.component_version, pages)
            if f.status == FindingStatus.UNDECIDED
            else None,
        )
        for f in rows
    ]


__all__ = [
    "AFFECTED_STATUSES",
    "FindingStatus",
    "counts_by_asset",
    "fan_out",
    "fold_unreadable_versions",
    "in_range",
    "list_findings",
    "listed_verdict",
    "name_key",
    "normalize_name",
    "package_key",
    "process_vulnerability_events",
    "product_keys",
    "range_verdict",
    "refresh_assets",
    "version_key",
]
