"""pylock.toml (PEP 751), on pip-audit's test files and osv-scalibr's."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.pylock_toml import PylockToml
from clearinghouse.inventory.formats.registry import detect
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared


def test_pip_audit_basic() -> None:
    parsed = parse_shared(PylockToml, "pip-audit-fixtures/pylock.basic.toml")
    assert pairs(parsed) == {("attrs", "25.1.0"), ("cattrs", "24.1.2"), ("numpy", "2.2.3")}
    assert parsed.spec_version == "1.0"
    assert parsed.components[0].purl == "pkg:pypi/attrs@25.1.0"


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("pylock.invalid.toml", "not valid TOML"),
        ("pylock.invalid-version.toml", "lock-version '666' is not a version 1.x"),
        ("pylock.missing-version.toml", "lock-version is missing"),
        ("pylock.missing-packages.toml", "packages is missing"),
        ("pylock.package-missing-name.toml", r"packages\[0\] has no name"),
    ],
)
def test_pip_audit_invalid_files_are_rejected(fixture: str, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        parse_shared(PylockToml, f"pip-audit-fixtures/{fixture}")


def test_a_package_without_version_is_skipped_with_a_warning() -> None:
    parsed = parse_shared(PylockToml, "pip-audit-fixtures/pylock.skipped.toml")
    assert parsed.components == ()
    assert parsed.warnings == ("1 package(s) without a version are not listed: attrs (source)",)


def test_vcs_packages_keep_their_version_and_the_project_is_left_out() -> None:
    parsed = parse_shared(
        PylockToml, "osv-scalibr-lockfiles/language/python/pylock/testdata/commits.toml"
    )
    assert ("mleroc", "0.1.0") in pairs(parsed)
    assert "net-inf-eval (directory)" in parsed.warnings[0]


def test_named_lock_files_are_recognized() -> None:
    assert detect("pylock.toml", b"") is PylockToml
    assert detect("pylock.dev.toml", b"") is PylockToml


def test_a_blank_file_locks_nothing() -> None:
    parsed = parse_shared(
        PylockToml, "osv-scalibr-lockfiles/language/python/pylock/testdata/empty.toml"
    )
    assert parsed.components == ()
