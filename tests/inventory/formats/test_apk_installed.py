"""apk installed database: package, version, architecture and origin (source package)."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.apk_installed import ApkInstalled
from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/os/apk/testdata"


def test_packages_with_origin_as_source() -> None:
    data = shared_file(f"{FIXTURES}/installed").read_bytes()
    components = ApkInstalled().parse("installed", data).components
    data_package = components[1]
    assert (data_package.name, data_package.version, data_package.source_name) == (
        "alpine-baselayout-data",
        "3.4.3-r1",
        "alpine-baselayout",
    )
    assert data_package.ecosystem == "Alpine"
    assert data_package.purl == "pkg:apk/alpine/alpine-baselayout-data@3.4.3-r1?arch=x86_64"


def test_a_package_without_origin_is_its_own_source() -> None:
    data = shared_file(f"{FIXTURES}/no-origin").read_bytes()
    (package,) = ApkInstalled().parse("installed", data).components
    assert (package.name, package.source_name) == ("pkgname", "pkgname")


def test_a_block_without_version_is_skipped_with_a_warning() -> None:
    parsed = ApkInstalled().parse("installed", b"P:a\nV:1-r0\n\nP:b\nA:x86_64\n")
    assert [c.name for c in parsed.components] == ["a"]
    assert parsed.warnings == ("line 4: no V: field, skipped",)


def test_a_line_that_is_not_a_field_is_rejected() -> None:
    with pytest.raises(InventoryRejected, match="line 1: expected 'X:value'"):
        ApkInstalled().parse("installed", shared_file(f"{FIXTURES}/invalid").read_bytes())


def test_detected_by_name_and_content() -> None:
    assert detect("installed", b"") is ApkInstalled
    head = shared_file(f"{FIXTURES}/single").read_bytes()
    assert detect("apk-db.txt", head) is ApkInstalled
