"""Packagist: PHP's `version_compare`, after Composer's removal of a leading `v`.

php-src ext/standard/versioning.c. The version is canonicalized: `-`, `_`, `+` and any other
character that is not a letter or digit become `.`, and a `.` is put between a digit and a
non-digit (`1.0rc1` becomes `1.0.rc.1`). The parts then compare left to right: numbers
numerically, words by their special form, a number against a word as if the number were the
form `#`. Special forms are matched by prefix and case-sensitively:

    any other word < dev < alpha = a < beta = b < RC = rc < # (a number) < pl = p

When one version runs out, the next part of the longer one decides: a number makes it greater,
a word is compared with `#` (so `1.0 > 1.0-beta` but `1.0 < 1.0-patch1`).

Two deliberate differences from PHP, both as in osv-scalibr's vectors: numbers are compared
exactly however long they are (PHP clamps them to a C long), and a literal `#` in the version is
the number placeholder itself (PHP would turn it into a separator), so `1.2.3.# = 1.2.3`.
"""

from __future__ import annotations

from collections.abc import Hashable

from clearinghouse.knowledge.versions._base import Family, Version, cmp, require_printable

_FORMS = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)
_NUMBER = "#N#"  # what PHP compares a leftover part against


def _form(word: str) -> int:
    for prefix, order in _FORMS:
        if word.startswith(prefix):
            return order
    return -1


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def canonicalize(version: str) -> str:
    out = [version[0]]
    previous = version[0]
    for char in version[1:]:
        if char in "-_+":
            if out[-1] != ".":
                out.append(".")
        elif (previous != "." and not _is_digit(previous) and _is_digit(char)) or (
            _is_digit(previous) and char != "." and not _is_digit(char)
        ):
            if out[-1] != ".":
                out.append(".")
            out.append(char)
        elif not (char.isascii() and (char.isalnum() or char == "#")):
            if out[-1] != ".":
                out.append(".")
        else:
            out.append(char)
        previous = char
    return "".join(out)


def _compare_part(a: str, b: str) -> int:
    a_digit, b_digit = a[:1].isdigit(), b[:1].isdigit()
    if a_digit and b_digit:
        return cmp(int(_leading_digits(a)), int(_leading_digits(b)))
    if not a_digit and not b_digit:
        return cmp(_form(a), _form(b))
    return cmp(_form(_NUMBER), _form(b)) if a_digit else cmp(_form(a), _form(_NUMBER))


def _leading_digits(part: str) -> str:
    end = 0
    while end < len(part) and _is_digit(part[end]):
        end += 1
    return part[:end]


def compare_parts(a: list[str], b: list[str]) -> int:
    for x, y in zip(a, b, strict=False):
        result = _compare_part(x, y)
        if result:
            return result
    if len(a) > len(b):
        return _compare_rest(a[len(b) :])
    if len(b) > len(a):
        return -_compare_rest(b[len(a) :])
    return 0


def _compare_rest(rest: list[str]) -> int:
    # PHP compares what is left of the longer version with "#N#": a number wins outright.
    if rest == [""]:
        return -1  # a trailing separator: PHP compares the empty string, which loses
    if rest[0][:1].isdigit():
        return 1
    return compare_parts(rest, [_NUMBER])


class PackagistVersion(Version):
    family = Family.PACKAGIST
    __slots__ = ("parts",)

    def __init__(self, text: str) -> None:
        require_printable("Packagist", text)
        super().__init__(text)
        body = text[1:] if text[0] in "vV" and len(text) > 1 else text
        self.parts = canonicalize(body).split(".")

    def _compare(self, other: PackagistVersion) -> int:
        return compare_parts(self.parts, other.parts)

    def _identity(self) -> Hashable:
        # Numbers by value, words by special form, trailing placeholders dropped. A literal `#`
        # equals any number, which no hash can honour; such versions do not occur in practice.
        key = [
            (0, int(_leading_digits(p))) if p[:1].isdigit() else (1, _form(p)) for p in self.parts
        ]
        while key and key[-1] == (1, 4):
            key.pop()
        return tuple(key)
