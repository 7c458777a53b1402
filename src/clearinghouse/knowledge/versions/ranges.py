"""OSV range evaluation: is this version of a package affected, and by which range?

This follows the "Evaluation" section of the OSV schema (https://ossf.github.io/osv-schema/)
exactly. A version is affected if it equals one of `affected[].versions` or falls in one of
`affected[].ranges`; ranges are OR-ed. Within a range, the version must be below one of the
`limit` events, if there are any (a limit containing `*` is infinity); then the range's other
events are sorted by version, `introduced: "0"` first, and walked in order:

    introduced   and version >= introduced    -> affected
    fixed        and version >= fixed         -> not affected
    last_affected and version > last_affected -> not affected

The sort is stable: events with equal versions stay in the record's order. So `introduced: X`
then `fixed: X` is an empty interval, while `fixed: X` (closing one branch) then `introduced: X`
(opening another) leaves X affected; osv.dev's enumerated `versions` lists agree with this.

`SEMVER` ranges compare by SemVer 2.0.0 precedence whatever the ecosystem (as the schema says);
`ECOSYSTEM` ranges by the ecosystem's rules. `GIT` ranges hold commit hashes and need the
repository's history: they are not evaluated here and are reported as `unevaluated`, never
guessed. `versions` entries match when they are the same string or parse to an equal version;
entries the ecosystem cannot read (often git tags) only match as strings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, UnknownEcosystem, Version
from clearinghouse.knowledge.versions.ecosystems import normalize_ecosystem
from clearinghouse.knowledge.versions.registry import parse_in_family

EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class InvalidRange(ValueError):
    """An OSV range that breaks the schema in a way that makes it impossible to evaluate."""

    def __init__(self, index: int, reason: str) -> None:
        self.index = index
        self.reason = reason
        super().__init__(f"OSV range {index} cannot be evaluated: {reason}")


@dataclass(frozen=True, slots=True)
class Match:
    """Why a version is affected: the range (or the versions list) and the events around it.

    `range_index` is the position in `ranges`, or None when the version matched the explicit
    `versions` list. `introduced` is the event that opened the affected interval ("0" for "since
    the beginning"); `fixed` or `last_affected` is the event that closes it (None if the
    interval is open-ended). `fixed_versions` lists, in ascending order, every `fixed` version of
    that range above the version: the upgrades that leave this range.
    """

    range_index: int | None
    range_type: str | None
    introduced: str | None
    fixed: str | None
    last_affected: str | None
    fixed_versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """All the ways one version is affected, and which ranges could not be evaluated."""

    version: str
    matches: tuple[Match, ...]
    unevaluated: tuple[int, ...]  # indexes of GIT ranges, which need a repository

    @property
    def affected(self) -> bool:
        return bool(self.matches)


@dataclass(frozen=True, slots=True)
class _Event:
    kind: str
    text: str
    version: Version | None  # None for introduced "0"


@dataclass(frozen=True, slots=True)
class _Range:
    index: int
    type: str
    family: Family
    events: tuple[_Event, ...]  # sorted, without limits
    limits: tuple[Version | None, ...]  # None is "*", infinity
    fixed: tuple[_Event, ...]


class AffectedRanges:
    """The `ranges` and `versions` of one OSV `affected` entry, parsed once for many versions."""

    def __init__(
        self,
        ecosystem: str,
        ranges: Sequence[Mapping[str, Any]],
        versions: Sequence[str] | None = None,
    ) -> None:
        self.ecosystem = ecosystem
        self._family: Family | None = None
        if any(r.get("type") == "ECOSYSTEM" for r in ranges):
            self._family = normalize_ecosystem(ecosystem).family
        elif versions:
            # Without ordering rules, the versions list still matches by exact string.
            with suppress(UnknownEcosystem):
                self._family = normalize_ecosystem(ecosystem).family
        self._ranges: list[_Range] = []
        self.unevaluated: tuple[int, ...] = ()
        skipped = []
        for index, raw in enumerate(ranges):
            kind = raw.get("type")
            if kind == "GIT":
                skipped.append(index)
                continue
            if kind == "SEMVER":
                family = Family.SEMVER
            elif kind == "ECOSYSTEM" and self._family is not None:
                family = self._family
            else:
                raise InvalidRange(index, f"unknown range type {kind!r}")
            self._ranges.append(self._compile(index, str(kind), family, raw.get("events")))
        self.unevaluated = tuple(skipped)
        self._versions = tuple(versions or ())
        self._parsed_versions: dict[str, Version] = {}
        self._listed: frozenset[Version] | None = None
        if self._family is not None:
            for text in self._versions:
                with suppress(InvalidVersion):  # if unreadable, it only matches as a string
                    self._parsed_versions[text] = parse_in_family(self._family, text)

    def _compile(self, index: int, kind: str, family: Family, raw_events: Any) -> _Range:
        if not isinstance(raw_events, list) or not raw_events:
            raise InvalidRange(index, "it has no events")
        events: list[_Event] = []
        limits: list[Version | None] = []
        for event in raw_events:
            keys = [k for k in EVENT_KINDS if isinstance(event, Mapping) and k in event]
            if len(keys) != 1:
                raise InvalidRange(
                    index, f"each event must have exactly one of {EVENT_KINDS}, not {event!r}"
                )
            name = keys[0]
            text = event[name]
            if not isinstance(text, str):
                raise InvalidRange(index, f"the {name} version {text!r} is not a string")
            if name == "limit" and "*" in text:
                limits.append(None)
                continue
            if name == "introduced" and text == "0":
                events.append(_Event(name, text, None))
                continue
            try:
                version = parse_in_family(family, text)
            except InvalidVersion as error:
                raise InvalidRange(
                    index, f"its {name} version {text!r} is not valid: {error.reason}"
                ) from error
            if name == "limit":
                limits.append(version)
            else:
                events.append(_Event(name, text, version))
        if not any(e.kind == "introduced" for e in events):
            raise InvalidRange(index, "it has no introduced event")
        events.sort(key=_SortKey)
        fixed = tuple(e for e in events if e.kind == "fixed")
        return _Range(index, kind, family, tuple(events), tuple(limits), fixed)

    @property
    def evaluable(self) -> bool:
        """Whether anything here can answer for a version: a SEMVER or ECOSYSTEM range, or a
        versions list (GIT ranges alone cannot)."""
        return bool(self._ranges or self._versions)

    def evaluate(self, version: str) -> Evaluation:
        """Every range and list entry that makes `version` affected. Raises InvalidVersion if the
        version cannot be read by the rules of a range that has to compare it."""
        matches: list[Match] = []
        if version in self._versions or self._in_versions(version):
            matches.append(Match(None, None, None, None, None, ()))
        for compiled in self._ranges:
            try:
                parsed = parse_in_family(compiled.family, version)
            except InvalidVersion as error:
                raise InvalidVersion(self.ecosystem, version, error.reason) from None
            match = _walk(compiled, parsed)
            if match is not None:
                matches.append(match)
        return Evaluation(version, tuple(matches), self.unevaluated)

    def _in_versions(self, version: str) -> bool:
        if not self._parsed_versions or self._family is None:
            return False
        try:
            parsed = parse_in_family(self._family, version)
        except InvalidVersion:
            return False
        # A set: versions hash by exactly what makes them equal, and PyPI entries list hundreds.
        if self._listed is None:
            self._listed = frozenset(self._parsed_versions.values())
        return parsed in self._listed


class _SortKey:
    """Orders events by version, introduced "0" lowest (the sort is stable for ties)."""

    __slots__ = ("event",)

    def __init__(self, event: _Event) -> None:
        self.event = event

    def __lt__(self, other: _SortKey) -> bool:
        a, b = self.event, other.event
        if a.version is None or b.version is None:
            return a.version is None and b.version is not None
        return a.version.compare(b.version) < 0


def _walk(compiled: _Range, version: Version) -> Match | None:
    if compiled.limits and not any(limit is None or version < limit for limit in compiled.limits):
        return None
    vulnerable = False
    opened_by: _Event | None = None
    closed_by: _Event | None = None
    for event in compiled.events:
        if event.kind == "introduced":
            if event.version is None or version >= event.version:
                vulnerable, opened_by, closed_by = True, event, None
            continue
        assert event.version is not None
        # fixed: the fix itself is not affected; last_affected: that version still is.
        past = version >= event.version if event.kind == "fixed" else version > event.version
        if past:
            vulnerable = False
        elif vulnerable and closed_by is None:
            closed_by = event  # the first upper bound that the version stays below
    if not vulnerable or opened_by is None:
        return None
    fixes = tuple(e.text for e in compiled.fixed if e.version is not None and version < e.version)
    return Match(
        range_index=compiled.index,
        range_type=compiled.type,
        introduced=opened_by.text,
        fixed=closed_by.text if closed_by and closed_by.kind == "fixed" else None,
        last_affected=closed_by.text if closed_by and closed_by.kind == "last_affected" else None,
        fixed_versions=fixes,
    )


def evaluate(
    ecosystem: str,
    version: str,
    ranges: Sequence[Mapping[str, Any]],
    versions: Sequence[str] | None = None,
) -> Evaluation:
    """Evaluate one version against one OSV `affected` entry's `ranges` and `versions`."""
    return AffectedRanges(ecosystem, ranges, versions).evaluate(version)


def affected(
    ecosystem: str,
    version: str,
    ranges: Sequence[Mapping[str, Any]],
    versions: Sequence[str] | None = None,
) -> bool:
    """True if `version` is affected per the OSV evaluation rules. GIT ranges are ignored (they
    need the repository); use `evaluate` to see which ranges were not evaluated."""
    return evaluate(ecosystem, version, ranges, versions).affected


def explain(
    ecosystem: str,
    version: str,
    ranges: Sequence[Mapping[str, Any]],
    versions: Sequence[str] | None = None,
) -> Match | None:
    """The first reason `version` is affected (the versions list, then ranges in order), or
    None if it is not affected by any range that could be evaluated."""
    matches = evaluate(ecosystem, version, ranges, versions).matches
    return matches[0] if matches else None
