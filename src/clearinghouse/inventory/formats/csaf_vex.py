"""CSAF 2.0 VEX documents (`document.category` csaf_vex), uploaded as statements about products.

Each product status (known_not_affected, fixed, known_affected, under_investigation …) of each
vulnerability becomes VEX statements; the justification comes from the flags that cover the
product, the detail from its impact statements (threats) and remediations. Products are named
by purl or CPE through the product tree. A CSAF security advisory is not a VEX document: it is
refused here and belongs to the knowledge importers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from clearinghouse.inventory.formats.csaf_product_tree import ProductTree, objects
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
    VexStatement,
)
from clearinghouse.inventory.formats.sbom_json import load_object

CSAF_VERSIONS = ("2.0", "2.1")
# CSAF product status → VEX status.
STATUS = {
    "known_not_affected": "not_affected",
    "fixed": "fixed",
    "first_fixed": "fixed",
    "known_affected": "affected",
    "first_affected": "affected",
    "last_affected": "affected",
    "under_investigation": "under_investigation",
}


def _identifier(vulnerability: Mapping[str, Any]) -> str | None:
    if isinstance(vulnerability.get("cve"), str):
        return str(vulnerability["cve"])
    for entry in vulnerability.get("ids") or ():
        if isinstance(entry, Mapping) and isinstance(entry.get("text"), str):
            return str(entry["text"])
    return None


def _notes_for(
    tree: ProductTree, vulnerability: Mapping[str, Any], product_id: str, status: str, where: str
) -> tuple[str | None, str | None]:
    """The justification and the detail that apply to one product under one status."""
    name = tree.name
    justification = None
    if status == "not_affected":
        for flag in objects(vulnerability.get("flags"), f"{where}.flags", name):
            if product_id in tree.covered(flag, f"{where}.flags"):
                justification = str(flag.get("label")) if flag.get("label") else None
                break
    details = []
    for threat in objects(vulnerability.get("threats"), f"{where}.threats", name):
        if threat.get("category") == "impact" and product_id in tree.covered(
            threat, f"{where}.threats"
        ):
            details.append(str(threat.get("details")).strip())
    if status in ("affected", "fixed"):
        remediations = objects(vulnerability.get("remediations"), f"{where}.remediations", name)
        for remedy in remediations:
            if product_id in tree.covered(remedy, f"{where}.remediations"):
                details.append(f"{remedy.get('category')}: {str(remedy.get('details')).strip()}")
    return justification, "\n".join(details) or None


def statements(document: Mapping[str, Any], name: str) -> list[VexStatement]:
    tree = ProductTree(document.get("product_tree"), name)
    vulnerabilities = document.get("vulnerabilities") or []
    if not isinstance(vulnerabilities, list):
        raise InventoryRejected(f"{name}: vulnerabilities must be a list")
    found: list[VexStatement] = []
    for index, vulnerability in enumerate(vulnerabilities):
        where = f"vulnerabilities[{index}]"
        if not isinstance(vulnerability, Mapping):
            raise InventoryRejected(f"{name}: {where} must be an object")
        identifier = _identifier(vulnerability)
        if identifier is None:
            raise InventoryRejected(f"{name}: {where} names no vulnerability (cve or ids)")
        product_status = vulnerability.get("product_status") or {}
        if not isinstance(product_status, Mapping):
            raise InventoryRejected(f"{name}: {where}.product_status must be an object")
        # One statement per (status, justification, detail), listing its products in order.
        grouped: dict[tuple[str, str | None, str | None], list[str]] = {}
        for key, product_ids in product_status.items():
            if key not in STATUS:
                continue  # "recommended" says which version to run, not whether one is affected
            if not isinstance(product_ids, list):
                raise InventoryRejected(f"{name}: {where}.product_status.{key} must be a list")
            status = STATUS[key]
            for product_id in product_ids:
                ref = tree.ref(str(product_id), f"{where}.product_status.{key}")
                justification, detail = _notes_for(
                    tree, vulnerability, str(product_id), status, where
                )
                refs = grouped.setdefault((status, justification, detail), [])
                if ref not in refs:
                    refs.append(ref)
        for (status, justification, detail), refs in grouped.items():
            found.append(VexStatement(identifier, status, justification, detail, tuple(refs)))
    return found


class CsafVex(InventoryFormat):
    format_id = "csaf-vex"
    description = "CSAF 2.0 VEX document: product statuses as VEX statements"

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return b'"csaf_version"' in head and b'"csaf_vex"' in head

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = load_object(name, data, "a CSAF document")
        header = document.get("document")
        if not isinstance(header, Mapping):
            raise InventoryRejected(f"{name}: not CSAF: there is no document object")
        if header.get("csaf_version") not in CSAF_VERSIONS:
            raise InventoryRejected(
                f"{name}: document.csaf_version {header.get('csaf_version')!r} is not one we read "
                f"({', '.join(CSAF_VERSIONS)})"
            )
        if header.get("category") != "csaf_vex":
            raise InventoryRejected(
                f"{name}: document.category is {header.get('category')!r}, not 'csaf_vex': "
                "only CSAF VEX documents are read as VEX (advisories are imported as knowledge)"
            )
        return ParsedInventory(
            format_id=self.format_id,
            components=(),
            vex=tuple(statements(document, name)),
            spec_version=str(header["csaf_version"]),
        )
