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


def test_frameworks_share_packages_and_projects_are_skipped() -> None:
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
    (a,) = NuGetLock().parse("packages.lock.json", json.dumps(lock).encode()).components
    assert (a.name, a.version, a.direct, a.location) == (
        "A",
        "1.0.0",
        True,
        "dependencies.net6.0.A",
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
