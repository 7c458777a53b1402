"""Coordinators search the audit log through the API and the page; the searches are audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from clearinghouse import db
from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.audit.schemas import AuditEntryOut
from clearinghouse.identity.audit.signing import load_or_create_signing_key
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.runtime import Runtime
from tests.identity.audit.conftest import admin
from tests.identity_world import World, sign_in

AUDIT = "/api/v1/audit"
VERIFICATION = "/api/v1/audit/verification"


def coordinator(world: World) -> dict[str, str]:
    return world.bearer("coordinator", Scope.AUDIT_READ)


def entries(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["entries"]
    return found


def logged(runtime: Runtime, **filters: Any) -> list[AuditEntryOut]:
    with runtime.sessions() as session:
        return audit_service.search(session, **filters)


def page_seqs(html: str) -> list[int]:
    return [int(seq) for seq in re.findall(r'data-seq="(\d+)"', html)]


# --- the API ---------------------------------------------------------------------------------


def test_a_coordinator_sees_the_newest_entries_first(client: TestClient, world: World):
    response = client.get(AUDIT, headers=coordinator(world))
    found = entries(response)
    seqs = [e["seq"] for e in found]
    assert len(seqs) > 10 and seqs == sorted(seqs, reverse=True)
    assert response.json()["next_before_seq"] is None  # the whole small world fits one page
    newest = found[0]
    # The token's creation is the last thing building it did; its hash links the chain.
    assert newest["action"] == "token.create" and newest["actor"] == "cli"
    assert set(newest) >= {"occurred_at", "request_id", "client_address", "details", "entry_hash"}


def test_filters_narrow_the_search(client: TestClient, world: World):
    headers = coordinator(world)
    hospital = world.organizations["hospital"]
    admin_email = world.users["hospital_admin"]
    # A refused attempt by the hospital's admin, so there is a "denied" entry of theirs.
    assert client.get("/api/v1/status", headers=world.bearer("hospital_admin")).status_code == 403

    by_actor = entries(client.get(AUDIT, params={"actor": admin_email}, headers=headers))
    assert by_actor and {e["actor"] for e in by_actor} == {admin_email}

    by_prefix = entries(client.get(AUDIT, params={"action": "invitation."}, headers=headers))
    assert by_prefix and all(e["action"].startswith("invitation.") for e in by_prefix)
    assert {"invitation.create", "invitation.accept"} <= {e["action"] for e in by_prefix}
    # A prefix, not a pattern: "%" and "_" match only themselves.
    assert entries(client.get(AUDIT, params={"action": "%"}, headers=headers)) == []

    denied = entries(client.get(AUDIT, params={"outcome": "denied"}, headers=headers))
    assert [(e["actor"], e["action"]) for e in denied] == [(admin_email, "system.read")]
    assert denied[0]["details"]["status"] == 403

    in_hospital = entries(client.get(AUDIT, params={"organization_id": hospital}, headers=headers))
    assert in_hospital and {e["organization_id"] for e in in_hospital} == {hospital}
    assert (
        entries(
            client.get(
                AUDIT,
                params={"organization_id": hospital, "outcome": "denied", "actor": admin_email},
                headers=headers,
            )
        )
        == denied
    )

    by_type = entries(
        client.get(
            AUDIT,
            params={"resource_type": "organization", "resource_id": hospital},
            headers=headers,
        )
    )
    assert [e["action"] for e in by_type] == ["organization.create"]

    assert client.get(AUDIT, params={"outcome": "maybe"}, headers=headers).status_code == 422


def test_a_time_range_is_since_inclusive_and_until_exclusive(client: TestClient, world: World):
    headers = coordinator(world)
    everything = logged(world.runtime, limit=1000)
    middle = everything[len(everything) // 2]
    since = middle.occurred_at
    until = since + timedelta(microseconds=1)
    found = entries(
        client.get(
            AUDIT,
            params={"since": since.isoformat(), "until": until.isoformat()},
            headers=headers,
        )
    )
    assert middle.seq in {e["seq"] for e in found}
    assert all(e["occurred_at"] == found[0]["occurred_at"] for e in found)
    # The same instant in another zone, "Z" spelled out.
    later = entries(
        client.get(
            AUDIT,
            params={"since": until.astimezone().isoformat().replace("+00:00", "Z")},
            headers=headers,
        )
    )
    assert middle.seq not in {e["seq"] for e in later}
    assert {e["seq"] for e in later} <= {e.seq for e in everything if e.occurred_at >= until} | {
        max(e.seq for e in everything) + n for n in range(1, 10)
    }
    backwards = client.get(
        AUDIT, params={"since": until.isoformat(), "until": since.isoformat()}, headers=headers
    )
    assert backwards.status_code == 422 and "until" in backwards.json()["detail"]


def test_pages_follow_before_seq_to_the_end(client: TestClient, world: World):
    headers = coordinator(world)
    first = client.get(AUDIT, params={"limit": 4}, headers=headers)
    top = entries(first)[0]["seq"]
    seen = [e["seq"] for e in entries(first)]
    cursor = first.json()["next_before_seq"]
    assert cursor == seen[-1]
    pages = 1
    while cursor is not None:
        # The searches append to the log as we go; keyset pages are not disturbed by that.
        response = client.get(AUDIT, params={"limit": 4, "before_seq": cursor}, headers=headers)
        page = entries(response)
        assert 1 <= len(page) <= 4
        seen += [e["seq"] for e in page]
        cursor = response.json()["next_before_seq"]
        pages += 1
    assert seen == list(range(top, 0, -1))
    assert pages == (top + 3) // 4
    assert client.get(AUDIT, params={"limit": 0}, headers=headers).status_code == 422
    assert client.get(AUDIT, params={"limit": 501}, headers=headers).status_code == 422
    assert entries(client.get(AUDIT, params={"limit": 500}, headers=headers))


def test_the_search_is_itself_audited(client: TestClient, world: World):
    response = client.get(
        AUDIT,
        params={"action": "session.", "outcome": "success", "since": "2020-01-01T00:00:00Z"},
        headers=coordinator(world),
    )
    found = entries(response)
    (recorded,) = logged(world.runtime, action="audit.search")
    assert recorded.actor == world.users["coordinator"]
    assert recorded.actor_user_id == world.user_ids["coordinator"]
    assert recorded.outcome == "success" and recorded.resource_type == "audit_log"
    assert recorded.request_id == response.headers["x-request-id"]
    assert recorded.details == {
        "filters": {
            "action": "session.",
            "outcome": "success",
            "since": "2020-01-01T00:00:00+00:00",
        },
        "limit": 100,
        "before_seq": None,
        "returned": len(found),
    }
    # It is recorded after the search: a search never finds itself.
    assert recorded.seq > max([e["seq"] for e in found], default=0)


@pytest.mark.parametrize("field", ["since", "until"])
def test_naive_datetimes_are_refused(client: TestClient, world: World, field: str):
    response = client.get(AUDIT, params={field: "2026-01-31T14:00:00"}, headers=coordinator(world))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"][0]["location"] == f"query: {field}"
    assert "timezone" in problem["detail"]
    assert logged(world.runtime, action="audit.search") == []


def test_who_may_search(client: TestClient, world: World):
    anonymous = client.get(AUDIT)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert client.get(VERIFICATION).status_code == 401
    operator_admin = world.bearer("hospital_admin", Scope.ORG_READ, Scope.ORG_WRITE)
    without_scope = world.bearer("coordinator", Scope.ORG_READ, Scope.SYSTEM_READ)
    for headers in (operator_admin, without_scope):
        for path in (AUDIT, VERIFICATION):
            assert client.get(path, headers=headers).status_code == 403
    refusal = client.get(AUDIT, headers=without_scope)
    assert "audit:read" in refusal.json()["detail"]
    assert 'error="insufficient_scope"' in refusal.headers["www-authenticate"]
    # Refusals are audited as such; no search was.
    assert logged(world.runtime, action="audit.search") == []
    assert len(logged(world.runtime, action="audit.read", outcome="denied")) == 5


def test_verification_checks_the_chain_and_the_signatures(
    client: TestClient, world: World, runtime: Runtime
):
    headers = coordinator(world)
    key = load_or_create_signing_key(runtime.settings)
    with db.transaction(runtime.sessions) as session:
        signed = audit_service.write_checkpoint(session, key)
    assert signed is not None
    report = client.get(VERIFICATION, headers=headers).json()
    assert report["ok"] is True and report["first_bad_seq"] is None
    assert report["entries_checked"] >= signed.seq and report["checkpoints_checked"] == 1
    assert report["signatures_checked"] is True and report["key_id"] == signed.key_id

    with admin(runtime) as connection:
        connection.execute(text("UPDATE audit_log SET actor = 'someone else' WHERE seq = 3"))
    broken = client.get(VERIFICATION, headers=headers).json()
    assert broken["ok"] is False and broken["first_bad_seq"] == 3 and broken["problem"]


# --- the page --------------------------------------------------------------------------------


def test_the_page_lists_filters_and_pages(browser_client: TestClient, world: World):
    sign_in(browser_client, world.users["coordinator"])
    page = browser_client.get("/audit")
    assert page.status_code == 200
    html = page.text
    assert "<h1>Audit log</h1>" in html and 'aria-current="page"' in html
    seqs = page_seqs(html)
    assert seqs and seqs == sorted(seqs, reverse=True)
    assert "session.login" in html and world.users["coordinator"] in html
    assert "Valley County Hospital" in html  # organizations by name
    # The chain box verifies with a second request, so the entries show at once.
    assert 'hx-get="/audit?verify=1"' in html and "Intact" not in html
    assert "No checkpoint has been signed yet." in html
    chain = browser_client.get(
        "/audit", headers={"HX-Request": "true", "HX-Target": "chain-status"}
    ).text
    assert chain.lstrip().startswith('<section class="card chain" id="chain-status"')
    assert "Intact" in chain and "signatures checked with key" in chain and "<html" not in chain
    # Details as compact JSON, keys sorted, escaped once.
    assert (
        '<code class="details">{&#34;email&#34;:&#34;chief@coord.example&#34;,'
        "&#34;platform_role&#34;:&#34;coordinator_admin&#34;}</code>"
    ) in html

    only_logins = browser_client.get(
        "/audit", params={"action": "session.login", "outcome": "success"}
    ).text
    actions = re.findall(r"<td><code>([^<]+)</code></td>", only_logins)
    assert actions and set(actions) == {"session.login"}
    assert 'value="session.login"' in only_logins  # the form keeps what was asked

    first = browser_client.get("/audit", params={"limit": 3, "actor": "cli"}).text
    assert len(page_seqs(first)) == 3
    older = re.search(r'href="(/audit\?[^"]*before_seq=(\d+))"', first)
    assert older is not None
    assert int(older.group(2)) == page_seqs(first)[-1]
    second = browser_client.get(older.group(1).replace("&amp;", "&")).text
    assert page_seqs(second) and max(page_seqs(second)) < int(older.group(2))
    assert "Newest entries" in second

    # The form's "Since (UTC)" carries no zone: the page reads it as UTC.
    future = browser_client.get("/audit", params={"since": "2999-01-01T00:00"})
    assert future.status_code == 200 and "No entries match" in future.text
    bad = browser_client.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 422 and "since: not a date" in bad.text

    searches = logged(world.runtime, action="audit.search")
    assert len(searches) == 5  # every page that searched: not the chain box, not a bad form
    assert searches[0].details["filters"] == {"since": "2999-01-01T00:00:00+00:00"}


def test_htmx_gets_the_results_alone(browser_client: TestClient, world: World):
    sign_in(browser_client, world.users["coordinator"])
    fragment = browser_client.get(
        "/audit",
        params={"action": "session."},
        headers={"HX-Request": "true", "HX-Target": "audit-results"},
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith('<div id="audit-results"')
    assert "<html" not in fragment.text and "chain-status" not in fragment.text
    invalid = browser_client.get(
        "/audit",
        params={"until": "not a time"},
        headers={"HX-Request": "true", "HX-Target": "audit-results"},
    )
    # htmx swaps only 2xx answers, so the error comes inside the results.
    assert invalid.status_code == 200 and 'role="alert"' in invalid.text


def test_the_page_shows_a_broken_chain_and_the_checkpoint(
    browser_client: TestClient, world: World, runtime: Runtime
):
    key = load_or_create_signing_key(runtime.settings)
    with db.transaction(runtime.sessions) as session:
        signed = audit_service.write_checkpoint(session, key)
    assert signed is not None
    with admin(runtime) as connection:
        connection.execute(text("UPDATE audit_log SET details = '{}' WHERE seq = 2"))
    sign_in(browser_client, world.users["coordinator"])
    html = browser_client.get("/audit", params={"verify": "1"}).text  # without htmx
    assert "Broken at entry 2" in html and "hx-trigger" not in html
    assert f"Latest checkpoint: entry {signed.seq}" in html and signed.key_id in html


def test_who_may_open_the_page(browser_client: TestClient, world: World, runtime: Runtime):
    anonymous = browser_client.get("/audit", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?next=%2Faudit"
    sign_in(browser_client, world.users["hospital_admin"])
    assert browser_client.get("/audit", follow_redirects=False).status_code == 403
    assert 'href="/audit"' not in browser_client.get("/tokens").text  # not in their menu
    assert logged(runtime, action="audit.search") == []
    from clearinghouse.app import create_app

    with TestClient(
        create_app(runtime=runtime, start_consumer=False), base_url="https://testserver"
    ) as other:
        sign_in(other, world.users["coordinator_admin"])
        assert 'href="/audit"' in other.get("/tokens").text
        assert other.get("/audit").status_code == 200
