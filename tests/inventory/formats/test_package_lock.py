"""package-lock.json v1, v2 and v3: nested paths, aliases, git, local folders, dev flags."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.package_lock import PackageLockJson
from clearinghouse.inventory.formats.registry import detect
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/javascript/packagelockjson/testdata"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aliases_are_the_real_package(version: str) -> None:
    parsed = parse_shared(PackageLockJson, f"{SCALIBR}/alias.{version}.json")
    assert pairs(parsed) == {
        ("@babel/code-frame", "7.0.0"),
        ("string-width", "5.1.2"),
        ("string-width", "4.2.0"),
    }
    scoped = next(c for c in parsed.components if c.name == "@babel/code-frame")
    assert scoped.purl == "pkg:npm/%40babel/code-frame@7.0.0"
    assert scoped.ecosystem == "npm"


def test_v2_nested_paths_and_the_root_entry() -> None:
    parsed = parse_shared(PackageLockJson, f"{SCALIBR}/nested-dependencies.v2.json")
    assert parsed.spec_version == "2"
    assert all(c.location and "node_modules/" in c.location for c in parsed.components)
    assert len(parsed.components) == 5


def test_one_copy_in_production_makes_a_package_a_runtime_package() -> None:
    parsed = parse_shared(PackageLockJson, f"{SCALIBR}/same-package-different-groups.v2.json")
    assert {(c.name, c.dev) for c in parsed.components} == {
        ("ajv", False),
        ("eslint", True),
        ("table", False),
    }
    dev = parse_shared(PackageLockJson, f"{SCALIBR}/one-package-dev.v1.json")
    assert [c.dev for c in dev.components] == [True]


def test_git_packages_keep_the_recorded_version_in_v2_but_have_none_in_v1() -> None:
    v2 = parse_shared(PackageLockJson, f"{SCALIBR}/commits.v2.json")
    assert ("slick-carousel", "1.7.1") in pairs(v2)
    assert ("raven-js", None) in pairs(v2)  # no version recorded at all
    v1 = parse_shared(PackageLockJson, f"{SCALIBR}/commits.v1.json")
    assert ("slick-carousel", None) in pairs(v1)  # its version is the git URL


def test_local_folders_keep_their_own_version_in_v2_and_are_named() -> None:
    v2 = parse_shared(PackageLockJson, f"{SCALIBR}/files.v2.json")
    assert pairs(v2) == {("etag", "1.8.0"), ("abbrev", "1.0.9"), ("abbrev", "2.3.4")}
    assert v2.warnings == (
        "1 package(s) come from a local folder or git; their version is not a registry release: "
        'packages["deps/etag"]',
    )
    v1 = parse_shared(PackageLockJson, f"{SCALIBR}/files.v1.json")
    assert pairs(v1) == {("lodash", "1.3.1"), ("other_package", None)}


def test_links_are_the_folder_they_point_to() -> None:
    data = b"""{"lockfileVersion": 3, "packages": {
        "": {"name": "root", "workspaces": ["packages/a"]},
        "node_modules/a": {"resolved": "packages/a", "link": true},
        "packages/a": {"name": "a", "version": "1.0.0"},
        "node_modules/left-pad": {"version": "1.3.0"}}}"""
    parsed = PackageLockJson().parse("package-lock.json", data)
    assert pairs(parsed) == {("a", "1.0.0"), ("left-pad", "1.3.0")}
    assert parsed.warnings == (
        "1 package(s) come from a local folder or git; their version is not a registry release: "
        'packages["packages/a"]',
    )


def test_shrinkwrap_files_are_the_same_format() -> None:
    assert detect("npm-shrinkwrap.json", b"") is PackageLockJson
    parsed = parse_shared(PackageLockJson, f"{SCALIBR}/npm-shrinkwrap-only/npm-shrinkwrap.json")
    assert len(parsed.components) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"null", "expected a JSON object"),
        (b'{"packages": []}', "packages is a list"),
        (b'{"dependencies": {"x": {"version": "npm:"}}}', "is not npm:name@version"),
        (
            b'{"packages": {"node_modules/@scope": {"version": "1.0.0"}}}',
            "not a scoped package name",
        ),
    ],
)
def test_malformed_lockfiles_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        PackageLockJson().parse("package-lock.json", data)


def test_an_unknown_lockfile_version_is_read_with_a_warning() -> None:
    data = b'{"lockfileVersion": 4, "packages": {"node_modules/ms": {"version": "2.1.3"}}}'
    parsed = PackageLockJson().parse("package-lock.json", data)
    assert pairs(parsed) == {("ms", "2.1.3")}
    assert parsed.warnings == ("lockfileVersion 4 is not one we know (1 to 3); read as 3",)


def test_direct_dependencies_are_the_declared_ones_at_the_top() -> None:
    parsed = parse_shared(
        PackageLockJson, "osv-scanner-fixtures/testdata/locks-licenses/package-lock.json"
    )
    assert {c.name: c.direct for c in parsed.components} == {
        "babel": True,
        "human-signals": True,
        "ms": True,
        "type-fest": True,
    }
    nested = parse_shared(PackageLockJson, f"{SCALIBR}/nested-dependencies.v2.json")
    assert {c.direct for c in nested.components} == {None}  # the root declares nothing here
    data = b"""{"lockfileVersion": 3, "packages": {
        "": {"dependencies": {"a": "^1"}, "devDependencies": {"cjs": "npm:b@^2"}},
        "node_modules/a": {"version": "1.0.0"},
        "node_modules/cjs": {"name": "b", "version": "2.0.0", "dev": true},
        "node_modules/a/node_modules/b": {"version": "2.0.0"},
        "node_modules/c": {"version": "3.0.0"}}}"""
    found = PackageLockJson().parse("package-lock.json", data).components
    assert {(c.name, c.direct, c.dev) for c in found} == {
        ("a", True, False),
        ("b", True, False),  # direct through its alias, and also a runtime dependency of a
        ("c", False, False),
    }
