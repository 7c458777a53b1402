"""A device list as CSV, as a spreadsheet saves it.

Recognized by its header row (vendor, product, version among the columns), since such files
are named anything. Excel's habits are accepted: a UTF-8 byte order mark, UTF-16 ("Unicode
text"), and `;` or tab as the separator where `,` is the decimal comma.
"""

from __future__ import annotations

import csv
import io

from clearinghouse.inventory.formats.device_list import column, device, missing_columns
from clearinghouse.inventory.formats.interface import (
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)

_SEPARATORS = ",;\t"


def _text(name: str, data: bytes) -> str:
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InventoryRejected(
            f"{name}: not UTF-8 text (byte {error.start}); save the sheet as "
            "'CSV UTF-8 (comma delimited)'"
        ) from None


def _separator(header_line: str) -> str:
    return max(_SEPARATORS, key=header_line.count)


def _header_cells(head: bytes) -> list[str]:
    text = head.decode("utf-8-sig", errors="replace")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = head.decode("utf-16", errors="replace")
    first = next((line for line in text.splitlines() if line.strip()), "")
    return [column(cell) for cell in first.split(_separator(first))]


class DeviceListCsv(InventoryFormat):
    format_id = "device-list-csv"
    description = "Device list, CSV: vendor, product, version (cpe, name, notes optional)"

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        cells = {cell.strip('"') for cell in _header_cells(head)}
        return not missing_columns(cells)

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        text = _text(name, data)
        lines = text.splitlines()
        first = next((line for line in lines if line.strip()), None)
        if first is None:
            raise InventoryRejected(f"{name}: the file is empty; the first row names the columns")
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first))
        header: list[str] | None = None
        devices = []
        try:
            for cells in reader:
                if not any(cell.strip() for cell in cells):
                    continue
                if header is None:
                    header = [column(cell) for cell in cells]
                    missing = missing_columns(header)
                    if missing:
                        raise InventoryRejected(
                            f"{name}: row {reader.line_num} (the header) has no "
                            f"{', '.join(missing)} column; found: {', '.join(header)}"
                        )
                    continue
                if len(cells) > len(header):
                    raise InventoryRejected(
                        f"{name}: row {reader.line_num} has {len(cells)} cells, the header "
                        f"{len(header)}; is a value with a separator missing its quotes?"
                    )
                row = dict(zip(header, cells, strict=False))
                devices.append(device(row, f"row {reader.line_num}", name))
        except csv.Error as error:
            raise InventoryRejected(f"{name}: row {reader.line_num}: {error}") from None
        return ParsedInventory(format_id=self.format_id, components=tuple(devices))
