"""Which format a file is: by its name when it says, else by its content."""

from __future__ import annotations

import gzip

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import FORMATS, detect, format_by_id
from clearinghouse.inventory.parsing import parse_bytes
from tests.shared_data import shared_file

BY_CONTENT = [
    ("sbom-cyclonedx-examples/SBOM/laravel-7.12.0/bom.1.4.json", "cyclonedx-json"),
    ("sbom-cyclonedx-examples/VEX/CISA-Use-Cases/Case-2/vex.json", "cyclonedx-json"),
    ("sbom-cyclonedx-examples/SBOM/laravel-7.12.0/bom.1.4.xml", "cyclonedx-xml"),
    ("osv-scanner-fixtures/testdata/sbom-insecure/postgres-stretch.cdx.xml", "cyclonedx-xml"),
    (
        "sbom-spdx-examples/spdx-spec-2.3.1-examples/SPDXJSONExample-v2.3.spdx.json",
        "spdx-json",
    ),
    ("sbom-spdx-examples/spdx-spec-2.3.1-examples/SPDXTagExample-v2.3.spdx", "spdx-tag-value"),
    (
        "sbom-spdx-examples/spdx-spec-2.3.1-examples/SPDXYAMLExample-2.3.spdx.yaml",
        "spdx-yaml-xml-rdf",
    ),
    ("csaf-examples/csaf-2.0/csaf/csaf_vex/sec-vex-2022-0001.json", "csaf-vex"),
]


@pytest.mark.parametrize(("relative", "format_id"), BY_CONTENT)
def test_detected_by_content_whatever_the_name(relative: str, format_id: str) -> None:
    data = shared_file(relative).read_bytes()
    assert detect("upload-from-browser.txt", data).format_id == format_id
    assert detect("C:\\Users\\it\\Downloads\\upload", data).format_id == format_id


@pytest.mark.parametrize(
    ("name", "format_id"),
    [
        ("bom.json", "cyclonedx-json"),
        ("app.cdx.json", "cyclonedx-json"),
        ("APP.CDX.JSON", "cyclonedx-json"),
        ("bom.xml", "cyclonedx-xml"),
        ("image.cdx.xml", "cyclonedx-xml"),
        ("image.spdx.json", "spdx-json"),
        ("image.spdx", "spdx-tag-value"),
        ("image.spdx.rdf.xml", "spdx-yaml-xml-rdf"),
    ],
)
def test_detected_by_name(name: str, format_id: str) -> None:
    assert detect(f"some/dir/{name}", b"").format_id == format_id


def test_a_gzipped_upload_is_detected_inside() -> None:
    path = shared_file("sbom-spdx-examples/spdx-spec-2.3.1-examples/SPDXTagExample-v2.3.spdx")
    parsed = parse_bytes("sbom.gz", gzip.compress(path.read_bytes()))
    assert parsed.format_id == "spdx-tag-value"
    assert len(parsed.components) == 2


def test_unknown_files_and_formats_are_named_clearly() -> None:
    with pytest.raises(InventoryRejected, match=r"notes\.txt: not a format we read"):
        detect("notes.txt", b"Buy milk")
    with pytest.raises(InventoryRejected, match="unknown format 'sbom'; known formats: "):
        format_by_id("sbom")


def test_one_entry_per_format() -> None:
    ids = [fmt.format_id for fmt in FORMATS]
    assert len(ids) == len(set(ids))
    assert all(fmt.description for fmt in FORMATS)
