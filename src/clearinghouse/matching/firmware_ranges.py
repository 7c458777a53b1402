"""Firmware versions and the range text device advisories write: affected, not, or cannot say.

Versions compare piece by piece, numbers as numbers, a leading "v" ignored. Range text is read
as the package-url "vers" specification reads ranges (see `range_verdict`); CISA's ICS
advisories add letter-prefixed bounds ("< FW14", ">=R9.01|<=R10.04") and bare version lists
("1.1 | 1.2 | 1.3", a constraint without a comparator being equality).

Some range text cannot be compared with a version at all: a date ("<April/13/2023",
"distributed < april 1, 2018"), words ("<=the_first_5_digits_of_serial_number_22081"), a bound
behind another prefix than the version's, or a version without a digit. Such a range is
neither "affected" nor "not affected": its verdict is None, "cannot decide", and the operator is
told so rather than told nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

Key = tuple[tuple[int, int | str], ...]
MAX_DIGITS = 40  # digits of one version piece; build dates and serials are far shorter

# A bound: a version, perhaps behind a letter prefix ("FW14", "R9.90", "QRTB_2.12.7"), with a
# service pack, update, patch or build written after a space.
_BOUND = r"[A-Za-z]*[_\-]?\d[\w.\-+]*(?:\s+(?:SP|Update|Patch|Build)\s*\d+)?"
_CONSTRAINT = re.compile(rf"(!=|<=|>=|=<|=>|<|>|=)\s*({_BOUND})", re.IGNORECASE)
_SAME_OPERATOR = {"=<": "<=", "=>": ">="}  # "=< 4.6" is written, and meant, as "<= 4.6"
# "Ver.2.60" (Japanese vendors' advisories) is version 2.60, as "V2.60" is.
_VER_DOT = re.compile(r"\bver\.\s*(?=\d)", re.IGNORECASE)
_BARE_VERSION = re.compile(rf"^{_BOUND}$", re.IGNORECASE)
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z _\-]*?)[ _\-]?(?=\d)")
_LOWER = frozenset({">", ">="})
_HOLDS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_PIECES = re.compile(r"\d+|[a-zA-Z]+")
_INNER_X = re.compile(r"(?:^|[._\-])[xX](?:[._\-]|$)|[xX]{2,}")


def _bare(text: str) -> str:
    """The version without its leading "v" or "Ver." ("V5.5" and "Ver.5.5" are 5.5)."""
    cleaned = _VER_DOT.sub("", text.strip(), count=1)
    return cleaned[1:] if cleaned[:1] in "vV" else cleaned


def version_key(text: str) -> Key | None:
    """Comparable pieces of a firmware version, or None when it has no digit, or a number too
    long to be a version piece (Python refuses to read one of thousands of digits)."""
    cleaned = _bare(text)
    if not any(c.isdigit() for c in cleaned):
        return None
    pieces = _PIECES.findall(cleaned)
    if any(len(p) > MAX_DIGITS and p.isdigit() for p in pieces):
        return None
    key = [(1, int(p)) if p.isdigit() else (0, p.lower()) for p in pieces]
    while key and key[-1] == (1, 0):  # 5.5.0 is 5.5
        key.pop()
    return tuple(key)


def prefix_of(text: str) -> str:
    """The letters before a version's first digit ("fw" of "FW14"), lower case; "v" is none."""
    found = _PREFIX.match(text.strip())
    prefix = found[1].lower().replace("_", "").replace("-", "").replace(" ", "") if found else ""
    return "" if prefix == "v" else prefix


def _following(text: str) -> Key | None:
    """The first version after every "text.x" ("5.0" gives 5.1), or None when the last piece
    is not a number."""
    pieces = _PIECES.findall(_bare(text))
    if not pieces or not pieces[-1].isdigit() or len(pieces[-1]) > MAX_DIGITS:
        return None
    return version_key(".".join([*pieces[:-1], str(int(pieces[-1]) + 1)]))


def _without_wildcard(bound: str) -> tuple[str, bool] | None:
    """The bound without its trailing "x" pieces ("V5.x", "12.2.x.x"), and whether it had
    any; None when an "x" stands inside it ("V3.X.17", "16XXXXXXXXX"): no single bound."""
    text = bound.strip()
    wildcard = False
    while len(text) > 1 and text[-1] in "xX" and text[-2] in "._-":  # a loop: no backtracking
        text, wildcard = text[:-2], True
    if _INNER_X.search(text):
        return None
    return text, wildcard


def _keys(version: str, bound: str, after: bool = False) -> tuple[Key, Key] | None:
    """The two versions' comparable keys, or None when they cannot be compared: a bound with a
    letter prefix ("< FW14") only speaks of versions with the same prefix ("FW12"). With
    `after`, the bound's key is that of the first version after every "bound.x"."""
    prefix = prefix_of(bound)
    if prefix:
        if prefix_of(version) != prefix:
            return None
        version, bound = _PREFIX.sub("", version.strip()), _PREFIX.sub("", bound.strip())
    key, other = version_key(version), (_following if after else version_key)(bound)
    return None if key is None or other is None else (key, other)


def _bound(version: str, operator: str, bound: str) -> tuple[str, Key, Key] | None:
    """A constraint as (operator, version's key, bound's key), a wildcard bound rewritten as a
    plain one ("<= 5.x" is "< 6", "> 5.x" is ">= 6", "< 5.x" is "< 5"); None when the
    constraint cannot be compared with the version."""
    shaped = _without_wildcard(bound)
    if shaped is None:
        return None
    text, wildcard = shaped
    if wildcard and operator in ("=", "!="):
        return None  # a set of versions, not one: a vers range cannot say it in one constraint
    after = wildcard and operator in ("<=", ">")
    keys = _keys(version, text, after)
    if keys is None:
        return None
    operator = {"<=": "<", ">": ">="}[operator] if after else operator
    return operator, *keys


def _text(expression: str) -> str:
    text = expression.strip()
    if text.lower().startswith("vers:"):
        text = text.split("/", 1)[1] if "/" in text else ""
    return _VER_DOT.sub("", text.strip())


def means_any_version(expression: str) -> bool:
    """ "*", "vers:all/*", "All versions" (with no bound written beside it)."""
    text = _text(expression)
    return text in ("*", "") or ("all versions" in text.lower() and not _CONSTRAINT.search(text))


def constraints(expression: str) -> list[tuple[str, str]]:
    """The (comparator, bound) pairs of range text; a list of bare versions ("1.1 | 1.2") is
    that many equalities, as vers reads a constraint without a comparator. Empty when the
    text holds no bound we can read."""
    text = _text(expression)
    found: list[tuple[str, str]] = _CONSTRAINT.findall(text)
    if found:
        return [(_SAME_OPERATOR.get(operator, operator), bound) for operator, bound in found]
    pieces = [piece.strip() for piece in text.split("|")]
    if pieces and all(_BARE_VERSION.match(piece) for piece in pieces):
        return [("=", piece) for piece in pieces]
    return []


def range_verdict(version: str, expression: str) -> bool | None:
    """Is `version` in the range text: True, False, or None when that cannot be decided.

    The constraints are read as the package-url "vers" specification reads them: in version
    order, a lower bound opens an interval and the next upper bound closes it (an upper bound
    with none open starts at the lowest version; a lower bound left open runs to the highest),
    `=` is a single version and `!=` takes one out; the range is the union. A range of one
    interval (">=1.2|<1.4", "< V5.5.0") is thus every constraint at once, and
    "vers:generic/<2|>=3" is two intervals, not none. Text with no readable bound (a date,
    words), or a bound that cannot be compared with the version (no digit, another letter
    prefix), leaves the range undecided: None.
    """
    if means_any_version(expression):
        return True
    found = constraints(expression)
    if not found:
        return None
    read = [_bound(version, operator, bound) for operator, bound in found]
    if any(r is not None and r[0] == "!=" and r[1] == r[2] for r in read):
        return False  # excluded by name, whatever else the text holds
    bounds: list[tuple[Key, int, str, Key]] = []
    for constraint in read:
        if constraint is None:
            return None
        operator, key, other = constraint
        bounds.append((other, 0 if operator in _LOWER else 1, operator, key))
    opened: tuple[str, Key] | None = None
    for other, _, operator, key in sorted(bounds, key=lambda b: (b[0], b[1])):
        if operator == "=":
            if key == other:
                return True
        elif operator in _LOWER:
            opened = opened or (operator, other)
        elif operator != "!=":
            above = opened is None or _HOLDS[opened[0]](key, opened[1])
            if above and _HOLDS[operator](key, other):
                return True
            opened = None
    return opened is not None and _HOLDS[opened[0]](bounds[0][3], opened[1])


def in_range(version: str, expression: str) -> bool:
    """Is `version` certainly in the range text (see `range_verdict`; undecided is no)."""
    return range_verdict(version, expression) is True


def listed_verdict(version: str, listed: Iterable[str]) -> bool | None:
    """Is `version` one of the versions an advisory lists? A listed "*" or "vers:all/*" is
    every version; a listed entry that cannot be compared with the version (one of the two has
    no digit: "TCP", "Rev B-M", "unknown") leaves it undecided, unless another is equal."""
    key = version_key(version)
    verdict: bool | None = False
    for entry in listed:
        if entry.strip() and means_any_version(entry):
            return True
        if version.strip().lower() == entry.strip().lower():
            return True
        other = version_key(entry)
        if key is not None and other == key:
            return True
        if (key is None) != (other is None):
            verdict = None
    return verdict
