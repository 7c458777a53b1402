"""CSAF VEX: the official CSAF 2.0 VEX examples and grype's purl-named VEX fixtures."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clearinghouse.inventory.formats.csaf_vex import CsafVex
from clearinghouse.inventory.formats.interface import InventoryRejected, VexStatement
from clearinghouse.inventory.formats.registry import detect
from clearinghouse.inventory.parsing import parse_bytes
from tests.shared_data import COPIED, shared_file

OFFICIAL = "csaf-examples/csaf-2.0/csaf/csaf_vex"
EXAMPLES = sorted(p.name for p in (COPIED / OFFICIAL).glob("*.json"))


def _parse(relative: str) -> tuple[VexStatement, ...]:
    path = shared_file(relative)
    return parse_bytes(path.name, path.read_bytes()).vex


def test_all_official_examples_are_there() -> None:
    assert len(EXAMPLES) == 13


@pytest.mark.parametrize("file_name", EXAMPLES)
def test_every_product_status_becomes_a_statement(file_name: str) -> None:
    path = shared_file(f"{OFFICIAL}/{file_name}")
    assert detect(path.name, path.read_bytes()) is CsafVex
    document = json.loads(path.read_bytes())
    statements = CsafVex().parse(path.name, path.read_bytes()).vex
    expected = {
        (vulnerability["cve"], status)
        for vulnerability in document["vulnerabilities"]
        for status, products in vulnerability["product_status"].items()
        if status != "recommended" and products
    }
    mapped = {
        "known_not_affected": "not_affected",
        "known_affected": "affected",
        "fixed": "fixed",
        "under_investigation": "under_investigation",
    }
    assert {(s.vulnerability_id, s.status) for s in statements} == {
        (cve, mapped[status]) for cve, status in expected
    }
    for statement in statements:
        assert statement.components
        if statement.status == "not_affected":
            # CSAF requires a flag or an impact statement for every product not affected.
            assert statement.justification or statement.detail


def test_flags_give_the_justification_and_threats_the_impact() -> None:
    statements = _parse(f"{OFFICIAL}/sec-vex-2022-0001.json")
    assert [(s.vulnerability_id, s.status, s.justification) for s in statements] == [
        ("CVE-2021-44228", "not_affected", "component_not_present"),
        ("CVE-2021-45046", "not_affected", "component_not_present"),
        ("CVE-2021-45105", "not_affected", "component_not_present"),
    ]
    assert statements[0].detail == "Secvisogram is written in JavaScript. No Java is included."
    assert statements[0].components == ("Secvisogram <=1.14.0",)


def test_affected_products_carry_the_remediation() -> None:
    (statement,) = _parse(f"{OFFICIAL}/2022-evd-uc-04-001.json")
    assert statement.status == "affected"
    assert statement.detail == "vendor_fix: Update to version 4.2 or later."
    assert statement.components == (
        "Example Company ABC 2.4",
        "Example Company ABC 2.6",
        "Example Company ABC >=2.9|<=4.1",
    )


@pytest.mark.parametrize(
    ("file_name", "status", "justification"),
    [
        ("csaf-demo1.json", "fixed", None),
        ("csaf-demo2.json", "not_affected", "vulnerable_code_not_present"),
    ],
)
def test_products_resolve_to_their_purls(
    file_name: str, status: str, justification: str | None
) -> None:
    (statement,) = _parse(f"grype-fixtures/grype/vex/testdata/vex-docs/{file_name}")
    assert (statement.status, statement.justification) == (status, justification)
    assert statement.components == (
        "pkg:apk/alpine/libcrypto3@3.0.8-r3?arch=x86_64&distro=alpine-3.17.3&upstream=openssl",
    )


def _vex(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "document": {"category": "csaf_vex", "csaf_version": "2.0"},
        "product_tree": {
            "branches": [
                {
                    "category": "vendor",
                    "name": "Example",
                    "product": {
                        "product_id": "P1",
                        "name": "Example app 1.0",
                        "product_identification_helper": {
                            "cpe": "cpe:2.3:a:example:app:1.0:*:*:*:*:*:*:*"
                        },
                    },
                }
            ],
            "full_product_names": [
                {
                    "product_id": "P2",
                    "name": "log4j-core 2.14.1",
                    "product_identification_helper": {
                        "purl": "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
                    },
                }
            ],
            "relationships": [
                {
                    "category": "default_component_of",
                    "product_reference": "P2",
                    "relates_to_product_reference": "P1",
                    "full_product_name": {"product_id": "P2-in-P1", "name": "log4j in app"},
                }
            ],
            "product_groups": [{"group_id": "G", "product_ids": ["P1", "P2-in-P1"]}],
        },
        "vulnerabilities": [
            {
                "cve": "CVE-2021-44228",
                "product_status": {"known_not_affected": ["P1", "P2-in-P1"]},
                "flags": [{"label": "vulnerable_code_not_in_execute_path", "group_ids": ["G"]}],
            }
        ],
    }
    document.update(changes)
    return document


def test_groups_relationships_and_cpes() -> None:
    data = json.dumps(_vex()).encode()
    assert detect("upload.json", data) is CsafVex
    (statement,) = CsafVex().parse("upload.json", data).vex
    assert statement.justification == "vulnerable_code_not_in_execute_path"
    assert statement.components == (
        "cpe:2.3:a:example:app:1.0:*:*:*:*:*:*:*",
        "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1",
    )


@pytest.mark.parametrize(
    ("document", "why"),
    [
        (
            _vex(document={"category": "csaf_security_advisory", "csaf_version": "2.0"}),
            "not 'csaf_vex'",
        ),
        (_vex(document={"category": "csaf_vex", "csaf_version": "1.2"}), "csaf_version '1.2'"),
        (
            _vex(vulnerabilities=[{"cve": "CVE-1", "product_status": {"fixed": ["P9"]}}]),
            "vulnerabilities[0].product_status.fixed: product id 'P9' is not defined",
        ),
        (_vex(vulnerabilities=[{"product_status": {}}]), "names no vulnerability"),
        (
            _vex(
                vulnerabilities=[
                    {"cve": "CVE-1", "product_status": {"known_not_affected": ["P1"]}, "flags": 1}
                ]
            ),
            "vulnerabilities[0].flags must be a list of objects",
        ),
        (
            _vex(
                vulnerabilities=[
                    {
                        "cve": "CVE-1",
                        "product_status": {"fixed": ["P1"]},
                        "remediations": [{"category": "vendor_fix", "product_ids": "P1"}],
                    }
                ]
            ),
            "vulnerabilities[0].remediations: product_ids and group_ids are lists",
        ),
        (_vex(product_tree={"branches": [{"product": {"name": "x"}}]}), "needs a product_id"),
        ({"vulnerabilities": []}, "there is no document object"),
    ],
)
def test_bad_documents_say_where(document: dict[str, Any], why: str) -> None:
    with pytest.raises(InventoryRejected) as caught:
        CsafVex().parse("bad.json", json.dumps(document).encode())
    assert why in str(caught.value)


def test_an_advisory_is_not_taken_for_vex() -> None:
    path = shared_file("csaf-examples/csaf-2.0/csaf/rhsa-2019_1862.json")
    assert not CsafVex.sniff(path.name, path.read_bytes()[:65536])
    with pytest.raises(InventoryRejected, match="imported as knowledge"):
        CsafVex().parse(path.name, path.read_bytes())
