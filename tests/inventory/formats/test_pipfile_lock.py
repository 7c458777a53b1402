"""Pipfile.lock: default and develop sections."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.pipfile_lock import PipfileLock
from tests.inventory.formats.lockfile_helpers import parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/python/pipfilelock/testdata"


def test_develop_packages_are_dev_and_versions_lose_their_equals() -> None:
    parsed = parse_shared(PipfileLock, f"{SCALIBR}/multiple-packages.json")
    found = {(c.name, c.version, c.dev) for c in parsed.components}
    assert found == {
        ("itsdangerous", "2.1.2", False),
        ("pluggy", "1.0.1", False),
        ("markupsafe", "2.1.1", False),
        ("pluggy", "1.0.0", True),
    }
    assert parsed.spec_version == "6"


def test_a_package_in_both_sections_is_a_runtime_package() -> None:
    six_entry = b'{"six": {"version": "==1.16.0"}}'
    data = b'{"default": ' + six_entry + b', "develop": ' + six_entry + b"}"
    (six,) = PipfileLock().parse("Pipfile.lock", data).components
    assert not six.dev
    assert six.location == "default.six"


def test_git_packages_without_a_version_are_named() -> None:
    parsed = parse_shared(PipfileLock, f"{SCALIBR}/no-version.json")
    assert parsed.components == ()
    assert "default.markupsafe, develop.itsdangerous" in parsed.warnings[0]


def test_a_section_that_is_not_an_object_is_rejected() -> None:
    with pytest.raises(InventoryRejected, match=r"Pipfile\.lock: default is a list"):
        PipfileLock().parse("Pipfile.lock", b'{"default": []}')


def test_a_blank_file_locks_nothing() -> None:
    assert parse_shared(PipfileLock, f"{SCALIBR}/empty-file").components == ()
    assert PipfileLock().parse("Pipfile.lock", b" \n").components == ()
