"""Parsing: ecosystem names, invalid versions and their messages, caching."""

from __future__ import annotations

import pytest

from clearinghouse.knowledge.versions import (
    Family,
    InvalidVersion,
    UnknownEcosystem,
    compare,
    normalize_ecosystem,
    parse,
    parse_in_family,
)


@pytest.mark.parametrize(
    ("name", "family", "suffix"),
    [
        ("PyPI", Family.PYPI, None),
        ("npm", Family.SEMVER, None),
        ("Go", Family.SEMVER, None),
        ("crates.io", Family.SEMVER, None),
        ("Maven", Family.MAVEN, None),
        ("Maven:https://maven.google.com", Family.MAVEN, "https://maven.google.com"),
        ("Debian:12", Family.DEBIAN, "12"),
        ("Debian:sid", Family.DEBIAN, "sid"),
        ("Ubuntu:22.04:LTS", Family.DEBIAN, "22.04:LTS"),
        ("Ubuntu:Pro:18.04:LTS", Family.DEBIAN, "Pro:18.04:LTS"),
        ("AlmaLinux:8", Family.RPM, "8"),
        ("Rocky Linux:9", Family.RPM, "9"),
        ("Red Hat", Family.RPM, None),
        ("Red Hat:rhel_aus:8.4::appstream", Family.RPM, "rhel_aus:8.4::appstream"),
        ("openSUSE:Tumbleweed", Family.RPM, "Tumbleweed"),
        ("Alpine:v3.18", Family.ALPINE, "v3.18"),
        ("Wolfi", Family.ALPINE, None),
        (
            "Packagist:https://packages.drupal.org/8",
            Family.PACKAGIST,
            "https://packages.drupal.org/8",
        ),
        ("Pub", Family.PUB, None),
        ("Hackage", Family.HACKAGE, None),
        ("CRAN", Family.CRAN, None),
        ("Bioconductor", Family.CRAN, None),
        ("NuGet", Family.NUGET, None),
        ("RubyGems", Family.RUBYGEMS, None),
        ("Root:Alpine:3.18", Family.ALPINE, "Alpine:3.18"),
        ("Root:PyPI", Family.PYPI, "PyPI"),
    ],
)
def test_osv_ecosystem_names_map_to_families(name: str, family: Family, suffix: str | None) -> None:
    eco = normalize_ecosystem(name)
    assert (eco.family, eco.suffix, eco.text) == (family, suffix, name)


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("pypi", "case-sensitive: use 'PyPI'"),
        ("Cobol", "not an OSV ecosystem"),
        ("Linux", "no ordering rules"),
        ("GitHub Actions", "no ordering rules"),
        ("", "not an OSV ecosystem"),
    ],
)
def test_unknown_ecosystems_say_why(name: str, says: str) -> None:
    with pytest.raises(UnknownEcosystem, match=says) as caught:
        parse(name, "1.0")
    assert isinstance(caught.value, ValueError)
    assert repr(name) in str(caught.value)


INVALID = [
    ("npm", "1.x", "cannot follow"),
    ("npm", ">=1.0.0", "does not start with a number"),
    ("npm", "*", "does not start with a number"),
    ("npm", "1.2.3-", "empty pre-release"),
    ("npm", "1.2.3+", "empty build"),
    ("npm", "1.2.3-a..b", "empty identifier"),
    ("npm", "1.2.3 ", "' ' cannot follow the numbers"),
    ("Go", "latest", "does not start with a number"),
    ("crates.io", "", "empty"),
    ("Pub", "1.2.3-beta_1", "identifier 'beta_1'"),
    ("PyPI", ">=1.0", "requirement specifier"),
    ("PyPI", "1.0 beta", "requirement specifier"),
    ("PyPI", "1.*", "requirement specifier"),
    ("PyPI", "", "empty"),
    ("Maven", "", "empty"),
    ("Maven", "1.0 final", "character ' '"),
    ("NuGet", "v1.0.0", "one to four"),
    ("NuGet", "1.2.3.4.5", "one to four"),
    ("NuGet", "1.0.0-beta..1", "release label ''"),
    ("RubyGems", "1.0 beta", "starting with a number"),
    ("RubyGems", "beta", "starting with a number"),
    ("Packagist", "", "empty"),
    ("Hackage", "1.0-rc1", "numbers separated by '.'"),
    ("Hackage", "1..2", "numbers separated by '.'"),
    ("CRAN", "1.0.rc1", "'.' or '-'"),
    ("Debian", "a:1.0", "epoch 'a' is not a number"),
    ("Debian", ":1.0", "epoch '' is not a number"),
    ("Debian", "1.0-", "revision after the last '-' is empty"),
    ("Debian", "1.0_1", "'_'"),
    ("Debian:12", "1.0 1", "' '"),
    ("Alpine", "", "empty"),
    ("Alpine:v3.18", "1.0 r1", "' '"),
    ("Red Hat", "", "empty"),
    ("AlmaLinux:9", "1.0\t1", "'\\t'"),
]


@pytest.mark.parametrize(("ecosystem", "version", "reason"), INVALID)
def test_invalid_versions_raise_with_a_helpful_message(
    ecosystem: str, version: str, reason: str
) -> None:
    with pytest.raises(InvalidVersion) as caught:
        parse(ecosystem, version)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.ecosystem, error.version) == (ecosystem, version)
    message = str(error)
    assert message.startswith(f"{ecosystem} version {version!r} is not valid: ")
    assert reason in message


def test_an_invalid_version_never_compares() -> None:
    with pytest.raises(InvalidVersion):
        compare("npm", "1.2.3", "1.x")
    with pytest.raises(InvalidVersion):
        compare("PyPI", "~=1.0", "1.0")


def test_versions_are_ordered_hashable_and_keep_their_text() -> None:
    a, b = parse("PyPI", "1.0"), parse("PyPI", "1.0.0")
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a.text == "1.0" and str(b) == "1.0.0"
    assert sorted(parse("Debian", v) for v in ["1.0", "1.0~rc1", "1:0.1", "1.0+b1"]) == [
        parse("Debian", v) for v in ["1.0~rc1", "1.0", "1.0+b1", "1:0.1"]
    ]
    with pytest.raises(TypeError, match="cannot compare a semver version with a pypi version"):
        _ = parse("npm", "1.0.0") < parse("PyPI", "1.0.0")


def test_parsing_is_cached_per_family_and_text() -> None:
    assert parse("Debian:11", "1.0-1") is parse("Ubuntu:22.04:LTS", "1.0-1")
    assert parse_in_family(Family.RPM, "1.0-1") is parse("Red Hat", "1.0-1")


@pytest.mark.parametrize(
    ("ecosystem", "lower", "higher"),
    [
        ("Go", "v0.0.0-20191109021931-daa7c04131f5", "v0.0.0-20200124225646-8b5121be2f68"),
        ("Go", "1.13.0-0", "1.13.0"),
        ("Go", "v2.0.0+incompatible", "v2.0.1"),
        ("PyPI", "0.9-doduo", "0.1"),  # legacy versions sort before every PEP 440 version
        ("PyPI", "1.0.dev0", "1.0a0"),
        ("PyPI", "1.0", "1.0.post1"),
        ("Alpine", "1.2", "1.2.0"),
        ("Alpine", "1.2_p", "1.2_p0"),
        ("Alpine", "1.2", "1.2-r0"),
        ("Red Hat", "1", "1-1"),
        ("Red Hat", "1.0~rc1", "1.0"),
        ("Red Hat", "1.0", "1.0^git1"),
        ("Debian", "1.0~rc1", "1.0"),
        ("Debian", "1.0", "1.0+deb12u1"),
        ("Maven", "1.0-alpha-1", "1.0"),
        ("Maven", "1.0", "1.0-sp"),
        ("NuGet", "1.0.0-beta", "1.0.0"),
        ("RubyGems", "1.0.a", "1.0"),
        ("Packagist", "1.0-beta", "1.0"),
        ("Packagist", "1.0", "1.0-patch1"),
        ("Pub", "1.0.0", "1.0.0+1"),
        ("Hackage", "1.0", "1.0.0"),
        ("CRAN", "1.0-1", "1.0-2"),
    ],
)
def test_ecosystem_rules_beyond_the_vectors(ecosystem: str, lower: str, higher: str) -> None:
    assert compare(ecosystem, lower, higher) < 0 < compare(ecosystem, higher, lower)


def test_equalities_beyond_the_vectors() -> None:
    assert compare("Go", "v1.2.3+incompatible", "1.2.3") == 0
    assert compare("CRAN", "1.0-1", "1.0.1") == 0
    assert compare("Debian", "0:1.0-0", "1.0") == 0
    assert compare("Red Hat", "0:1.0-1.el9", "1.0-1.el9") == 0
    assert compare("Maven", "1.0.0", "1") == 0
    assert compare("NuGet", "1.0.0-BETA", "1.0.0-beta") == 0
