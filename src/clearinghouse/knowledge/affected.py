"""What matching asks of the knowledge base: affected entries by package, briefs by id, events.

Set-based reads (one query per few hundred keys), so that matching a portfolio of thousands of
inventories costs a handful of queries, not one per component.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, tuple_, update
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.knowledge.models import (
    AffectedPackageRow,
    AffectedProductRow,
    SourceRecordRow,
    Vulnerability,
    VulnerabilityAlias,
    VulnerabilityEvent,
)
from clearinghouse.knowledge.records import normalize_vendor

CHUNK = 400


@dataclass(frozen=True)
class AffectedEntry:
    """One `affected` entry of one source record, for one package."""

    vulnerability_id: str
    record: str  # "osv:PYSEC-2021-59": the source and its record id
    ecosystem: str
    name: str  # as the index keys it (PyPI names normalized)
    ranges: list[dict[str, Any]]
    versions: list[str]


@dataclass(frozen=True)
class AffectedDevice:
    """A product a source record names: CSAF product trees, KEV's vendor and product."""

    vulnerability_id: str
    record: str
    vendor: str  # normalized: lower case, single spaces
    product: str
    status: str  # CSAF product status
    versions: list[str]
    version_ranges: list[str]
    cpe: str | None
    remediations: list[dict[str, Any]]


@dataclass(frozen=True)
class VulnerabilityBrief:
    id: str
    display_id: str
    aliases: tuple[str, ...]
    summary: str | None
    severities: list[dict[str, Any]]
    known_exploited: bool
    epss_score: float | None
    withdrawn: datetime | None


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _live() -> Any:
    # Withdrawn vulnerabilities affect nothing; merged ones have moved their rows already.
    return Vulnerability.withdrawn.is_(None) & Vulnerability.merged_into.is_(None)


def _entries(session: Session, condition: Any, live_only: bool) -> list[AffectedEntry]:
    query = (
        select(
            AffectedPackageRow.vulnerability_id,
            SourceRecordRow.source,
            SourceRecordRow.record_id,
            AffectedPackageRow.ecosystem,
            AffectedPackageRow.name,
            AffectedPackageRow.ranges,
            AffectedPackageRow.versions,
        )
        .join(SourceRecordRow, SourceRecordRow.id == AffectedPackageRow.record_id)
        .where(condition)
    )
    if live_only:
        query = query.join(
            Vulnerability, Vulnerability.id == AffectedPackageRow.vulnerability_id
        ).where(_live())
    return [
        AffectedEntry(v, f"{source}:{record}", eco, name, ranges or [], versions or [])
        for v, source, record, eco, name, ranges, versions in session.execute(query)
    ]


def entries_for_packages(
    session: Session, keys: Collection[tuple[str, str]]
) -> list[AffectedEntry]:
    """Every live affected entry for these (ecosystem, lookup name) pairs."""
    found: list[AffectedEntry] = []
    for chunk in _chunks(sorted(keys)):
        condition = tuple_(AffectedPackageRow.ecosystem, AffectedPackageRow.name).in_(chunk)
        found += _entries(session, condition, live_only=True)
    return found


def entries_of(session: Session, vulnerability_ids: Collection[str]) -> list[AffectedEntry]:
    """The affected package entries of these vulnerabilities, live or not (for fan-out)."""
    found: list[AffectedEntry] = []
    for chunk in _chunks(sorted(vulnerability_ids)):
        found += _entries(session, AffectedPackageRow.vulnerability_id.in_(chunk), live_only=False)
    return found


def packages_of(session: Session, vulnerability_ids: Collection[str]) -> set[tuple[str, str]]:
    """The (ecosystem, lookup name) packages these vulnerabilities affect."""
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted(vulnerability_ids)):
        found |= {
            (ecosystem, name)
            for ecosystem, name in session.execute(
                select(AffectedPackageRow.ecosystem, AffectedPackageRow.name)
                .where(AffectedPackageRow.vulnerability_id.in_(chunk))
                .distinct()
            )
        }
    return found


def devices_for(
    session: Session,
    vendor_prefixes: Collection[str],
    vulnerability_ids: Collection[str] | None = None,
) -> list[AffectedDevice]:
    """Every live affected product whose (normalized) vendor starts with one of the prefixes.

    Prefixes, not names: "Schneider Electric SE" in an advisory and "Schneider Electric" in a
    device list are one vendor; the matcher compares the full names.
    """
    found: list[AffectedDevice] = []
    for chunk in _chunks(sorted(vendor_prefixes)):
        query = (
            select(AffectedProductRow, SourceRecordRow.source, SourceRecordRow.record_id)
            .join(SourceRecordRow, SourceRecordRow.id == AffectedProductRow.record_id)
            .join(Vulnerability, Vulnerability.id == AffectedProductRow.vulnerability_id)
            .where(or_(*(AffectedProductRow.vendor.startswith(p, autoescape=True) for p in chunk)))
            .where(_live())
        )
        if vulnerability_ids is not None:
            query = query.where(AffectedProductRow.vulnerability_id.in_(sorted(vulnerability_ids)))
        found += [
            AffectedDevice(
                row.vulnerability_id,
                f"{source}:{record}",
                row.vendor,
                row.product,
                row.status,
                row.versions or [],
                row.version_ranges or [],
                row.cpe,
                row.remediations or [],
            )
            for row, source, record in session.execute(query)
        ]
    return found


def vendors_of(session: Session, vulnerability_ids: Collection[str]) -> set[str]:
    """The (normalized) vendors whose products these vulnerabilities name."""
    found: set[str] = set()
    for chunk in _chunks(sorted(vulnerability_ids)):
        found |= set(
            session.scalars(
                select(AffectedProductRow.vendor)
                .where(AffectedProductRow.vulnerability_id.in_(chunk))
                .distinct()
            )
        )
    return found


def merged_away(session: Session, survivors: Collection[str]) -> dict[str, str]:
    """Every vulnerability merged (directly or through others) into one of these: old → survivor.

    Matching needs it to carry findings recorded under an id that a later import found to be
    another vulnerability's alias over to the survivor.
    """
    found: dict[str, str] = {}
    frontier = {s: s for s in survivors}  # id → the survivor it leads to
    while frontier:
        step: dict[str, str] = {}
        for chunk in _chunks(sorted(frontier)):
            for old, into in session.execute(
                select(Vulnerability.id, Vulnerability.merged_into).where(
                    Vulnerability.merged_into.in_(chunk)
                )
            ):
                if old not in found and into is not None:
                    step[old] = frontier[into]
        found.update(step)
        frontier = step
    return found


def briefs(session: Session, vulnerability_ids: Iterable[str]) -> dict[str, VulnerabilityBrief]:
    ids = sorted(set(vulnerability_ids))
    aliases: dict[str, list[str]] = {}
    out: dict[str, VulnerabilityBrief] = {}
    for chunk in _chunks(ids):
        for alias, owner in session.execute(
            select(VulnerabilityAlias.alias, VulnerabilityAlias.vulnerability_id).where(
                VulnerabilityAlias.vulnerability_id.in_(chunk)
            )
        ):
            aliases.setdefault(owner, []).append(alias)
        for v in session.scalars(select(Vulnerability).where(Vulnerability.id.in_(chunk))):
            out[v.id] = VulnerabilityBrief(
                v.id,
                v.display_id,
                tuple(sorted(a for a in aliases.get(v.id, ()) if a != v.display_id)),
                v.summary,
                v.severities or [],
                v.known_exploited,
                v.epss_score,
                v.withdrawn,
            )
    return out


@dataclass(frozen=True)
class AdvisoryPage:
    """What an operator is shown of one source record: its pages (ADVISORY references, the
    document's own first) and its products as the advisory writes them."""

    urls: tuple[str, ...]
    products: dict[str, str]  # the product as stored (normalized) -> as written


def advisory_pages(session: Session, records: Collection[str]) -> dict[str, AdvisoryPage]:
    """The pages of these source records ("csaf:ICSA-23-103-01#CVE-2023-29054")."""
    wanted = {tuple(r.split(":", 1)) for r in records if ":" in r}
    pages: dict[str, AdvisoryPage] = {}
    for chunk in _chunks(sorted(wanted)):
        for source, record_id, fields in session.execute(
            select(SourceRecordRow.source, SourceRecordRow.record_id, SourceRecordRow.fields).where(
                tuple_(SourceRecordRow.source, SourceRecordRow.record_id).in_(chunk)
            )
        ):
            fields = fields or {}
            urls = [
                str(reference["url"])
                for reference in fields.get("references") or ()
                if reference.get("type") == "ADVISORY" and reference.get("url")
            ]
            written = [str(p.get("product") or "") for p in fields.get("products") or ()]
            pages[f"{source}:{record_id}"] = AdvisoryPage(
                tuple(dict.fromkeys(urls)),
                {normalize_vendor(name)[:500]: name for name in written if name},
            )
    return pages


def pending_events(session: Session, limit: int) -> list[tuple[int, str, str]]:
    """Vulnerability events matching has not fanned out yet: (event id, vulnerability, kind)."""
    rows = session.execute(
        select(VulnerabilityEvent.id, VulnerabilityEvent.vulnerability_id, VulnerabilityEvent.kind)
        .where(VulnerabilityEvent.processed_at.is_(None))
        .order_by(VulnerabilityEvent.id)
        .limit(limit)
    )
    return [(event_id, vulnerability, kind) for event_id, vulnerability, kind in rows]


def mark_processed(session: Session, event_ids: Sequence[int]) -> None:
    now = utcnow()
    for chunk in _chunks(list(event_ids)):
        session.execute(
            update(VulnerabilityEvent)
            .where(VulnerabilityEvent.id.in_(chunk))
            .values(processed_at=now)
        )
