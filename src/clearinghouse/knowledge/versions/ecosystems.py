"""OSV ecosystem names and the ordering family each one uses.

Names are those of the OSV schema's ecosystems.json, matched case-sensitively as OSV requires. A
suffix after the first ":" (a release such as `Debian:12`, `Ubuntu:Pro:18.04:LTS` or `Alpine:v3.18`,
a repository URL such as `Maven:https://maven.google.com`) scopes the packages but does not change
how their versions are ordered, so it is kept but not interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from clearinghouse.knowledge.versions._base import Family, UnknownEcosystem

FAMILY_OF: dict[str, Family] = {
    # SemVer 2.0.0 precedence (with the tolerance described in semver.py).
    "npm": Family.SEMVER,
    "crates.io": Family.SEMVER,
    "Go": Family.SEMVER,
    "Hex": Family.SEMVER,
    "SwiftURL": Family.SEMVER,
    "Julia": Family.SEMVER,
    "Kubernetes": Family.SEMVER,
    "Bitnami": Family.SEMVER,
    "ConanCenter": Family.SEMVER,
    "PyPI": Family.PYPI,
    "Maven": Family.MAVEN,
    "NuGet": Family.NUGET,
    "RubyGems": Family.RUBYGEMS,
    "Packagist": Family.PACKAGIST,
    "Pub": Family.PUB,
    # Haskell: Cabal versions are dotted numbers compared as lists (PVP).
    "Hackage": Family.HACKAGE,
    "GHC": Family.HACKAGE,
    # R: package_version, dotted or dashed numbers.
    "CRAN": Family.CRAN,
    "Bioconductor": Family.CRAN,
    # dpkg
    "Debian": Family.DEBIAN,
    "Ubuntu": Family.DEBIAN,
    # apk
    "Alpine": Family.ALPINE,
    "Alpaquita": Family.ALPINE,
    "BellSoft Hardened Containers": Family.ALPINE,
    "Chainguard": Family.ALPINE,
    "MinimOS": Family.ALPINE,
    "Wolfi": Family.ALPINE,
    # rpm
    "Red Hat": Family.RPM,
    "AlmaLinux": Family.RPM,
    "Rocky Linux": Family.RPM,
    "openSUSE": Family.RPM,
    "SUSE": Family.RPM,
    "Mageia": Family.RPM,
    "openEuler": Family.RPM,
    "Azure Linux": Family.RPM,
    "Photon OS": Family.RPM,
}

# OSV ecosystems whose versions have no ordering we implement: git tags, kernel releases, or
# ecosystems whose version syntax is not settled. Named so that the error can say so.
UNORDERED = frozenset(
    {
        "Android",
        "CleanStart",
        "Docker Hardened Images",
        "Echo",
        "FreeBSD",
        "GitHub Actions",
        "Linux",
        "opam",
        "OSS-Fuzz",
        "TuxCare",
        "VSCode",
    }
)


@dataclass(frozen=True, slots=True)
class Ecosystem:
    """An OSV ecosystem string, split into its name and its (uninterpreted) suffix."""

    text: str
    name: str
    suffix: str | None
    family: Family


def osv_spelling(name: str) -> str | None:
    """An ecosystem as a person may type it (`pypi`, `CRATES.IO:x`) spelled as OSV does
    (`PyPI`, `crates.io:x`); None when no OSV ecosystem has that name."""
    base, sep, suffix = name.strip().partition(":")
    for known in (*FAMILY_OF, *sorted(UNORDERED)):
        if known.lower() == base.lower():
            return known + sep + suffix
    return None


@lru_cache(maxsize=1024)
def normalize_ecosystem(name: str) -> Ecosystem:
    """Map an OSV ecosystem string (`Debian:12`, `Red Hat`, `PyPI`…) to its ordering family.

    `Root:<Base>:<release>` and `Root:<PackageManager>` (the Root container ecosystem) order their
    versions as the base ecosystem does.
    """
    base, sep, suffix = name.partition(":")
    if base == "Root" and sep:
        inner = normalize_ecosystem(suffix)
        return Ecosystem(name, base, suffix, inner.family)
    family = FAMILY_OF.get(base)
    if family is not None:
        return Ecosystem(name, base, suffix if sep else None, family)
    if base in UNORDERED:
        raise UnknownEcosystem(name, f"{base} versions have no ordering rules here")
    for known in FAMILY_OF:
        if known.lower() == base.lower():
            raise UnknownEcosystem(name, f"OSV ecosystem names are case-sensitive: use {known!r}")
    raise UnknownEcosystem(name, "it is not an OSV ecosystem name")
