"""go.mod: requirements, indirect flags, replacements as the go command applies them, stdlib."""

from __future__ import annotations

import pytest

from clearinghouse.inventory.formats.go_mod import GoMod
from clearinghouse.inventory.formats.interface import Component, InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file

FIXTURES = "osv-scalibr-lockfiles/language/golang/gomod/testdata"


def parse_fixture(name: str) -> list[Component]:
    return list(GoMod().parse(name, shared_file(f"{FIXTURES}/{name}").read_bytes()).components)


def versions(components: list[Component]) -> set[tuple[str, str | None]]:
    return {(c.name, c.version) for c in components}


def test_requirements_with_indirect_flags_and_the_standard_library() -> None:
    components = {c.name: c for c in parse_fixture("indirect-packages.mod")}
    toml = components["github.com/BurntSushi/toml"]
    assert (toml.version, toml.ecosystem, toml.direct) == ("1.0.0", "Go", True)
    assert toml.purl == "pkg:golang/github.com/BurntSushi/toml@v1.0.0"
    sys = components["golang.org/x/sys"]
    assert (sys.version, sys.direct) == ("0.0.0-20210630005230-0f9fa26af87c", False)
    stdlib = components["stdlib"]
    assert (stdlib.version, stdlib.ecosystem, stdlib.location) == ("1.17", "Go", "line 3")


def test_the_toolchain_names_the_standard_library_version() -> None:
    assert ("stdlib", "1.23.6") in versions(parse_fixture("toolchain.mod"))
    assert ("stdlib", "1.23.6") in versions(parse_fixture("toolchain-with-suffix.mod"))
    (stdlib,) = GoMod().parse("go.mod", b"module m\ntoolchain go1.22.1\n").components
    assert (stdlib.version, stdlib.location) == ("1.22.1", "line 2")


def test_a_replacement_with_a_version_on_the_left_replaces_only_that_version() -> None:
    assert versions(parse_fixture("replace-mixed.mod")) == {
        ("example.com/fork/net", "1.4.5"),
        ("golang.org/x/net", "0.5.6"),
    }


def test_a_replacement_without_a_version_replaces_every_version() -> None:
    # Both required versions become the same fork@version: one component, as osv-scanner has.
    assert versions(parse_fixture("replace-no-version.mod")) == {("example.com/fork/net", "1.4.5")}


def test_a_replacement_of_a_module_not_required_changes_nothing() -> None:
    assert versions(parse_fixture("replace-not-required.mod")) == {
        ("golang.org/x/net", "0.5.6"),
        ("github.com/BurntSushi/toml", "1.0.0"),
    }


def test_a_local_replacement_is_kept_without_version_and_said() -> None:
    parsed = GoMod().parse("go.mod", shared_file(f"{FIXTURES}/replace-local.mod").read_bytes())
    local = next(c for c in parsed.components if c.name == "./fork/net")
    assert (local.version, local.ecosystem, local.purl) == (None, None, None)
    assert any("local directory ./fork/net" in w for w in parsed.warnings)


def test_quoted_paths_and_single_line_directives() -> None:
    data = b'module x\n\ngo 1.21\nrequire "example.com/a" v1.0.0 // indirect; keep\n'
    (a, stdlib) = GoMod().parse("go.mod", data).components
    assert (a.name, a.version, a.direct) == ("example.com/a", "1.0.0", False)
    assert stdlib.version == "1.21"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"module x\nrequire (\n a v1\n", "require block not closed"),
        (b'require "a v1.0.0\n', "line 1: unterminated quoted string"),
        (b"require a\n", "line 1: expected 'require module version'"),
        (b"replace a v1 b v2\n", "line 1: replace without '=>'"),
        (b"replace a => \n", "line 1: expected 'module"),
        (b"module x\nfrobnicate y\n", "line 2: unknown directive 'frobnicate'"),
        (b"\xff\xfe", "not UTF-8"),
    ],
)
def test_bad_files_are_rejected_saying_where(data: bytes, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        GoMod().parse("go.mod", data)


def test_detected_by_name() -> None:
    assert detect("project/go.mod", b"") is GoMod
