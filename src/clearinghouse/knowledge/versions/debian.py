"""Debian and Ubuntu: dpkg's version comparison.

https://www.debian.org/doc/debian-policy/ch-controlfields.html#version and dpkg's verrevcmp.
A version is `[epoch:]upstream[-revision]`: the epoch is a number (default 0), the revision is
whatever follows the last `-` (default empty, which equals `0`). Epochs compare as numbers; the
upstream parts and then the revisions compare by alternating runs of non-digits and digits:
digits as numbers, non-digits character by character where `~` sorts before everything, even
the end of the string (`1.0~rc1 < 1.0`), then the end, then letters, then other characters
(`1.0 < 1.0a < 1.0+`).

Rejected, as dpkg rejects them: an empty or non-numeric epoch, an empty upstream version or
revision, and characters outside `[A-Za-z0-9.+~-]` (`:` is allowed in the upstream part only
when there is an epoch).
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, Version, cmp

_PARTS = re.compile(r"([^0-9]*)([0-9]*)")


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isascii() and char.isalpha():
        return ord(char)
    return ord(char) + 256


def _parts(text: str) -> tuple[tuple[tuple[int, ...], int], ...]:
    parts = [
        (tuple(_order(c) for c in letters), int(digits or 0))
        for letters, digits in _PARTS.findall(text)
        if letters or digits
    ]
    while parts and parts[-1] == ((), 0):  # missing parts compare as empty and 0
        parts.pop()
    return tuple(parts)


def _compare_parts(
    left: tuple[tuple[tuple[int, ...], int], ...], right: tuple[tuple[tuple[int, ...], int], ...]
) -> int:
    for i in range(max(len(left), len(right))):
        a_chars, a_num = left[i] if i < len(left) else ((), 0)
        b_chars, b_num = right[i] if i < len(right) else ((), 0)
        if a_chars != b_chars:
            # The end of a run orders as 0: after "~" (-1), before everything else.
            for j in range(max(len(a_chars), len(b_chars))):
                a = a_chars[j] if j < len(a_chars) else 0
                b = b_chars[j] if j < len(b_chars) else 0
                if a != b:
                    return cmp(a, b)
        if a_num != b_num:
            return cmp(a_num, b_num)
    return 0


_UPSTREAM_CHARS = re.compile(r"[A-Za-z0-9.+~:-]+", re.ASCII)
_REVISION_CHARS = re.compile(r"[A-Za-z0-9.+~]+", re.ASCII)


class DebianVersion(Version):
    family = Family.DEBIAN
    __slots__ = ("epoch", "revision", "upstream")

    def __init__(self, text: str) -> None:
        super().__init__(text)
        body = text
        epoch = 0
        if ":" in body:
            epoch_text, body = body.split(":", 1)
            if not epoch_text.isdigit() or not epoch_text.isascii():
                raise InvalidVersion("Debian", text, f"its epoch {epoch_text!r} is not a number")
            epoch = int(epoch_text)
        upstream, dash, revision = body.rpartition("-")
        if not dash:
            upstream, revision = body, ""
        elif not revision:
            raise InvalidVersion("Debian", text, "its revision after the last '-' is empty")
        if not upstream:
            raise InvalidVersion("Debian", text, "its upstream version is empty")
        bad = [c for c in upstream if not _UPSTREAM_CHARS.fullmatch(c)]
        bad += [c for c in revision if not _REVISION_CHARS.fullmatch(c)]
        if bad:
            raise InvalidVersion(
                "Debian", text, f"it contains {bad[0]!r}, which dpkg does not allow in versions"
            )
        self.epoch = epoch
        self.upstream = _parts(upstream)
        self.revision = _parts(revision)

    def _compare(self, other: DebianVersion) -> int:
        return (
            cmp(self.epoch, other.epoch)
            or _compare_parts(self.upstream, other.upstream)
            or _compare_parts(self.revision, other.revision)
        )

    def _identity(self) -> Hashable:
        return (self.epoch, self.upstream, self.revision)
