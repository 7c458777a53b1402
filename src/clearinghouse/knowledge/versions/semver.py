"""SemVer 2.0.0 precedence (npm, crates.io, Go, Hex, SwiftURL…) and Dart's Pub variant.

Precedence follows https://semver.org/#spec-item-11: major, minor and patch numerically; a
pre-release sorts before its release; pre-release identifiers compare one by one, numbers
numerically and below words, words in ASCII order, and more identifiers win a tie; build metadata
is ignored (`+incompatible` in Go, for example).

OSV data is not always strict SemVer, so parsing tolerates what the OSV tooling (osv-scalibr)
tolerates, and nothing more:

* a leading `v` (Go module versions, git tags): `v1.2.3` equals `1.2.3`;
* fewer than three numbers (`1`, `1.2`): the missing ones are 0;
* numbers with leading zeros, compared as numbers;
* text directly after a number without a `-` (`1.36.0rc1`): a pre-release;
* more than three numbers (`1.2.3.4`): the extra numbers open the pre-release, which is how
  osv-scalibr reads such versions.

Anything else (`1.x`, `*`, `>=1.0`, `1.2.3-`, `1..2`, spaces) raises InvalidVersion: a range or a
typo must never silently compare as some version.

Pub (https://pub.dev, package pub_semver) orders like SemVer but does not ignore build metadata:
a version with a build sorts after the same version without one, and builds compare identifier by
identifier like pre-releases.
"""

from __future__ import annotations

import re
from typing import Any

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, KeyedVersion

_NUMBERS = re.compile(r"v?(\d+(?:\.\d+)*)")
_IDENTIFIER = re.compile(r"[0-9A-Za-z-]+")


def _identifiers(family: str, text: str, part: str, what: str) -> tuple[str, ...]:
    ids = tuple(part.split("."))
    for ident in ids:
        if not _IDENTIFIER.fullmatch(ident):
            problem = "an empty identifier" if not ident else f"the identifier {ident!r}"
            raise InvalidVersion(
                family, text, f"its {what} has {problem} (only [0-9A-Za-z-] are allowed)"
            )
    return ids


def _precedence(ids: tuple[str, ...]) -> tuple[tuple[int, Any], ...]:
    # Numbers sort below words; a tuple prefix sorts first, so more identifiers win a tie.
    return tuple((0, int(i)) if i.isdigit() else (1, i) for i in ids)


def split_semver(family: str, text: str) -> tuple[tuple[int, int, int], tuple[str, ...], str]:
    """Read `text` as (major, minor, patch), pre-release identifiers and build metadata."""
    if not text:
        raise InvalidVersion(family, text, "it is empty")
    match = _NUMBERS.match(text)
    if match is None:
        raise InvalidVersion(family, text, "it does not start with a number")
    numbers = [int(n) for n in match.group(1).split(".")]
    rest = text[match.end() :]
    extra = match.group(1).split(".")[3:]
    build = ""
    if "+" in rest:
        rest, build = rest.split("+", 1)
        if not build:
            raise InvalidVersion(family, text, "it has an empty build after '+'")
    if rest.startswith("-"):
        rest = rest[1:]
        if not rest:
            raise InvalidVersion(family, text, "it has an empty pre-release after '-'")
    elif rest and not rest[0].isalpha():
        raise InvalidVersion(
            family, text, f"{rest[0]!r} cannot follow the numbers {match.group(0)!r}"
        )
    pre_text = ".".join([*extra, rest] if rest else extra)
    pre = _identifiers(family, text, pre_text, "pre-release") if pre_text else ()
    builds = _identifiers(family, text, build, "build") if build else ()
    numbers += [0, 0, 0]
    return (numbers[0], numbers[1], numbers[2]), pre, ".".join(builds)


class SemVerVersion(KeyedVersion):
    family = Family.SEMVER
    __slots__ = ("build", "major", "minor", "patch", "prerelease")

    def __init__(self, text: str) -> None:
        (major, minor, patch), pre, build = split_semver("SemVer", text)
        self.major, self.minor, self.patch = major, minor, patch
        self.prerelease = pre
        self.build = build
        # A release sorts after all of its pre-releases.
        rank = (0, _precedence(pre)) if pre else (1, ())
        super().__init__(text, (major, minor, patch, rank))


class PubVersion(KeyedVersion):
    family = Family.PUB
    __slots__ = ()

    def __init__(self, text: str) -> None:
        (major, minor, patch), pre, build = split_semver("Pub", text)
        rank = (0, _precedence(pre)) if pre else (1, ())
        # Unlike SemVer, a build sorts after no build, and builds are ordered.
        built = (1, _precedence(tuple(build.split(".")))) if build else (0, ())
        super().__init__(text, (major, minor, patch, rank, built))
