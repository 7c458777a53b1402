"""Matching packages: is this package at this version affected, by what, and what fixes it?

The advisories' ranges are compiled once per affected entry and every answer is remembered per
(ecosystem, name, version): a portfolio holds the same package@version thousands of times, and
only the first costs a range evaluation.

An advisory that names the package but cannot be evaluated for its version is answered as
undecided, never silently as "not affected": the component's version does not parse for its
ecosystem, every range of the entry breaks the schema, or the entry gives only GIT ranges (commits,
which need the repository's history). Only when nothing in any of the vulnerability's entries for
the package can answer: one evaluable entry decides it.
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

MAX_DETAIL = 300  # an error text kept in the evidence, shown not parsed
MAX_REPOS = 3

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
    # Advisories that name the package or device but cannot be evaluated for its version.
    undecided: list[Hit] = field(default_factory=list)


@dataclass(frozen=True)
class _Compiled:
    """An entry's ranges as far as they can be read."""

    ranges: AffectedRanges | None  # None: the ecosystem has no version rules here
    positions: tuple[int, ...]  # each kept range's index in the entry (broken ones are dropped)
    broken: tuple[str, ...]  # why each dropped range cannot be read
    error: str | None = None


class PackageMatcher:
    """Answers "which vulnerabilities affect ecosystem/name@version" from a set of entries."""

    def __init__(
        self, entries: Iterable[AffectedEntry], loaded: Iterable[PackageKey] | None = None
    ) -> None:
        self._entries: dict[PackageKey, list[AffectedEntry]] = {}
        self._compiled: dict[int, _Compiled] = {}
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

    def _ranges(self, entry: AffectedEntry) -> _Compiled:
        compiled = self._compiled.get(id(entry))
        if compiled is None:
            compiled = self._compiled[id(entry)] = _compile(entry)
        return compiled

    def _evaluate(self, key: PackageKey, version: str) -> Answer:
        answer = Answer()
        by_vulnerability: dict[str, list[dict[str, Any]]] = {}
        fixes: dict[str, set[str]] = {}
        decided: set[str] = set()
        doubts: dict[str, list[dict[str, Any]]] = {}
        for entry in self._entries.get(key, ()):
            compiled = self._ranges(entry)
            answer.problems += [f"{entry.record}: {reason}" for reason in compiled.broken]
            if compiled.ranges is None:
                answer.problems.append(f"{entry.record}: {compiled.error}")
                continue
            if not compiled.ranges.evaluable:
                doubt = _unreadable(entry, compiled)
                if doubt is not None:
                    doubts.setdefault(entry.vulnerability_id, []).append(doubt)
                continue
            try:
                evaluation = compiled.ranges.evaluate(version)
            except InvalidVersion as error:
                doubt = _doubt(entry, "version", error.reason)
                doubts.setdefault(entry.vulnerability_id, []).append(doubt)
                continue
            decided.add(entry.vulnerability_id)
            for match in evaluation.matches:
                index = match.range_index
                by_vulnerability.setdefault(entry.vulnerability_id, []).append(
                    {
                        "record": entry.record,
                        "ecosystem": entry.ecosystem,
                        "package": entry.name,
                        "range_type": match.range_type,
                        "range_index": None if index is None else compiled.positions[index],
                        "introduced": match.introduced,
                        "fixed": match.fixed,
                        "last_affected": match.last_affected,
                        "listed_version": index is None,
                    }
                )
                fixes.setdefault(entry.vulnerability_id, set()).update(match.fixed_versions)
        for vulnerability_id, evidence in by_vulnerability.items():
            ordered = _ascending(key[0], fixes.get(vulnerability_id, set()))
            answer.hits.append(Hit(vulnerability_id, tuple(evidence), ordered))
        for vulnerability_id, found in doubts.items():
            if vulnerability_id not in decided:
                answer.undecided.append(Hit(vulnerability_id, tuple(found), ()))
        return answer


def _compile(entry: AffectedEntry) -> _Compiled:
    """The entry's ranges, leaving out each range that breaks the schema (the others, and the
    versions list, may still answer)."""
    kept = list(entry.ranges)
    positions = list(range(len(kept)))
    broken: list[str] = []
    while True:
        try:
            ranges = AffectedRanges(entry.ecosystem, kept, entry.versions)
        except InvalidRange as error:
            broken.append(f"OSV range {positions[error.index]} cannot be evaluated: {error.reason}")
            del kept[error.index], positions[error.index]
        except UnknownEcosystem as error:
            return _Compiled(None, (), (), str(error))
        else:
            return _Compiled(ranges, tuple(positions), tuple(broken))


def _unreadable(entry: AffectedEntry, compiled: _Compiled) -> dict[str, Any] | None:
    """Why an entry with nothing evaluable cannot say; None if it names no versions at all."""
    if compiled.broken:
        return _doubt(entry, "range", "; ".join(compiled.broken))
    repos = [str(r.get("repo") or "") for r in entry.ranges if r.get("type") == "GIT"]
    if repos:
        return _doubt(entry, "git", None, [r for r in dict.fromkeys(repos) if r])
    return None


def _doubt(
    entry: AffectedEntry, why: str, detail: str | None, repos: list[str] | None = None
) -> dict[str, Any]:
    """The stored evidence of an entry that cannot be evaluated: `why` is version (the
    component's version does not parse), range (the entry's ranges break the schema) or git."""
    return {
        "record": entry.record,
        "ecosystem": entry.ecosystem,
        "package": entry.name,
        "why": why,
        "detail": (detail or "")[:MAX_DETAIL],
        "repos": [repo[:MAX_DETAIL] for repo in (repos or [])[:MAX_REPOS]],
    }


def _ascending(ecosystem: str, versions: set[str]) -> tuple[str, ...]:
    def order(a: str, b: str) -> int:
        try:
            return compare(ecosystem, a, b)
        except (InvalidVersion, UnknownEcosystem):
            return (a > b) - (a < b)

    return tuple(sorted(versions, key=cmp_to_key(order)))
