"""Matching packages: is this package at this version affected, by what, and what fixes it?

The advisories' ranges are compiled once per affected entry and every answer is remembered per
(ecosystem, name, version): a portfolio holds the same package@version thousands of times, and
only the first costs a range evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cmp_to_key
from typing import Any

from clearinghouse.knowledge.service import AffectedEntry, lookup_name
from clearinghouse.knowledge.versions import (
    AffectedRanges,
    InvalidRange,
    InvalidVersion,
    UnknownEcosystem,
    compare,
)

PackageKey = tuple[str, str]  # (OSV ecosystem, name as the knowledge base keys it)


def package_key(
    ecosystem: str | None, name: str, source_name: str | None = None
) -> PackageKey | None:
    """The key a component is looked up by; OS packages by the source package they came from."""
    if not ecosystem:
        return None
    return ecosystem, lookup_name(ecosystem, source_name or name)


@dataclass(frozen=True)
class Hit:
    """One vulnerability that affects a package version, with the evidence of every record."""

    vulnerability_id: str
    evidence: tuple[dict[str, Any], ...]  # per matching record: which range, which events
    fixed_versions: tuple[str, ...]  # every version that leaves an affected range, ascending


@dataclass
class Answer:
    hits: list[Hit] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # ranges that could not be evaluated
    # Advisories that name the device but whose versions cannot be compared with its own.
    undecided: list[Hit] = field(default_factory=list)


class PackageMatcher:
    """Answers "which vulnerabilities affect ecosystem/name@version" from a set of entries."""

    def __init__(
        self, entries: Iterable[AffectedEntry], loaded: Iterable[PackageKey] | None = None
    ) -> None:
        self._entries: dict[PackageKey, list[AffectedEntry]] = {}
        self._compiled: dict[int, AffectedRanges | str] = {}
        self._answers: dict[tuple[str, str, str], Answer] = {}
        self.loaded: set[PackageKey] = set()  # packages whose entries were all given
        self.add(entries, loaded)

    def add(self, entries: Iterable[AffectedEntry], loaded: Iterable[PackageKey] | None) -> None:
        """More entries; `loaded` names the packages they are all the entries of."""
        for entry in entries:
            self._entries.setdefault((entry.ecosystem, entry.name), []).append(entry)
        self.loaded |= set(loaded or ())

    def keys(self) -> set[PackageKey]:
        return set(self._entries)

    def answer(self, key: PackageKey, version: str) -> Answer:
        cached = self._answers.get((*key, version))
        if cached is None:
            cached = self._answers[(*key, version)] = self._evaluate(key, version)
        return cached

    def _ranges(self, entry: AffectedEntry) -> AffectedRanges | str:
        compiled = self._compiled.get(id(entry))
        if compiled is None:
            try:
                compiled = AffectedRanges(entry.ecosystem, entry.ranges, entry.versions)
            except (InvalidRange, UnknownEcosystem) as error:
                compiled = f"{entry.record}: {error}"
            self._compiled[id(entry)] = compiled
        return compiled

    def _evaluate(self, key: PackageKey, version: str) -> Answer:
        answer = Answer()
        by_vulnerability: dict[str, list[dict[str, Any]]] = {}
        fixes: dict[str, set[str]] = {}
        for entry in self._entries.get(key, ()):
            ranges = self._ranges(entry)
            if isinstance(ranges, str):
                answer.problems.append(ranges)
                continue
            try:
                evaluation = ranges.evaluate(version)
            except InvalidVersion as error:
                answer.problems.append(f"{entry.record}: {error}")
                continue
            for match in evaluation.matches:
                by_vulnerability.setdefault(entry.vulnerability_id, []).append(
                    {
                        "record": entry.record,
                        "ecosystem": entry.ecosystem,
                        "package": entry.name,
                        "range_type": match.range_type,
                        "range_index": match.range_index,
                        "introduced": match.introduced,
                        "fixed": match.fixed,
                        "last_affected": match.last_affected,
                        "listed_version": match.range_index is None,
                    }
                )
                fixes.setdefault(entry.vulnerability_id, set()).update(match.fixed_versions)
        for vulnerability_id, evidence in by_vulnerability.items():
            ordered = _ascending(key[0], fixes.get(vulnerability_id, set()))
            answer.hits.append(Hit(vulnerability_id, tuple(evidence), ordered))
        return answer


def _ascending(ecosystem: str, versions: set[str]) -> tuple[str, ...]:
    def order(a: str, b: str) -> int:
        try:
            return compare(ecosystem, a, b)
        except (InvalidVersion, UnknownEcosystem):
            return (a > b) - (a < b)

    return tuple(sorted(versions, key=cmp_to_key(order)))
