"""Writing many new rows at once: COPY on PostgreSQL, one executemany of a plain INSERT on SQLite.

An import writes hundreds of thousands of affected-package and affected-product rows. Through
the ORM or a Core insert each row's parameters are built, processed and (on PostgreSQL) rendered
into multi-row VALUES one by one in Python; here the driver does the work in C. JSON columns are
given as JSON text (knowledge.records serializes them where the record is parsed); every other
value is bound by its column type's own bind processor, so what is stored is what the ORM would
store. Runs inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def append_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert `rows` (values in the order of `columns`) into `table`."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    processors = [
        None
        if isinstance(table.c[name].type, JSON)
        else table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        for name in columns
    ]
    if any(processors):
        rows = [
            tuple(
                value if p is None else p(value) for p, value in zip(processors, row, strict=True)
            )
            for row in rows
        ]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(name) for name in columns)
    if dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        statement = f"COPY {quote(table.name)} ({names}) FROM STDIN"
        try:
            with raw.cursor() as cursor, cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
        except dialect.loaded_dbapi.Error as exc:
            # Raised by the driver itself, not through SQLAlchemy: wrapped as SQLAlchemy would,
            # so that the caller's handling of database errors (a failed run) applies.
            raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error) from exc
    else:
        marks = ", ".join("?" for _ in columns)
        # Names from our own models, quoted; every value bound.
        statement = f"INSERT INTO {quote(table.name)} ({names}) VALUES ({marks})"  # noqa: S608
        connection.exec_driver_sql(statement, rows)


def allocate_ids(session: Session, table: Table, count: int) -> list[int]:
    """`count` new values of the table's integer primary key `id`, for rows written with them.

    PostgreSQL: from the column's sequence. SQLite: after the largest id, as SQLite itself
    would number them; safe because a unit of work holds SQLite's write lock from its start
    (db.transaction).
    """
    if count <= 0:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        return list(
            connection.execute(
                text(
                    "SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                    "FROM generate_series(1, :count)"
                ),
                {"table": table.name, "count": count},
            ).scalars()
        )
    last = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    return list(range(last + 1, last + 1 + count))
