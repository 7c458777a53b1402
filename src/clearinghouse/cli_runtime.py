"""Opening the runtime from the command line: settings, logging, database readiness.

Every failure here is one line on stderr with exit code 2, naming the setting at fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from clearinghouse import console, db
from clearinghouse.config import ConfigError, Settings, load_settings
from clearinghouse.logs import configure_logging
from clearinghouse.runtime import Runtime


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        console.fail(str(exc), console.EXIT_USAGE)


def fail_unusable_database(runtime: Runtime, exc: SQLAlchemyError) -> NoReturn:
    shown = runtime.settings.database.render_as_string(hide_password=True)
    console.fail(
        f"CLEARINGHOUSE_DATABASE_URL: cannot use {shown}: {db.describe_error(exc)}",
        console.EXIT_USAGE,
    )


def prepare_database(runtime: Runtime, *, migrate_embedded: bool = True) -> None:
    """Make sure the database answers and has the current schema.

    The embedded SQLite default is migrated on the spot; an external database must be migrated
    on purpose, with `clearinghouse db upgrade`.
    """
    shown = runtime.settings.database.render_as_string(hide_password=True)
    try:
        db.ping(runtime.engine)
        if runtime.settings.uses_embedded_database and migrate_embedded:
            db.upgrade(runtime.engine)
            return
        revision = db.current_revision(runtime.engine)
    except SQLAlchemyError as exc:
        fail_unusable_database(runtime, exc)
    head = db.head_revision()
    if revision != head:
        console.fail(
            f"the database {shown} is at schema {revision or 'none'}, this version needs "
            f"{head}: run `clearinghouse db upgrade`",
            console.EXIT_USAGE,
        )


@contextmanager
def open_runtime(*, check_database: bool = True) -> Iterator[Runtime]:
    settings = settings_or_exit()
    configure_logging(settings)
    try:
        runtime = Runtime.create(settings)
    except ConfigError as exc:
        console.fail(str(exc), console.EXIT_USAGE)
    try:
        if check_database:
            prepare_database(runtime)
        yield runtime
    finally:
        runtime.close()
