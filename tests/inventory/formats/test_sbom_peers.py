"""Our SBOM extraction against osv-scanner's golden output, and osv-scalibr's SBOM fixtures.

osv-scanner's snapshot says, per scanned file, "Scanned <path> file and found N packages", and
its vulnerability tables list package and version per source file. For every SBOM it scanned,
our component count must be N and every package it lists must be one of ours.
"""

from __future__ import annotations

import contextlib
import re
from collections import defaultdict
from pathlib import Path

import pytest

from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.interface import InventoryFormat, InventoryRejected
from clearinghouse.inventory.formats.registry import FORMATS, detect
from clearinghouse.inventory.parsing import parse_bytes
from tests.shared_data import COPIED, shared_file

SBOM_FORMATS = {"cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value"}
_SCANNED = re.compile(r"^Scanned <rootdir>/(\S+) file and found (\d+) packages?$", re.MULTILINE)
_ROW = re.compile(
    r"^\| https://osv\.dev/\S+ +\|[^|]*\| (?P<ecosystem>[^|]+?) +\| (?P<name>[^|]+?) +"
    r"\| (?P<version>[^|]+?) +\|[^|]*\| (?P<source>[^|:]+?)(?::[^|]*)? +\|$",
    re.MULTILINE,
)


def _is_sbom(path: str) -> bool:
    try:
        return detect(path, b"").format_id in SBOM_FORMATS
    except InventoryRejected:
        return False


def _snapshot() -> tuple[dict[str, set[int]], dict[str, set[tuple[str, str]]]]:
    text = shared_file("osv-scanner-fixtures/__snapshots__/command_test.snap").read_text()
    counts: dict[str, set[int]] = defaultdict(set)
    listed: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path, count in _SCANNED.findall(text):
        if _is_sbom(path):
            counts[path].add(int(count))
    for row in _ROW.finditer(text):
        if _is_sbom(row["source"]):
            listed[row["source"]].add((row["name"], row["version"]))
    return counts, listed


COUNTS, LISTED = _snapshot()
# osv-scanner does not validate SBOMs. This one, written by osv-scalibr, breaks the CycloneDX 1.6
# schema (metadata.component.type is "", not one of the enum), so we refuse it; what we would
# extract from it is still compared, with validation off.
SCHEMA_INVALID = {"testdata/sbom-insecure/alpine-zlib-16.cdx.json"}


def test_the_snapshot_scans_our_formats() -> None:
    assert len(COUNTS) == 7
    assert all(len(found) == 1 for found in COUNTS.values()), "one figure per file"
    assert LISTED  # tables name vulnerable packages from the SBOMs


def _parse(path: str) -> tuple[int, set[tuple[str, str]]]:
    local = shared_file(f"osv-scanner-fixtures/{path}")
    data = local.read_bytes()
    fmt: InventoryFormat = detect(local.name, data)()
    if path in SCHEMA_INVALID:
        with pytest.raises(InventoryRejected, match=r"at \$\.metadata\.component\.type"):
            fmt.parse(local.name, data)
        fmt = CycloneDxJson(validate_schema=False)
    parsed = fmt.parse(local.name, data)
    names = set()
    for c in parsed.components:
        # osv-scanner lists OS packages by their source package (its advisories name those).
        for name in {c.name, c.source_name, c.product} - {None}:
            names.add((str(name), str(c.version)))
    return len(parsed.components), names


@pytest.mark.parametrize("path", sorted(COUNTS))
def test_package_count_and_listed_packages_equal_osv_scanner(path: str) -> None:
    (expected,) = COUNTS[path]
    count, names = _parse(path)
    assert count == expected
    assert LISTED.get(path, set()) <= names


SCALIBR = sorted(
    str(path.relative_to(COPIED / "osv-scalibr-lockfiles"))
    for path in (COPIED / "osv-scalibr-lockfiles" / "sbom").rglob("*")
    if path.is_file()
)


def test_scalibr_fixtures_are_there() -> None:
    assert len(SCALIBR) == 28


@pytest.mark.parametrize("relative", SCALIBR)
def test_scalibr_sbom_fixtures_parse_or_are_refused_cleanly(relative: str) -> None:
    path: Path = shared_file(f"osv-scalibr-lockfiles/{relative}")
    data = path.read_bytes()
    try:
        parsed = parse_bytes(path.name, data)
    except InventoryRejected as rejected:
        assert str(rejected).startswith(f"{path.name}: ")
    else:
        assert parsed.format_id in SBOM_FORMATS
    # Every SBOM parser, on every fixture (of its format or not): a result or a clean refusal.
    for fmt in FORMATS:
        with contextlib.suppress(InventoryRejected):
            fmt().parse(path.name, data)
