"""Reports tests: small limits, the committed sdists as the only source index (no network)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from clearinghouse.config import Settings
from clearinghouse.identity.vocabulary import Scope
from tests.identity_world import World

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "validation-corpus"
SDISTS = DATA / "sdists"


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        in_process_worker=False,
        rate_limit_login="1000/minute",
        report_max_bytes=64 * 1024,
        report_file_max_bytes=8 * 1024,
        reports_quota="3/hour",
        source_index=SDISTS,
        source_index_url=None,
        _env_file=None,  # type: ignore[call-arg]
    )


def sqlparse_report() -> dict[str, Any]:
    """A real report: the ReDoS of PYSEC-2021-333 in sqlparse 0.4.1."""
    document: dict[str, Any] = json.loads(
        (CORPUS / "reproduced" / "PYSEC-2021-333.json").read_text()
    )
    return copy.deepcopy(document)


def finder_headers(world: World) -> dict[str, str]:
    return world.bearer("finder_admin", Scope.REPORTS_WRITE, Scope.REPORTS_READ)
