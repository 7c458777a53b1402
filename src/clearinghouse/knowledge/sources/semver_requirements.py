"""Semantic versions, version requirements, and the OSV SEMVER events they become.

Two requirement languages are read here:

- **Cargo's**, as RustSec writes `[versions] patched` and `unaffected` (`>= 1.2.3, < 1.3`,
  `^0.4.1`, `1.2.3` meaning `^1.2.3`). `rustsec_events` converts them exactly as RustSec's own
  OSV export does (the `rustsec` crate's `ranges_for_advisory`), quirks included — a partial
  version is padded with zeros even after `>` or `=`, intervals between two unaffected ranges
  may be empty — so that our records equal the official export.
- **node-semver ranges**, as npm advisories write them (`<1.2.3 || >=2.0.0 <2.1.0`, `^1.2.0`,
  `~1.2`, `1.x`, `*`, `1.2 - 2.3.4`, `<=v2.0.0-alpha7`). `node_range` desugars them as
  node-semver does, then reads each comparator set as an interval under SemVer 2.0 precedence;
  the range is the union of those intervals.

One thing node-semver does cannot be said in OSV: by default a pre-release version matches a
comparator set only if some comparator in it names a pre-release of the same major.minor.patch.
OSV evaluates SEMVER events by precedence alone, so pre-releases inside an interval count as in
it (as GHSA's npm → OSV conversion also does). The one exception we make is exact: a comparator
set that names no pre-release and holds no release version (the advisories' `<0.0.0`, meaning
"no version") matches nothing, and is read as empty.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import total_ordering
from typing import Literal

__all__ = [
    "MINIMUM",
    "Interval",
    "RequirementError",
    "Version",
    "complement",
    "difference",
    "has_release",
    "intersect",
    "intervals_from_events",
    "node_range",
    "osv_ranges",
    "rustsec_events",
    "union",
    "vers",
]


class RequirementError(ValueError):
    """A version or a requirement that cannot be read; the message quotes it."""


_NUMBER = r"0|[1-9]\d*"
_IDENTIFIER = r"[0-9A-Za-z-]+"
_SEMVER = re.compile(
    rf"^(?P<major>{_NUMBER})\.(?P<minor>{_NUMBER})\.(?P<patch>{_NUMBER})"
    rf"(?:-(?P<pre>{_IDENTIFIER}(?:\.{_IDENTIFIER})*))?"
    rf"(?:\+(?P<build>{_IDENTIFIER}(?:\.{_IDENTIFIER})*))?$"
)


def _check_pre(pre: tuple[str, ...], text: str) -> None:
    for part in pre:
        if part.isdigit() and len(part) > 1 and part[0] == "0":
            raise RequirementError(f"{text!r}: pre-release part {part!r} has a leading zero")


@total_ordering
@dataclass(frozen=True)
class Version:
    """A semantic version without build metadata (it never counts for precedence)."""

    major: int
    minor: int
    patch: int
    pre: tuple[str, ...] = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _SEMVER.match(text)
        if match is None:
            raise RequirementError(f"{text!r} is not a semantic version")
        pre = tuple(match["pre"].split(".")) if match["pre"] else ()
        _check_pre(pre, text)
        return cls(int(match["major"]), int(match["minor"]), int(match["patch"]), pre)

    def __str__(self) -> str:
        core = f"{self.major}.{self.minor}.{self.patch}"
        return f"{core}-{'.'.join(self.pre)}" if self.pre else core

    @property
    def key(self) -> tuple[int, int, int, tuple[object, ...]]:
        """SemVer 2.0 precedence: a release sorts after its pre-releases; numeric parts sort
        numerically and before alphanumeric ones; a longer pre-release sorts after its prefix."""
        if not self.pre:
            return (self.major, self.minor, self.patch, (1,))
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, (0, parts))

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self.key < other.key

    def successor(self) -> Version:
        """The lowest version above this one: 1.2.3 → 1.2.4-0, 1.2.3-alpha → 1.2.3-alpha.0."""
        if self.pre:
            return Version(self.major, self.minor, self.patch, (*self.pre, "0"))
        return Version(self.major, self.minor, self.patch + 1, ("0",))


MINIMUM = Version(0, 0, 0, ("0",))  # nothing sorts below 0.0.0-0


# --- Intervals under SemVer precedence -----------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """`[lower, upper)` or `[lower, upper]`: every version from `lower` (inclusive; MINIMUM is
    "from the beginning") up to `upper` (None: no end). An exclusive lower bound `> v` is kept
    as `>= v.successor()`, which under precedence is the same set."""

    lower: Version
    upper: Version | None = None
    upper_inclusive: bool = False

    @property
    def empty(self) -> bool:
        if self.upper is None:
            return False
        return self.upper < self.lower or (self.upper == self.lower and not self.upper_inclusive)

    def contains(self, version: Version) -> bool:
        if version < self.lower:
            return False
        if self.upper is None:
            return True
        return version <= self.upper if self.upper_inclusive else version < self.upper

    def __str__(self) -> str:
        if self.upper is None:
            return f"[{self.lower}, ∞)"
        return f"[{self.lower}, {self.upper}{']' if self.upper_inclusive else ')'}"


EVERYTHING = Interval(MINIMUM)


def _ends_before(a: Interval, b: Interval) -> bool:
    """Does `a` end before `b` starts, with a gap (so that the two cannot be merged)?"""
    if a.upper is None:
        return False
    if a.upper_inclusive:
        return a.upper.successor() < b.lower
    return a.upper < b.lower


def _upper_key(interval: Interval) -> tuple[int, tuple[int, int, int, tuple[object, ...]], int]:
    if interval.upper is None:
        return (1, (0, 0, 0, ()), 0)
    return (0, interval.upper.key, 1 if interval.upper_inclusive else 0)


def union(intervals: Iterable[Interval]) -> list[Interval]:
    """The same versions as sorted, disjoint, non-adjacent intervals."""
    result: list[Interval] = []
    for interval in sorted((i for i in intervals if not i.empty), key=lambda i: i.lower):
        if result and not _ends_before(result[-1], interval):
            last = result[-1]
            if _upper_key(interval) > _upper_key(last):
                result[-1] = Interval(last.lower, interval.upper, interval.upper_inclusive)
        else:
            result.append(interval)
    return result


def _intersect_two(a: Interval, b: Interval) -> Interval:
    lower = max(a.lower, b.lower)
    upper_of = min((a, b), key=_upper_key)
    return Interval(lower, upper_of.upper, upper_of.upper_inclusive)


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    return union(_intersect_two(x, y) for x in a for y in b)


def complement(intervals: Sequence[Interval]) -> list[Interval]:
    result: list[Interval] = []
    start: Version | None = MINIMUM
    for interval in union(intervals):
        if start is not None and start < interval.lower:
            result.append(Interval(start, interval.lower, False))
        if interval.upper is None:
            start = None
        else:
            start = interval.upper.successor() if interval.upper_inclusive else interval.upper
    if start is not None:
        result.append(Interval(start))
    return result


def difference(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    return intersect(a, complement(b))


def osv_ranges(intervals: Sequence[Interval], *, zero: str = "0") -> list[dict[str, object]]:
    """OSV SEMVER ranges for a union of intervals: `introduced` at each lower end (`zero` for
    "from the beginning"), `fixed` at an exclusive upper end, `last_affected` at an inclusive
    one. OSV allows only one of `fixed`/`last_affected` per range, so when both are needed the
    intervals go into two ranges (their union is the same)."""
    by_kind: dict[str, list[dict[str, str]]] = {"fixed": [], "last_affected": []}
    open_ended: list[dict[str, str]] = []
    for interval in union(intervals):
        introduced = zero if interval.lower == MINIMUM else str(interval.lower)
        if interval.upper is None:
            open_ended.append({"introduced": introduced})
            continue
        kind = "last_affected" if interval.upper_inclusive else "fixed"
        by_kind[kind] += [{"introduced": introduced}, {kind: str(interval.upper)}]
    if not by_kind["fixed"]:
        by_kind["last_affected"] += open_ended
    else:
        by_kind["fixed"] += open_ended
    return [{"type": "SEMVER", "events": events} for events in by_kind.values() if events]


def intervals_from_events(events: Sequence[dict[str, str]]) -> list[Interval]:
    """The intervals one OSV SEMVER range's events describe (sorted events, as we write them)."""
    intervals: list[Interval] = []
    start: Version | None = None
    for event in events:
        ((kind, text),) = event.items()
        if kind == "introduced":
            if start is not None:
                intervals.append(Interval(start))
            start = MINIMUM if text in ("0", "0.0.0-0") else Version.parse(text)
        elif start is not None:
            intervals.append(Interval(start, Version.parse(text), kind == "last_affected"))
            start = None
    if start is not None:
        intervals.append(Interval(start))
    return union(intervals)


def vers(intervals: Sequence[Interval]) -> str:
    """A `vers:semver/…` range (the package-url "vers" syntax) for a union of intervals."""
    constraints: list[str] = []
    for interval in union(intervals):
        if interval.lower != MINIMUM:
            constraints.append(f">={interval.lower}")
        if interval.upper is not None:
            constraints.append(f"{'<=' if interval.upper_inclusive else '<'}{interval.upper}")
        elif interval.lower == MINIMUM:
            return "vers:semver/*"
    return "vers:semver/" + "|".join(constraints)


# --- Cargo requirements, converted as RustSec's OSV export converts them ------------------------

CargoOp = Literal["=", ">", ">=", "<", "<=", "~", "^", "*"]

_CARGO_COMPARATOR = re.compile(
    r"^(?P<op>=|>=|>|<=|<|~|\^)?\s*"
    rf"(?P<major>{_NUMBER}|[*xX])(?:\.(?P<minor>{_NUMBER}|[*xX])"
    rf"(?:\.(?P<patch>{_NUMBER}|[*xX])(?:-(?P<pre>{_IDENTIFIER}(?:\.{_IDENTIFIER})*))?)?)?$"
)


@dataclass(frozen=True)
class CargoComparator:
    op: CargoOp
    major: int
    minor: int | None
    patch: int | None
    pre: tuple[str, ...]

    @property
    def version(self) -> Version:
        """The comparator's version with missing parts as zeros (RustSec's `comp_to_ver`)."""
        return Version(self.major, self.minor or 0, self.patch or 0, self.pre)


def cargo_requirement(text: str) -> list[CargoComparator]:
    """Parse a Cargo version requirement as the `semver` crate does (no operator means `^`)."""
    stripped = text.strip()
    if stripped == "*":
        return []  # every version
    comparators = []
    for part in stripped.split(","):
        match = _CARGO_COMPARATOR.match(part.strip())
        if match is None:
            raise RequirementError(f"{text!r} is not a Cargo version requirement")
        numbers = [match["major"], match["minor"], match["patch"]]
        if any(n in ("*", "x", "X") for n in numbers if n is not None):
            raise RequirementError(
                f"{text!r}: unsupported operator in version specification (wildcard)"
            )
        pre = tuple(match["pre"].split(".")) if match["pre"] else ()
        _check_pre(pre, text)
        op: CargoOp = match["op"] or "^"  # type: ignore[assignment]
        comparators.append(
            CargoComparator(
                op,
                int(numbers[0]),
                None if numbers[1] is None else int(numbers[1]),
                None if numbers[2] is None else int(numbers[2]),
                pre,
            )
        )
    return comparators


BoundKind = Literal["unbounded", "exclusive", "inclusive"]


@dataclass(frozen=True)
class _Bound:
    kind: BoundKind
    version: Version | None = None


_UNBOUNDED = _Bound("unbounded")


def _start_le_end(start: _Bound, end: _Bound) -> bool:
    """RustSec's `Bound::less_or_equal`, with `start` a lower and `end` an upper bound."""
    if start.kind == "unbounded" or end.kind == "unbounded":
        return True
    assert start.version is not None and end.version is not None
    if start.version < end.version:
        return True
    return start.kind == end.kind == "inclusive" and start.version == end.version


def _unaffected_range(text: str) -> tuple[_Bound, _Bound]:
    """RustSec's `UnaffectedRange::try_from(&VersionReq)`."""
    comparators = cargo_requirement(text)
    if len(comparators) > 2:
        raise RequirementError(f"{text!r}: too many comparators in version specification")
    start = end = _UNBOUNDED
    for c in comparators:
        if c.op in (">", ">="):
            if start != _UNBOUNDED:
                raise RequirementError(f"{text!r}: more than one lower bound in the same range")
            start = _Bound("exclusive" if c.op == ">" else "inclusive", c.version)
        elif c.op in ("<", "<="):
            if end != _UNBOUNDED:
                raise RequirementError(f"{text!r}: more than one upper bound in the same range")
            end = _Bound("exclusive" if c.op == "<" else "inclusive", c.version)
        else:
            if len(comparators) != 1:
                raise RequirementError(
                    f"{text!r}: a requirement that sets both bounds ({c.op}) must be alone"
                )
            if c.op == "=":
                start = end = _Bound("inclusive", c.version)
                continue
            if c.op == "^":
                if c.major != 0:
                    upper = Version(c.major + 1, 0, 0, ("0",))
                elif c.minor is None:
                    upper = Version(1, 0, 0, ("0",))
                elif c.minor == 0 and c.patch is not None:
                    upper = Version(0, 0, c.patch + 1, ("0",))
                else:
                    upper = Version(0, c.minor + 1, 0, ("0",))
            else:  # "~"
                if c.minor is None:
                    upper = Version(c.major + 1, 0, 0, ("0",))
                else:
                    upper = Version(c.major, c.minor + 1, 0, ("0",))
            start, end = _Bound("inclusive", c.version), _Bound("exclusive", upper)
    if not _start_le_end(start, end):
        raise RequirementError(
            f"{text!r}: invalid range: start must be <= end; if equal, both bounds must be "
            "inclusive"
        )
    return start, end


def _range_text(bounds: tuple[_Bound, _Bound]) -> str:
    start, end = bounds
    left = {"unbounded": "[0", "exclusive": f"({start.version}", "inclusive": f"[{start.version}"}
    right = {"unbounded": "∞)", "exclusive": f"{end.version})", "inclusive": f"{end.version}]"}
    return f"{left[start.kind]}, {right[end.kind]}"


def rustsec_events(patched: Sequence[str], unaffected: Sequence[str]) -> list[dict[str, str]]:
    """The SEMVER events RustSec's OSV export writes for an advisory's `[versions]`.

    Every version outside the patched and unaffected ranges is affected: the ranges are
    sorted by their start and the gaps between them become `introduced`/`fixed` pairs
    (`introduced: 0.0.0-0` when the gap has no start). An exclusive bound `> v` or `<= v`
    becomes the next version up, `v.successor()`. Overlapping ranges are an error, as in
    RustSec (its linter rejects such an advisory).
    """
    ranges = [_unaffected_range(r) for r in (*unaffected, *patched)]
    if not ranges:
        return [{"introduced": "0.0.0-0"}]
    for index, a in enumerate(ranges):
        for b in ranges[index + 1 :]:
            if _start_le_end(a[0], b[1]) and _start_le_end(b[0], a[1]):
                raise RequirementError(
                    f"overlapping version ranges: {_range_text(a)} and {_range_text(b)}"
                )

    def start_key(bounds: tuple[_Bound, _Bound]) -> tuple[int, object]:
        version = bounds[0].version
        return (0, ()) if version is None else (1, version.key)

    ranges.sort(key=start_key)
    gaps: list[tuple[Version | None, Version | None]] = []
    first_start = ranges[0][0]
    if first_start.version is not None:
        gaps.append(
            (
                None,
                first_start.version.successor()
                if first_start.kind == "exclusive"
                else first_start.version,
            )
        )
    for (_, end), (start, _) in itertools.pairwise(ranges):
        assert end.version is not None and start.version is not None
        gaps.append(
            (
                end.version if end.kind == "exclusive" else end.version.successor(),
                start.version.successor() if start.kind == "exclusive" else start.version,
            )
        )
    last_end = ranges[-1][1]
    if last_end.version is not None:
        gaps.append(
            (
                last_end.version if last_end.kind == "exclusive" else last_end.version.successor(),
                None,
            )
        )
    events: list[dict[str, str]] = []
    for introduced, fixed in gaps:
        events.append({"introduced": "0.0.0-0" if introduced is None else str(introduced)})
        if fixed is not None:
            events.append({"fixed": str(fixed)})
    return events


# --- node-semver ranges -----------------------------------------------------------------------

_X = r"0|[1-9]\d*|[xX*]"
_PRE = r"(?:-?(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
_BUILD = r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
# node-semver's XRANGEPLAIN (loose: a leading "v" or "=", a pre-release without its hyphen).
_XRANGE_PLAIN = rf"[v=\s]*(?P<M>{_X})(?:\.(?P<m>{_X})(?:\.(?P<p>{_X}){_PRE}{_BUILD})?)?"
_XRANGE = re.compile(rf"^(?P<op><=|>=|<|>|=)?\s*{_XRANGE_PLAIN}$")
_TILDE = re.compile(rf"^(?:~>?)\s*{_XRANGE_PLAIN}$")
_CARET = re.compile(rf"^\^\s*{_XRANGE_PLAIN}$")
_HYPHEN_PART = (
    r"[v=\s]*(?:0|[1-9]\d*|[xX*])(?:\.(?:0|[1-9]\d*|[xX*])"
    r"(?:\.(?:0|[1-9]\d*|[xX*])(?:-?[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?"
)
_HYPHEN = re.compile(rf"^\s*(?P<from>{_HYPHEN_PART})\s+-\s+(?P<to>{_HYPHEN_PART})\s*$")
# node-semver removes the space between an operator and its version before splitting a set.
_OPERATOR_SPACE = re.compile(r"(<=|>=|<|>|=|~>?|\^)\s+")


@dataclass(frozen=True)
class _Partial:
    major: int | None  # None: a wildcard (x, X, *) or missing part
    minor: int | None
    patch: int | None
    pre: tuple[str, ...]


def _partial(text: str, source: str) -> _Partial:
    match = re.match(rf"^{_XRANGE_PLAIN}$", text.strip())
    if match is None:
        raise RequirementError(f"{source!r}: cannot read version {text.strip()!r}")
    return _partial_from(match, source)


def _partial_from(match: re.Match[str], source: str) -> _Partial:
    def number(part: str | None) -> int | None:
        return None if part is None or part in "xX*" else int(part)

    major, minor, patch = number(match["M"]), number(match["m"]), number(match["p"])
    if major is None:
        minor = patch = None
    elif minor is None:
        patch = None
    pre = tuple(match["pre"].split(".")) if match["pre"] and patch is not None else ()
    return _Partial(major, minor, patch, pre)


def _at_least(version: Version) -> Interval:
    return Interval(version)


def _below(version: Version, inclusive: bool = False) -> Interval:
    return Interval(MINIMUM, version, inclusive)


def _full(p: _Partial) -> Version:
    assert p.major is not None and p.minor is not None and p.patch is not None
    return Version(p.major, p.minor, p.patch, p.pre)


def _x_interval(op: str, p: _Partial) -> Interval:
    """One comparator after node-semver's X-range desugaring."""
    if p.major is None:
        # `>*` and `<*` match nothing; `*`, `>=*`, `<=*`, `=*` match everything.
        return Interval(MINIMUM, MINIMUM, False) if op in (">", "<") else EVERYTHING
    if p.minor is not None and p.patch is not None:
        version = _full(p)
        if op in ("", "="):
            return Interval(version, version, True)
        if op == ">=":
            return _at_least(version)
        if op == ">":
            return _at_least(version.successor())
        return _below(version, inclusive=op == "<=")
    # A partial version: 1 means 1.x, 1.2 means 1.2.x.
    low = Version(p.major, p.minor or 0, 0)
    high = (
        Version(p.major + 1, 0, 0, ("0",))
        if p.minor is None
        else Version(p.major, p.minor + 1, 0, ("0",))
    )
    if op in ("", "="):
        return Interval(low, high, False)
    if op == ">=":
        return _at_least(low)
    if op == ">":
        return _at_least(Version(high.major, high.minor, high.patch))
    if op == "<":
        return _below(Version(low.major, low.minor, low.patch, ("0",)))
    return _below(high)  # "<="


def _comparator_set(text: str, source: str) -> tuple[list[Interval], bool]:
    """The intervals (to intersect) of one `||`-separated set, and whether it names a
    pre-release."""
    hyphen = _HYPHEN.match(text)
    if hyphen:
        low, high = _partial(hyphen["from"], source), _partial(hyphen["to"], source)
        bounds = [
            EVERYTHING if low.major is None else _x_interval(">=", low),
            EVERYTHING if high.major is None else _x_interval("<=", high),
        ]
        return bounds, bool(low.pre or high.pre)
    intervals: list[Interval] = []
    names_pre = False
    for token in _OPERATOR_SPACE.sub(r"\1", text.strip()).split():
        if (match := _CARET.match(token)) is not None:
            p = _partial_from(match, source)
            names_pre |= bool(p.pre)
            intervals.append(_caret(p))
        elif (match := _TILDE.match(token)) is not None:
            p = _partial_from(match, source)
            names_pre |= bool(p.pre)
            intervals.append(_tilde(p))
        elif (match := _XRANGE.match(token)) is not None:
            p = _partial_from(match, source)
            names_pre |= bool(p.pre)
            intervals.append(_x_interval(match["op"] or "", p))
        else:
            raise RequirementError(f"{source!r}: cannot read comparator {token!r}")
    return intervals or [EVERYTHING], names_pre


def _caret(p: _Partial) -> Interval:
    if p.major is None:
        return EVERYTHING
    low = Version(p.major, p.minor or 0, p.patch or 0, p.pre)
    if p.major != 0 or p.minor is None:
        high = Version(p.major + 1, 0, 0, ("0",))
    elif p.minor != 0 or p.patch is None:
        high = Version(0, p.minor + 1, 0, ("0",))
    else:
        high = Version(0, 0, p.patch + 1, ("0",))
    return Interval(low, high, False)


def _tilde(p: _Partial) -> Interval:
    if p.major is None:
        return EVERYTHING
    low = Version(p.major, p.minor or 0, p.patch or 0, p.pre)
    if p.minor is None:
        return Interval(low, Version(p.major + 1, 0, 0, ("0",)), False)
    return Interval(low, Version(p.major, p.minor + 1, 0, ("0",)), False)


def has_release(interval: Interval) -> bool:
    """Does the interval hold at least one version without a pre-release?"""
    if interval.empty:
        return False
    first_release = (
        interval.lower
        if not interval.lower.pre
        else Version(interval.lower.major, interval.lower.minor, interval.lower.patch)
    )
    return interval.contains(first_release)


def node_range(text: str) -> list[Interval]:
    """The versions a node-semver range matches, as sorted disjoint intervals.

    Raises RequirementError, quoting the text, for anything node-semver would not read.
    """
    if not text.strip():
        return [EVERYTHING]  # node-semver: "" means *
    result: list[Interval] = []
    for part in re.split(r"\s*\|\|\s*", text.strip()):
        intervals, names_pre = _comparator_set(part, text)
        combined = [EVERYTHING]
        for interval in intervals:
            combined = intersect(combined, [interval])
        if not names_pre and not any(has_release(i) for i in combined):
            continue  # only pre-releases, and none named: node-semver matches nothing
        result.extend(combined)
    return union(result)
