"""The inventory formats we read, and how a file's format is recognized."""

from __future__ import annotations

from clearinghouse.inventory.formats.compression import decompress
from clearinghouse.inventory.formats.csaf_vex import CsafVex
from clearinghouse.inventory.formats.cyclonedx_json import CycloneDxJson
from clearinghouse.inventory.formats.cyclonedx_xml import CycloneDxXml
from clearinghouse.inventory.formats.device_list_csv import DeviceListCsv
from clearinghouse.inventory.formats.device_list_yaml import DeviceListYaml
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.spdx_json import SpdxJson
from clearinghouse.inventory.formats.spdx_tagvalue import SpdxTagValue
from clearinghouse.inventory.formats.spdx_unsupported import SpdxOtherEncodings

# Every format, in detection order: exact names first wins, then suffixes, then content.
FORMATS: tuple[type[InventoryFormat], ...] = (
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
    SpdxOtherEncodings,
    DeviceListCsv,
    DeviceListYaml,
    CsafVex,
)

SNIFF_BYTES = 64 * 1024


def format_by_id(format_id: str) -> type[InventoryFormat]:
    for fmt in FORMATS:
        if fmt.format_id == format_id:
            return fmt
    known = ", ".join(sorted(f.format_id for f in FORMATS))
    raise InventoryRejected(f"unknown format {format_id!r}; known formats: {known}")


def detect(name: str, data: bytes) -> type[InventoryFormat]:
    """The format of a file, from its name and then its content; a clear error when unknown."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    for fmt in FORMATS:
        if base in fmt.file_names:
            return fmt
    lowered = base.lower()
    for fmt in FORMATS:
        if any(lowered.endswith(suffix) for suffix in fmt.suffixes):
            return fmt
    head = data[:SNIFF_BYTES]
    for fmt in FORMATS:
        if fmt.sniff(base, head):
            return fmt
    raise InventoryRejected(
        f"{base}: not a format we read (SBOMs: CycloneDX, SPDX; lockfiles; dpkg/apk/rpm "
        "databases; device lists); name the format explicitly if the file name is unusual"
    )


def parse_upload(name: str, data: bytes, format_id: str | None = None) -> ParsedInventory:
    """Read an uploaded file: gzip taken off, its format named or detected, then parsed."""
    name, data = decompress(name, data)
    fmt = format_by_id(format_id) if format_id else detect(name, data)
    return fmt().parse(name, data)
