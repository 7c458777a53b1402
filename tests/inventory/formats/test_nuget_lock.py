"""NuGet packages.lock.json: resolved versions, direct flags, one component per package."""

from __future__ import annotations

import json

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.nuget_lock import NuGetLock
from clearinghouse.inventory.formats.registry import detect
from tests.shared_data import shared_file


def test_direct_and_transitive_packages() -> None:
    data = shared_file(
        "osv-scalibr-lockfiles/language/dotnet/packageslockjson/testdata/valid/packages.lock.json"
    ).read_bytes()
    parsed = NuGetLock().parse("packages.lock.json", data)
    direct = [(c.name, c.version) for c in parsed.components if c.direct]
    assert direct == [("Core.Dep", "1.24.0")]
    assert len(parsed.components) == 8
    assert parsed.components[0].purl == "pkg:nuget/Core.Dep@1.24.0"
    assert parsed.spec_version == "1"


def test_each_framework_lists_its_packages_and_projects_have_no_version() -> None:
    lock = {
        "version": 1,
        "dependencies": {
            "net6.0": {"A": {"type": "Transitive", "resolved": "1.0.0"}},
            "net8.0": {
                "A": {"type": "Direct", "requested": "[1.0.0, )", "resolved": "1.0.0"},
                "mylib": {"type": "Project"},
            },
        },
    }
    parsed = NuGetLock().parse("packages.lock.json", json.dumps(lock).encode())
    assert [(c.name, c.version, c.ecosystem, c.direct, c.location) for c in parsed.components] == [
        ("A", "1.0.0", "NuGet", False, "dependencies.net6.0.A"),
        ("A", "1.0.0", "NuGet", True, "dependencies.net8.0.A"),
        ("mylib", None, None, None, "dependencies.net8.0.mylib"),
    ]
    assert parsed.warnings == (
        "dependencies.net8.0.mylib: a project of the solution, not a NuGet package",
    )


@pytest.mark.parametrize(
    ("lock", "message"),
    [
        ({"version": 1}, "'dependencies' missing"),
        ({"dependencies": {"net6.0": []}}, "dependencies.net6.0: not an object"),
        ({"dependencies": {"net6.0": {"A": {"type": "Direct"}}}}, "net6.0.A: 'resolved'"),
    ],
)
def test_bad_files_are_rejected_saying_where(lock: object, message: str) -> None:
    with pytest.raises(InventoryRejected, match=message):
        NuGetLock().parse("packages.lock.json", json.dumps(lock).encode())


def test_detected_by_name() -> None:
    assert detect("packages.lock.json", b"") is NuGetLock
