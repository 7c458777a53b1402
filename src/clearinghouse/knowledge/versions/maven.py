"""Maven: the rules of `org.apache.maven.artifact.versioning.ComparableVersion` (Maven 3.8).

https://maven.apache.org/pom.html#version-order-specification. The version is lower-cased and
split at `.`, at `-` and at every change between digits and letters; a `-` (or such a change)
opens a nested list, so `1-1` is `[1, [1]]`. Trailing "null" items (0, "" and empty lists) are
dropped, so `1.0.0 = 1 = 1-0`. Numbers compare numerically and above words. Words rank
`alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp`, and unknown
words rank after `sp` in alphabetical order; a single `a`, `b` or `m` directly followed by a digit
means alpha, beta or milestone.

The generated comparison vectors were produced with maven-artifact 3.8.6, which is why this is
the 3.8 behaviour (3.9 changed how some qualifiers compare).
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from clearinghouse.knowledge.versions._base import Family, Version, cmp, require_printable

Item = int | str | list[Any]  # IntItem, StringItem, ListItem

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_RELEASE = str(_QUALIFIERS.index(""))
_ALIASES = {"ga": "", "final": "", "release": "", "cr": "rc"}
_SHORT = {"a": "alpha", "b": "beta", "m": "milestone"}


def _qualifier_rank(value: str) -> str:
    # Compared as strings, exactly as Maven does ("7-foo" sorts after "6").
    if value in _QUALIFIERS:
        return str(_QUALIFIERS.index(value))
    return f"{len(_QUALIFIERS)}-{value}"


def _string_item(value: str, followed_by_digit: bool) -> str:
    if followed_by_digit and value in _SHORT:
        value = _SHORT[value]
    return _ALIASES.get(value, value)


def _is_null(item: Item) -> bool:
    if isinstance(item, int):
        return item == 0
    if isinstance(item, str):
        return item == ""
    return not item


def _normalize(items: list[Any], *, section: bool) -> None:
    # Drop trailing nulls, looking through trailing sub-lists but stopping at the first value.
    for i in range(len(items) - 1, -1, -1):
        if _is_null(items[i]):
            del items[i]
        elif not isinstance(items[i], list):
            break
    # A section left holding only the next section (`1-ga-1`: `ga` was a null) is that next
    # section: the POM reference trims nulls "at each remaining hyphen", so 1-ga-1 = 1-1.
    # (Only hyphen sections: the version's top level keeps its shape, `0.0.0-x` stays [[x]].)
    while section and len(items) == 1 and isinstance(items[0], list):
        items[:] = items[0]


def parse_items(version: str) -> list[Any]:
    """ComparableVersion.parseVersion: nested lists of ints and (aliased) words."""
    text = version.lower()
    items: list[Any] = []
    stack = [items]
    is_digit = False
    start = 0

    def nest() -> None:
        # A "-" or a digit/letter change opens a sub-list inside the current one.
        sub: list[Any] = []
        stack[-1].append(sub)
        stack.append(sub)

    for i, char in enumerate(text):
        if char in ".-":
            if i == start:
                stack[-1].append(0)
            else:
                buf = text[start:i]
                stack[-1].append(int(buf) if is_digit else _string_item(buf, False))
            start = i + 1
            if char == "-":
                nest()
        elif char.isdecimal():
            if not is_digit and i > start:
                stack[-1].append(_string_item(text[start:i], True))
                start = i
                nest()
            is_digit = True
        else:
            if is_digit and i > start:
                stack[-1].append(int(text[start:i]))
                start = i
                nest()
            is_digit = False
    if len(text) > start:
        buf = text[start:]
        stack[-1].append(int(buf) if is_digit else _string_item(buf, False))
    while stack:
        current = stack.pop()
        _normalize(current, section=current is not items)
    return items


def compare_items(left: Item | None, right: Item | None) -> int:
    """ComparableVersion's Item.compareTo; `None` stands for a missing item."""
    if left is None:
        return 0 if right is None else -compare_items(right, None)
    if isinstance(left, int):
        if right is None:
            return 0 if left == 0 else 1
        if isinstance(right, int):
            return cmp(left, right)
        return 1  # a number beats a word and a list
    if isinstance(left, str):
        if right is None:
            return cmp(_qualifier_rank(left), _RELEASE)
        if isinstance(right, str):
            return cmp(_qualifier_rank(left), _qualifier_rank(right))
        return -1  # a word loses to a number and to a list
    if right is None:
        # Every item against nothing, not just the first (MNG-6964, Maven 3.8.2).
        return next((r for r in (compare_items(i, None) for i in left) if r), 0)
    if isinstance(right, int):
        return -1
    if isinstance(right, str):
        return 1
    for i in range(max(len(left), len(right))):
        result = compare_items(
            left[i] if i < len(left) else None, right[i] if i < len(right) else None
        )
        if result:
            return result
    return 0


def _frozen(items: list[Any]) -> Hashable:
    return tuple(_frozen(i) if isinstance(i, list) else i for i in items)


class MavenVersion(Version):
    family = Family.MAVEN
    __slots__ = ("items",)

    def __init__(self, text: str) -> None:
        require_printable("Maven", text)
        super().__init__(text)
        self.items = parse_items(text)

    def _compare(self, other: MavenVersion) -> int:
        return compare_items(self.items, other.items)

    def _identity(self) -> Hashable:
        return _frozen(self.items)
