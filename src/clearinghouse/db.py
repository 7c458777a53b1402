"""Database engine, sessions, the declarative base and migrations.

SQLite (WAL mode) is the embedded default; PostgreSQL is used through the URL. Both run the same
Alembic migrations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, DateTime, Engine, MetaData, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from clearinghouse.json_text import json_text

# Stable constraint names, so that migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # A unit of work takes SQLite's write lock at BEGIN: a deferred transaction that reads and
    # then writes fails with "database is locked" when another writer committed in between.
    mode = connection.get_execution_options().get(IMMEDIATE_OPTION)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if mode else "BEGIN")


IMMEDIATE_OPTION = "clearinghouse_immediate"


def create_db_engine(url: URL | str) -> Engine:
    """An engine for `url`; SQLite files get WAL mode, foreign keys and a busy timeout."""
    engine = create_engine(
        url, pool_pre_ping=True, json_serializer=json_text, json_deserializer=orjson.loads
    )
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll everything back on any error.

    On SQLite it holds the write lock from the start, so concurrent units of work queue up
    (busy_timeout) instead of failing.
    """
    with factory() as session, session.begin():
        session.connection(execution_options={IMMEDIATE_OPTION: True})
        yield session


def describe_error(exc: SQLAlchemyError) -> str:
    """The first line of the driver's own message: what a person needs to see."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    return lines[0] if lines else type(cause).__name__


# Values in one IN (…) list: well under SQLite's limit on bound parameters (999 before 3.32).
IN_LIST_SIZE = 400
T = TypeVar("T")


def in_chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    """`items` in slices small enough for one IN (…) list each."""
    for start in range(0, len(items), IN_LIST_SIZE):
        yield items[start : start + IN_LIST_SIZE]


def upsert(
    session: Session,
    model: type[Base],
    keys: Sequence[str],
    updated: Iterable[str] | Mapping[str, Any],
) -> postgresql.Insert | sqlite.Insert:
    """INSERT … ON CONFLICT (`keys`) DO UPDATE, in the session's dialect (PostgreSQL or SQLite).

    `updated` names the columns a conflicting row takes from the one that was not inserted, or
    maps columns to expressions. Give the values with `.values()` or as execute parameters.
    """
    dialect = session.get_bind().dialect.name
    statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    assignments = (
        updated
        if isinstance(updated, Mapping)
        else {column: statement.excluded[column] for column in updated}
    )
    return statement.on_conflict_do_update(index_elements=list(keys), set_=assignments)


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


# --- migrations -------------------------------------------------------------------------------


def migrations_dir() -> Path:
    """The Alembic scripts: inside the installed wheel, else the source checkout's migrations/."""
    packaged = Path(__file__).parent / "_migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to `revision` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    script = ScriptDirectory(str(migrations_dir()))
    return script.get_current_head()
