"""PyPI: PEP 440 through `packaging`, and pre-PEP 440 ("legacy") versions as setuptools did.

PEP 440 versions (https://peps.python.org/pep-0440/) are parsed and normalized by
`packaging.version.Version`: `1.0`, `1.0.0` and `v1.0` are equal, `1.0.dev0 < 1.0a0 < 1.0 <
1.0.post0`, local labels sort after the public version.

Old releases on PyPI still carry versions that PEP 440 rejects (`0.9-doduo`, `2.0-beta-r1`).
OSV records list them, and osv.dev orders them with packaging's former `LegacyVersion` rules
(kept alive as `packaging-legacy`): every legacy version sorts before every PEP 440 version, and
legacy versions compare by setuptools' old part-splitting key. We follow those rules (see
`_legacy_key`). A string that could only be a requirement specifier or a wildcard (it contains
`<>=!~*,;` or spaces) is not a version and raises InvalidVersion.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from packaging.version import InvalidVersion as PackagingInvalidVersion
from packaging.version import Version as PackagingVersion

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, KeyedVersion

_SPECIFIER_CHARS = frozenset("<>=!~*,;^")
_LEGACY_PART = re.compile(r"(\d+|[a-z]+|\.|-)")
_LEGACY_REPLACE = {"pre": "c", "preview": "c", "-": "final-", "rc": "c", "dev": "@"}


def _legacy_parts(text: str) -> Iterator[str]:
    for part in _LEGACY_PART.split(text):
        part = _LEGACY_REPLACE.get(part, part)
        if not part or part == ".":
            continue
        if part[:1] in "0123456789":
            yield part.zfill(8)  # pad for numeric comparison as strings
        else:
            yield "*" + part
    yield "*final"  # so that alpha/beta/candidate sort before final


def _legacy_key(text: str) -> tuple[str, ...]:
    parts: list[str] = []
    for part in _legacy_parts(text.lower()):
        if part.startswith("*"):
            if part < "*final":  # drop a "-" before a pre-release tag
                while parts and parts[-1] == "*final-":
                    parts.pop()
            while parts and parts[-1] == "00000000":  # trailing zeros of a numeric series
                parts.pop()
        parts.append(part)
    return tuple(parts)


class PyPIVersion(KeyedVersion):
    family = Family.PYPI
    __slots__ = ("legacy", "parsed")

    def __init__(self, text: str) -> None:
        try:
            parsed: PackagingVersion | None = PackagingVersion(text)
        except PackagingInvalidVersion:
            parsed = None
        self.parsed = parsed
        self.legacy = parsed is None
        if parsed is not None:
            # Every PEP 440 version sorts after every legacy version.
            super().__init__(text, (1, parsed))
            return
        if not text:
            raise InvalidVersion("PyPI", text, "it is empty")
        bad = sorted({c for c in text if c in _SPECIFIER_CHARS or c.isspace()})
        if bad or not text.isprintable():
            shown = "".join(bad) or "unprintable characters"
            raise InvalidVersion(
                "PyPI",
                text,
                f"it is neither a PEP 440 version nor a legacy version (it contains {shown!r},"
                " which belongs to a requirement specifier, not a version)",
            )
        super().__init__(text, (0, _legacy_key(text)))
