"""RPM (Red Hat, AlmaLinux, Rocky Linux, SUSE, openSUSE, Mageia, openEuler…): rpmvercmp.

https://docs.fedoraproject.org/en-US/packaging-guidelines/Versioning/ and rpm's rpmvio.c /
rpmvercmp.c. A version is `[epoch:]version[-release]`. The epoch is the run of digits before the
first `:` (default 0); if anything other than digits stands before a `:`, there is no epoch and
the colon is just a separator. The release is what follows the last `-`.

Epoch, version and release are each compared with rpmvercmp: separators (anything but ASCII
letters, digits, `~` and `^`) are skipped; `~` sorts before everything, even the end
(`1.0~rc1 < 1.0`); `^` sorts after the end but before anything else (`1.0 < 1.0^git1 < 1.0.1`);
then runs of digits (compared as numbers) and runs of letters (compared as bytes) alternate, a
number beating letters; when one side runs out, the side with something left wins.

One difference from rpm: rpm skips the release comparison when either side has no release, which
makes its order non-transitive (`1 = 1-1`, `1 = 1-2`, `1-1 < 1-2`). Here a missing release sorts
before any release, even an empty one (`1 < 1-`, `1 < 1-0`), as in osv-scalibr, so the order is
total.
"""

from __future__ import annotations

from collections.abc import Hashable

from clearinghouse.knowledge.versions._base import Family, Version, cmp, require_printable

Token = tuple[int, int | str]
# Token kinds; only their order matters where one side has a "~" or "^" and the other has not.
_TILDE, _CARET, _NUMBER, _LETTERS = 0, 1, 2, 3


def tokenize(text: str) -> tuple[Token, ...]:
    """Split into rpmvercmp's segments: ~, ^, numbers (without leading zeros) and letter runs."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "~":
            tokens.append((_TILDE, ""))
            i += 1
        elif char == "^":
            tokens.append((_CARET, ""))
            i += 1
        elif char.isascii() and char.isdigit():
            j = i
            while j < n and text[j].isascii() and text[j].isdigit():
                j += 1
            tokens.append((_NUMBER, int(text[i:j])))
            i = j
        elif char.isascii() and char.isalpha():
            j = i
            while j < n and text[j].isascii() and text[j].isalpha():
                j += 1
            tokens.append((_LETTERS, text[i:j]))
            i = j
        else:
            i += 1  # a separator
    return tuple(tokens)


def rpmvercmp(left: tuple[Token, ...], right: tuple[Token, ...]) -> int:
    i = 0
    while True:
        a = left[i] if i < len(left) else None
        b = right[i] if i < len(right) else None
        if a is None and b is None:
            return 0
        i += 1
        a_kind = a[0] if a else None
        b_kind = b[0] if b else None
        if a_kind == _TILDE or b_kind == _TILDE:
            if a_kind != _TILDE:
                return 1
            if b_kind != _TILDE:
                return -1
            continue
        if a_kind == _CARET or b_kind == _CARET:
            if a is None:
                return -1
            if b is None:
                return 1
            if a_kind != _CARET:
                return 1
            if b_kind != _CARET:
                return -1
            continue
        if a is None:
            return -1
        if b is None:
            return 1
        if a_kind != b_kind:
            return 1 if a_kind == _NUMBER else -1  # numbers are newer than letters
        if a[1] != b[1]:
            return cmp(a[1], b[1])


class RPMVersion(Version):
    family = Family.RPM
    __slots__ = ("epoch", "release", "version")

    def __init__(self, text: str) -> None:
        require_printable("RPM", text)
        super().__init__(text)
        digits = len(text) - len(text.lstrip("0123456789"))
        epoch = "0"
        body = text
        if text[digits : digits + 1] == ":":
            epoch, body = text[:digits] or "0", text[digits + 1 :]
        version, dash, release = body.rpartition("-")
        if not dash:
            version = body
        self.epoch = tokenize(epoch)
        self.version = tokenize(version)
        self.release = tokenize(release) if dash else None

    def _compare(self, other: RPMVersion) -> int:
        result = rpmvercmp(self.epoch, other.epoch) or rpmvercmp(self.version, other.version)
        if result:
            return result
        if self.release is None or other.release is None:
            return cmp(self.release is not None, other.release is not None)
        return rpmvercmp(self.release, other.release)

    def _identity(self) -> Hashable:
        return (self.epoch, self.version, self.release)
