"""CycloneDX SBOMs and VEX documents in XML (namespaces bom/1.0 to bom/1.7).

The XML is read with defusedxml (no DTDs, no entity expansion: an upload is untrusted) and
the parts we use are turned into CycloneDX's JSON shape, so `cyclonedx.py` reads both
encodings the same way. There is no XSD validation (no XSD validator among our dependencies):
the reader checks the structure it relies on and says where it is wrong.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree

from clearinghouse.inventory.formats import cyclonedx
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

_NAMESPACE = re.compile(r"^\{http://cyclonedx\.org/schema/bom/(1\.[0-7])\}bom$")
_SNIFF = re.compile(rb"<(?:\w+:)?bom\b[^>]*http://cyclonedx\.org/schema/bom/1\.")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _children(element: Element | None, name: str) -> list[Element]:
    return [child for child in element or () if _local(child.tag) == name]


def _text(element: Element, name: str) -> str | None:
    child = _child(element, name)
    return child.text if child is not None and child.text is not None else None


def _component(element: Element, name: str, depth: int = 0) -> dict[str, Any]:
    """One `<component>` in JSON shape (only the fields the reader uses)."""
    if depth >= cyclonedx.MAX_NESTING:
        raise InventoryRejected(f"{name}: components nested more than {cyclonedx.MAX_NESTING} deep")
    shape: dict[str, Any] = {
        "name": _text(element, "name"),
        "version": _text(element, "version"),
        "group": _text(element, "group"),
        "purl": _text(element, "purl"),
        "cpe": _text(element, "cpe"),
        "scope": _text(element, "scope"),
        "publisher": _text(element, "publisher"),
        "bom-ref": element.get("bom-ref"),
        "type": element.get("type"),
    }
    supplier = _child(element, "supplier")
    if supplier is not None:
        shape["supplier"] = {"name": _text(supplier, "name")}
    shape["properties"] = [
        {"name": prop.get("name"), "value": prop.text}
        for prop in _children(_child(element, "properties"), "property")
    ]
    shape["components"] = [
        _component(nested, name, depth + 1)
        for nested in _children(_child(element, "components"), "component")
    ]
    return shape


def _vulnerability(element: Element) -> dict[str, Any]:
    shape: dict[str, Any] = {"id": _text(element, "id")}
    analysis = _child(element, "analysis")
    if analysis is not None:
        shape["analysis"] = {
            "state": _text(analysis, "state"),
            "justification": _text(analysis, "justification"),
            "detail": _text(analysis, "detail"),
            "response": [r.text for r in _children(_child(analysis, "responses"), "response")],
        }
    shape["affects"] = [
        {"ref": _text(target, "ref")} for target in _children(_child(element, "affects"), "target")
    ]
    return shape


def bom_as_json_shape(root: Element, name: str) -> dict[str, Any]:
    """The parts of an XML BOM the reader needs, as the JSON encoding would have them."""
    bom: dict[str, Any] = {
        "components": [
            _component(c, name) for c in _children(_child(root, "components"), "component")
        ],
        "vulnerabilities": [
            _vulnerability(v) for v in _children(_child(root, "vulnerabilities"), "vulnerability")
        ],
        "dependencies": [
            {
                "ref": dependency.get("ref"),
                "dependsOn": [d.get("ref") for d in _children(dependency, "dependency")],
            }
            for dependency in _children(_child(root, "dependencies"), "dependency")
        ],
    }
    metadata = _child(root, "metadata")
    subject = _child(metadata, "component") if metadata is not None else None
    if subject is not None:
        bom["metadata"] = {"component": {"bom-ref": subject.get("bom-ref")}}
    return bom


class CycloneDxXml(InventoryFormat):
    format_id = "cyclonedx-xml"
    description = "CycloneDX SBOM or VEX, XML (1.0 to 1.7)"
    file_names: ClassVar[tuple[str, ...]] = ("bom.xml",)
    suffixes: ClassVar[tuple[str, ...]] = (".cdx.xml", ".bom.xml")

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return _SNIFF.search(head) is not None

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        try:
            root = defusedxml.ElementTree.fromstring(data)
        except ParseError as error:
            raise InventoryRejected(f"{name}: not well-formed XML: {error}") from None
        except LookupError as error:  # an encoding declaration Python does not know
            raise InventoryRejected(f"{name}: unreadable XML: {error}") from None
        except defusedxml.DefusedXmlException as error:
            raise InventoryRejected(f"{name}: refused unsafe XML: {error}") from None
        match = _NAMESPACE.match(root.tag)
        if match is None:
            raise InventoryRejected(
                f"{name}: not CycloneDX XML: the root element is {root.tag!r}, not <bom> in a "
                "http://cyclonedx.org/schema/bom/1.x namespace"
            )
        bom = bom_as_json_shape(root, name)
        found = cyclonedx.extract(bom, name, xml=True)
        statements, vex_warnings = cyclonedx.vex_statements(bom, found.purl_of_ref, name)
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.components),
            vex=tuple(statements),
            warnings=tuple(found.warnings + vex_warnings),
            spec_version=match.group(1),
        )
