"""What every ecosystem's version type shares: the errors, the family names, the base class."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from enum import StrEnum
from typing import Any


class Family(StrEnum):
    """An ordering family: ecosystems in one family order their versions by the same rules."""

    SEMVER = "semver"
    PYPI = "pypi"
    MAVEN = "maven"
    NUGET = "nuget"
    RUBYGEMS = "rubygems"
    PACKAGIST = "packagist"
    PUB = "pub"
    HACKAGE = "hackage"
    CRAN = "cran"
    DEBIAN = "debian"
    ALPINE = "alpine"
    RPM = "rpm"


class InvalidVersion(ValueError):
    """A version string that the ecosystem's rules cannot read."""

    def __init__(self, ecosystem: str, version: str, reason: str) -> None:
        self.ecosystem = ecosystem
        self.version = version
        self.reason = reason
        super().__init__(f"{ecosystem} version {version!r} is not valid: {reason}")


class UnknownEcosystem(ValueError):
    """An ecosystem name that has no version ordering here."""

    def __init__(self, name: str, reason: str) -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"ecosystem {name!r} has no known version ordering: {reason}")


class Version(ABC):
    """A parsed version of one family: ordered, hashable, and remembering its text.

    Versions of different families do not compare (TypeError), just as `1.0` means different
    things to Maven and to Debian.
    """

    __slots__ = ("text",)
    family: Family

    def __init__(self, text: str) -> None:
        self.text = text

    @abstractmethod
    def _compare(self, other: Any) -> int:
        """Negative, zero or positive; `other` is of the same class."""

    @abstractmethod
    def _identity(self) -> Hashable:
        """Equal for two versions exactly when `_compare` says they are equal."""

    def compare(self, other: Version) -> int:
        if type(other) is not type(self):
            raise TypeError(f"cannot compare a {self.family} version with a {other.family} version")
        return self._compare(other)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._compare(other) == 0

    def __hash__(self) -> int:
        return hash((self.family, self._identity()))

    def __lt__(self, other: Version) -> bool:
        return self.compare(other) < 0

    def __le__(self, other: Version) -> bool:
        return self.compare(other) <= 0

    def __gt__(self, other: Version) -> bool:
        return self.compare(other) > 0

    def __ge__(self, other: Version) -> bool:
        return self.compare(other) >= 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"

    def __str__(self) -> str:
        return self.text


class KeyedVersion(Version):
    """A version whose order is the order of a plain tuple key (the fast, common case)."""

    __slots__ = ("key",)

    def __init__(self, text: str, key: tuple[Any, ...]) -> None:
        super().__init__(text)
        self.key = key

    def _compare(self, other: Any) -> int:
        mine: tuple[Any, ...] = self.key
        theirs: tuple[Any, ...] = other.key
        return int(mine > theirs) - int(mine < theirs)

    def _identity(self) -> Hashable:
        return self.key

    # The comparisons, straight on the keys: range walks make millions of them.
    def _key_of(self, other: Version) -> tuple[Any, ...]:
        if type(other) is not type(self):
            raise TypeError(f"cannot compare a {self.family} version with a {other.family} version")
        key: tuple[Any, ...] = other.key
        return key

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return bool(self.key == other.key)

    def __hash__(self) -> int:
        return hash((self.family, self.key))

    def __lt__(self, other: Version) -> bool:
        return bool(self.key < self._key_of(other))

    def __le__(self, other: Version) -> bool:
        return bool(self.key <= self._key_of(other))

    def __gt__(self, other: Version) -> bool:
        return bool(self.key > self._key_of(other))

    def __ge__(self, other: Version) -> bool:
        return bool(self.key >= self._key_of(other))


def cmp(a: Any, b: Any) -> int:
    """Three-way comparison of two values of one type."""
    return int(a > b) - int(a < b)


def require_printable(family: str, text: str) -> None:
    """No ecosystem has empty versions or versions with spaces or control characters."""
    if not text:
        raise InvalidVersion(family, text, "it is empty")
    for char in text:
        if char.isspace() or not char.isprintable():
            raise InvalidVersion(family, text, f"it contains the character {char!r}")
