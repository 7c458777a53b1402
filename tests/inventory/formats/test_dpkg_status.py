"""dpkg status: installed packages only, with the source package OS advisories name."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.dpkg_status import DpkgStatus
from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/os/dpkg/testdata/dpkg"


def test_binary_name_version_and_source_package() -> None:
    data = shared_file(f"{FIXTURES}/transitional").read_bytes()
    (iceweasel,) = DpkgStatus().parse("status", data).components
    assert (iceweasel.name, iceweasel.version, iceweasel.source_name) == (
        "iceweasel",
        "78.13.0esr-1~deb10u1",
        "firefox-esr",
    )
    assert iceweasel.ecosystem == "Debian"
    assert iceweasel.purl == (
        "pkg:deb/debian/iceweasel@78.13.0esr-1~deb10u1?arch=all&upstream=firefox-esr"
    )


def test_a_package_without_source_field_is_its_own_source() -> None:
    (acl,) = DpkgStatus().parse("status", shared_file(f"{FIXTURES}/single").read_bytes()).components
    assert (acl.source_name, acl.purl) == ("acl", "pkg:deb/debian/acl@2.3.1-3?arch=amd64")


def test_only_installed_packages_count() -> None:
    data = shared_file(f"{FIXTURES}/statusfield").read_bytes()
    names = [c.name for c in DpkgStatus().parse("status", data).components]
    assert names == ["wantinstall_installed", "wantdeinstall_installed", "wantpurge_installed"]


def test_distroless_status_d_files_carry_no_status() -> None:
    data = shared_file(f"{FIXTURES}/status.d/foo").read_bytes()
    (foo,) = DpkgStatus().parse("foo", data).components
    assert (foo.name, foo.version) == ("foo", "1.2.3")


def test_a_source_version_is_not_part_of_the_source_name() -> None:
    data = (
        b"Package: libssl3\nStatus: install ok installed\nSource: openssl (3.0.11-1~deb12u2)\n"
        b"Version: 3.0.11-1~deb12u2+b1\nMaintainer: Ubuntu Developers "
        b"<ubuntu-devel-discuss@lists.ubuntu.com>\n"
    )
    (libssl,) = DpkgStatus().parse("status", data).components
    assert (libssl.source_name, libssl.version, libssl.ecosystem) == (
        "openssl",
        "3.0.11-1~deb12u2+b1",
        "Ubuntu",
    )
    assert libssl.purl is not None and libssl.purl.startswith("pkg:deb/ubuntu/libssl3@")


def test_paragraphs_without_package_or_version_are_said() -> None:
    parsed = DpkgStatus().parse("status", shared_file(f"{FIXTURES}/noversion").read_bytes())
    assert [c.name for c in parsed.components] == ["foo", "bar"]
    assert parsed.warnings == ("line 5: no Version field, skipped",)


def test_latin_1_in_a_description_costs_nothing_but_a_warning() -> None:
    data = "Package: a\nStatus: install ok installed\nVersion: 1.0-1\nMaintainer: Jürgen\n"
    parsed = DpkgStatus().parse("status", data.encode("latin-1"))
    assert [(c.name, c.version) for c in parsed.components] == [("a", "1.0-1")]
    assert parsed.warnings == (
        "status: not all UTF-8 (first bad byte at 68), read with replacements",
    )


def test_transitional_packages_are_kept_and_said() -> None:
    data = shared_file(f"{FIXTURES}/transitional_dummy").read_bytes()
    parsed = DpkgStatus().parse("status", data)
    assert [c.name for c in parsed.components] == ["git-core"]
    assert parsed.warnings == (
        "line 1: git-core is a transitional package with no code of its own: "
        "findings on it are not exploitable",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"Package: a\nnot a field\n", "line 2: expected 'Field: value'"),
        (b" continued\n", "line 1: continuation line without a field"),
        (b"Package: a\nStatus: installed\n", "line 1: Status 'installed' is not 'want flag"),
        (
            b"Package: a\nStatus: install ok installed\nVersion: 1\nSource: b (1\n",
            "line 1: Source 'b \\(1' lacks",
        ),
    ],
)
def test_bad_files_are_rejected_saying_where(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        DpkgStatus().parse("status", data)


def test_detected_by_name_and_content() -> None:
    assert detect("status", b"") is DpkgStatus
    assert detect("dpkg-status.txt", b"Package: a\nStatus: install ok installed\n") is DpkgStatus
