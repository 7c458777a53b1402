"""Compressed uploads: a gzip file is read as the file inside it, up to a size cap.

Large SBOMs are often shipped gzipped (`bom.json.gz`). The cap stops a gzip bomb (a few KiB
that inflate to gigabytes) from filling memory: inflation stops one byte past the cap.
"""

from __future__ import annotations

import zlib

from clearinghouse.inventory.formats.interface import InventoryRejected

GZIP_MAGIC = b"\x1f\x8b"
# Far above any real SBOM we have seen (the biggest example is 13 MiB inflated).
MAX_INFLATED_BYTES = 256 * 1024 * 1024
_CHUNK = 1024 * 1024


def decompress(name: str, data: bytes, *, limit: int = MAX_INFLATED_BYTES) -> tuple[str, bytes]:
    """The file's name and bytes with gzip taken off (`x.cdx.json.gz` → `x.cdx.json`).

    Anything that is not gzip comes back unchanged.
    """
    if not data.startswith(GZIP_MAGIC):
        return name, data
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header and trailer
    parts: list[bytes] = []
    size = 0
    pending = data
    try:
        while pending:
            part = inflater.decompress(pending, _CHUNK)
            pending = inflater.unconsumed_tail
            size += len(part)
            if size > limit:
                raise InventoryRejected(
                    f"{name}: inflates to more than {limit // 2**20} MiB; upload it uncompressed "
                    "or split it"
                )
            parts.append(part)
            if inflater.eof:
                break
    except zlib.error as error:
        raise InventoryRejected(f"{name}: not a readable gzip file ({error})") from None
    if not inflater.eof:
        raise InventoryRejected(f"{name}: the gzip data is cut short")
    inner = name[:-3] if name.lower().endswith(".gz") else name
    return inner, b"".join(parts)
