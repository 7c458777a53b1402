"""Jobs that keep the system itself healthy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from clearinghouse import models_registry
from clearinghouse.db import Base
from clearinghouse.jobs import JobContext, job


@job("system.optimize_database", retries=3, retry_delay=5.0)
def optimize_database(ctx: JobContext) -> dict[str, Any]:
    """Refresh the query planner's statistics (SQLite PRAGMA optimize, PostgreSQL ANALYZE)."""
    with ctx.sessions() as session:
        dialect = session.get_bind().dialect.name
        if dialect == "sqlite":
            session.execute(text("PRAGMA optimize"))
        else:
            # Only our own tables: a bare ANALYZE walks the whole database and can wait on
            # locks that other applications hold.
            models_registry.import_all()
            for table in Base.metadata.sorted_tables:
                session.execute(text(f'ANALYZE "{table.name}"'))
        session.commit()
    return {"database": dialect}
