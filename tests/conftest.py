"""Shared fixtures: every database test runs on SQLite and on PostgreSQL.

Set CLEARINGHOUSE_REQUIRE_SERVICES=1 (CI does) to make PostgreSQL, Redis and Chromium mandatory:
their tests then fail, instead of skipping, when the service is missing.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from clearinghouse import db
from clearinghouse.app import create_app
from clearinghouse.config import Settings
from clearinghouse.runtime import Runtime

REQUIRE_SERVICES = os.environ.get("CLEARINGHOUSE_REQUIRE_SERVICES") == "1"
POSTGRES_URL = os.environ.get(
    "CLEARINGHOUSE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def worker_redis_url(base: str, worker: str | None) -> str:
    """Each pytest-xdist worker its own Redis db, counting down from the base URL's.

    Tests empty their db (flushdb); two workers sharing one would empty each other's queue.
    Without xdist (no worker) the base URL is used unchanged.
    """
    if not worker:
        return base
    parts = urlsplit(base)
    base_db = int(parts.path.strip("/") or 0)
    db_number = base_db - int(worker.removeprefix("gw"))
    if db_number < 0:
        raise pytest.UsageError(
            f"CLEARINGHOUSE_TEST_REDIS_URL={base}: worker {worker} would need Redis db "
            f"{db_number}; use a base db at least as high as the number of workers minus one"
        )
    return urlunsplit(parts._replace(path=f"/{db_number}"))


REDIS_URL = worker_redis_url(
    os.environ.get("CLEARINGHOUSE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    os.environ.get("PYTEST_XDIST_WORKER"),
)
CHROMIUM = os.environ.get("CLEARINGHOUSE_TEST_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


def service_missing(what: str, why: str) -> None:
    message = f"{what} is not available ({why})"
    if REQUIRE_SERVICES:
        pytest.fail(message + "; CLEARINGHOUSE_REQUIRE_SERVICES=1 makes it mandatory")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_server() -> str:
    try:
        engine = create_engine(POSTGRES_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as exc:
        service_missing("PostgreSQL", str(exc.orig).strip().splitlines()[0])
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_server() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        service_missing("Redis", str(exc))
    return REDIS_URL


@pytest.fixture
def chromium() -> str:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        service_missing("Chromium", f"{CHROMIUM} not found; `make test` installs it")
    return CHROMIUM


@pytest.fixture
def postgres_schema_url(postgres_server: str) -> Iterator[str]:
    """A URL whose connections work in a fresh, private schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'clearinghouse.db'}"
    return str(request.getfixturevalue("postgres_schema_url"))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        in_process_worker=False,
        # Tests sign in many times from one address; the throttle has its own tests.
        rate_limit_login="1000/minute",
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A migrated database and a queue, as `serve` would have them."""
    runtime = Runtime.create(settings)
    db.upgrade(runtime.engine)
    yield runtime
    runtime.close()


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=runtime, start_consumer=False)) as test_client:
        yield test_client


@pytest.fixture
def world(runtime: Runtime):  # type: ignore[no-untyped-def]
    from tests.identity_world import build_world

    return build_world(runtime)


@pytest.fixture
def browser_client(runtime: Runtime) -> Iterator[TestClient]:
    """A client over HTTPS, so that Secure cookies (sessions, CSRF) travel as in a browser."""
    app = create_app(runtime=runtime, start_consumer=False)
    with TestClient(app, base_url="https://testserver") as test_client:
        yield test_client
