"""Parsing and comparing by ecosystem name: one version type per ordering family."""

from __future__ import annotations

from functools import lru_cache

from clearinghouse.knowledge.versions._base import Family, InvalidVersion, Version
from clearinghouse.knowledge.versions.alpine import AlpineVersion
from clearinghouse.knowledge.versions.debian import DebianVersion
from clearinghouse.knowledge.versions.dotted import CRANVersion, HackageVersion
from clearinghouse.knowledge.versions.ecosystems import normalize_ecosystem
from clearinghouse.knowledge.versions.maven import MavenVersion
from clearinghouse.knowledge.versions.nuget import NuGetVersion
from clearinghouse.knowledge.versions.packagist import PackagistVersion
from clearinghouse.knowledge.versions.pypi import PyPIVersion
from clearinghouse.knowledge.versions.rpm import RPMVersion
from clearinghouse.knowledge.versions.rubygems import RubyGemsVersion
from clearinghouse.knowledge.versions.semver import PubVersion, SemVerVersion

_TYPES: dict[Family, type[Version]] = {
    Family.SEMVER: SemVerVersion,
    Family.PYPI: PyPIVersion,
    Family.MAVEN: MavenVersion,
    Family.NUGET: NuGetVersion,
    Family.RUBYGEMS: RubyGemsVersion,
    Family.PACKAGIST: PackagistVersion,
    Family.PUB: PubVersion,
    Family.HACKAGE: HackageVersion,
    Family.CRAN: CRANVersion,
    Family.DEBIAN: DebianVersion,
    Family.ALPINE: AlpineVersion,
    Family.RPM: RPMVersion,
}


@lru_cache(maxsize=1 << 16)
def parse_in_family(family: Family, version: str) -> Version:
    """Parse `version` by the rules of `family`; cached, since matching parses the same strings
    over and over. Raises InvalidVersion naming the family."""
    return _TYPES[family](version)


def parse(ecosystem: str, version: str) -> Version:
    """Parse `version` by the rules of the OSV `ecosystem` (`PyPI`, `Debian:12`, `Red Hat`…).

    Raises UnknownEcosystem for an ecosystem without ordering rules here, and InvalidVersion
    (a ValueError naming the ecosystem, the version and the reason) for a version its rules
    cannot read.
    """
    eco = normalize_ecosystem(ecosystem)
    try:
        return parse_in_family(eco.family, version)
    except InvalidVersion as error:
        raise InvalidVersion(ecosystem, version, error.reason) from None


def compare(ecosystem: str, a: str, b: str) -> int:
    """Negative if a < b, zero if they are equal, positive if a > b, by `ecosystem`'s rules."""
    return parse(ecosystem, a).compare(parse(ecosystem, b))
