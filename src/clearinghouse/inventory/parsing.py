"""Reading one inventory file: size limit, format detection, parsing, never a crash."""

from __future__ import annotations

from pathlib import Path

from clearinghouse.inventory.formats.compression import decompress
from clearinghouse.inventory.formats.interface import InventoryRejected, ParsedInventory
from clearinghouse.inventory.formats.registry import detect, detect_by_name, format_by_id

MAX_FILE_BYTES = 100 * 2**20  # the largest real SBOMs are tens of MB
# Uploads above this are kept at once and parsed by a job, so that the request returns fast.
INLINE_BYTES = 4 * 2**20


def known_file(name: str) -> bool:
    """Whether a file's name alone says it is an inventory we read (for walking folders)."""
    return detect_by_name(name) is not None


def parse_bytes(name: str, data: bytes, format_id: str | None = None) -> ParsedInventory:
    """Parse a file's bytes; InventoryRejected says why when it cannot be read."""
    if len(data) > MAX_FILE_BYTES:
        raise InventoryRejected(
            f"{name}: {len(data):,} bytes is more than the {MAX_FILE_BYTES:,}-byte limit"
        )
    name, data = decompress(name, data)  # a gzipped SBOM is read as the SBOM it holds
    fmt = format_by_id(format_id) if format_id else detect(name, data)
    try:
        return fmt().parse(name, data)
    except InventoryRejected:
        raise
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError) as exc:
        # A parser bug or a shape it did not expect: the user gets a reason, not a traceback.
        raise InventoryRejected(
            f"{name}: cannot be read as {fmt.format_id} ({type(exc).__name__}: {exc})"
        ) from None


def parse_file(path: Path, format_id: str | None = None) -> ParsedInventory:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InventoryRejected(
            f"{path.name}: {size:,} bytes is more than the {MAX_FILE_BYTES:,}-byte limit"
        )
    return parse_bytes(path.name, path.read_bytes(), format_id)
