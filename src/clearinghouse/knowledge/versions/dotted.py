"""Hackage (Haskell) and CRAN (R): versions that are only numbers, compared as lists.

Hackage: Cabal's `Version` is a non-empty list of non-negative integers separated by `.`
(https://pvp.haskell.org); lists compare lexicographically, so `1.0 < 1.0.0` and `1.1 > 1.0.5`.
Tags and any other text are rejected.

CRAN and Bioconductor: R's `package_version` (`?numeric_version`): non-negative integers
separated by `.` or `-`, both separators meaning the same (`1.0-1 = 1.0.1`); compared as
lists, so again `0.1.0 < 0.1.0.0`.
"""

from __future__ import annotations

import re

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, KeyedVersion

_HACKAGE = re.compile(r"\d+(?:\.\d+)*", re.ASCII)
_CRAN = re.compile(r"\d+(?:[.-]\d+)*", re.ASCII)


class HackageVersion(KeyedVersion):
    family = Family.HACKAGE
    __slots__ = ()

    def __init__(self, text: str) -> None:
        if not _HACKAGE.fullmatch(text):
            raise InvalidVersion(
                "Hackage", text, "expected numbers separated by '.' and nothing else"
            )
        super().__init__(text, tuple(int(n) for n in text.split(".")))


class CRANVersion(KeyedVersion):
    family = Family.CRAN
    __slots__ = ()

    def __init__(self, text: str) -> None:
        if not _CRAN.fullmatch(text):
            raise InvalidVersion(
                "CRAN", text, "expected numbers separated by '.' or '-' and nothing else"
            )
        super().__init__(text, tuple(int(n) for n in re.split(r"[.-]", text)))
