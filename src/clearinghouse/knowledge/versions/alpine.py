"""Alpine, Wolfi, Chainguard and other apk distributions: apk-tools' version order.

https://wiki.alpinelinux.org/wiki/APKBUILD_Reference#pkgver and apk-tools' version.c. A version is

    number{.number}...{letter}{_suffix{number}}...{~hash}{-r#}

compared field by field:

* the numbers: the first as a number; later ones as numbers too, unless either has a leading
  zero, in which case as strings (the Gentoo rule: `1.05 < 1.1`); when one version has more
  numbers, it is the greater (`1.2 < 1.2.0`, `1.2a < 1.2.0`), as apk orders its tokens;
* the optional single lower-case letter: none sorts before any (`1.2 < 1.2a`);
* the suffixes, each weighed `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg <
  _p`, then by its number, a missing number before 0 (`1.2_rc1 < 1.2 < 1.2_p < 1.2_p0`);
* the commit hash after `~`, as a string;
* the revision `-rN` as a number; a version without one sorts before `-r0`, as apk does.

apk itself refuses malformed versions, and its releases disagree on how to order them, so
malformed input follows osv-scalibr, which the comparison vectors encode: whatever does not fit
the pattern is kept as a remainder. A version whose remainder starts outside the revision
(`1.2.0A`, `6.6.2p1`, `a`) is "invalid": two invalid versions compare as plain strings, and an
invalid version against a valid one compares by the fields that were read, the remainder then
sorting lower. Text after a readable revision (`1-r0-foo`) only sorts lower.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from typing import Any

from clearinghouse.knowledge.versions._base import Family, Version, cmp, require_printable

_NUMBERS = re.compile(r"\d+(?:\.\d+)*\.?")
_SUFFIX = re.compile(r"_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)")
_HASH = re.compile(r"~([0-9a-f]+)")
_REVISION = re.compile(r"-r(\d*)")
_SUFFIX_WEIGHT = {
    name: weight
    for weight, name in enumerate(
        ("alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p")
    )
}
_NO_SUFFIX = (_SUFFIX_WEIGHT[""], -1)


class AlpineVersion(Version):
    family = Family.ALPINE
    __slots__ = ("hash", "invalid", "letter", "numbers", "remainder", "revision", "suffixes")

    def __init__(self, text: str) -> None:
        require_printable("Alpine", text)
        super().__init__(text)
        rest = text
        match = _NUMBERS.match(rest)
        self.numbers: tuple[str, ...] = ()
        if match:
            self.numbers = tuple(n for n in match.group().split(".") if n)
            rest = rest[match.end() :]
        self.letter = ""
        if rest[:1].isascii() and rest[:1].islower():
            self.letter, rest = rest[0], rest[1:]
        suffixes = []
        while match := _SUFFIX.match(rest):
            # `_p` sorts before `_p0`: apk sees one token fewer.
            suffixes.append((_SUFFIX_WEIGHT[match[1]], int(match[2]) if match[2] else -1))
            rest = rest[match.end() :]
        self.suffixes = tuple(suffixes)
        self.hash = ""
        if match := _HASH.match(rest):
            self.hash, rest = match[1], rest[match.end() :]
        self.revision: int | None = None
        self.invalid = False
        if match := _REVISION.match(rest):
            self.revision, rest = int(match[1] or 0), rest[match.end() :]
        elif rest:
            self.invalid = True
        self.remainder = rest

    def _compare(self, other: AlpineVersion) -> int:
        if self.invalid and other.invalid:
            return cmp(self.text, other.text)
        return (
            _compare_numbers(self.numbers, other.numbers)
            or cmp(self.letter, other.letter)
            or _compare_suffixes(self.suffixes, other.suffixes)
            or cmp(self.hash, other.hash)
            or cmp(_revision_key(self.revision), _revision_key(other.revision))
            or cmp(not self.remainder, not other.remainder)
        )

    def _identity(self) -> Hashable:
        if self.invalid:
            return self.text
        numbers = tuple(_number_key(i, n) for i, n in enumerate(self.numbers))
        suffixes = list(self.suffixes)
        while suffixes and suffixes[-1] == _NO_SUFFIX:
            suffixes.pop()
        return (
            numbers,
            self.letter,
            tuple(suffixes),
            self.hash,
            self.revision,
            bool(self.remainder),
        )


def _number_key(index: int, number: str) -> Any:
    # Leading zeros after the first number make the comparison textual, so keep the text.
    return number if index and number.startswith("0") and number != "0" else int(number)


def _compare_numbers(left: tuple[str, ...], right: tuple[str, ...]) -> int:
    for i in range(min(len(left), len(right))):
        a, b = left[i], right[i]
        if i and (a.startswith("0") or b.startswith("0")):
            result = cmp(a, b)
        else:
            result = cmp(int(a), int(b))
        if result:
            return result
    return cmp(len(left), len(right))  # apk: more numbers win over whatever comes next


def _compare_suffixes(left: tuple[tuple[int, int], ...], right: tuple[tuple[int, int], ...]) -> int:
    for i in range(max(len(left), len(right))):
        a = left[i] if i < len(left) else _NO_SUFFIX
        b = right[i] if i < len(right) else _NO_SUFFIX
        if a != b:
            return cmp(a, b)
    return 0


def _revision_key(revision: int | None) -> int:
    return -1 if revision is None else revision
