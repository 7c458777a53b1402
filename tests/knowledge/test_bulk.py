"""Bulk writes store what the ORM would, and a database error surfaces as SQLAlchemy's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Table, select
from sqlalchemy.exc import SQLAlchemyError

from clearinghouse import db
from clearinghouse.knowledge.bulk import allocate_ids, append_rows
from clearinghouse.knowledge.models import AffectedPackageRow, ImportRun
from clearinghouse.runtime import Runtime


def _table(model: type[db.Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def test_rows_read_back_as_the_orm_wrote_them(runtime: Runtime) -> None:
    started = datetime(2026, 11, 26, 12, 30, 1, 250000, tzinfo=UTC)
    columns = ("id", "pipeline_id", "licence", "input", "status", "started_at", "documents")
    columns += ("added", "changed", "unchanged", "withdrawn", "rejected", "errors")
    errors = '[{"file":"a.json","reason":"bad"}]'  # a JSON column is given as JSON text
    with db.transaction(runtime.sessions) as session:
        ids = allocate_ids(session, _table(ImportRun), 2)
        rows = [
            (i, "osv", "CC0-1.0", "in", "running", started, 0, 0, 0, 0, 0, 0, "[]") for i in ids
        ]
        append_rows(session, _table(ImportRun), columns, rows)
        (third,) = allocate_ids(session, _table(ImportRun), 1)
        row = (third, "osv", "CC0-1.0", "in", "running", started, 0, 0, 0, 0, 0, 0, errors)
        append_rows(session, _table(ImportRun), columns, [row])
    assert len(set(ids)) == 2 and third > max(ids)
    with runtime.sessions() as session:
        stored = session.get(ImportRun, third)
        assert stored is not None
        assert stored.started_at == started
        assert stored.errors == [{"file": "a.json", "reason": "bad"}]
        # The next id the database hands out itself comes after those we took.
        fresh = ImportRun(pipeline_id="osv", licence="x", input="in", status="running", errors=[])
        session.add(fresh)
        session.commit()
        assert fresh.id > third


def test_a_database_error_in_a_bulk_write_is_a_sqlalchemy_error(runtime: Runtime) -> None:
    columns = ("record_id", "vulnerability_id", "ecosystem", "name", "ranges", "versions")
    orphan = (999999, "no-such-vulnerability", "PyPI", "x", "[]", "[]")  # foreign keys fail
    with pytest.raises(SQLAlchemyError), db.transaction(runtime.sessions) as session:
        append_rows(session, _table(AffectedPackageRow), columns, [orphan])
    with runtime.sessions() as session:
        assert session.scalars(select(AffectedPackageRow)).all() == []
