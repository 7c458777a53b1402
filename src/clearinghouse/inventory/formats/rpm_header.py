"""The rpm header, as rpm stores one per installed package in its database.

A header blob is: the index length `il` and data length `dl` (big-endian uint32), `il` index
entries of 16 bytes (tag, type, offset, count), then `dl` bytes of data the entries point into.
(A header inside an .rpm file is preceded by an 8-byte magic; the database keeps it without.)
Only the tags that identify a package are read; every offset and length is checked against the
blob, so a truncated or corrupt header is a clear error, never a wrong package.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

NAME, VERSION, RELEASE, EPOCH, VENDOR, ARCH, SOURCERPM = 1000, 1001, 1002, 1003, 1011, 1022, 1044
STRING_TAGS = {NAME, VERSION, RELEASE, VENDOR, ARCH, SOURCERPM}
INT32, STRING, I18NSTRING = 4, 6, 9
MAX_ENTRIES = 0xFFFF  # rpm's own limits on a header (hdrchkTags, hdrchkData)
MAX_DATA = 256 * 1024 * 1024


class HeaderError(ValueError):
    """A blob that is not a well-formed rpm header; the message says where."""


@dataclass(frozen=True)
class PackageHeader:
    name: str
    version: str
    release: str
    epoch: int | None
    arch: str | None
    source_rpm: str | None
    vendor: str | None


def c_string(store: bytes, offset: int, tag: int) -> str:
    end = store.find(b"\0", offset)
    if end < 0:
        raise HeaderError(f"tag {tag}: string runs past the end of the data")
    try:
        return store[offset:end].decode("utf-8")
    except UnicodeDecodeError:
        return store[offset:end].decode("latin-1")  # old packages wrote Latin-1 vendors


def read_header(blob: bytes) -> PackageHeader:
    if len(blob) < 8:
        raise HeaderError(f"{len(blob)} bytes, shorter than the 8-byte header preamble")
    entries, data_length = struct.unpack_from(">II", blob, 0)
    if not 0 < entries <= MAX_ENTRIES or data_length > MAX_DATA:
        raise HeaderError(f"implausible sizes: {entries} entries, {data_length} data bytes")
    store_start = 8 + 16 * entries
    if len(blob) < store_start + data_length:
        raise HeaderError(
            f"truncated: {len(blob)} bytes, the header declares {store_start + data_length}"
        )
    store = blob[store_start : store_start + data_length]
    values: dict[int, str | int] = {}
    for index in range(entries):
        tag, kind, offset, count = struct.unpack_from(">IIII", blob, 8 + 16 * index)
        if tag not in STRING_TAGS and tag != EPOCH:
            continue
        if offset >= data_length or count == 0:
            raise HeaderError(f"entry {index} (tag {tag}): offset {offset} outside the data")
        if tag == EPOCH:
            if kind != INT32 or offset + 4 > data_length:
                raise HeaderError(f"entry {index}: EPOCH is not a 32-bit integer in the data")
            values[tag] = struct.unpack_from(">I", store, offset)[0]
        elif kind in (STRING, I18NSTRING):
            values[tag] = c_string(store, offset, tag)
        else:
            raise HeaderError(f"entry {index} (tag {tag}): type {kind} where a string belongs")
    missing = [t for t in (NAME, VERSION, RELEASE) if not values.get(t)]
    if missing:
        raise HeaderError(f"no {', '.join(str(t) for t in missing)} tag (NAME 1000, VERSION "
                          "1001, RELEASE 1002)")  # fmt: skip

    def text(tag: int) -> str | None:
        value = values.get(tag)
        return value if isinstance(value, str) and value else None

    epoch = values.get(EPOCH)
    return PackageHeader(
        name=str(values[NAME]),
        version=str(values[VERSION]),
        release=str(values[RELEASE]),
        epoch=epoch if isinstance(epoch, int) else None,
        arch=text(ARCH),
        source_rpm=text(SOURCERPM),
        vendor=text(VENDOR),
    )
