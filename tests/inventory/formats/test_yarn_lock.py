"""yarn.lock, classic (v1) and berry (v2+)."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.yarn_lock import YarnLock, split_descriptor
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/javascript/yarnlock/testdata"


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_aliases_are_the_real_package(version: str) -> None:
    parsed = parse_shared(YarnLock, f"{SCALIBR}/with-aliases.{version}.lock")
    assert pairs(parsed) == {
        ("ansi-regex", "5.0.1"),
        ("ansi-regex", "6.0.1"),
        ("@babel/helper-validator-identifier", "7.22.20"),
    }


def test_classic_quoted_keys_and_multiple_descriptors() -> None:
    parsed = parse_shared(YarnLock, f"{SCALIBR}/with-quotes.v1.lock")
    assert pairs(parsed) == {("concat-map", "0.0.1"), ("concat-stream", "1.6.2")}
    assert parsed.spec_version == "1"
    assert parsed.components[0].location == "line 5"


def test_scoped_packages() -> None:
    parsed = parse_shared(YarnLock, f"{SCALIBR}/scoped-packages.v1.lock")
    assert {c.purl for c in parsed.components} == {
        "pkg:npm/%40babel/code-frame@7.12.11",
        "pkg:npm/%40babel/compat-data@7.14.0",
    }


def test_berry_leaves_out_the_project_and_names_workspace_members() -> None:
    parsed = parse_shared(YarnLock, f"{SCALIBR}/exclude-root.v2.lock")
    assert pairs(parsed) == {("@ws/ansi-regex", "0.0.0-use.local"), ("ansi-regex", "6.1.0")}
    assert parsed.spec_version == "8"
    assert parsed.warnings == (
        "1 package(s) come from a local folder; their version is not a registry release: "
        "@ws/ansi-regex@0.0.0-use.local (workspace:ansi-regex)",
    )


def test_git_and_local_packages_keep_the_recorded_version() -> None:
    commits = parse_shared(YarnLock, f"{SCALIBR}/commits.v2.lock")
    assert ("@my-scope/my-first-package", "0.0.6") in pairs(commits)
    files = parse_shared(YarnLock, f"{SCALIBR}/files.v1.lock")
    assert pairs(files) == {
        ("etag", "1.8.1"),
        ("lodash", "1.3.1"),
        ("filedep", "1.2.0"),
        ("other_package", "0.0.2"),
        ("sprintf-js", "0.0.0"),
        ("etag", "1.8.0"),
    }
    assert files.warnings[0].startswith(
        "4 package(s) come from a local folder; their version is not a registry release: "
    )


def test_build_metadata_in_versions_is_kept() -> None:
    parsed = parse_shared(YarnLock, f"{SCALIBR}/with-build-string.v1.lock")
    assert ("domino", "2.1.6+git") in pairs(parsed)


def test_berry_patches_are_the_patched_package() -> None:
    descriptor = b"resolve@patch:resolve@npm%3A^1.22.8#optional!builtin<compat/resolve>"
    resolution = b"resolve@patch:resolve@npm%3A1.22.8#optional!builtin<compat/resolve>"
    data = b"__metadata:\n  version: 8\n\n" + b'"' + descriptor + b'":\n'
    data += b'  version: 1.22.8\n  resolution: "' + resolution + b'::version=1.22.8&hash=c3c19d"\n'

    parsed = YarnLock().parse("yarn.lock", data)
    assert pairs(parsed) == {("resolve", "1.22.8")}


def test_descriptors() -> None:
    assert split_descriptor('"@babel/core@^7.0.0"') == ("@babel/core", "^7.0.0")
    assert split_descriptor("cjs@npm:@scope/real@^1") == ("@scope/real", "^1")
    assert split_descriptor("balanced-match") == ("balanced-match", "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"  version 1.0.0\n", "line 1: indented line outside an entry"),
        (b"left-pad@^1.0.0\n  version 1.0.0\n", "line 1: an entry header must end in ':'"),
        (b"left-pad@^1.0.0:\n  resolved x\n", "line 1: left-pad has no version"),
        (b'__metadata:\n  version: 8\n"x@npm:1":\n  version: 1\n', "no resolution"),
    ],
)
def test_malformed_lockfiles_are_rejected(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        YarnLock().parse("yarn.lock", data)


def test_berry_direct_dependencies_are_what_the_workspaces_declare() -> None:
    parsed = parse_shared(YarnLock, f"{SCALIBR}/with-aliases.v2.lock")
    assert [c.direct for c in parsed.components] == [True, True, True]
    data = b"""__metadata:
  version: 8
"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    debug: "npm:^4.3.0"
"debug@npm:^4.3.0":
  version: 4.3.4
  resolution: "debug@npm:4.3.4"
  dependencies:
    ms: "npm:2.1.2"
"ms@npm:2.1.2":
  version: 2.1.2
  resolution: "ms@npm:2.1.2"
"""
    found = YarnLock().parse("yarn.lock", data).components
    assert {(c.name, c.direct) for c in found} == {("debug", True), ("ms", False)}
    classic = parse_shared(YarnLock, f"{SCALIBR}/two-packages.v1.lock")
    assert {c.direct for c in classic.components} == {None}  # classic does not record it


def test_berry_yaml_aliases_are_refused() -> None:
    data = b'__metadata:\n  version: 8\n"a@npm:1":\n  version: &v 1.0.0\n  resolution: *v\n'
    with pytest.raises(InventoryRejected, match="aliases"):
        YarnLock().parse("yarn.lock", data)
