"""The inventory domain's public face: reading inventory files; assets and their uploads."""

from __future__ import annotations

from clearinghouse.identity.acting import IdentityError
from clearinghouse.inventory.assets import (
    add_upload,
    check_upload_allowed,
    create_asset,
    current_components,
    diff_uploads,
    get_asset,
    list_assets,
    list_uploads,
    parse_queued_upload,
    queue_upload,
)
from clearinghouse.inventory.device_names import device_names
from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryRejected,
    ParsedInventory,
    VexStatement,
)
from clearinghouse.inventory.formats.purl_ecosystems import ecosystem_of, osv_name
from clearinghouse.inventory.formats.registry import FORMATS
from clearinghouse.inventory.parsing import (
    INLINE_BYTES,
    MAX_FILE_BYTES,
    known_file,
    parse_bytes,
    parse_file,
)
from clearinghouse.inventory.portfolio import (
    DEVICE,
    HeldPackage,
    held_by_assets,
    held_devices,
    held_devices_by_assets,
    held_packages,
    vex_of_assets,
)

__all__ = [
    "DEVICE",
    "FORMATS",
    "INLINE_BYTES",
    "MAX_FILE_BYTES",
    "Component",
    "HeldPackage",
    "IdentityError",
    "InventoryRejected",
    "ParsedInventory",
    "VexStatement",
    "add_upload",
    "check_upload_allowed",
    "create_asset",
    "current_components",
    "device_names",
    "diff_uploads",
    "ecosystem_of",
    "get_asset",
    "held_by_assets",
    "held_devices",
    "held_devices_by_assets",
    "held_packages",
    "known_file",
    "list_assets",
    "list_uploads",
    "osv_name",
    "parse_bytes",
    "parse_file",
    "parse_queued_upload",
    "queue_upload",
    "vex_of_assets",
]
