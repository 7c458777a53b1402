"""Helpers the lockfile parser tests share: parse a shared-data file with one format."""

from __future__ import annotations

from clearinghouse.inventory.formats.interface import InventoryFormat, ParsedInventory
from tests.shared_data import shared_file


def parse_shared(fmt: type[InventoryFormat], relative: str) -> ParsedInventory:
    path = shared_file(relative)
    return fmt().parse(path.name, path.read_bytes())


def pairs(parsed: ParsedInventory) -> set[tuple[str, str | None]]:
    return {(c.name, c.version) for c in parsed.components}
