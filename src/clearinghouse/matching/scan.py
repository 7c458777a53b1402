"""`clearinghouse scan`: inventory files on disk against the local knowledge base, offline.

Files are found (a folder is walked for the file names the parsers know), parsed, their
packages looked up with a few set-based queries, and every package version evaluated with the
knowledge base's exact version rules. VEX statements in the scanned files are honoured: a
vulnerability they declare `not_affected` or `fixed` for a component is shown as such and does
not count as found. A device advisory that names a device but cannot be decided for its version
is shown apart, with the reason, and does not count as found either.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from clearinghouse.inventory.service import (
    Component,
    InventoryRejected,
    ParsedInventory,
    VexStatement,
    device_names,
    known_file,
    parse_file,
)
from clearinghouse.knowledge.service import (
    VulnerabilityBrief,
    advisory_pages,
    briefs,
    devices_for,
    entries_for_packages,
)
from clearinghouse.matching.devices import DeviceMatcher, vendor_prefix
from clearinghouse.matching.packages import Hit, PackageMatcher, package_key
from clearinghouse.matching.schemas import Doubt
from clearinghouse.matching.undecided import doubt_of, records_of
from clearinghouse.matching.vex import speaks_about

# Folders that hold other projects' files or caches, not the project's own inventory.
SKIPPED_FOLDERS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", ".tox"}
SUPPRESSING_VEX = {"not_affected", "fixed"}


@dataclass(frozen=True)
class PackageFinding:
    hit: Hit
    brief: VulnerabilityBrief
    vex: VexStatement | None  # a statement of the scanned files about this component

    @property
    def suppressed(self) -> bool:
        return self.vex is not None and self.vex.status in SUPPRESSING_VEX


@dataclass(frozen=True)
class UndecidedFinding:
    """An advisory that names the device or package but cannot be decided for its version."""

    hit: Hit
    brief: VulnerabilityBrief
    doubt: Doubt


@dataclass
class PackageResult:
    component: Component
    hits: list[Hit] = field(default_factory=list)  # what matched, before the briefs are read
    findings: list[PackageFinding] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    undecided_hits: list[Hit] = field(default_factory=list)
    undecided: list[UndecidedFinding] = field(default_factory=list)  # not counted as found


@dataclass
class SourceResult:
    path: str
    format_id: str
    packages: list[PackageResult]
    warnings: tuple[str, ...] = ()


@dataclass
class ScanReport:
    results: list[SourceResult]
    errors: list[tuple[str, str]]  # (path, reason): inputs that could not be read

    @property
    def vulnerable(self) -> bool:
        return any(
            not finding.suppressed
            for source in self.results
            for package in source.packages
            for finding in package.findings
        )

    @property
    def package_count(self) -> int:
        return sum(len(source.packages) for source in self.results)


def collect_files(paths: Sequence[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files to scan: those named, and inside named folders those whose names a parser knows."""
    files: list[Path] = []
    errors: list[tuple[str, str]] = []
    for path in paths:
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            for root, folders, names in os.walk(path):
                folders[:] = sorted(f for f in folders if f not in SKIPPED_FOLDERS)
                files += [Path(root) / n for n in sorted(names) if known_file(n)]
        else:
            errors.append((str(path), "no such file or folder"))
    return files, errors


def scan(session: Session, paths: Sequence[Path]) -> ScanReport:
    files, errors = collect_files(paths)
    parsed: list[tuple[Path, ParsedInventory]] = []
    for file in files:
        try:
            parsed.append((file, parse_file(file)))
        except InventoryRejected as rejected:
            errors.append((str(file), str(rejected)))
        except OSError as error:
            errors.append((str(file), f"cannot read it: {error.strerror or error}"))
    components = [c for _, inventory in parsed for c in inventory.components]
    matcher = matcher_for(session, components)
    devices = device_matcher_for(session, components)
    results = [_source_result(str(file), inventory, matcher, devices) for file, inventory in parsed]
    packages = [package for source in results for package in source.packages]
    hits = [hit for package in packages for hit in (*package.hits, *package.undecided_hits)]
    known = briefs(session, {hit.vulnerability_id for hit in hits})
    for package in packages:
        package.findings = [
            PackageFinding(hit, known[hit.vulnerability_id], None)
            for hit in package.hits
            if hit.vulnerability_id in known
        ]
    _read_undecided(session, packages, known)
    _apply_vex(results, parsed)
    return ScanReport(results, errors)


def _read_undecided(
    session: Session, packages: list[PackageResult], known: dict[str, VulnerabilityBrief]
) -> None:
    """Say why each undecided advisory cannot be decided, with its pages."""
    evidence = [{"cannot_decide": list(h.evidence)} for p in packages for h in p.undecided_hits]
    pages = advisory_pages(session, {r for e in evidence for r in records_of(e)})
    for package in packages:
        package.undecided = [
            UndecidedFinding(
                hit,
                known[hit.vulnerability_id],
                doubt_of({"cannot_decide": list(hit.evidence)}, package.component.version, pages),
            )
            for hit in package.undecided_hits
            if hit.vulnerability_id in known
        ]


def matcher_for(session: Session, components: Iterable[Component]) -> PackageMatcher:
    keys = {
        key
        for c in components
        if (key := package_key(c.ecosystem, c.name, c.source_name)) is not None
    }
    return PackageMatcher(entries_for_packages(session, keys))


def device_matcher_for(session: Session, components: Iterable[Component]) -> DeviceMatcher:
    """A matcher that knows the advisories naming these components' device vendors."""
    vendors = {named[0] for c in components if (named := device_names(c)) is not None}
    return DeviceMatcher(devices_for(session, {vendor_prefix(v) for v in vendors}))


def _source_result(
    path: str, inventory: ParsedInventory, matcher: PackageMatcher, devices: DeviceMatcher
) -> SourceResult:
    packages = []
    for component in inventory.components:
        result = PackageResult(component)
        key = package_key(component.ecosystem, component.name, component.source_name)
        named = device_names(component) if key is None else None
        if key is not None and component.version:
            answer = matcher.answer(key, component.version)
            result.hits, result.undecided_hits = answer.hits, answer.undecided
            result.problems = list(answer.problems)
        elif named is not None and component.version:
            answer = devices.answer(*named, component.version, component.cpe)
            result.hits, result.undecided_hits = answer.hits, answer.undecided
        packages.append(result)
    return SourceResult(path, inventory.format_id, packages, inventory.warnings)


def _apply_vex(results: list[SourceResult], parsed: list[tuple[Path, ParsedInventory]]) -> None:
    statements = [s for _, inventory in parsed for s in inventory.vex]
    if not statements:
        return
    for source in results:
        for package in source.packages:
            names = (package.component.purl, package.component.name)
            for index, finding in enumerate(package.findings):
                ids = {finding.brief.display_id, *finding.brief.aliases}
                for statement in statements:
                    if speaks_about(statement.vulnerability_id, statement.components, ids, names):
                        package.findings[index] = PackageFinding(
                            finding.hit, finding.brief, statement
                        )
                        break
