"""Scorecards, the triage queue and the evidence on a report's page, through every door."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.models import User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.jobs import JobContext
from clearinghouse.reports import scorecards, service, triage
from clearinghouse.reports.models import Report
from clearinghouse.reports.tasks import ground_report
from clearinghouse.runtime import Runtime
from tests.helpers import cli_env, run_cli
from tests.identity_world import ORIGIN, World, csrf_from, sign_in
from tests.reports.conftest import CORPUS, sqlparse_report
from tests.reports.test_dedupe import _second_finder


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The reports tests' settings, with room for the six reports of these tests."""
    return settings.model_copy(update={"reports_quota": "100/hour"})


def _principal(runtime: Runtime, user_id: str) -> Principal:
    with runtime.sessions() as session:
        user = session.get(User, user_id)
        assert user is not None
        return principal_for(user, via="session")


def _submit(runtime: Runtime, actor: Principal, document: dict[str, Any]) -> str:
    return service.intake(runtime, actor, ORIGIN, json.dumps(document).encode()).report.id


def _variant(title: str, model: str | None, cwe: str = "CWE-1333") -> dict[str, Any]:
    document = sqlparse_report()
    document["title"] = title
    document["description"] = f"{title}: a description of its own, about {model or 'no model'}."
    document["provenance"]["model"] = model
    document["provenance"]["model_version"] = None
    document["weakness"]["cwe"] = cwe
    return document


def _settle(runtime: Runtime, report_id: str, verdict: str, hours: float) -> None:
    """Validation's outcome, for counting (validation itself is another job's test)."""
    with db.transaction(runtime.sessions) as session:
        report = session.get(Report, report_id)
        assert report is not None
        report.verdict = verdict
        report.status = "validated"
        report.updated_at = report.created_at + timedelta(hours=hours)


def _world_of_reports(world: World) -> dict[str, str]:
    """Two finders, three models, verdicts from grounding and dedupe and some settled ones."""
    runtime = world.runtime
    deep = _principal(runtime, world.user_ids["finder_admin"])
    red = _second_finder(runtime)
    ids = {
        "real": _submit(runtime, deep, _variant("Comment stripping backtracks", "model-a")),
        "rce": _submit(runtime, deep, _variant("Code execution in format", "model-a", "CWE-94")),
        "flop": _submit(runtime, deep, _variant("Lexer hangs on quotes", "model-b")),
        "human": _submit(runtime, red, _variant("Found by reading the code", None)),
    }
    bogus = json.loads((CORPUS / "bogus" / "nonexistent-symbol.json").read_text())
    ids["bogus"] = _submit(runtime, deep, bogus)
    context = JobContext(runtime.settings, runtime.sessions, "test-run")
    for report_id in ids.values():
        ground_report(context, report_id=report_id)
    copy = _variant("Found by reading the code", None)
    copy["title"] += "!"
    ids["copy"] = _submit(runtime, deep, copy)
    ground_report(context, report_id=ids["copy"])
    _settle(runtime, ids["real"], "reproduced", 2)
    _settle(runtime, ids["rce"], "reproduced_unfixed", 4)
    _settle(runtime, ids["flop"], "not_reproduced", 1)
    return ids


def test_scorecards_count_verdicts_per_finder_and_model(client: TestClient, world: World):
    runtime = world.runtime
    ids = _world_of_reports(world)
    with runtime.sessions() as session:
        assert session.get(Report, ids["bogus"]).verdict == "ungrounded"  # type: ignore[union-attr]
        assert session.get(Report, ids["copy"]).verdict == "duplicate"  # type: ignore[union-attr]
    coordinator = _principal(runtime, world.user_ids["coordinator"])
    with runtime.sessions() as session:
        cards = scorecards.scorecards(session, coordinator, ORIGIN)
    deep = next(r for r in cards.by_organization if r.label == "Deep Scan Labs")
    assert (deep.submitted, deep.reproduced, deep.duplicates, deep.ungrounded) == (5, 2, 1, 1)
    assert (deep.not_reproduced, deep.pending, deep.decided) == (1, 0, 5)
    assert deep.precision == 0.4 and deep.median_hours_to_verdict is not None
    red = next(r for r in cards.by_organization if r.label == "Red Lantern Research")
    assert (red.submitted, red.pending, red.precision) == (1, 1, None)
    models = {r.label: r for r in cards.by_model}
    assert (models["model-a"].submitted, models["model-a"].precision) == (2, 1.0)
    assert models["model-a"].median_hours_to_verdict == 3.0  # of 2 h and 4 h
    assert models["model-b"].precision == 0.0
    assert models[scorecards.NO_MODEL].submitted == 2  # the human and its copy
    assert models["example-model 2026-09"].ungrounded == 1  # the bogus agent's

    # A finder sees its own organization's only, through the API; another's is a 404.
    headers = world.bearer("finder_admin", Scope.REPORTS_READ)
    own = client.get("/api/v1/reports/scorecards", headers=headers).json()
    assert [r["label"] for r in own["by_organization"]] == ["Deep Scan Labs"]
    assert sum(r["submitted"] for r in own["by_model"]) == 5
    other = client.get(f"/api/v1/reports/scorecards?organization={red.key}", headers=headers)
    assert other.status_code == 404
    everyone = world.bearer("coordinator", Scope.REPORTS_READ)
    both = client.get("/api/v1/reports/scorecards", headers=everyone).json()
    assert len(both["by_organization"]) == 2


def test_the_triage_queue_puts_what_to_act_on_first(client: TestClient, world: World):
    runtime = world.runtime
    ids = _world_of_reports(world)
    coordinator = _principal(runtime, world.user_ids["coordinator"])
    with runtime.sessions() as session:
        items = triage.queue(session, coordinator, ORIGIN)
    order = [i.id for i in items]
    # reproduced, reproduced without a fix, in the pipeline, duplicate, not reproduced, ungrounded
    assert order == [ids["real"], ids["rce"], ids["human"], ids["copy"], ids["flop"], ids["bogus"]]
    copy = items[3]
    assert copy.duplicate_of == ids["human"] and "dedupe" in copy.evidence
    assert items[1].severity == "critical"  # CWE-94
    with runtime.sessions() as session:
        only = triage.queue(session, coordinator, ORIGIN, group="ungrounded")
    assert [i.id for i in only] == [ids["bogus"]]
    api = client.get(
        "/api/v1/reports/triage?group=duplicate",
        headers=world.bearer("coordinator", Scope.REPORTS_READ),
    )
    assert [i["id"] for i in api.json()] == [ids["copy"]]
    wrong = client.get(
        "/api/v1/reports/triage?group=nonsense",
        headers=world.bearer("coordinator", Scope.REPORTS_READ),
    )
    assert wrong.status_code == 422 and "unknown group" in wrong.text


def test_the_pages_show_the_queue_the_evidence_and_take_the_coordinators_word(
    browser_client: TestClient, world: World
):
    ids = _world_of_reports(world)
    sign_in(browser_client, world.users["coordinator"])
    queue = browser_client.get("/reports/triage")
    assert queue.status_code == 200
    text = queue.text
    assert text.index(ids["real"]) < text.index(ids["copy"]) < text.index(ids["bogus"])
    # The original opens from the queue: a report's page, or a vulnerability's.
    assert f'duplicate of <a href="/reports/{ids["human"]}">{ids["human"]}</a>' in text
    filtered = browser_client.get("/reports/triage?group=ungrounded").text
    assert ids["bogus"] in filtered and ids["real"] not in filtered
    page = browser_client.get(f"/reports/{ids['copy']}")
    assert 'data-testid="verdict">duplicate<' in page.text
    # The way back: to every report, and for a coordinator to the queue.
    assert (
        '<p class="muted"><a href="/reports">Reports</a> · <a href="/reports/triage">' in page.text
    )
    assert "Earlier reports on the target" in page.text and "Overrule deduplication" in page.text
    refused = browser_client.post(
        f"/reports/{ids['copy']}/dedupe",
        data={"decision": "not_duplicate", "note": " ", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert refused.status_code == 422 and "say why" in refused.text
    done = browser_client.post(
        f"/reports/{ids['copy']}/dedupe",
        data={
            "decision": "not_duplicate",
            "note": "another root cause",
            "csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    after = browser_client.get(done.headers["location"]).text
    assert "recorded and audited" in after and 'data-testid="status">grounded<' in after
    assert "another root cause" in after
    forged = browser_client.post(
        f"/reports/{ids['copy']}/dedupe",
        data={"decision": "duplicate", "note": "x", "original": ids["human"]},
        follow_redirects=False,
    )
    assert forged.status_code == 403  # no CSRF token
    listed = browser_client.get("/reports").text
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC</td>", listed)
    assert "<td>not reproduced</td>" in listed and "not_reproduced" not in listed
    cards = browser_client.get("/reports/scorecards").text
    assert "Deep Scan Labs" in cards and "model-a" in cards


def test_a_finder_sees_its_verdict_and_evidence_but_no_override(
    browser_client: TestClient, world: World
):
    ids = _world_of_reports(world)
    sign_in(browser_client, world.users["finder_admin"])
    page = browser_client.get(f"/reports/{ids['copy']}").text
    assert 'data-testid="verdict">duplicate<' in page
    assert '<p class="muted"><a href="/reports">Reports</a></p>' in page
    assert "an earlier report by another finder" in page and ids["human"] not in page
    assert "Overrule deduplication" not in page
    refused = browser_client.get("/reports/triage", headers={"Accept": "text/html"})
    assert refused.status_code == 403 and "ask your organization's admin" in refused.text
    bogus = browser_client.get(f"/reports/{ids['bogus']}").text
    assert "StripCommentsFilter.strip_all is not defined" in bogus
    cards = browser_client.get("/reports/scorecards").text
    assert "Deep Scan Labs" in cards and "Red Lantern Research" not in cards


def test_cli_scorecard_and_triage(tmp_path: Path):
    env = cli_env(tmp_path / "var", CLEARINGHOUSE_SOURCE_INDEX_URL="")
    empty = run_cli("reports", "scorecard", "--json", env=env)
    assert empty.returncode == 0, empty.stderr
    assert json.loads(empty.stdout)["by_organization"] == []
    table = run_cli("reports", "triage", env=env)
    assert table.returncode == 0 and "nothing to show" in table.stdout
    wrong = run_cli("reports", "triage", "--group", "nonsense", env=env)
    assert wrong.returncode == 2 and "unknown group" in wrong.stderr


def test_cli_dedupe_eval(tmp_path: Path):
    env = cli_env(tmp_path / "var")
    missing = run_cli("reports", "dedupe-eval", "--data", str(tmp_path), env=env)
    assert missing.returncode == 2 and "missing:" in missing.stderr
    data = str(Path(__file__).parents[1] / "data" / "shared")
    measured = run_cli("reports", "dedupe-eval", "--data", data, "--json", env=env)
    assert measured.returncode == 0, measured.stderr
    alias_set = json.loads(measured.stdout)["alias-set"]
    assert alias_set["precision"] >= 0.95 and alias_set["recall"] >= 0.90
