"""NuGet: SemVer 2.0.0 with up to four numbers and case-insensitive labels.

https://learn.microsoft.com/nuget/concepts/package-versioning. `Major.Minor.Patch.Revision`,
missing numbers are 0 (`1.0 = 1.0.0.0`), leading zeros are allowed (`1.01 = 1.1`). Release
labels compare like SemVer pre-release identifiers but ignoring case (`1.0.0-BETA = 1.0.0-beta`);
build metadata after `+` is ignored. A leading `v`, more than four numbers or an empty label are
rejected, as NuGet rejects them.
"""

from __future__ import annotations

import re

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, KeyedVersion

_VERSION = re.compile(
    r"(?P<numbers>\d+(?:\.\d+){0,3})(?:-(?P<release>[^+]*))?(?:\+(?P<metadata>.*))?", re.ASCII
)
_LABEL = re.compile(r"[0-9A-Za-z-]+")


class NuGetVersion(KeyedVersion):
    family = Family.NUGET
    __slots__ = ()

    def __init__(self, text: str) -> None:
        match = _VERSION.fullmatch(text)
        if match is None:
            raise InvalidVersion(
                "NuGet",
                text,
                "expected one to four dot-separated numbers, then optionally '-label' and "
                "'+metadata'",
            )
        numbers = [int(n) for n in match["numbers"].split(".")] + [0, 0, 0]
        release = match["release"]
        labels: tuple[str, ...] = ()
        if release is not None:
            labels = tuple(release.split("."))
        for part, what in ((labels, "release label"), (_split(match["metadata"]), "metadata")):
            for label in part:
                if not _LABEL.fullmatch(label):
                    raise InvalidVersion(
                        "NuGet",
                        text,
                        f"its {what} {label!r} is empty or has characters other than [0-9A-Za-z-]",
                    )
        ranked = tuple((0, int(x)) if x.isdigit() else (1, x.lower()) for x in labels)
        rank = (0, ranked) if labels else (1, ())
        super().__init__(text, (*numbers[:4], rank))


def _split(metadata: str | None) -> tuple[str, ...]:
    return tuple(metadata.split(".")) if metadata is not None else ()
