"""node-semver ranges, as npm and the Node.js security advisories write them.

The rules are those of node-semver 7 (https://github.com/npm/node-semver#ranges), strict mode,
without `includePrerelease`:

* `||` separates comparator sets; a version satisfies the range if it satisfies any set, and a
  set if it satisfies every comparator in it (whitespace-separated);
* comparators are `<`, `<=`, `>`, `>=`, `=` or nothing (equality) before a version;
* `1.2.3 - 2.3.4` is `>=1.2.3 <=2.3.4`; a partial upper bound is exclusive (`- 2.3` is `<2.4.0-0`);
* `~1.2.3` is `>=1.2.3 <1.3.0-0`, `~1.2` the same from 1.2.0, `~1` is `>=1.0.0 <2.0.0-0`;
* `^1.2.3` is `>=1.2.3 <2.0.0-0`, `^0.2.3` is `>=0.2.3 <0.3.0-0`, `^0.0.3` is `>=0.0.3 <0.0.4-0`;
* `x`, `X` and `*` are wildcards (`1.x`, `1.2.*`), a missing part too (`1.2` is `1.2.x`); `*` or an
  empty range is any version; `<*` and `>*` are none;
* a version with a pre-release tag only satisfies a set if some comparator of that set names a
  pre-release of the same major.minor.patch (`1.3.0-beta` does not satisfy `>=1.2.0`, but
  `1.2.3-beta.2` satisfies `>=1.2.3-beta.1`).

An invalid range raises InvalidNpmRange; a version that is not strict SemVer (a leading `v` is
allowed) raises InvalidVersion, where node-semver would quietly answer "no".

`NpmRange.to_osv_ranges()` turns a range into OSV `SEMVER` ranges describing the same versions:
each comparator set becomes an interval; intervals are merged, an exclusive lower bound becomes
`introduced` at the next SemVer version (`>1.2.3` is `introduced: 1.2.4-0`), an exclusive upper
bound `fixed`, an inclusive one `last_affected`. OSV forbids `fixed` and `last_affected` in one
range, so intervals of the two kinds go into separate ranges. The pre-release rule above has no
OSV equivalent and is dropped, so the OSV ranges also match pre-releases inside the intervals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from clearinghouse.knowledge.versions._base import InvalidVersion
from clearinghouse.knowledge.versions.semver import SemVerVersion

_NUM = r"(?:0|[1-9]\d*)"
_XR = rf"(?:{_NUM}|x|X|\*)"
_PRE_ID = rf"(?:{_NUM}|\d*[a-zA-Z-][a-zA-Z0-9-]*)"
_PRE = rf"(?:-({_PRE_ID}(?:\.{_PRE_ID})*))"
_BUILD = r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))"
_XPLAIN = rf"[v=\s]*({_XR})(?:\.({_XR})(?:\.({_XR}){_PRE}?{_BUILD}?)?)?"
_FULL = re.compile(rf"v?({_NUM})\.({_NUM})\.({_NUM}){_PRE}?{_BUILD}?")
_COMPARATOR = re.compile(rf"((?:<|>)?=?)\s*(v?{_NUM}\.{_NUM}\.{_NUM}{_PRE}?{_BUILD}?)")
_HYPHEN = re.compile(rf"\s*({_XPLAIN})\s+-\s+({_XPLAIN})\s*")
_COMPARATOR_TRIM = re.compile(rf"(\s*)((?:<|>)?=?)\s*({_XPLAIN})")
_TILDE_TRIM = re.compile(r"(\s*)(?:~>?)\s+")
_CARET_TRIM = re.compile(r"(\s*)\^\s+")
_TILDE = re.compile(rf"(?:~>?){_XPLAIN}")
_CARET = re.compile(rf"\^{_XPLAIN}")
_XRANGE = re.compile(rf"((?:<|>)?=?)\s*{_XPLAIN}")


class InvalidNpmRange(ValueError):
    """A node-semver range that node-semver itself would reject."""

    def __init__(self, text: str, reason: str) -> None:
        self.text = text
        self.reason = reason
        super().__init__(f"npm range {text!r} is not valid: {reason}")


def parse_npm_version(text: str) -> SemVerVersion:
    """A version as node-semver reads it (strict SemVer 2.0.0, optional leading `v`)."""
    if not _FULL.fullmatch(text.strip()):
        raise InvalidVersion(
            "npm",
            text,
            "node-semver needs MAJOR.MINOR.PATCH without leading zeros, then "
            "optionally -prerelease and +build",
        )
    return SemVerVersion(text.strip().removeprefix("v"))


@dataclass(frozen=True, slots=True)
class Comparator:
    """`op version`; op is one of "", "<", "<=", ">", ">=" ("" is equality)."""

    op: str
    version: SemVerVersion

    def test(self, version: SemVerVersion) -> bool:
        order = version.compare(self.version)
        return {
            "": order == 0,
            "<": order < 0,
            "<=": order <= 0,
            ">": order > 0,
            ">=": order >= 0,
        }[self.op]

    def __str__(self) -> str:
        return f"{self.op}{self.version.text}"


_NONE = Comparator("<", SemVerVersion("0.0.0-0"))  # node-semver's null set


def _x(part: str | None) -> bool:
    return part is None or part in ("x", "X", "*")


def _v(major: Any, minor: Any, patch: Any, pre: str = "") -> SemVerVersion:
    return SemVerVersion(f"{major}.{minor}.{patch}" + (f"-{pre}" if pre else ""))


def _tilde(m: re.Match[str]) -> list[Comparator]:
    major, minor, patch, pre = m.group(1, 2, 3, 4)
    if _x(major):
        return []
    if _x(minor):
        return [Comparator(">=", _v(major, 0, 0)), Comparator("<", _v(int(major) + 1, 0, 0, "0"))]
    upper = Comparator("<", _v(major, int(minor) + 1, 0, "0"))
    if _x(patch):
        return [Comparator(">=", _v(major, minor, 0)), upper]
    return [Comparator(">=", _v(major, minor, patch, pre or "")), upper]


def _caret(m: re.Match[str]) -> list[Comparator]:
    major, minor, patch, pre = m.group(1, 2, 3, 4)
    if _x(major):
        return []
    if _x(minor):
        return [Comparator(">=", _v(major, 0, 0)), Comparator("<", _v(int(major) + 1, 0, 0, "0"))]
    if _x(patch):
        lower = Comparator(">=", _v(major, minor, 0))
        if major == "0":
            return [lower, Comparator("<", _v(major, int(minor) + 1, 0, "0"))]
        return [lower, Comparator("<", _v(int(major) + 1, 0, 0, "0"))]
    lower = Comparator(">=", _v(major, minor, patch, pre or ""))
    if major == "0" and minor == "0":
        return [lower, Comparator("<", _v(major, minor, int(patch) + 1, "0"))]
    if major == "0":
        return [lower, Comparator("<", _v(major, int(minor) + 1, 0, "0"))]
    return [lower, Comparator("<", _v(int(major) + 1, 0, 0, "0"))]


def _xrange(m: re.Match[str], text: str, raw: str) -> list[Comparator]:
    op, major, minor, patch = m.group(1, 2, 3, 4)
    x_major = _x(major)
    x_minor = x_major or _x(minor)
    x_patch = x_minor or _x(patch)
    if op == "=" and x_patch:
        op = ""
    if x_major:
        return [_NONE] if op in ("<", ">") else []
    if op and x_patch:
        minor_n = 0 if x_minor else int(minor)
        major_n, patch_n, pre = int(major), 0, ""
        if op == ">":
            op = ">="
            if x_minor:
                major_n, minor_n = major_n + 1, 0
            else:
                minor_n += 1
        elif op == "<=":
            op = "<"
            if x_minor:
                major_n += 1
            else:
                minor_n += 1
        if op == "<":
            pre = "0"
        return [Comparator(op, _v(major_n, minor_n, patch_n, pre))]
    if x_minor:
        return [Comparator(">=", _v(major, 0, 0)), Comparator("<", _v(int(major) + 1, 0, 0, "0"))]
    if x_patch:
        return [
            Comparator(">=", _v(major, minor, 0)),
            Comparator("<", _v(major, int(minor) + 1, 0, "0")),
        ]
    full = _COMPARATOR.fullmatch(text)
    if full is None:
        raise InvalidNpmRange(raw, f"{text!r} is not a comparator")
    op = "" if full.group(1) == "=" else full.group(1)
    return [Comparator(op, SemVerVersion(full.group(2).removeprefix("v")))]


def _hyphen(m: re.Match[str], raw: str) -> list[Comparator]:
    inner = re.compile(_XPLAIN)
    low, high = m.group(1), m.group(7)
    lo = inner.fullmatch(low)
    hi = inner.fullmatch(high)
    assert lo is not None and hi is not None
    out: list[Comparator] = []
    f_major, f_minor, f_patch, f_pre = lo.group(1, 2, 3, 4)
    if not _x(f_major):
        if _x(f_minor):
            out.append(Comparator(">=", _v(f_major, 0, 0)))
        elif _x(f_patch):
            out.append(Comparator(">=", _v(f_major, f_minor, 0)))
        else:
            out.append(Comparator(">=", _v(f_major, f_minor, f_patch, f_pre or "")))
    t_major, t_minor, t_patch, t_pre = hi.group(1, 2, 3, 4)
    if not _x(t_major):
        if _x(t_minor):
            out.append(Comparator("<", _v(int(t_major) + 1, 0, 0, "0")))
        elif _x(t_patch):
            out.append(Comparator("<", _v(t_major, int(t_minor) + 1, 0, "0")))
        else:
            out.append(Comparator("<=", _v(t_major, t_minor, t_patch, t_pre or "")))
    return out


def _parse_set(text: str, raw: str) -> list[Comparator]:
    text = text.strip()
    hyphen = _HYPHEN.fullmatch(text)
    if hyphen:
        comparators = _hyphen(hyphen, raw)
    else:
        text = _COMPARATOR_TRIM.sub(lambda m: m.group(1) + m.group(2) + m.group(3), text)
        text = _TILDE_TRIM.sub(lambda m: m.group(1) + "~", text)
        text = _CARET_TRIM.sub(lambda m: m.group(1) + "^", text)
        comparators = []
        for token in text.split():
            comparators.extend(_parse_comparator(token, raw))
    if _NONE in comparators:
        return [_NONE]
    unique: dict[str, Comparator] = {}
    for comparator in comparators:
        unique[str(comparator)] = comparator
    return list(unique.values())


def _parse_comparator(token: str, raw: str) -> list[Comparator]:
    for pattern, build in ((_CARET, _caret), (_TILDE, _tilde)):
        match = pattern.fullmatch(token)
        if match:
            return build(match)
    if token.startswith(("^", "~")):
        raise InvalidNpmRange(raw, f"{token!r} is not a valid caret or tilde range")
    match = _XRANGE.fullmatch(token)
    if match is None:
        raise InvalidNpmRange(raw, f"{token!r} is not a comparator")
    comparators = _xrange(match, token, raw)
    # `>=0.0.0` is the same as `*`
    return [c for c in comparators if not (c.op == ">=" and c.version.text == "0.0.0")]


class NpmRange:
    """A parsed node-semver range: `test` a version, or turn it into OSV ranges."""

    def __init__(self, text: str) -> None:
        self.text = text
        sets = [_parse_set(part, text) for part in text.split("||")]
        non_null = [s for s in sets if s != [_NONE]]
        if len(sets) > 1:
            sets = non_null or sets[:1]
            if any(not s for s in sets):
                sets = [[]]  # one set is "*": the whole range is
        self.sets: tuple[tuple[Comparator, ...], ...] = tuple(tuple(s) for s in sets)

    def test(self, version: str) -> bool:
        parsed = parse_npm_version(version)
        return any(_test_set(s, parsed) for s in self.sets)

    def to_osv_ranges(self) -> list[dict[str, Any]]:
        intervals = sorted(
            (i for i in (_interval(s) for s in self.sets) if i is not None), key=_lower_key
        )
        merged: list[_Interval] = []
        for interval in intervals:
            if merged and _touches(merged[-1], interval):
                merged[-1] = _union(merged[-1], interval)
            else:
                merged.append(interval)
        fixed: list[dict[str, str]] = []
        last: list[dict[str, str]] = []
        for interval in merged:
            events = fixed if interval.high is None or not interval.high_inclusive else last
            events.append({"introduced": _introduced(interval)})
            if interval.high is not None:
                kind = "last_affected" if interval.high_inclusive else "fixed"
                events.append({kind: _plain(interval.high)})
        return [{"type": "SEMVER", "events": e} for e in (fixed, last) if e]


def _test_set(comparators: tuple[Comparator, ...], version: SemVerVersion) -> bool:
    if not all(c.test(version) for c in comparators):
        return False
    if version.prerelease:
        # A pre-release only matches when the set names a pre-release of the same release.
        return any(
            c.version.prerelease
            and (c.version.major, c.version.minor, c.version.patch)
            == (version.major, version.minor, version.patch)
            for c in comparators
        )
    return True


@dataclass(frozen=True, slots=True)
class _Interval:
    low: SemVerVersion | None  # None: from the beginning
    low_inclusive: bool
    high: SemVerVersion | None  # None: no upper bound
    high_inclusive: bool


def _interval(comparators: tuple[Comparator, ...]) -> _Interval | None:
    low: SemVerVersion | None = None
    low_inc = True
    high: SemVerVersion | None = None
    high_inc = True
    for c in comparators:
        bounds: list[tuple[str, bool]] = {
            "": [("low", True), ("high", True)],
            ">=": [("low", True)],
            ">": [("low", False)],
            "<=": [("high", True)],
            "<": [("high", False)],
        }[c.op]
        for side, inclusive in bounds:
            if side == "low":
                order = 1 if low is None else c.version.compare(low)
                if order > 0 or (order == 0 and not inclusive):
                    low, low_inc = c.version, inclusive
            else:
                order = -1 if high is None else c.version.compare(high)
                if order < 0 or (order == 0 and not inclusive):
                    high, high_inc = c.version, inclusive
    if low is not None and high is not None:
        order = low.compare(high)
        if order > 0 or (order == 0 and not (low_inc and high_inc)):
            return None
    if high is not None and not high_inc and high.compare(SemVerVersion("0.0.0-0")) <= 0:
        return None
    return _Interval(low, low_inc, high, high_inc)


def _lower_key(interval: _Interval) -> Any:
    return _Bound(interval.low, interval.low_inclusive)


class _Bound:
    """Sort key for lower bounds: none first, then by version, inclusive before exclusive."""

    __slots__ = ("inclusive", "version")

    def __init__(self, version: SemVerVersion | None, inclusive: bool) -> None:
        self.version, self.inclusive = version, inclusive

    def __lt__(self, other: _Bound) -> bool:
        if self.version is None or other.version is None:
            return self.version is None and other.version is not None
        order = self.version.compare(other.version)
        return order < 0 or (order == 0 and self.inclusive and not other.inclusive)


def _touches(a: _Interval, b: _Interval) -> bool:
    """Does b (starting no earlier than a) overlap or adjoin a?"""
    if a.high is None or b.low is None:
        return True
    order = b.low.compare(a.high)
    return order < 0 or (order == 0 and (a.high_inclusive or b.low_inclusive))


def _union(a: _Interval, b: _Interval) -> _Interval:
    if a.high is None or b.high is None:
        return _Interval(a.low, a.low_inclusive, None, True)
    order = b.high.compare(a.high)
    if order > 0 or (order == 0 and b.high_inclusive):
        return _Interval(a.low, a.low_inclusive, b.high, b.high_inclusive)
    return a


def _plain(version: SemVerVersion) -> str:
    text = f"{version.major}.{version.minor}.{version.patch}"
    return text + ("-" + ".".join(version.prerelease) if version.prerelease else "")


def _introduced(interval: _Interval) -> str:
    low = interval.low
    if low is None:
        return "0"
    if interval.low_inclusive:
        return _plain(low)
    # The next version in SemVer precedence after an excluded lower bound.
    if low.prerelease:
        return _plain(low) + ".0"
    return f"{low.major}.{low.minor}.{low.patch + 1}-0"


def satisfies_npm_range(version: str, range_text: str) -> bool:
    """node-semver's `satisfies(version, range)`, raising on an invalid version or range."""
    return NpmRange(range_text).test(version)


def npm_range_to_osv_ranges(range_text: str) -> list[dict[str, Any]]:
    """OSV `SEMVER` ranges for a node-semver range (see the module doc for what is lost)."""
    return NpmRange(range_text).to_osv_ranges()
