"""Parsing in a worker process stores exactly what parsing in the importing process does."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from clearinghouse import db
from clearinghouse.knowledge.models import ImportRun, SourceRecordRow, Vulnerability
from clearinghouse.knowledge.parsing import parse_events_in_worker
from clearinghouse.knowledge.pipeline import run_import
from clearinghouse.knowledge.sources.inputs import InputError
from clearinghouse.knowledge.sources.osv import OsvImporter
from clearinghouse.runtime import Runtime
from tests.shared_data import shared_file


def stored(runtime: Runtime) -> tuple[set[tuple[str, str, str]], set[str]]:
    with runtime.sessions() as session:
        records = session.execute(
            select(SourceRecordRow.source, SourceRecordRow.record_id, SourceRecordRow.content_hash)
        )
        displays = session.scalars(select(Vulnerability.display_id))
        return {tuple(r) for r in records}, set(displays)  # type: ignore[misc]


def test_worker_and_inline_parsing_store_the_same(runtime: Runtime, tmp_path: Path):
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("compared on SQLite, where a second database is a file away")
    corpus = next(shared_file("osv-go-vulndb").glob("*.tar.gz"))
    run_import(runtime.sessions, OsvImporter(), corpus, include="data/osv/GO-2022-*", parallel=True)
    in_worker = stored(runtime)
    assert len(in_worker[0]) > 300
    other = Runtime.create(runtime.settings.model_copy(update={"data_dir": tmp_path}))
    try:
        db.upgrade(other.engine)
        run_import(
            other.sessions, OsvImporter(), corpus, include="data/osv/GO-2022-*", parallel=False
        )
        assert stored(other) == in_worker
    finally:
        other.close()


def test_an_unreadable_input_fails_in_the_worker_before_a_run_is_recorded(
    runtime: Runtime, tmp_path: Path
):
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"\x1f\x8b not really gzip")
    with pytest.raises(InputError):
        run_import(runtime.sessions, OsvImporter(), broken, parallel=True)
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportRun)) == 0


def test_the_worker_stops_when_the_consumer_stops(tmp_path: Path):
    archive = tmp_path / "many.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for number in range(3000):
            body = b'{"id": "TEST-%d", "modified": "2024-01-01T00:00:00Z", "summary": "%d"}' % (
                number,
                number,
            )
            member = tarfile.TarInfo(f"records/TEST-{number}.json")
            member.size = len(body)
            tar.addfile(member, io.BytesIO(body))
    events = parse_events_in_worker(OsvImporter(), archive, None, {})
    first = next(events)
    assert first is not None
    events.close()  # the worker is killed and reaped: no process is left behind
    with pytest.raises(StopIteration):
        next(events)
