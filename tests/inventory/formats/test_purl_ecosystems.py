"""purl → OSV ecosystem and name, on the purls real SBOMs carry."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.purl_ecosystems import (
    canonical,
    ecosystem_of,
    osv_name,
    parse_purl,
    source_package,
)


@pytest.mark.parametrize(
    ("text", "ecosystem", "name", "source"),
    [
        ("pkg:pypi/Django_REST@3.0", "PyPI", "django-rest", None),
        ("pkg:npm/%40angular/core@12.0.0", "npm", "@angular/core", None),
        (
            "pkg:maven/org.apache.jena/apache-jena@3.12.0",
            "Maven",
            "org.apache.jena:apache-jena",
            None,
        ),
        (
            "pkg:golang/github.com/opencontainers/runc@v1.0.1",
            "Go",
            "github.com/opencontainers/runc",
            None,
        ),
        ("pkg:cargo/rustls@0.23.13", "crates.io", "rustls", None),
        ("pkg:nuget/Newtonsoft.Json@13.0.1", "NuGet", "Newtonsoft.Json", None),
        ("pkg:gem/rails@7.0.0", "RubyGems", "rails", None),
        ("pkg:composer/laravel/framework@7.12.0", "Packagist", "laravel/framework", None),
        ("pkg:pub/http@0.13.0", "Pub", "http", None),
        ("pkg:hackage/aeson@2.0.0.0", "Hackage", "aeson", None),
        ("pkg:cran/dplyr@1.0.0", "CRAN", "dplyr", None),
        (
            "pkg:deb/debian/libssl1.1@1.1.0l-1~deb9u5?distro=debian-9&upstream=openssl",
            "Debian",
            "libssl1.1",
            "openssl",
        ),
        ("pkg:deb/ubuntu/libpcre3@2:8.39?distro=focal&source=pcre3", "Ubuntu", "libpcre3", "pcre3"),
        ("pkg:deb/libc6@2.31?distro=ubuntu-20.04", "Ubuntu", "libc6", None),
        ("pkg:apk/alpine/libcrypto3@3.0.8-r0?upstream=openssl", "Alpine", "libcrypto3", "openssl"),
        ("pkg:apk/alpine/zlib@1.2.12-r1?origin=zlib", "Alpine", "zlib", "zlib"),
        (
            "pkg:rpm/redhat/openssl-libs@1.1.1k-5.el8?upstream=openssl-1.1.1k-5.el8.src.rpm",
            "Red Hat",
            "openssl-libs",
            "openssl",
        ),
        ("pkg:rpm/almalinux/bash@5.1.8-6.el9", "AlmaLinux", "bash", None),
        ("pkg:rpm/rocky/bash@5.1.8-6.el9", "Rocky Linux", "bash", None),
        ("pkg:rpm/fedora/bash@5.2", None, "bash", None),
        ("pkg:generic/openssl@1.1.1l", None, "openssl", None),
    ],
)
def test_ecosystem_name_and_source(
    text: str, ecosystem: str | None, name: str, source: str | None
) -> None:
    purl = parse_purl(text)
    assert purl is not None
    assert ecosystem_of(purl) == ecosystem
    assert osv_name(purl) == name
    assert source_package(purl) == source


@pytest.mark.parametrize("text", ["pkg:pypi/", "pkg:///", "/", "", "pkg:apk/alpine/@1.36.1-r27"])
def test_broken_purls_are_none(text: str) -> None:
    assert parse_purl(text) is None


def test_canonical_form() -> None:
    purl = parse_purl("pkg:PYPI/Flask_Login@0.6.3")
    assert purl is not None
    assert canonical(purl) == "pkg:pypi/flask-login@0.6.3"
