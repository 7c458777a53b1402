"""The inventory domain's public face: reading inventory files; assets and their uploads."""

from __future__ import annotations

from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryRejected,
    ParsedInventory,
    VexStatement,
)
from clearinghouse.inventory.formats.registry import FORMATS
from clearinghouse.inventory.parsing import MAX_FILE_BYTES, known_file, parse_bytes, parse_file

__all__ = [
    "FORMATS",
    "MAX_FILE_BYTES",
    "Component",
    "InventoryRejected",
    "ParsedInventory",
    "VexStatement",
    "known_file",
    "parse_bytes",
    "parse_file",
]
