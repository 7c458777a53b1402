"""A knowledge base with the real PyPI, Go and RustSec corpora, imported once per test run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.knowledge import service
from clearinghouse.runtime import Runtime
from tests.shared_data import shared_file

CORPORA = (
    ("osv-pypi-pysec/pypa-advisory-database.tar.gz", None),
    ("osv-go-vulndb/golang-vulndb-data.tar.gz", "data/osv/*"),
    ("osv-rustsec/rustsec-osv-branch.tar.gz", None),
)


@pytest.fixture(scope="session")
def corpus_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    data_dir: Path = tmp_path_factory.mktemp("corpus")
    settings = Settings(data_dir=data_dir, database_url=None, _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime.create(settings)
    db.upgrade(runtime.engine)
    for relative, include in CORPORA:
        run = service.import_feed(runtime.sessions, "osv", shared_file(relative), include=include)
        assert run.status == "succeeded", run.failure
    yield runtime
    runtime.close()
