"""rpm's package database in SQLite form (`/var/lib/rpm/rpmdb.sqlite`, rpm 4.16 and later).

The table `Packages(hnum, blob)` holds one rpm header per installed package (`rpm_header.py`
reads them). The parser gets the file's bytes: they are written to a private temporary file,
opened read-only and immutable (no journal, WAL or lock files are made or read), and removed.
Each package is a component named by its NAME, at `[EPOCH:]VERSION-RELEASE` as Red Hat's OSV
advisories spell versions, with the source package (SOURCERPM without "-VERSION-RELEASE.src.rpm")
in `source_name`. The `gpg-pubkey` entries are the signing keys rpm imported, not software, and
are skipped. The ecosystem is "Red Hat": the database does not name the distribution (the
VENDOR tag is kept as the component's vendor).
"""

from __future__ import annotations

import os
import re
import sqlite3
import tempfile
from pathlib import Path
from typing import ClassVar

from packageurl import PackageURL

from clearinghouse.inventory.formats.interface import (
    Component,
    InventoryFormat,
    InventoryRejected,
    ParsedInventory,
)
from clearinghouse.inventory.formats.rpm_header import HeaderError, PackageHeader, read_header

SQLITE_MAGIC = b"SQLite format 3\0"
PACKAGES_TABLE = re.compile(rb"CREATE TABLE ['\"`]?Packages['\"`]? ?\(")
SOURCE_RPM = re.compile(r"^(?P<name>.+)-[^-]+-[^-]+\.(?:no)?src\.rpm$")


def read_blobs(name: str, data: bytes) -> list[tuple[int, bytes]]:
    """(hnum, blob) of every row of the Packages table."""
    descriptor, path = tempfile.mkstemp(suffix=".sqlite", prefix="rpmdb-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        uri = f"{Path(path).as_uri()}?mode=ro&immutable=1"
        connection = sqlite3.connect(uri, uri=True)
        try:
            # A view of that name would run the file's own SQL: only a real table is read.
            kind = connection.execute(
                "SELECT type FROM sqlite_master WHERE name = 'Packages'"
            ).fetchone()
            if kind != ("table",):
                raise InventoryRejected(f"{name}: an SQLite database without a Packages table")
            rows = connection.execute("SELECT hnum, blob FROM Packages ORDER BY hnum").fetchall()
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise InventoryRejected(f"{name}: not a readable rpm SQLite database: {error}") from None
    finally:
        Path(path).unlink(missing_ok=True)
    blobs = []
    for hnum, blob in rows:
        if not isinstance(blob, bytes):
            raise InventoryRejected(f"{name}: package {hnum}: the header is not a blob")
        blobs.append((hnum, blob))
    return blobs


def rpm_version(header: PackageHeader) -> str:
    version = f"{header.version}-{header.release}"
    return f"{header.epoch}:{version}" if header.epoch else version


class RpmDbSqlite(InventoryFormat):
    format_id: ClassVar[str] = "rpmdb-sqlite"
    description: ClassVar[str] = "rpm package database, SQLite (/var/lib/rpm/rpmdb.sqlite)"
    file_names: ClassVar[tuple[str, ...]] = ("rpmdb.sqlite",)

    @classmethod
    def sniff(cls, name: str, head: bytes) -> bool:
        del name
        return head.startswith(SQLITE_MAGIC) and PACKAGES_TABLE.search(head) is not None

    def parse(self, name: str, data: bytes) -> ParsedInventory:
        if not data.startswith(SQLITE_MAGIC):
            raise InventoryRejected(f"{name}: not an SQLite database (no SQLite magic)")
        components: list[Component] = []
        for hnum, blob in read_blobs(name, data):
            try:
                header = read_header(blob)
            except HeaderError as error:
                raise InventoryRejected(
                    f"{name}: package {hnum}: bad rpm header: {error}"
                ) from None
            if header.name == "gpg-pubkey":
                continue
            source = SOURCE_RPM.match(header.source_rpm or "")
            qualifiers = {"arch": header.arch or ""}
            if header.epoch:
                qualifiers["epoch"] = str(header.epoch)
            components.append(
                Component(
                    name=header.name,
                    version=rpm_version(header),
                    ecosystem="Red Hat",
                    purl=PackageURL(
                        type="rpm",
                        namespace="redhat",
                        name=header.name,
                        version=f"{header.version}-{header.release}",
                        qualifiers={k: v for k, v in qualifiers.items() if v},
                    ).to_string(),
                    source_name=source["name"] if source else None,
                    vendor=header.vendor,
                    location=f"Packages hnum {hnum}",
                )
            )
        return ParsedInventory(format_id=self.format_id, components=tuple(components))
