"""pnpm-lock.yaml, lockfile versions 5 to 9."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.pnpm_lock import PnpmLock
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/javascript/pnpmlock/testdata"


@pytest.mark.parametrize(
    ("fixture", "versions"),
    [
        ("mixed-groups.v53.yaml", ("5.0.1", "7.0.0", "8.3.2")),
        ("mixed-groups.v54.yaml", ("5.0.1", "7.0.0", "8.3.2")),
        ("mixed-groups.v6.yaml", ("5.0.0", "7.0.0", "8.0.0")),
        ("mixed-groups.v9.yaml", ("5.0.1", "7.0.0", "8.3.2")),
    ],
)
def test_every_key_format_and_dev_marking(fixture: str, versions: tuple[str, ...]) -> None:
    parsed = parse_shared(PnpmLock, f"{SCALIBR}/{fixture}")
    found = {(c.name, c.version, c.dev) for c in parsed.components}
    ansi, number, uuid = versions
    assert found == {
        ("ansi-regex", ansi, False),
        ("is-number", number, True),  # a devDependency
        ("uuid", uuid, False),  # an optionalDependency is not dev-only
    }


def test_peer_suffixes_are_not_part_of_the_version() -> None:
    for fixture in ("peer-dependencies.yaml", "peer-dependencies.v9.yaml"):
        parsed = parse_shared(PnpmLock, f"{SCALIBR}/{fixture}")
        assert all(c.version and c.version[0].isdigit() for c in parsed.components)
        assert not any(
            c.version and ("_" in c.version or "(" in c.version) for c in parsed.components
        )
    advanced = parse_shared(PnpmLock, f"{SCALIBR}/peer-dependencies-advanced.yaml")
    # Copies that differ only in their peers are one component.
    assert len(advanced.components) == len(pairs(advanced))


def test_registry_hosts_and_scopes_in_v5_paths() -> None:
    parsed = parse_shared(PnpmLock, f"{SCALIBR}/exotic.yaml")
    assert pairs(parsed) == {
        ("foo", "1.0.0"),
        ("@foo/bar", "1.0.0"),
        ("foo", "1.1.0"),
        ("@foo/bar", "1.1.0"),
        ("foo", "1.2.0"),
        ("foo", "1.3.0"),
        ("foo", "1.4.0"),
    }
    assert parsed.warnings == (
        "2 package(s) whose path and fields give no name or no version are not listed: "
        "github.com/kevva/is-positive, /foo/bar",
    )


def test_git_packages_use_their_name_and_version_fields() -> None:
    parsed = parse_shared(PnpmLock, f"{SCALIBR}/commits.yaml")
    assert ("my-bitbucket-package", "1.0.0") in pairs(parsed)
    assert ("@my-scope/my-package", "1.0.0") in pairs(parsed)
    v9 = parse_shared(PnpmLock, f"{SCALIBR}/commits.v9.yaml")
    assert pairs(v9) == {("ansi-regex", "6.0.1"), ("is-number", "7.0.0")}


def test_local_packages_keep_their_version_field_and_are_named() -> None:
    parsed = parse_shared(PnpmLock, f"{SCALIBR}/files.yaml")
    assert pairs(parsed) == {
        ("my-file-package", "0.0.0"),
        ("a-local-package", "1.0.0"),
        ("a-nested-local-package", "1.0.0"),
        ("one-up", "1.0.0"),
        ("one-up-with-peer", "1.0.0"),
    }
    # A folder path is not a package name: without a name field there is no package to list.
    assert parsed.warnings[0] == (
        "1 package(s) whose path and fields give no name or no version are not listed: "
        "file:../nameless-package"
    )
    assert parsed.warnings[1].startswith(
        "5 package(s) come from a local folder; their version is not a registry release: "
    )


def test_versions_stay_text() -> None:
    data = b"lockfileVersion: 5.4\npackages:\n  /foo/1.10:\n    dev: false\n"
    assert pairs(PnpmLock().parse("pnpm-lock.yaml", data)) == {("foo", "1.10")}


@pytest.mark.parametrize("fixture", ["invalid-path.yaml", "not-yaml.txt"])
def test_broken_files_are_rejected(fixture: str) -> None:
    with pytest.raises(InventoryRejected, match=fixture.replace(".", r"\.")):
        parse_shared(PnpmLock, f"{SCALIBR}/{fixture}")


def test_direct_dependencies_come_from_the_importers() -> None:
    v6 = parse_shared(PnpmLock, f"{SCALIBR}/peer-dependencies-v6.yaml")
    assert {c.name for c in v6.components if c.direct} == {"react-dom"}
    assert all(c.direct is False for c in v6.components if c.name != "react-dom")
    # git and tarball dependencies are matched by their key
    v9 = parse_shared(PnpmLock, f"{SCALIBR}/commits.v9.yaml")
    assert [c.direct for c in v9.components] == [True, True]
    one = parse_shared(PnpmLock, f"{SCALIBR}/one-package.v9.yaml")
    assert [c.direct for c in one.components] == [True]
    data = b"lockfileVersion: '9.0'\npackages:\n  ms@2.1.3:\n    resolution: {}\n"
    (ms,) = PnpmLock().parse("pnpm-lock.yaml", data).components
    assert ms.direct is None  # no importers: the file does not say


def test_yaml_aliases_are_refused_so_nested_ones_cannot_explode() -> None:
    levels = "".join(f"l{n}: &l{n} [*l{n - 1}, *l{n - 1}, *l{n - 1}]\n" for n in range(1, 30))
    data = ("l0: &l0 [x]\n" + levels + "lockfileVersion: *l29\n").encode()
    with pytest.raises(InventoryRejected, match=r"aliases \(\*name\) have no place in a lockfile"):
        PnpmLock().parse("pnpm-lock.yaml", data)
