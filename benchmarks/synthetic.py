"""What the benchmarks share: a fresh data folder and database, and inventories written in bulk.

Rows go in with plain INSERTs, not through the inventory service: a benchmark of matching or
plans should not spend minutes parsing thousands of generated SBOMs first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.inventory.models import ComponentRow, InventoryUpload, UploadStatus
from clearinghouse.runtime import Runtime


@contextmanager
def fresh_runtime(database_url: str | None = None) -> Iterator[tuple[Runtime, Path]]:
    """A migrated database (SQLite in a temporary data folder unless a URL is given)."""
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), database_url=database_url, _env_file=None)  # type: ignore[call-arg]
        runtime = Runtime.create(settings)
        db.upgrade(runtime.engine)
        try:
            yield runtime, Path(data_dir)
        finally:
            runtime.close()


def add_components(
    session: Session,
    components: dict[str, Sequence[tuple[str, str, str]]],
    file_name: str = "bom.json",
) -> None:
    """One current upload per asset holding its (ecosystem, name, version) components."""
    chunk = list(components)
    session.execute(
        insert(InventoryUpload),
        [
            {
                "asset_id": asset_id,
                "version": 1,
                "current": True,
                "file_name": file_name,
                "format_id": "benchmark",
                "sha256": "0" * 64,
                "size": 0,
                "content": b"",
                "status": UploadStatus.PARSED,
                "warnings": [],
                "vex": [],
                "component_count": len(components[asset_id]),
            }
            for asset_id in chunk
        ],
    )
    upload_ids = dict(
        session.execute(
            select(InventoryUpload.asset_id, InventoryUpload.id).where(
                InventoryUpload.asset_id.in_(chunk)
            )
        ).all()
    )
    session.execute(
        insert(ComponentRow),
        [
            {
                "upload_id": upload_ids[asset_id],
                "asset_id": asset_id,
                "current": True,
                "name": name,
                "version": version,
                "ecosystem": ecosystem,
                "lookup_name": name,
                "dev": False,
            }
            for asset_id in chunk
            for ecosystem, name, version in components[asset_id]
        ],
    )
