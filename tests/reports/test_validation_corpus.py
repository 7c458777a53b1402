"""The whole validation corpus through grounding and validation, each verdict as expected.

Real: the sdists come from PyPI (grounding), the wheels from PyPI (the trusted prepare step), the
PoCs run in the real sandbox. The sandbox folder is kept between runs (wheelhouses and built
environments are cached there, as on a validating worker), so only the first run downloads.
Takes a few minutes, most of it the ReDoS PoCs waiting for their own 10 s alarms.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse.config import Settings
from clearinghouse.jobs import JobContext
from clearinghouse.reports import service
from clearinghouse.reports.models import Report
from clearinghouse.reports.tasks import ground_report, validate_report
from clearinghouse.sandbox.bubblewrap import BubblewrapSandbox
from tests.conftest import service_missing
from tests.identity_world import World
from tests.reports.conftest import CORPUS, finder_headers

SANDBOX_DIR = Path(
    os.environ.get("CLEARINGHOUSE_TEST_SANDBOX_DIR", "/var/tmp/clearinghouse-test-sandbox")
)
EXPECTED: dict[str, dict[str, str]] = json.loads((CORPUS / "expected.json").read_text())["reports"]


@pytest.fixture
def database_url(postgres_schema_url: str) -> str:
    return postgres_schema_url  # one database is enough for this long test


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    box = BubblewrapSandbox(SANDBOX_DIR)
    report = box.check()
    if not report.usable:
        service_missing("the bubblewrap sandbox", "; ".join(f.name for f in report.missing))
    return Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        queue_url=f"sqlite:///{tmp_path / 'queue.db'}",
        in_process_worker=False,
        rate_limit_login="1000/minute",
        reports_quota="1000/hour",
        source_index_url="https://pypi.org/simple",
        sandbox_dir=SANDBOX_DIR,
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.mark.timeout(1800)
def test_every_corpus_report_gets_its_verdict(client: TestClient, world: World) -> None:
    assert len([k for k in EXPECTED if k.startswith("reproduced/")]) >= 15
    assert len([k for k in EXPECTED if k.startswith("bogus/")]) >= 15
    headers = finder_headers(world)
    runtime = world.runtime
    queued: list[tuple[str, dict[str, Any]]] = []

    def enqueue(name: str, **kwargs: Any) -> str:
        queued.append((name, kwargs))
        return "queued"

    context = JobContext(runtime.settings, runtime.sessions, "corpus", enqueue)
    wrong = {}
    started = time.monotonic()
    validating = 0.0
    for name, expected in sorted(EXPECTED.items()):
        document = json.loads((CORPUS / name).read_text())
        answer = client.post("/api/v1/reports", json=document, headers=headers)
        assert answer.status_code == 201, answer.text
        report_id = answer.json()["report"]["id"]
        ground_report(context, report_id=report_id)
        began = time.monotonic()
        for job_name, arguments in queued:
            assert job_name == service.VALIDATION_JOB
            validate_report(context, **arguments)
        validating += time.monotonic() - began
        queued.clear()
        shown = client.get(f"/api/v1/reports/{report_id}", headers=headers).json()
        if shown["verdict"] != expected["validation"]:
            details = shown["verdict_details"] or {}
            reason = details.get("validation", {}).get("reason") or details.get("grounding")
            wrong[name] = (shown["verdict"], expected["validation"], reason)
        # Each report is judged as the first on its target: several corpus reports are variants
        # of one another's text (bogus ones built from real ones), which deduplication would
        # rightly link. Deduplication has its own tests.
        with runtime.sessions() as session:
            session.delete(session.get_one(Report, report_id))
            session.commit()
    print(
        f"\ncorpus: {len(EXPECTED)} reports, {time.monotonic() - started:.1f} s, "
        f"of which validation {validating:.1f} s"
    )
    assert wrong == {}
