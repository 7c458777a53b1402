"""Our extraction equals osv-scanner's for every file of our formats in its CLI golden output.

osv-scanner's snapshot (`__snapshots__/command_test.snap`) says, for each file a case scans,
"Scanned <path> file and found N packages"; its tables and JSON outputs list packages by
source file; "Error during extraction … <path>" marks a file it refuses. For every such file
that one of our formats reads, we compare: the count, every listed name@version, the refusal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected, ParsedInventory
from clearinghouse.inventory.formats.registry import FORMATS, format_by_id
from tests.shared_data import COPIED, SHARED, shared_file

FIXTURES = "osv-scanner-fixtures"
OURS = {
    "cargo-lock", "go-mod", "gemfile-lock", "composer-lock", "nuget-packages-lock",
    "gradle-lockfile", "maven-pom", "dpkg-status", "apk-installed", "rpmdb-sqlite",
}  # fmt: skip
# Files the cases name with an explicit parser (`-L go.mod:…`) or via their config, because
# their names do not say the format.
PARSE_AS = {
    "testdata/locks-many/replace-local.mod": "go-mod",
    "testdata/maven-transitive/encoding.xml": "maven-pom",
    "testdata/maven-transitive/registry.xml": "maven-pom",
}
# Where osv-scanner's figure counts something one file cannot hold, with our figure and why.
DIFFERENT_COUNTS = {
    # registry.xml's parent is parent.xml beside it (<relativePath>), whose one dependency
    # osv-scanner reads and counts; our parser is given one file and does not read another.
    "testdata/maven-transitive/registry.xml": (2, 1),
}
# In these cases osv-scanner resolves the pom's transitive dependencies from Maven Central
# before matching: its tables list packages the pom itself never names.
TRANSITIVE_CASES = "TestCommand_Transitive/"

SCANNED = re.compile(r"^Scanned <rootdir>/(\S+) file and found (\d+) packages?$", re.M)
REFUSED = re.compile(r"^Error during extraction: \(extracting as (\S+)\) <rootdir>/(\S+): ", re.M)
BLOCK = re.compile(r"^\[([^\n]+) - (\d)\]\n(.*?)\n---$", re.M | re.S)


@dataclass
class Expectations:
    counts: dict[str, set[int]] = field(default_factory=dict)
    packages: dict[str, set[tuple[str, str, str]]] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)  # path → osv-scanner's extractor


def our_format(path: str) -> str | None:
    if ":" in path:  # "x.cdx.json:lib/apk/db/installed": a package inside an SBOM
        return None
    if path in PARSE_AS:
        return PARSE_AS[path]
    name = Path(path).name
    found = next((f.format_id for f in FORMATS if name in f.file_names), None)
    return found if found in OURS else None


def table_rows(output: str) -> Iterator[dict[str, str]]:
    header: list[str] | None = None
    for line in output.splitlines():
        if not line.startswith("|"):
            if not line.startswith("+"):
                header = None
            continue
        cells = [c.strip() for c in line.strip("|").split("|")]
        if "SOURCE" in cells:
            header = cells
        elif header is not None and len(cells) == len(header):
            yield dict(zip(header, cells, strict=True))


def json_packages(output: str) -> Iterator[tuple[str, dict[str, str]]]:
    if not output.startswith("{"):
        return
    document = json.loads(output)
    for result in document.get("results") or []:
        path = result["source"]["path"].removeprefix("<rootdir>/")
        for entry in result.get("packages") or []:
            yield path, entry["package"]


SNAPSHOT = f"{FIXTURES}/__snapshots__/command_test.snap"


def expectations() -> Expectations | None:
    """What the golden output says; None when neither copy of the data is here."""
    path = next((b / SNAPSHOT for b in (COPIED, SHARED) if (b / SNAPSHOT).exists()), None)
    if path is None:
        return None
    snapshot = path.read_text()
    found = Expectations()
    for case, _, output in BLOCK.findall(snapshot):
        for path, count in SCANNED.findall(output):
            if our_format(path):
                found.counts.setdefault(path, set()).add(int(count))
        for extractor, path in REFUSED.findall(output):
            if our_format(path):
                found.refused[path] = extractor
        listed = [
            (row["SOURCE"], (row["ECOSYSTEM"], row["PACKAGE"], row["VERSION"]))
            for row in table_rows(output)
            if {"SOURCE", "ECOSYSTEM", "PACKAGE", "VERSION"} <= row.keys()
        ] + [(path, (p["ecosystem"], p["name"], p["version"])) for path, p in json_packages(output)]
        for path, package in listed:
            if our_format(path) and not (
                case.startswith(TRANSITIVE_CASES) and package[1].split(":")[-1] not in
                shared_file(f"{FIXTURES}/{path}").read_text(encoding="latin-1")
            ):  # fmt: skip
                found.packages.setdefault(path, set()).add(package)
    return found


def parse(path: str) -> ParsedInventory:
    fmt = our_format(path)
    assert fmt is not None
    file = shared_file(f"{FIXTURES}/{path}")
    return format_by_id(fmt)().parse(file.name, file.read_bytes())


EXPECTED = expectations()


def scanned_paths() -> list[str]:
    return sorted(EXPECTED.counts) if EXPECTED else []


def test_the_snapshot_names_files_of_every_kind_we_compare() -> None:
    """The comparison below is not empty: the golden output scans files of our formats."""
    shared_file(SNAPSHOT)  # skips here, fails in CI, when the data is missing
    assert EXPECTED is not None
    kinds = {our_format(p) for p in EXPECTED.counts}
    assert {"cargo-lock", "go-mod", "gemfile-lock", "composer-lock", "dpkg-status",
            "maven-pom"} <= kinds  # fmt: skip
    assert len(EXPECTED.counts) == 26
    assert sum(len(p) for p in EXPECTED.packages.values()) >= 5


@pytest.mark.parametrize("path", scanned_paths())
def test_package_count_equals_osv_scanner(path: str) -> None:
    assert EXPECTED is not None
    (theirs,) = EXPECTED.counts[path]  # one figure per file across all cases
    ours = len(parse(path).components)
    if path in DIFFERENT_COUNTS:
        assert (theirs, ours) == DIFFERENT_COUNTS[path]
    else:
        assert ours == theirs


@pytest.mark.parametrize("path", sorted(EXPECTED.packages) if EXPECTED else [])
def test_listed_packages_are_extracted(path: str) -> None:
    assert EXPECTED is not None
    ours = {(c.ecosystem, c.name, c.version) for c in parse(path).components}
    theirs = {(eco.split(":")[0], name, version) for eco, name, version in EXPECTED.packages[path]}
    assert theirs <= ours


@pytest.mark.parametrize("path", sorted(EXPECTED.refused) if EXPECTED else [])
def test_files_osv_scanner_refuses_are_rejected(path: str) -> None:
    with pytest.raises(InventoryRejected):
        parse(path)
