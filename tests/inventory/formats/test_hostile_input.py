"""Deeply nested uploads are refused with a message, never a RecursionError."""

from __future__ import annotations

import json
from typing import Any

import pytest

from clearinghouse.inventory.formats.csaf_vex import CsafVex
from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.cyclonedx_xml import CycloneDxXml
from clearinghouse.inventory.formats.interface import InventoryRejected


def _nested_bom(depth: int) -> bytes:
    # Built as text: json.dumps itself would recurse once per level.
    component = '{"type": "library", "name": "x", "purl": "pkg:npm/x@1"'
    body = (component + ', "components": [') * depth + component + "}" + "]}" * depth
    return (
        '{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": ['
        + body
        + "]}"
    ).encode()


def test_a_reasonably_nested_bom_is_read() -> None:
    parsed = CycloneDxJson().parse("a.cdx.json", _nested_bom(20))
    assert len(parsed.components) == 21
    assert json.loads(_nested_bom(3))["components"][0]["components"][0]["name"] == "x"


@pytest.mark.parametrize("depth", [80, 400, 2000])
def test_deep_json_nesting_is_refused(depth: int) -> None:
    with pytest.raises(InventoryRejected, match=r"nested|depth limit"):
        CycloneDxJson().parse("a.cdx.json", _nested_bom(depth))
    with pytest.raises(InventoryRejected, match=r"nested|depth limit"):
        CycloneDxJson(validate_schema=False).parse("a.cdx.json", _nested_bom(depth))


@pytest.mark.parametrize("depth", [80, 5000])
def test_deep_xml_nesting_is_refused(depth: int) -> None:
    open_tag = '<component type="library"><name>x</name><purl>pkg:npm/x@1</purl><components>'
    xml = (
        '<bom xmlns="http://cyclonedx.org/schema/bom/1.4"><components>'
        + open_tag * depth
        + "</components></component>" * depth
        + "</components></bom>"
    )
    with pytest.raises(InventoryRejected, match="nested more than 64 deep"):
        CycloneDxXml().parse("a.cdx.xml", xml.encode())


def test_deep_csaf_branches_are_refused() -> None:
    branch: dict[str, Any] = {"category": "vendor", "name": "v"}
    for _ in range(100):
        branch = {"category": "vendor", "name": "v", "branches": [branch]}
    document = {
        "document": {"category": "csaf_vex", "csaf_version": "2.0"},
        "product_tree": {"branches": [branch]},
    }
    with pytest.raises(InventoryRejected, match="nested too deeply"):
        CsafVex().parse("vex.json", json.dumps(document).encode())
