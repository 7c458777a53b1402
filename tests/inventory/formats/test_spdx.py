"""SPDX 2.3 in JSON and tag-value: one document, two encodings, one reading."""

from __future__ import annotations

import json

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected, ParsedInventory
from clearinghouse.inventory.formats.registry import detect
from clearinghouse.inventory.formats.spdx_json import SpdxJson
from clearinghouse.inventory.formats.spdx_tagvalue import SpdxTagValue
from clearinghouse.inventory.formats.spdx_unsupported import SpdxOtherEncodings
from clearinghouse.inventory.parsing import parse_bytes
from tests.shared_data import shared_file

EXAMPLES = "sbom-spdx-examples/spdx-spec-2.3.1-examples"


def test_the_canonical_example_reads_the_same_in_json_and_tag_value() -> None:
    as_json = shared_file(f"{EXAMPLES}/SPDXJSONExample-v2.3.spdx.json")
    as_tags = shared_file(f"{EXAMPLES}/SPDXTagExample-v2.3.spdx")
    from_json = SpdxJson().parse(as_json.name, as_json.read_bytes())
    from_tags = SpdxTagValue().parse(as_tags.name, as_tags.read_bytes())

    def identity(parsed: ParsedInventory) -> list[tuple[object, ...]]:
        return [
            (c.name, c.version, c.ecosystem, c.purl, c.cpe, c.vendor, c.product)
            for c in parsed.components
        ]

    assert identity(from_json) == identity(from_tags)
    assert identity(from_json) == [
        (
            "glibc",
            "2.11.1",
            None,
            None,
            "cpe:2.3:a:pivotal_software:spring_framework:4.1.0:*:*:*:*:*:*:*",
            "Jane Doe (jane.doe@example.com)",
            "glibc",
        ),
        (
            "org.apache.jena:apache-jena",
            "3.12.0",
            "Maven",
            "pkg:maven/org.apache.jena/apache-jena@3.12.0",
            None,
            None,
            "Jena",
        ),
    ]
    # The other two packages name neither a purl nor a CPE.
    assert from_json.warnings == from_tags.warnings
    assert "2 package(s)" in from_json.warnings[0]
    assert from_tags.components[1].location == "line 180 (SPDXRef-fromDoap-0)"
    assert from_json.components[1].location == "$.packages[2] (SPDXRef-fromDoap-0)"


@pytest.mark.parametrize(
    "file_name",
    [
        "SPDXYAMLExample-2.3.spdx.yaml",
        "SPDXXMLExample-v2.3.spdx.xml",
        "SPDXRdfExample-v2.3.spdx.rdf.xml",
    ],
)
def test_other_encodings_are_recognized_and_refused_clearly(file_name: str) -> None:
    path = shared_file(f"{EXAMPLES}/{file_name}")
    assert detect(path.name, path.read_bytes()) is SpdxOtherEncodings
    assert SpdxOtherEncodings.sniff("upload", path.read_bytes()[:65536])
    with pytest.raises(InventoryRejected, match="not supported: use JSON or tag-value"):
        parse_bytes(path.name, path.read_bytes())


def test_dev_dependencies_from_relationships() -> None:
    path = shared_file(f"{EXAMPLES}/SPDXJSONExample-v2.3.spdx.json")
    document = json.loads(path.read_bytes())
    document["relationships"].append(
        {
            "spdxElementId": "SPDXRef-fromDoap-0",
            "relationshipType": "DEV_DEPENDENCY_OF",
            "relatedSpdxElement": "SPDXRef-Package",
        }
    )
    parsed = SpdxJson().parse("x.spdx.json", json.dumps(document).encode())
    assert [c.dev for c in parsed.components] == [False, True]
    # Without the schema, an odd relationship is ignored rather than a crash.
    document["relationships"].append({"spdxElementId": "x", "relationshipType": {"a": 1}})
    parsed = SpdxJson(validate_schema=False).parse("x.spdx.json", json.dumps(document).encode())
    assert [c.dev for c in parsed.components] == [False, True]


def test_ubuntu_package_with_its_source() -> None:
    path = shared_file("osv-scanner-fixtures/testdata/sbom-insecure/only-unimportant.spdx.json")
    (component,) = SpdxJson().parse(path.name, path.read_bytes()).components
    assert (component.name, component.version, component.ecosystem, component.source_name) == (
        "pcre3",
        "2:8.39-12ubuntu0.1",
        "Ubuntu",
        "pcre3",
    )
    assert component.product == "libpcre3"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'{"spdxVersion": "SPDX-2.2"}', "spdxVersion 'SPDX-2.2' is not one we read"),
        (b'{"spdxVersion": "SPDX-2.3"}', "at $: must contain"),
        (b"{", "not valid JSON"),
    ],
)
def test_bad_json_documents_say_why(data: bytes, why: str) -> None:
    with pytest.raises(InventoryRejected) as caught:
        SpdxJson().parse("bad.spdx.json", data)
    assert why in str(caught.value)


def test_a_schema_error_names_the_package() -> None:
    path = shared_file("osv-scalibr-lockfiles/sbom/spdx/testdata/external_refs.spdx.json")
    with pytest.raises(InventoryRejected) as caught:
        SpdxJson().parse(path.name, path.read_bytes())
    assert "at $.packages[1]: must contain ['downloadLocation']" in str(caught.value)


HEADER = (
    "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n"
    "DocumentName: x\nDocumentNamespace: https://example.org/x\n"
)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Not an sbom at all!", "line 1: expected 'Tag: value'"),
        ("SPDXVersion: SPDX-2.3\n", "the document has no DataLicense"),
        (HEADER.replace("SPDX-2.3", "SPDX-2.1"), "SPDXVersion 'SPDX-2.1' is not one we read"),
        (HEADER + "PackageName: a\nSPDXID: SPDXRef-a\n", "line 6: package 'a' has no Package"),
        (HEADER + "PackageName: a\nPackageComment: <text>open\n", "line 7: <text> is never closed"),
        (
            HEADER + "PackageName: a\nSPDXID: SPDXRef-a\nExternalRef: PACKAGE-MANAGER purl\n",
            "line 8: ExternalRef needs a category, a type and a locator",
        ),
        (HEADER + "Relationship: SPDXRef-a DESCRIBES\n", "line 6: Relationship needs"),
        (b"\xff\xfe".decode("latin-1"), "line 1"),
    ],
)
def test_bad_tag_value_says_where(text: str, why: str) -> None:
    with pytest.raises(InventoryRejected) as caught:
        SpdxTagValue().parse("bad.spdx", text.encode())
    assert why in str(caught.value)


def test_tag_value_multiline_text_and_purl() -> None:
    text = HEADER + (
        "PackageName: requests\nSPDXID: SPDXRef-requests\nPackageVersion: 2.31.0\n"
        "PackageDownloadLocation: NOASSERTION\n"
        "PackageDescription: <text>HTTP\nfor humans\n</text>\n"
        "ExternalRef: PACKAGE-MANAGER purl pkg:pypi/Requests@2.31.0\n"
        "FileName: ./setup.py\nSPDXID: SPDXRef-file\n"
    )
    (component,) = SpdxTagValue().parse("x.spdx", text.encode()).components
    assert (component.name, component.version, component.ecosystem, component.purl) == (
        "requests",
        "2.31.0",
        "PyPI",
        "pkg:pypi/requests@2.31.0",
    )
    assert component.location == "line 6 (SPDXRef-requests)"
