"""Exploitation from a proof of concept the clearinghouse validated: real advisories, real
corpus reports, the tie to the right vulnerability only, and what an operator may see of it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse import db
from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.audit.schemas import AuditEntryOut
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports import dedupe_service
from clearinghouse.reports import service as reports
from clearinghouse.reports.grounding import Missing
from clearinghouse.reports.schemas import ReportStatus, Verdict
from clearinghouse.runtime import Runtime
from clearinghouse.triage import ssvc
from clearinghouse.triage.schemas import TriagedFinding
from tests.helpers import cli_of
from tests.identity_world import ORIGIN, World, sign_in
from tests.shared_data import import_pypa_packages
from tests.triage.conftest import add_asset
from tests.triage.test_plan import as_user, plan_of

CORPUS = Path(__file__).resolve().parents[1] / "data" / "validation-corpus"
CLI = Principal.command_line()


def _file(runtime: Runtime, world: World, document: dict[str, Any]) -> str:
    """Filed by the finder and compared with the knowledge base, as the grounding job does."""
    finder = as_user(runtime, world, "finder_admin")
    report_id = reports.intake(runtime, finder, ORIGIN, json.dumps(document).encode()).report.id
    with db.transaction(runtime.sessions) as session:
        dedupe_service.deduplicate(session, report_id)
    return report_id


def _validated(
    runtime: Runtime, report_id: str, verdict: Verdict, runs: dict[str, tuple[str, bool]]
) -> None:
    """Validation's verdict with its evidence: per version run, its role and whether the PoC
    reproduced there (the shape `validation.Validator` records)."""
    evidence = {
        "verdict": verdict.value,
        "reason": "as the corpus's hand checks found",
        "versions": [
            {"version": v, "role": role, "reproduces": hit, "triggered": int(hit), "runs": []}
            for v, (role, hit) in runs.items()
        ],
    }
    with db.transaction(runtime.sessions) as session:
        reports.record_validation(session, report_id, verdict, evidence)


def _filed_as_reproduced(
    runtime: Runtime, world: World, name: str = "reproduced/PYSEC-2021-333.json"
) -> str:
    """By default the real ReDoS of PYSEC-2021-333, in the finder's own words: validated as
    reproduced on 0.4.1 and not on 0.4.2 (validation-corpus/README.md, checked by hand and by
    the corpus test)."""
    report_id = _file(runtime, world, _corpus(name))
    _validated(
        runtime,
        report_id,
        Verdict.REPRODUCED,
        {"0.4.1": ("affected", True), "0.4.2": ("fixed", False)},
    )
    return report_id


def _finding(runtime: Runtime, asset_id: str, vulnerability: str) -> TriagedFinding:
    return next(f for f in plan_of(runtime, asset_id).findings if f.vulnerability == vulnerability)


def _points(finding: TriagedFinding) -> dict[str, Any]:
    return {p.name: p for p in finding.points}


def _corpus(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CORPUS / name).read_text())
    return document


@pytest.fixture
def sqlparse_asset(runtime: Runtime, world: World) -> str:
    """sqlparse 0.4.1 on an internal server: both real sqlparse ReDoS advisories affect it."""
    import_pypa_packages(runtime, "sqlparse")
    return add_asset(
        runtime,
        world.organizations["hospital"],
        "Reporting server",
        "sqlparse==0.4.1\n",
        exposure="internal",
    )


def test_a_reproduced_report_moves_exploitation_from_none_to_poc(
    runtime: Runtime, world: World, sqlparse_asset: str
) -> None:
    before = _finding(runtime, sqlparse_asset, "CVE-2021-32839")
    assert _points(before)["exploitation"].value == "none"
    other_before = _finding(runtime, sqlparse_asset, "CVE-2023-30608")
    assert _points(other_before)["exploitation"].value == "none"

    report_id = _filed_as_reproduced(runtime, world)

    after = _finding(runtime, sqlparse_asset, "CVE-2021-32839")
    exploitation = _points(after)["exploitation"]
    assert (exploitation.value, exploitation.source) == ("poc", "validated PoC")
    # The coordinator's view names the report; it was tied by the rules, not by a person.
    assert report_id[:8] in exploitation.detail and "sqlparse" in exploitation.detail
    assert "the rules" in exploitation.detail
    # The decision follows the tables with E = public PoC.
    points = _points(after)
    inputs = {
        "ssvc:E:1.1.0": "P",
        "ssvc:A:2.0.0": "Y" if points["automatable"].value == "yes" else "N",
        "ssvc:TI:1.0.0": "T" if points["technical_impact"].value == "total" else "P",
        "ssvc:MWI:1.0.0": points["mission_wellbeing"].value[0].upper(),
    }
    assert after.cisa == ssvc.evaluate("DT_CO", inputs)
    assert after.score == pytest.approx(
        before.score + 10 + 10 * (_level(after.cisa) - _level(before.cisa)) / 3, abs=0.11
    )
    assert after.why.startswith("Proof of concept validated and internal")
    # The other ReDoS of the same release line is not what this PoC proves: untouched.
    other = _finding(runtime, sqlparse_asset, "CVE-2023-30608")
    assert _points(other)["exploitation"].value == "none"
    assert other.score == other_before.score


def _level(cisa: str) -> int:
    return {"T": 0, "T*": 1, "AT": 2, "AC": 3}[cisa]


def test_the_operator_learns_the_fact_and_the_date_not_the_report(
    client: TestClient,
    browser_client: TestClient,
    runtime: Runtime,
    world: World,
    sqlparse_asset: str,
) -> None:
    document = _corpus("reproduced/PYSEC-2021-333.json")
    report_id = _filed_as_reproduced(runtime, world)
    answer = client.get(
        f"/api/v1/assets/{sqlparse_asset}/plan",
        headers=world.bearer("hospital_admin", Scope.INVENTORY_READ),
    )
    assert answer.status_code == 200
    finding = next(f for f in answer.json()["findings"] if f["vulnerability"] == "CVE-2021-32839")
    exploitation = next(p for p in finding["points"] if p["name"] == "exploitation")
    assert exploitation["value"] == "poc"
    assert exploitation["detail"].startswith("a proof of concept validated by the clearinghouse on")
    assert report_id not in answer.text and report_id[:8] not in answer.text
    assert document["title"] not in answer.text and "Deep Scan" not in answer.text

    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get(f"/assets/{sqlparse_asset}/plan")
    assert page.status_code == 200
    assert "a proof of concept validated by the clearinghouse on" in page.text
    assert "Proof of concept validated and internal" in page.text
    assert report_id[:8] not in page.text and "comment stripping" not in page.text


def test_a_plan_that_names_a_report_to_a_coordinator_is_a_recorded_read(
    client: TestClient,
    browser_client: TestClient,
    runtime: Runtime,
    world: World,
    sqlparse_asset: str,
) -> None:
    report_id = _filed_as_reproduced(runtime, world)
    # The operator learns only the fact: nothing of the report is read.
    operator = world.bearer("hospital_admin", Scope.INVENTORY_READ)
    assert client.get(f"/api/v1/assets/{sqlparse_asset}/plan", headers=operator).status_code == 200
    assert _reads(runtime) == []

    coordinator = world.bearer("coordinator", Scope.INVENTORY_READ, Scope.REPORTS_READ)
    for _ in range(2):  # one entry per report per plan request
        answer = client.get(f"/api/v1/assets/{sqlparse_asset}/plan", headers=coordinator)
        assert answer.status_code == 200 and report_id[:8] in answer.text
    hospital = world.organizations["hospital"]
    exported = client.get(f"/api/v1/organizations/{hospital}/plan?format=csv", headers=coordinator)
    assert exported.status_code == 200
    entries = _reads(runtime)
    assert len(entries) == 3
    for entry in entries:
        assert (entry.actor, entry.outcome, entry.resource_type, entry.resource_id) == (
            world.users["coordinator"],
            "success",
            "report",
            report_id,
        )
        assert entry.organization_id == world.organizations["finder"]
        assert entry.details["view"] == "plan"
        assert entry.details["plan_organization_id"] == hospital
        assert entry.details["vulnerabilities"] == ["CVE-2021-32839"]
    assert [e.details["plan_asset_id"] for e in entries] == [None, sqlparse_asset, sqlparse_asset]
    # A coordinator's token without reports:read sees the bare fact, so reads nothing.
    narrow = world.bearer("coordinator", Scope.INVENTORY_READ)
    answer = client.get(f"/api/v1/assets/{sqlparse_asset}/plan", headers=narrow)
    assert answer.status_code == 200 and report_id[:8] not in answer.text
    assert len(_reads(runtime)) == 3
    # The page is a door too; and a refused plan is recorded as refused.
    sign_in(browser_client, world.users["coordinator"])
    assert browser_client.get(f"/assets/{sqlparse_asset}/plan").status_code == 200
    assert len(_reads(runtime)) == 4
    rival = world.bearer("bank_admin", Scope.INVENTORY_READ)
    assert client.get(f"/api/v1/assets/{sqlparse_asset}/plan", headers=rival).status_code == 404
    with runtime.sessions() as session:
        [denied] = audit_service.search(session, action="assets.read", outcome="denied")
        assert denied.actor == world.users["bank_admin"]
        assert audit_service.verify(session).ok


def test_the_command_lines_plan_and_scan_record_the_report_they_name(
    runtime: Runtime, world: World, sqlparse_asset: str, tmp_path: Path
) -> None:
    report_id = _filed_as_reproduced(runtime, world)
    code, out, err = cli_of(runtime, "plan", sqlparse_asset, "--json")
    assert code == 0, err
    assert report_id[:8] in out
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("sqlparse==0.4.1\n")
    code, out, err = cli_of(runtime, "scan", str(requirements), "--prioritize", "--json")
    assert code == 1, err  # vulnerable
    assert report_id[:8] in out
    scanned, planned = _reads(runtime)
    for entry, view in ((planned, "plan"), (scanned, "scan")):
        assert (entry.actor, entry.outcome, entry.resource_id) == ("cli", "success", report_id)
        assert entry.details["view"] == view
        assert entry.details["vulnerabilities"] == ["CVE-2021-32839"]
    with runtime.sessions() as session:
        assert audit_service.verify(session).ok


def _reads(runtime: Runtime) -> list[AuditEntryOut]:
    with runtime.sessions() as session:
        return audit_service.search(session, action="report.read", limit=1000)


@pytest.mark.parametrize(
    ("verdict", "runs"),
    [
        (Verdict.NOT_REPRODUCED, {"0.4.1": ("affected", False)}),
        # Reproduced, but also on 0.4.2, which CVE-2021-32839 does not affect: the sandbox
        # disagrees with that advisory's ranges, and the words do not point at the other one.
        (
            Verdict.REPRODUCED_UNFIXED,
            {"0.4.1": ("affected", True), "0.4.2": ("fixed", True)},
        ),
    ],
)
def test_a_report_that_did_not_reproduce_proves_nothing(
    runtime: Runtime,
    world: World,
    sqlparse_asset: str,
    verdict: Verdict,
    runs: dict[str, tuple[str, bool]],
) -> None:
    report_id = _file(runtime, world, _corpus("reproduced/PYSEC-2021-333.json"))
    _validated(runtime, report_id, verdict, runs)
    for vulnerability in ("CVE-2021-32839", "CVE-2023-30608"):
        finding = _finding(runtime, sqlparse_asset, vulnerability)
        assert _points(finding)["exploitation"].value == "none"


def test_an_ungrounded_report_proves_nothing(
    runtime: Runtime, world: World, sqlparse_asset: str
) -> None:
    # The real sqlparse ReDoS in its words, with a PoC that reproduced where that advisory says:
    # on its own, this would prove CVE-2021-32839.
    report_id = _filed_as_reproduced(runtime, world, "bogus/nonexistent-symbol.json")
    validated = _finding(runtime, sqlparse_asset, "CVE-2021-32839")
    assert _points(validated)["exploitation"].value == "poc"
    # Grounding then finds that sqlparse 0.4.1 has no such method: the report proves nothing.
    missing = Missing("0.4.1", 0, "symbol", "StripCommentsFilter has no strip_all").as_dict()
    with db.transaction(runtime.sessions) as session:
        reports.record_grounding(
            session, report_id, ReportStatus.UNGROUNDED, {"missing": [missing]}
        )
    finding = _finding(runtime, sqlparse_asset, "CVE-2021-32839")
    assert _points(finding)["exploitation"].value == "none"
    # A sandbox run recorded after that (a job that started before) is refused, and the
    # report still proves nothing.
    with pytest.raises(ValueError, match="is ungrounded"):
        _validated(runtime, report_id, Verdict.REPRODUCED, {"0.4.1": ("affected", True)})
    finding = _finding(runtime, sqlparse_asset, "CVE-2021-32839")
    assert _points(finding)["exploitation"].value == "none"


def test_two_fixes_in_one_release_are_told_apart_by_the_words_or_not_at_all(
    runtime: Runtime, world: World
) -> None:
    """werkzeug 2.2.3 fixed two advisories: the sandbox alone cannot tell which one a PoC
    proves. The finder's words can; when they cannot, only a coordinator can."""
    import_pypa_packages(runtime, "werkzeug")
    asset = add_asset(runtime, world.organizations["hospital"], "Web front", "werkzeug==2.2.2\n")
    runs = {"2.2.2": ("affected", True), "2.2.3": ("fixed", False)}
    cookie = _file(runtime, world, _corpus("reproduced/PYSEC-2023-57.json"))
    _validated(runtime, cookie, Verdict.REPRODUCED, runs)
    assert _points(_finding(runtime, asset, "CVE-2023-23934"))["exploitation"].value == "poc"
    assert _points(_finding(runtime, asset, "CVE-2023-25577"))["exploitation"].value == "none"

    # The multipart report, its words taken away: it fits both advisories equally.
    vague = _corpus("reproduced/PYSEC-2023-58.json")
    vague["title"] = "Problem in werkzeug"
    vague["description"] = "The proof of concept shows the problem on 2.2.2 but not on 2.2.3."
    vague["weakness"]["impact"] = "Attackers gain something."
    unclear = _file(runtime, world, vague)
    _validated(runtime, unclear, Verdict.REPRODUCED, runs)
    exploitation = _points(_finding(runtime, asset, "CVE-2023-25577"))["exploitation"]
    assert exploitation.value == "none"

    # A coordinator who reads it names the advisory: that tie counts.
    coordinator = as_user(runtime, world, "coordinator")
    with runtime.sessions() as session:
        found = knowledge.find_vulnerability(session, "CVE-2023-25577")
    assert found is not None
    with db.transaction(runtime.sessions) as session:
        dedupe_service.override(
            session, coordinator, ORIGIN, unclear, "duplicate", "the multipart DoS", found.id
        )
    exploitation = _points(_finding(runtime, asset, "CVE-2023-25577"))["exploitation"]
    assert exploitation.value == "poc" and "a coordinator" in exploitation.detail
