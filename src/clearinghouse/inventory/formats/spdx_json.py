"""SPDX 2.3 documents in JSON, validated against the official SPDX 2.3 JSON schema."""

from __future__ import annotations

from typing import ClassVar

from clearinghouse.inventory.formats import spdx
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.json_schema import validate
from clearinghouse.inventory.formats.sbom_json import load_object, sniff_key

SPDX_VERSION = "SPDX-2.3"


class SpdxJson(InventoryFormat):
    format_id = "spdx-json"
    description = "SPDX 2.3 SBOM, JSON, validated against its schema"
    suffixes: ClassVar[tuple[str, ...]] = (".spdx.json",)

    def __init__(self, *, validate_schema: bool = True) -> None:
        self.validate_schema = validate_schema

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return sniff_key(head, b'"spdxVersion"')

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        document = load_object(name, data, "SPDX JSON")
        version = document.get("spdxVersion")
        if version != SPDX_VERSION:
            raise InventoryRejected(
                f"{name}: spdxVersion {version!r} is not one we read ({SPDX_VERSION}); "
                "convert the document to SPDX 2.3"
            )
        if self.validate_schema:
            validate(name, document, "spdx-2.3", "spdx-schema-2.3.json", "SPDX 2.3")
        found = spdx.extract(document, name)
        return ParsedInventory(
            format_id=self.format_id,
            components=tuple(found.components),
            warnings=tuple(found.warnings),
            spec_version="2.3",
        )
