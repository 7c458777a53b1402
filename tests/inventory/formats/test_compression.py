"""Gzipped uploads are read as the file inside; a gzip bomb is stopped at the cap."""

from __future__ import annotations

import gzip

import pytest

from clearinghouse.inventory.formats.compression import decompress
from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.parsing import parse_bytes
from tests.shared_data import shared_file


def test_plain_bytes_pass_unchanged() -> None:
    assert decompress("bom.json", b"{}") == ("bom.json", b"{}")


def test_a_real_gzipped_sbom() -> None:
    path = shared_file("sbom-cyclonedx-examples/SBOM/keycloak-10.0.2/bom.json.gz")
    name, data = decompress(path.name, path.read_bytes())
    assert name == "bom.json"
    assert data == gzip.decompress(path.read_bytes())
    parsed = parse_bytes(path.name, path.read_bytes())
    assert parsed.format_id == "cyclonedx-json"
    assert len(parsed.components) == 903


def test_a_gzip_bomb_is_stopped_at_the_cap() -> None:
    bomb = gzip.compress(b"\0" * (8 * 2**20), compresslevel=9)
    assert len(bomb) < 2**15
    with pytest.raises(InventoryRejected, match="inflates to more than 4 MiB"):
        decompress("bom.json.gz", bomb, limit=4 * 2**20)
    assert len(decompress("bom.json.gz", bomb, limit=8 * 2**20)[1]) == 8 * 2**20


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (gzip.compress(b"{}", mtime=0)[:-6], "cut short"),
        (b"\x1f\x8b" + b"garbage", "not a readable gzip file"),
        # The right length, a wrong CRC in the trailer.
        (gzip.compress(b"x" * 1000, mtime=0)[:-8] + bytes(8), "not a readable gzip file"),
    ],
)
def test_broken_gzip_is_refused(data: bytes, why: str) -> None:
    with pytest.raises(InventoryRejected, match=why):
        decompress("bom.json.gz", data)
