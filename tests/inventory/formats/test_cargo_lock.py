"""Cargo.lock: every locked crate, the workspace's own included, as osv-scanner counts them."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.cargo_lock import CargoLock
from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/language/rust/cargolock/testdata"


def test_crates_with_versions_and_purls() -> None:
    data = shared_file(f"{FIXTURES}/two-packages-with-local.lock").read_bytes()
    components = CargoLock().parse("Cargo.lock", data).components
    assert [(c.name, c.version, c.ecosystem) for c in components] == [
        ("addr2line", "0.15.2", "crates.io"),
        ("local-rust-pkg", "0.1.0", "crates.io"),
    ]
    assert components[0].purl == "pkg:cargo/addr2line@0.15.2"


def test_build_metadata_stays_in_the_version() -> None:
    data = shared_file(f"{FIXTURES}/package-with-build-string.lock").read_bytes()
    (wasi,) = CargoLock().parse("Cargo.lock", data).components
    assert wasi.version == "0.10.2+wasi-snapshot-preview1"


def test_a_version_1_lockfile_with_root_and_metadata_tables() -> None:
    data = b"""[root]
name = "app"
version = "0.1.0"
dependencies = [
 "bar 0.2.0 (registry+https://github.com/rust-lang/crates.io-index)",
]

[[package]]
name = "bar"
version = "0.2.0"
source = "registry+https://github.com/rust-lang/crates.io-index"

[metadata]
"checksum bar 0.2.0 (registry+https://github.com/rust-lang/crates.io-index)" = "0123abcd"
"""
    parsed = CargoLock().parse("Cargo.lock", data)
    assert [(c.name, c.version) for c in parsed.components] == [("bar", "0.2.0")]
    assert parsed.spec_version is None


def test_format_version_is_reported() -> None:
    data = shared_file("osv-scanner-fixtures/testdata/exp-plugins-pkgdeprecate/clean/Cargo.lock")
    assert CargoLock().parse("Cargo.lock", data.read_bytes()).spec_version == "4"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'[[package]]\nname = "a"\n', r"package\[0\]: 'version' missing"),
        (b'[[package]]\nname = 3\nversion = "1"\n', r"package\[0\]: 'name' missing"),
        (b'package = "x"\n', "'package' must be an array of tables"),
        (b"package = [1]\n", r"package\[0\]: not a table"),
        (b"[[package]\n", "not valid TOML"),
        (b"a = " + b"[" * 100_000 + b"]" * 100_000, "TOML nested too deeply"),
    ],
)
def test_bad_files_are_rejected_saying_where(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        CargoLock().parse("Cargo.lock", data)


def test_detected_by_name() -> None:
    assert detect("Cargo.lock", b"") is CargoLock
