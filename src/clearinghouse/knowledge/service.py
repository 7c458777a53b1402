"""The knowledge base's public face: find a vulnerability by any id, search by package, imports."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from clearinghouse.knowledge.affected import (
    AdvisoryPage,
    AffectedDevice,
    AffectedEntry,
    VulnerabilityBrief,
    advisory_pages,
    briefs,
    devices_for,
    entries_for_packages,
    entries_of,
    mark_processed,
    merged_away,
    packages_of,
    pending_events,
    vendors_of,
)
from clearinghouse.knowledge.cpe import Cpe, CpeError, device_cpe
from clearinghouse.knowledge.cpe import Value as CpeValue
from clearinghouse.knowledge.cpe import parse as parse_cpe
from clearinghouse.knowledge.enrichment import Enrichment, enrichment
from clearinghouse.knowledge.models import (
    AffectedPackageRow,
    AffectedProductRow,
    ImportRun,
    SourceRecordRow,
    Vulnerability,
    VulnerabilityAlias,
)
from clearinghouse.knowledge.pipeline import ProgressCallback, run_import
from clearinghouse.knowledge.records import lookup_name, normalize_vendor
from clearinghouse.knowledge.schemas import (
    AffectedPackageOut,
    AffectedProductOut,
    ImportRunOut,
    PackageMatch,
    SourceRecordOut,
    VulnerabilityOut,
    VulnerabilitySummary,
)
from clearinghouse.knowledge.sources.registry import IMPORTERS, UnknownSource, importer_for
from clearinghouse.knowledge.texts import VulnerabilityText, texts_of
from clearinghouse.knowledge.versions.ecosystems import osv_spelling

__all__ = [
    "IMPORTERS",
    "AdvisoryPage",
    "AffectedDevice",
    "AffectedEntry",
    "Cpe",
    "CpeError",
    "CpeValue",
    "Enrichment",
    "UnknownEcosystemName",
    "UnknownSource",
    "VulnerabilityBrief",
    "VulnerabilityText",
    "advisory_pages",
    "advisory_vulnerabilities",
    "briefs",
    "device_cpe",
    "devices_for",
    "ecosystem_named",
    "enrichment",
    "entries_for_packages",
    "entries_of",
    "find_vulnerability",
    "get_run",
    "import_feed",
    "list_runs",
    "look_up",
    "lookup_name",
    "mark_processed",
    "merged_away",
    "normalize_vendor",
    "packages_of",
    "parse_cpe",
    "pending_events",
    "search_package",
    "texts_of",
    "vendors_of",
]


def _spellings(identifier: str) -> list[str]:
    """How people type ids: `cve-2021-1` means CVE-2021-1, `ghsa-xxxx-…` keeps a lower tail."""
    prefix, _, rest = identifier.partition("-")
    candidates = [identifier, identifier.upper(), f"{prefix.upper()}-{rest}" if rest else ""]
    return [c for c in dict.fromkeys(candidates) if c]


def _resolve(session: Session, identifier: str) -> Vulnerability | None:
    """By any alias, or by our own id; merged vulnerabilities lead to their survivor."""
    identifier = identifier.strip()
    vulnerability_id = session.scalar(
        select(VulnerabilityAlias.vulnerability_id)
        .where(VulnerabilityAlias.alias.in_(_spellings(identifier)))
        .limit(1)
    )
    return _survivor(session, session.get(Vulnerability, vulnerability_id or identifier))


def _survivor(session: Session, vulnerability: Vulnerability | None) -> Vulnerability | None:
    # Follow merges, so an id handed out before two records were found to be one still works.
    while vulnerability is not None and vulnerability.merged_into:
        vulnerability = session.get(Vulnerability, vulnerability.merged_into)
    return vulnerability


def advisory_vulnerabilities(
    session: Session, advisory_id: str, limit: int = 500
) -> list[VulnerabilitySummary]:
    """The vulnerabilities an advisory document covers, for an id that names no vulnerability.

    A CSAF advisory gives one record per vulnerability, `<tracking id>#<CVE>`, so its tracking
    id (ICSA-22-034-01, RHSA-2023:1234) is an alias of none of them.
    """
    identifier = advisory_id.strip()
    if not identifier or "#" in identifier:
        return []
    found: dict[str, Vulnerability] = {}
    for spelling in _spellings(identifier):
        rows = session.scalars(
            select(Vulnerability)
            .join(SourceRecordRow, SourceRecordRow.vulnerability_id == Vulnerability.id)
            .where(SourceRecordRow.record_id.startswith(f"{spelling}#", autoescape=True))
            .limit(limit)
        )
        for row in rows:
            survivor = _survivor(session, row)
            if survivor is not None:
                found[survivor.id] = survivor
        if found:
            break
    return [
        VulnerabilitySummary.model_validate(v)
        for v in sorted(found.values(), key=lambda v: v.display_id)
    ]


def look_up(
    session: Session, identifier: str, limit: int = 500
) -> tuple[VulnerabilityOut | None, list[VulnerabilitySummary]]:
    """What an id a person typed names: a vulnerability (by any alias, or the only one an
    advisory covers), else the vulnerabilities the advisory it names covers (maybe none)."""
    found = find_vulnerability(session, identifier)
    if found is not None:
        return found, []
    covered = advisory_vulnerabilities(session, identifier, limit)
    if len(covered) == 1:  # an advisory about one vulnerability: that is the one meant
        return find_vulnerability(session, covered[0].id), covered
    return None, covered


def find_vulnerability(session: Session, identifier: str) -> VulnerabilityOut | None:
    vulnerability = _resolve(session, identifier)
    if vulnerability is None:
        return None
    records = session.scalars(
        select(SourceRecordRow)
        .where(SourceRecordRow.vulnerability_id == vulnerability.id)
        .order_by(SourceRecordRow.source, SourceRecordRow.record_id)
    ).all()
    by_row = {r.id: r for r in records}
    packages = session.scalars(
        select(AffectedPackageRow)
        .where(AffectedPackageRow.vulnerability_id == vulnerability.id)
        .order_by(AffectedPackageRow.id)
    )
    products = session.scalars(
        select(AffectedProductRow)
        .where(AffectedProductRow.vulnerability_id == vulnerability.id)
        .order_by(AffectedProductRow.id)
    )
    aliases = session.scalars(
        select(VulnerabilityAlias.alias)
        .where(VulnerabilityAlias.vulnerability_id == vulnerability.id)
        .order_by(VulnerabilityAlias.alias)
    ).all()
    return VulnerabilityOut.model_validate(
        {
            **{
                c: getattr(vulnerability, c)
                for c in VulnerabilityOut.model_fields
                if c not in ("aliases", "advisories", "affected", "products", "records")
            },
            "aliases": [a for a in aliases if a != vulnerability.display_id],
            # A CSAF record's id is `<tracking id>#<CVE>`: the advisory is the part before.
            "advisories": sorted({a.split("#", 1)[0] for a in aliases if "#" in a}),
            "affected": [
                AffectedPackageOut(
                    source=by_row[p.record_id].source,
                    record_id=by_row[p.record_id].record_id,
                    ecosystem=p.ecosystem,
                    name=p.name,
                    purl=p.purl,
                    ranges=p.ranges,
                    versions=p.versions,
                )
                for p in packages
            ],
            "products": [
                AffectedProductOut(
                    source=by_row[p.record_id].source,
                    record_id=by_row[p.record_id].record_id,
                    vendor=p.vendor,
                    product=p.product,
                    status=p.status,
                    versions=p.versions,
                    version_ranges=p.version_ranges,
                    cpe=p.cpe,
                    remediations=p.remediations,
                )
                for p in products
            ],
            "records": [
                SourceRecordOut(
                    source=r.source,
                    record_id=r.record_id,
                    aliases=r.aliases,
                    modified=r.modified,
                    withdrawn=r.withdrawn,
                    origin=r.origin,
                    document=r.document,
                )
                for r in records
            ],
        }
    )


class UnknownEcosystemName(ValueError):
    """An ecosystem name no OSV database uses, in any case."""


def ecosystem_named(typed: str) -> str:
    """An ecosystem as a person types it, spelled as OSV does (`pypi` is `PyPI`). Names are
    case-sensitive in OSV, and a search for `pypi` finding nothing would read as "nothing known"."""
    spelled = osv_spelling(typed)
    if spelled is None:
        raise UnknownEcosystemName(
            f"{typed.strip()!r} is not an ecosystem name we know. "
            "Try PyPI, npm, Go, crates.io, Maven, NuGet, RubyGems, Packagist or Debian."
        )
    return spelled


def search_package(
    session: Session, ecosystem: str, name: str, limit: int = 200
) -> list[PackageMatch]:
    """Vulnerabilities that name a package (all versions; matching decides which apply)."""
    rows = session.execute(
        select(AffectedPackageRow, Vulnerability)
        .join(Vulnerability, Vulnerability.id == AffectedPackageRow.vulnerability_id)
        .where(AffectedPackageRow.name == lookup_name(ecosystem, name))
        .where(
            (AffectedPackageRow.ecosystem == ecosystem)
            | AffectedPackageRow.ecosystem.startswith(f"{ecosystem}:")
        )
        .order_by(Vulnerability.published.desc(), Vulnerability.display_id)
        .limit(limit)
    )
    return [
        PackageMatch(
            id=v.id,
            display_id=v.display_id,
            summary=v.summary,
            published=v.published,
            modified=v.modified,
            withdrawn=v.withdrawn,
            known_exploited=v.known_exploited,
            ecosystem=p.ecosystem,
            package=p.name,
            ranges=p.ranges,
            versions=p.versions,
        )
        for p, v in rows
    ]


def import_feed(
    sessions: sessionmaker[Session],
    source: str,
    path: Path,
    progress: ProgressCallback | None = None,
    include: str | None = None,
) -> ImportRunOut:
    importer = importer_for(source)
    run_id = run_import(sessions, importer, path, progress, include)
    with sessions() as session:
        run = session.get(ImportRun, run_id)
        return ImportRunOut.model_validate(run)


def get_run(session: Session, run_id: int) -> ImportRunOut | None:
    run = session.get(ImportRun, run_id)
    return None if run is None else ImportRunOut.model_validate(run)


def list_runs(session: Session, limit: int = 50) -> list[ImportRunOut]:
    runs = session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit))
    return [ImportRunOut.model_validate(r) for r in runs]
