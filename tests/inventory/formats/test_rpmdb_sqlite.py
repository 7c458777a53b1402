"""rpmdb.sqlite: rpm headers read from a real database that rpm itself wrote.

The database (tests/data/rpmdb/, see its README) holds hello-tool (no epoch) and two binary
packages, libexample and example-doc, built with epoch 2 from the source package "example".
"""

from __future__ import annotations

import sqlite3
import struct
import tempfile
from pathlib import Path

import pytest

from clearinghouse.inventory.formats.interface import InventoryRejected
from clearinghouse.inventory.formats.registry import detect
from clearinghouse.inventory.formats.rpm_header import HeaderError, read_header
from clearinghouse.inventory.formats.rpmdb_sqlite import RpmDbSqlite

DATABASE = Path(__file__).resolve().parents[2] / "data" / "rpmdb" / "rpmdb.sqlite"


def test_packages_of_a_real_database() -> None:
    parsed = RpmDbSqlite().parse("rpmdb.sqlite", DATABASE.read_bytes())
    assert [(c.name, c.version, c.source_name) for c in parsed.components] == [
        ("hello-tool", "1.2.3-4.fc40", "hello-tool"),
        ("libexample", "2:2.0-1.el9", "example"),
        ("example-doc", "2:2.0-1.el9", "example"),
    ]
    assert {c.ecosystem for c in parsed.components} == {"Red Hat"}
    assert parsed.components[1].purl == "pkg:rpm/redhat/libexample@2.0-1.el9?arch=x86_64&epoch=2"
    assert parsed.components[2].purl == "pkg:rpm/redhat/example-doc@2.0-1.el9?arch=noarch&epoch=2"


def test_the_temporary_copy_is_removed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    RpmDbSqlite().parse("rpmdb.sqlite", DATABASE.read_bytes())
    with pytest.raises(InventoryRejected):
        RpmDbSqlite().parse("rpmdb.sqlite", b"SQLite format 3\0" + b"\0" * 200)
    assert list(tmp_path.iterdir()) == []


def changed_database(tmp_path: Path, change: str, *args: object) -> bytes:
    """A copy of the real database with one SQL change applied."""
    copy = tmp_path / "rpmdb.sqlite"
    copy.write_bytes(DATABASE.read_bytes())
    connection = sqlite3.connect(copy)
    connection.execute(change, args)
    connection.commit()
    connection.close()
    return copy.read_bytes()


def first_blob() -> bytes:
    connection = sqlite3.connect(f"{DATABASE.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        (blob,) = connection.execute("SELECT blob FROM Packages WHERE hnum = 2").fetchone()
    finally:
        connection.close()
    assert isinstance(blob, bytes)
    return blob


def test_a_truncated_header_is_rejected_clearly(tmp_path: Path) -> None:
    data = changed_database(
        tmp_path, "UPDATE Packages SET blob = substr(blob, 1, 100) WHERE hnum = 2"
    )
    with pytest.raises(InventoryRejected, match="package 2: bad rpm header: truncated"):
        RpmDbSqlite().parse("rpmdb.sqlite", data)


def test_an_entry_pointing_outside_the_data_is_rejected_clearly(tmp_path: Path) -> None:
    blob = bytearray(first_blob())
    entries = struct.unpack_from(">I", blob, 0)[0]
    for index in range(entries):
        tag = struct.unpack_from(">I", blob, 8 + 16 * index)[0]
        if tag == 1000:  # NAME
            struct.pack_into(">I", blob, 8 + 16 * index + 8, 0x7FFFFFFF)
    data = changed_database(tmp_path, "UPDATE Packages SET blob = ? WHERE hnum = 2", bytes(blob))
    with pytest.raises(InventoryRejected, match=r"package 2: .*tag 1000.*outside the data"):
        RpmDbSqlite().parse("rpmdb.sqlite", data)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"\0\0", "shorter than the 8-byte header preamble"),
        (b"\0\0\0\0\0\0\0\0", "implausible sizes: 0 entries"),
        (struct.pack(">II", 1, 4) + struct.pack(">IIII", 1000, 4, 0, 1) + b"abcd", "type 4"),
        (struct.pack(">II", 1, 3) + struct.pack(">IIII", 1000, 6, 0, 1) + b"abc", "runs past"),
        (struct.pack(">II", 1, 2) + struct.pack(">IIII", 1000, 6, 0, 1) + b"a\0", "no 1001"),
    ],
)
def test_corrupt_headers_say_why(blob: bytes, message: str) -> None:
    with pytest.raises(HeaderError, match=message):
        read_header(blob)


def test_a_database_without_packages_table_is_rejected(tmp_path: Path) -> None:
    data = changed_database(tmp_path, "ALTER TABLE Packages RENAME TO Other")
    with pytest.raises(InventoryRejected, match="without a Packages table"):
        RpmDbSqlite().parse("rpmdb.sqlite", data)


def test_other_bytes_are_rejected() -> None:
    with pytest.raises(InventoryRejected, match="no SQLite magic"):
        RpmDbSqlite().parse("rpmdb.sqlite", b"not a database")


def test_detected_by_name_and_content() -> None:
    data = DATABASE.read_bytes()
    assert detect("rpmdb.sqlite", b"") is RpmDbSqlite
    assert detect("var-lib-rpm.db", data) is RpmDbSqlite
