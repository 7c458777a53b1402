"""Submitting reports over the API: validation, limits, idempotence, quota, tenancy, audit."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.system import service as system_service
from tests.identity_world import ORIGIN, World, make_user
from tests.reports.conftest import finder_headers, sqlparse_report


def test_a_report_is_stored_for_the_callers_organization_and_grounding_is_queued(
    client: TestClient, world: World
):
    response = client.post("/api/v1/reports", json=sqlparse_report(), headers=finder_headers(world))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["created"] is True
    report = body["report"]
    assert report["finder_organization_id"] == world.organizations["finder"]
    assert report["submitted_by"] == world.users["finder_admin"]
    assert report["status"] == "received" and report["verdict"] is None
    assert response.headers["location"] == f"/api/v1/reports/{report['id']}"
    with world.runtime.sessions() as session:
        runs = system_service.list_job_runs(session, name="reports.ground")
        audited = audit_service.search(session, action="report.submit")
    assert [r.arguments for r in runs] == [{"report_id": report["id"]}]
    assert audited[0].resource_id == report["id"] and audited[0].details["created"] is True


def test_the_same_content_is_the_same_report(client: TestClient, world: World):
    headers = finder_headers(world)
    first = client.post("/api/v1/reports", json=sqlparse_report(), headers=headers).json()
    # Same content, other spelling: keys reordered, whitespace, a default written out.
    document = sqlparse_report()
    document["proof_of_concept"]["environment"].pop("dependencies")
    respelled = json.dumps(dict(reversed(list(document.items()))), indent=7)
    again = client.post(
        "/api/v1/reports",
        content=respelled,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert again.json()["report"]["id"] == first["report"]["id"]
    changed = sqlparse_report()
    changed["title"] = "Another title for the same bug"
    third = client.post("/api/v1/reports", json=changed, headers=headers)
    assert third.status_code == 201 and third.json()["report"]["id"] != first["report"]["id"]
    with world.runtime.sessions() as session:
        assert len(system_service.list_job_runs(session, name="reports.ground")) == 2
        submissions = audit_service.search(session, action="report.submit")
    assert [e.details["created"] for e in reversed(submissions)] == [True, False, True]


def _errors(response) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    assert response.headers["content-type"].startswith("application/problem+json")
    return [(e["location"], e["message"]) for e in response.json()["errors"]]


def test_schema_errors_point_at_the_field(client: TestClient, world: World):
    headers = finder_headers(world)
    document = sqlparse_report()
    document["weakness"]["cwe"] = "CWE-XYZ"
    document["target"]["purl"] = "pkg:pypi/sqlparse@0.4.1"
    document["proof_of_concept"]["files"][0]["path"] = "../escape.py"
    document["proof_of_concept"]["oracle"] = {"kind": "exit_code", "exit_code": 0}
    document["locations"][0]["end_line"] = 3
    response = client.post("/api/v1/reports", json=document, headers=headers)
    assert response.status_code == 422
    locations = dict(_errors(response))
    assert set(locations) == {
        "$.weakness.cwe",
        "$.target.purl",
        "$.proof_of_concept.files[0].path",
        "$.proof_of_concept.oracle.exit_code",
        "$.locations[0]",
    }
    assert "version out of the purl" in locations["$.target.purl"]
    assert "end_line is before start_line" in locations["$.locations[0]"]
    assert "'..'" in locations["$.proof_of_concept.files[0].path"]


def test_the_finder_comes_from_the_caller_not_the_file(client: TestClient, world: World):
    document = sqlparse_report()
    document["finder"] = {"organization": "Somebody Else"}
    response = client.post("/api/v1/reports", json=document, headers=finder_headers(world))
    assert response.status_code == 422
    assert _errors(response)[0][0] == "$.finder"


def test_unknown_fields_and_bad_json_are_refused(client: TestClient, world: World):
    headers = {**finder_headers(world), "Content-Type": "application/json"}
    document = sqlparse_report()
    document["proof_of_concept"]["oracle"]["exit_code"] = 1
    extra = client.post("/api/v1/reports", json=document, headers=headers)
    assert _errors(extra) == [
        ("$.proof_of_concept.oracle.exit_code", "Extra inputs are not permitted")
    ]
    broken = client.post("/api/v1/reports", content=b'{"title": ', headers=headers)
    assert broken.status_code == 422 and "not JSON" in broken.json()["detail"]
    listed = client.post("/api/v1/reports", content=b"[]", headers=headers)
    assert _errors(listed) == [("$", "a report is a JSON object")]


def test_size_limits(client: TestClient, world: World):
    headers = finder_headers(world)
    document = sqlparse_report()
    document["proof_of_concept"]["files"].append({"path": "big.txt", "content": "x" * 9000})
    per_file = client.post("/api/v1/reports", json=document, headers=headers)
    assert per_file.status_code == 413
    assert _errors(per_file)[0][0] == "$.proof_of_concept.files[1].content"
    document["proof_of_concept"]["files"][1]["content"] = "x" * 70_000
    whole = client.post("/api/v1/reports", json=document, headers=headers)
    assert whole.status_code == 413 and "limit of 65536 bytes" in whole.json()["detail"]


def test_quota_per_finder_organization(client: TestClient, world: World):
    headers = finder_headers(world)
    ids = []
    for n in range(3):
        document = sqlparse_report()
        document["title"] = f"Report number {n}"
        response = client.post("/api/v1/reports", json=document, headers=headers)
        assert response.status_code == 201
        ids.append(response.json()["report"]["id"])
    document = sqlparse_report()
    document["title"] = "One too many"
    refused = client.post("/api/v1/reports", json=document, headers=headers)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 3600
    assert "3/hour" in refused.json()["detail"]
    # Sending a report already filed creates nothing, so it is still answered.
    document["title"] = "Report number 0"
    again = client.post("/api/v1/reports", json=document, headers=headers)
    assert again.status_code == 200 and again.json()["report"]["id"] == ids[0]


def other_finder(world: World) -> dict[str, str]:
    from clearinghouse import db
    from clearinghouse.identity import service
    from clearinghouse.identity.policy import Principal
    from clearinghouse.identity.schemas import OrganizationIn
    from clearinghouse.identity.vocabulary import FinderType, OrgKind, OrgRole

    with db.transaction(world.runtime.sessions) as session:
        organization = service.create_organization(
            session,
            Principal.command_line(),
            ORIGIN,
            OrganizationIn(
                name="Rival Scanners", kinds=[OrgKind.FINDER], finder_type=FinderType.SCANNER_VENDOR
            ),
        )
    make_user(world.runtime, organization.id, "lead@rival.example", OrgRole.ADMIN)
    world.users["rival"] = "lead@rival.example"
    return world.bearer("rival", Scope.REPORTS_READ)


def test_who_sees_which_report(client: TestClient, world: World):
    created = client.post(
        "/api/v1/reports", json=sqlparse_report(), headers=finder_headers(world)
    ).json()["report"]
    path = f"/api/v1/reports/{created['id']}"
    own = client.get(path, headers=world.bearer("finder_admin", Scope.REPORTS_READ))
    assert own.status_code == 200
    assert own.json()["content"]["target"]["purl"] == "pkg:pypi/sqlparse"
    coordinator = world.bearer("coordinator", Scope.REPORTS_READ)
    assert client.get(path, headers=coordinator).status_code == 200
    listed = client.get("/api/v1/reports", headers=coordinator).json()
    assert [r["id"] for r in listed] == [created["id"]]
    # Another finder: the report does not exist for them.
    rival = other_finder(world)
    assert client.get(path, headers=rival).status_code == 404
    assert client.get("/api/v1/reports", headers=rival).json() == []
    # An operator is not a finder: every report route is refused, whatever the id.
    hospital = world.bearer("hospital_admin", Scope.ORG_READ)
    assert client.get(path, headers=hospital).status_code == 403
    assert client.get("/api/v1/reports/no-such-id", headers=hospital).status_code == 403
    assert client.get("/api/v1/reports/no-such-id", headers=coordinator).status_code == 404
    # A token without the scope may not read, even its owner's reports.
    no_scope = world.bearer("finder_admin", Scope.REPORTS_WRITE)
    assert client.get(path, headers=no_scope).status_code == 403
    with world.runtime.sessions() as session:
        reads = audit_service.search(session, action="report.read", resource_id=created["id"])
    granted = {e.actor for e in reads if e.outcome == "success"}
    assert granted == {world.users["finder_admin"], world.users["coordinator"]}
    # The other finder's try is recorded against the report it named.
    assert {e.actor for e in reads if e.outcome == "denied"} == {world.users["rival"]}
