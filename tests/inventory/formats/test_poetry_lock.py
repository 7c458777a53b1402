"""poetry.lock: lock 1.x categories and lock 2.1 groups, git and local sources."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.poetry_lock import PoetryLock
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/python/poetrylock/testdata"


def test_poetry_2_groups_mark_development_packages() -> None:
    parsed = parse_shared(PoetryLock, f"{SCALIBR}/multiple-packages.v2.lock")
    assert parsed.spec_version == "2.1"
    dev = {c.name for c in parsed.components if c.dev}
    assert dev == {"factory-boy", "faker", "python-dateutil", "typing-extensions", "urllib3"}
    # Two versions of one package are two components.
    assert {("proto-plus", "1.22.0"), ("proto-plus", "1.23.0")} <= pairs(parsed)
    six = next(c for c in parsed.components if c.name == "six")
    assert not six.dev  # groups = ["main", "dev", "test"]: also a runtime dependency
    assert six.purl == "pkg:pypi/six@1.17.0"


def test_git_sources_keep_their_version() -> None:
    assert pairs(parse_shared(PoetryLock, f"{SCALIBR}/source-git.lock")) == {("ike", "0.2.0")}


def test_only_package_tables_are_read() -> None:
    parsed = parse_shared(PoetryLock, f"{SCALIBR}/names-outside-package-block.lock")
    assert pairs(parsed) == {("first-pkg", "1.0.0"), ("second-pkg", "2.0.0")}


def test_local_directories_are_listed_and_named() -> None:
    data = b"""
[[package]]
name = "mylib"
version = "0.1.0"
[package.source]
type = "directory"
url = "../mylib"

[[package]]
name = "click"
version = "8.1.7"
category = "dev"
"""
    parsed = PoetryLock().parse("poetry.lock", data)
    assert pairs(parsed) == {("mylib", "0.1.0"), ("click", "8.1.7")}
    assert [c.dev for c in parsed.components] == [False, True]
    assert parsed.warnings == (
        "1 local package(s); their version is not a registry release: mylib@0.1.0 (../mylib)",
    )


def test_a_package_without_version_is_rejected() -> None:
    with pytest.raises(InventoryRejected, match=r"poetry.lock: package\[0\] has no name or no"):
        PoetryLock().parse("poetry.lock", b'[[package]]\nname = "x"\n')


def test_a_source_type_that_is_not_a_string_is_rejected() -> None:
    data = b'[[package]]\nname = "x"\nversion = "1"\n[package.source]\ntype = ["git"]\n'
    with pytest.raises(InventoryRejected, match=r"package\[0\]\.source\.type is a list"):
        PoetryLock().parse("poetry.lock", data)
