"""Reads of finder reports by anyone outside the finder's organization are in the audit log:
one entry per request, refusals as `denied`, and the chain still verifies."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.audit.schemas import AuditEntryOut
from clearinghouse.identity.vocabulary import Scope
from tests.helpers import cli_of
from tests.identity_world import World, sign_in
from tests.reports.conftest import finder_headers, sqlparse_report
from tests.reports.test_intake import other_finder


def _entries(world: World, **filters: Any) -> list[AuditEntryOut]:
    with world.runtime.sessions() as session:
        return audit_service.search(session, limit=1000, **filters)


def _verified(world: World) -> None:
    with world.runtime.sessions() as session:
        assert audit_service.verify(session).ok


def _file(client: TestClient, world: World) -> str:
    answer = client.post("/api/v1/reports", json=sqlparse_report(), headers=finder_headers(world))
    assert answer.status_code == 201
    return str(answer.json()["report"]["id"])


def test_a_coordinators_list_is_one_read_and_a_finders_own_list_none(
    client: TestClient, world: World
) -> None:
    report_id = _file(client, world)
    second = sqlparse_report()
    second["title"] = "Another ReDoS in sqlparse's formatter"
    filed = client.post("/api/v1/reports", json=second, headers=finder_headers(world))
    other_id = filed.json()["report"]["id"]

    own = client.get("/api/v1/reports", headers=finder_headers(world))
    assert own.status_code == 200 and len(own.json()) == 2
    assert _entries(world, action="report.read") == []

    coordinator = world.bearer("coordinator", Scope.REPORTS_READ)
    listed = client.get("/api/v1/reports", headers=coordinator)
    assert listed.status_code == 200
    [entry] = _entries(world, action="report.read")
    assert (entry.actor, entry.outcome, entry.resource_type) == (
        world.users["coordinator"],
        "success",
        "report",
    )
    assert entry.organization_id == world.organizations["finder"]
    assert entry.details["view"] == "report list"
    assert sorted(entry.details["reports"]) == sorted([report_id, other_id])
    assert entry.request_id  # the request it came from
    _verified(world)


def test_the_coordinators_pages_record_their_reads(
    browser_client: TestClient, client: TestClient, world: World
) -> None:
    report_id = _file(client, world)
    sign_in(browser_client, world.users["coordinator"])
    assert browser_client.get("/reports").status_code == 200
    assert browser_client.get("/reports/triage?group=in_pipeline").status_code == 200
    queue, listing = _entries(world, action="report.read", actor=world.users["coordinator"])
    assert (listing.resource_id, listing.details) == (report_id, {"view": "report list"})
    assert (queue.resource_id, queue.details) == (
        report_id,
        {"view": "triage queue", "filters": {"group": "in_pipeline"}},
    )
    assert {listing.outcome, queue.outcome} == {"success"}
    _verified(world)


def test_the_triage_queue_api_is_one_read_per_request(client: TestClient, world: World) -> None:
    report_id = _file(client, world)
    coordinator = world.bearer("coordinator", Scope.REPORTS_READ)
    assert client.get("/api/v1/reports/triage", headers=coordinator).status_code == 200
    assert client.get("/api/v1/reports/triage", headers=coordinator).status_code == 200
    entries = _entries(world, action="report.read")
    assert [(e.resource_id, e.details["view"]) for e in entries] == [
        (report_id, "triage queue"),
        (report_id, "triage queue"),
    ]
    # A queue that shows nothing reveals nothing: no entry.
    empty = client.get("/api/v1/reports/triage?group=reproduced", headers=coordinator)
    assert empty.status_code == 200 and empty.json() == []
    assert len(_entries(world, action="report.read")) == 2
    # A finder may not see the queue: refused, and recorded as refused.
    refused = client.get("/api/v1/reports/triage", headers=finder_headers(world))
    assert refused.status_code == 403
    [denied] = _entries(world, action="reports.triage")
    assert (denied.actor, denied.outcome) == (world.users["finder_admin"], "denied")
    _verified(world)


def test_another_finders_read_is_denied_against_the_report(
    client: TestClient, world: World
) -> None:
    report_id = _file(client, world)
    rival = other_finder(world)
    assert client.get(f"/api/v1/reports/{report_id}", headers=rival).status_code == 404
    [entry] = _entries(world, action="report.read")
    assert (entry.actor, entry.outcome, entry.resource_type, entry.resource_id) == (
        world.users["rival"],
        "denied",
        "report",
        report_id,
    )
    assert entry.details["status"] == 404
    # A made-up id is refused the same way; an absurdly long one is cut, not an error.
    assert client.get("/api/v1/reports/" + "x" * 300, headers=rival).status_code == 404
    long = _entries(world, action="report.read")[0]
    assert long.outcome == "denied" and long.resource_id == "x" * 36 + "…"
    _verified(world)


def test_scorecards_of_other_organizations_are_a_recorded_read(
    client: TestClient, world: World
) -> None:
    _file(client, world)
    own = client.get("/api/v1/reports/scorecards", headers=finder_headers(world))
    assert own.status_code == 200 and own.json()["by_organization"]
    assert _entries(world, action="scorecard.read") == []

    coordinator = world.bearer("coordinator", Scope.REPORTS_READ)
    assert client.get("/api/v1/reports/scorecards", headers=coordinator).status_code == 200
    [entry] = _entries(world, action="scorecard.read")
    assert (entry.actor, entry.outcome) == (world.users["coordinator"], "success")
    assert entry.details["organizations"] == [world.organizations["finder"]]

    rival = other_finder(world)
    finder = world.organizations["finder"]
    refused = client.get(f"/api/v1/reports/scorecards?organization={finder}", headers=rival)
    assert refused.status_code == 404
    denied = _entries(world, action="scorecard.read")[0]
    assert (denied.actor, denied.outcome, denied.resource_id) == (
        world.users["rival"],
        "denied",
        finder,
    )
    _verified(world)


def test_the_command_line_records_reads_and_refusals(client: TestClient, world: World) -> None:
    report_id = _file(client, world)
    other_finder(world)
    code, _out, err = cli_of(
        world.runtime, "reports", "show", report_id, "--as", "lead@rival.example"
    )
    assert code == 1 and "not found" in err
    code, out, err = cli_of(world.runtime, "reports", "triage", "--json")
    assert code == 0, err
    assert report_id in out
    queue, refused = _entries(world, action="report.read")
    assert (refused.actor, refused.outcome, refused.resource_id) == (
        "lead@rival.example",
        "denied",
        report_id,
    )
    assert (queue.actor, queue.outcome, queue.resource_id) == ("cli", "success", report_id)
    assert queue.details["view"] == "triage queue"
    _verified(world)
