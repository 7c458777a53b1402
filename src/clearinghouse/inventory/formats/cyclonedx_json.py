"""CycloneDX SBOMs and VEX documents in JSON (specVersion 1.2 to 1.7).

Each document is validated against the official schema of its specVersion first, so a
malformed BOM is refused with the JSON path and rule it breaks rather than half-read.
"""

from __future__ import annotations

from typing import ClassVar

from clearinghouse.inventory.formats import cyclonedx
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.json_schema import validate
from clearinghouse.inventory.formats.sbom_json import load_object, sniff_key

SPEC_VERSIONS = ("1.2", "1.3", "1.4", "1.5", "1.6", "1.7")


class CycloneDxJson(InventoryFormat):
    format_id = "cyclonedx-json"
    description = "CycloneDX SBOM or VEX, JSON (1.2 to 1.7), validated against its schema"
    file_names: ClassVar[tuple[str, ...]] = ("bom.json",)
    suffixes: ClassVar[tuple[str, ...]] = (".cdx.json", ".bom.json")

    def __init__(self, *, validate_schema: bool = True) -> None:
        # Off only to compare extraction with tools that read invalid BOMs anyway.
        self.validate_schema = validate_schema

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return sniff_key(head, b'"bomFormat"')

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        bom = load_object(name, data, "CycloneDX JSON")
        if bom.get("bomFormat") != "CycloneDX":
            raise InventoryRejected(f'{name}: not CycloneDX JSON: "bomFormat" is not "CycloneDX"')
        spec_version = bom.get("specVersion")
        if spec_version not in SPEC_VERSIONS:
            raise InventoryRejected(
                f"{name}: CycloneDX specVersion {spec_version!r} is not one we read "
                f"({', '.join(SPEC_VERSIONS)})"
            )
        if self.validate_schema:
            schema = f"bom-{spec_version}.schema.json"
            validate(name, bom, "cyclonedx", schema, f"CycloneDX {spec_version}")
        found = cyclonedx.extract(bom, name)
        statements, vex_warnings = cyclonedx.vex_statements(bom, found.purl_of_ref, name)
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.components),
            vex=tuple(statements),
            warnings=tuple(found.warnings + vex_warnings),
            spec_version=str(spec_version),
        )
