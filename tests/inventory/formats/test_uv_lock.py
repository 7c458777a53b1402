"""uv.lock: registry and git packages; the project itself and local packages left out."""

from __future__ import annotations

from clearinghouse.inventory.formats.uv_lock import UvLock
from tests.inventory.formats.lockfile_helpers import pairs, parse_shared

SCALIBR = "osv-scalibr-lockfiles/language/python/uvlock/testdata"


def test_the_virtual_project_is_not_a_component() -> None:
    parsed = parse_shared(UvLock, f"{SCALIBR}/two-packages.lock")
    assert pairs(parsed) == {("emoji", "2.14.0"), ("protobuf", "4.25.5")}
    assert parsed.spec_version == "1"
    assert not any(c.dev for c in parsed.components)


def test_git_sources_keep_their_version() -> None:
    assert pairs(parse_shared(UvLock, f"{SCALIBR}/source-git.lock")) == {("ruff", "0.8.1")}


def test_extras_are_not_development_dependencies() -> None:
    parsed = parse_shared(UvLock, f"{SCALIBR}/grouped-packages.lock")
    assert len(parsed.components) == 14
    assert not any(c.dev for c in parsed.components)
    # The project depends on emoji, and on click, black and flake8 through its extras.
    direct = {c.name for c in parsed.components if c.direct}
    assert direct == {"emoji", "click", "black", "flake8"}


def test_dependency_groups_mark_what_only_they_reach() -> None:
    data = b"""
version = 1
[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "requests" }]
[package.dev-dependencies]
dev = [{ name = "pytest" }, { name = "requests" }]

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "idna" }]

[[package]]
name = "idna"
version = "3.10"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.3.3"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "pluggy" }]

[[package]]
name = "pluggy"
version = "1.5.0"
source = { registry = "https://pypi.org/simple" }
"""
    parsed = UvLock().parse("uv.lock", data)
    assert {c.name: c.dev for c in parsed.components} == {
        "app": False,  # the project, packaged (editable): listed and named, as osv-scanner does
        "requests": False,
        "idna": False,
        "pytest": True,
        "pluggy": True,
    }
    assert parsed.warnings == (
        "1 local package(s); their version is not a registry release: app@0.1.0",
    )
    assert {c.name: c.direct for c in parsed.components} == {
        "app": None,
        "requests": True,
        "idna": False,
        "pytest": True,
        "pluggy": False,
    }
