"""RubyGems: the ordering of `Gem::Version#<=>`.

https://guides.rubygems.org/patterns/#semantic-versioning and rubygems/version.rb. A `-` means
`.pre.` (`1.0-beta` is `1.0.pre.beta`). The version is cut into runs of digits and runs of
letters (`1.0.a10` is `1, 0, "a", 10`); trailing zeros are dropped from the leading numbers and
from the part after the first word (`1.0 = 1`). Segments compare left to right, missing ones as 0;
a word sorts before a number, so any version with a word is a pre-release (`1.0.a < 1.0`), and
words compare byte by byte.

Gem::Version itself requires a `.` before a word; `1gamma` is accepted here (as `1.gamma`)
because the segment rules give it one obvious meaning and OSV data contains such versions.
"""

from __future__ import annotations

import re
from typing import Any

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, Version

_SHAPE = re.compile(r"[0-9]+(?:[.-]?[0-9A-Za-z]+)*(?:[.-][0-9A-Za-z]+)*", re.ASCII)
_SEGMENT = re.compile(r"[0-9]+|[A-Za-z]+", re.ASCII)


def _drop_trailing_zeros(segments: list[Any]) -> list[Any]:
    while segments and segments[-1] == 0:
        segments.pop()
    return segments


class RubyGemsVersion(Version):
    family = Family.RUBYGEMS
    __slots__ = ("segments",)

    def __init__(self, text: str) -> None:
        stripped = text.strip()
        if not _SHAPE.fullmatch(stripped):
            raise InvalidVersion(
                "RubyGems",
                text,
                "expected numbers and words separated by '.' or '-', starting with a number",
            )
        scanned: list[Any] = [
            int(s) if s.isdigit() else s for s in _SEGMENT.findall(stripped.replace("-", ".pre."))
        ]
        first_word = next((i for i, s in enumerate(scanned) if isinstance(s, str)), len(scanned))
        segments = _drop_trailing_zeros(scanned[:first_word]) + _drop_trailing_zeros(
            scanned[first_word:]
        )
        super().__init__(text)
        self.segments = tuple(segments)

    def _compare(self, other: RubyGemsVersion) -> int:
        left, right = self.segments, other.segments
        for i in range(max(len(left), len(right))):
            a = left[i] if i < len(left) else 0
            b = right[i] if i < len(right) else 0
            if a == b:
                continue
            if isinstance(a, str) != isinstance(b, str):
                return -1 if isinstance(a, str) else 1
            return -1 if a < b else 1
        return 0

    def _identity(self) -> tuple[Any, ...]:
        return self.segments
