"""The command line and the web form submit through the same service as the API."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from clearinghouse.reports.cli import report_json_schema
from clearinghouse.reports.schemas import ReportIn
from tests.helpers import cli_env, run_cli
from tests.identity_world import World, csrf_from, sign_in
from tests.reports.conftest import CORPUS, sqlparse_report

SHIPPED_SCHEMA = (
    Path(__file__).resolve().parents[2] / "src/clearinghouse/reports/data/report.schema.json"
)


def test_the_shipped_schema_is_the_models_schema():
    assert json.loads(SHIPPED_SCHEMA.read_text()) == report_json_schema()


def test_every_corpus_report_is_valid_against_the_shipped_json_schema():
    import jsonschema

    validator = jsonschema.Draft202012Validator(json.loads(SHIPPED_SCHEMA.read_text()))
    files = sorted(CORPUS.glob("*/*.json"))  # the reports (expected.json lists their verdicts)
    assert files
    for path in files:
        document = json.loads(path.read_text())
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], path.name
        report = ReportIn.model_validate(document)
        for poc_file in report.proof_of_concept.files:
            if poc_file.path.endswith(".py"):
                compile(poc_file.content, f"{path.name}:{poc_file.path}", "exec")


def test_cli_submit_list_and_show(tmp_path: Path):
    env = cli_env(tmp_path / "var", CLEARINGHOUSE_SOURCE_INDEX_URL="")
    steps = [
        (
            "orgs",
            "create",
            "--name",
            "Deep Scan Labs",
            "--kind",
            "finder",
            "--finder-type",
            "ai_developer",
            "--json",
        ),
    ]
    created = run_cli(*steps[0], env=env)
    assert created.returncode == 0, created.stderr
    organization = json.loads(created.stdout)["id"]
    report_file = tmp_path / "report.json"
    report_file.write_text(json.dumps(sqlparse_report()))

    nobody = run_cli("reports", "submit", str(report_file), "--as", "x@nowhere.example", env=env)
    assert nobody.returncode == 2 and "no account" in nobody.stderr
    missing_as = run_cli("reports", "submit", str(report_file), env=env)
    assert missing_as.returncode == 2 and "--as EMAIL" in missing_as.stderr

    _add_member(env, organization, "lead@deepscan.example", tmp_path)
    first = run_cli(
        "reports", "submit", str(report_file), "--as", "lead@deepscan.example", "--json", env=env
    )
    assert first.returncode == 0, first.stderr
    outcome = json.loads(first.stdout)
    assert outcome["created"] is True and outcome["report"]["status"] == "received"
    again = run_cli("reports", "submit", str(report_file), "--as", "lead@deepscan.example", env=env)
    assert again.returncode == 0 and "already submitted" in again.stdout

    bad = sqlparse_report()
    bad["weakness"]["cwe"] = "79"
    report_file.write_text(json.dumps(bad))
    refused = run_cli(
        "reports", "submit", str(report_file), "--as", "lead@deepscan.example", env=env
    )
    assert refused.returncode == 1
    assert f"{report_file}: $.weakness.cwe:" in refused.stderr

    listed = run_cli("reports", "list", "--json", env=env)
    assert [r["id"] for r in json.loads(listed.stdout)] == [outcome["report"]["id"]]
    shown = run_cli("reports", "show", outcome["report"]["id"], "--json", env=env)
    assert json.loads(shown.stdout)["content"]["target"]["purl"] == "pkg:pypi/sqlparse"
    readable = run_cli("reports", "show", outcome["report"]["id"], env=env)
    assert "Verdict" in readable.stdout and "none yet" in readable.stdout


def _add_member(env: dict[str, str], organization: str, email: str, tmp_path: Path) -> None:
    """Invite through the CLI's database, accept as a person would."""
    from clearinghouse import db
    from clearinghouse.config import Settings
    from clearinghouse.identity import service
    from clearinghouse.identity.policy import Principal
    from clearinghouse.identity.vocabulary import OrgRole
    from clearinghouse.runtime import Runtime
    from tests.identity_world import ORIGIN, PASSWORD

    settings = Settings(data_dir=Path(env["CLEARINGHOUSE_DATA_DIR"]), _env_file=None)  # type: ignore[call-arg]
    runtime = Runtime.create(settings)
    try:
        with db.transaction(runtime.sessions) as session:
            invitation = service.invite(
                session,
                settings,
                Principal.command_line(),
                ORIGIN,
                organization,
                email,
                OrgRole.MEMBER,
            )
        with db.transaction(runtime.sessions) as session:
            service.accept_invitation(session, ORIGIN, invitation.token, "Lead", PASSWORD)
    finally:
        runtime.close()


def test_the_web_form(browser_client: TestClient, world: World):
    sign_in(browser_client, world.users["finder_admin"])
    page = browser_client.get("/reports/new")
    assert page.status_code == 200
    # The format is on the page itself: the shipped schema, readable in the browser.
    shown_schema = re.search(
        r'<pre class="mono" data-testid="report-schema">(.*?)</pre>', page.text, re.S
    )
    assert shown_schema and json.loads(html.unescape(shown_schema.group(1))) == report_json_schema()
    csrf = csrf_from(page.text)
    document = sqlparse_report()
    uploaded = browser_client.post(
        "/reports/new",
        data={"csrf_token": csrf},
        files={"report_file": ("report.json", json.dumps(document), "application/json")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    shown = browser_client.get(uploaded.headers["location"])
    assert shown.status_code == 200 and "ReDoS in sqlparse" in shown.text
    assert '<dd data-testid="status">received</dd>' in shown.text
    # Pasted text with an error: the form comes back with the field named, and the text kept.
    document["target"]["affected_versions"] = []
    pasted = browser_client.post(
        "/reports/new", data={"csrf_token": csrf, "report_text": json.dumps(document)}
    )
    assert pasted.status_code == 422
    assert "<code>$.target.affected_versions</code>" in pasted.text
    assert "ReDoS in sqlparse" in pasted.text
    listing = browser_client.get("/reports")
    # The one report, the submit button, and Scorecards in the menu.
    assert listing.text.count('href="/reports/') == 3
    # Without the form's token, nothing is filed.
    forged = browser_client.post("/reports/new", data={"report_text": json.dumps(document)})
    assert forged.status_code == 403
