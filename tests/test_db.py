from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from clearinghouse import db, models_registry
from clearinghouse.runtime import Runtime
from clearinghouse.system.models import JobRun
from tests.helpers import run_concurrently


def test_migrations_reach_head_and_are_idempotent(runtime: Runtime):
    assert db.current_revision(runtime.engine) == db.head_revision()
    db.upgrade(runtime.engine)  # a second run changes nothing and does not fail
    assert db.current_revision(runtime.engine) == db.head_revision()


def test_models_and_migrations_agree(runtime: Runtime):
    """A model change without its migration fails here, on both databases."""
    models_registry.import_all()
    with runtime.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.Base.metadata)
    assert differences == []


def test_timestamps_come_back_timezone_aware_utc(runtime: Runtime):
    queued = datetime(2026, 12, 10, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    with db.transaction(runtime.sessions) as session:
        session.add(
            JobRun(
                id="t1",
                name="n",
                arguments_digest="d",
                arguments={},
                queue="sqlite",
                queued_at=queued,
            )
        )
    with runtime.sessions() as session:
        stored = session.scalars(select(JobRun.queued_at)).one()
    assert stored == queued
    assert stored.tzinfo == UTC
    assert stored.hour == 14


def test_naive_timestamps_are_refused(runtime: Runtime):
    with (
        pytest.raises(StatementError, match="naive datetime"),
        db.transaction(runtime.sessions) as session,
    ):
        session.add(
            JobRun(
                id="t2",
                name="n",
                arguments_digest="d",
                arguments={},
                queue="sqlite",
                queued_at=datetime(2026, 1, 1),
            )
        )
    with runtime.sessions() as session:
        assert session.get(JobRun, "t2") is None  # nothing half-written


def test_sqlite_runs_in_wal_mode_with_foreign_keys(runtime: Runtime):
    if runtime.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with runtime.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_concurrent_units_of_work_that_read_then_write_all_succeed(runtime: Runtime):
    """Each worker reads the row count, then inserts: no 'database is locked', nothing lost."""

    def work(index: int) -> None:
        for step in range(5):
            with db.transaction(runtime.sessions) as session:
                session.scalars(select(JobRun.id)).all()
                session.add(
                    JobRun(
                        id=f"c{index}-{step}",
                        name="n",
                        arguments_digest="d",
                        arguments={},
                        queue="sqlite",
                        queued_at=db.utcnow(),
                    )
                )

    assert run_concurrently(work, 6) == []
    with runtime.sessions() as session:
        assert len(session.scalars(select(JobRun.id)).all()) == 30
