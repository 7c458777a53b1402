"""Each kind of subject against each route: allowed, forbidden (403) or not found (404).

The expectations are written out by hand, not derived from the policy, so that a change to the
policy that widens or narrows access fails here until someone agrees with it. A route missing
from these tables fails `test_the_matrix_covers_every_route`.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse.identity.policy import Principal, grantable_scopes
from clearinghouse.identity.vocabulary import OrgRole, PlatformRole
from tests.identity.test_routes_declared import route_actions
from tests.identity_world import World, csrf_from, sign_in

SUBJECTS = [
    "anonymous",
    "hospital_viewer",
    "hospital_member",
    "hospital_admin",
    "bank_admin",
    "coordinator",
    "coordinator_admin",
]
_counter = itertools.count()

# method, path (with {hospital}, {viewer}, {invitation}, {token}, {run}), body,
# then the expected status for each subject in SUBJECTS order.
API: list[tuple[str, str, Any, list[int]]] = [
    ("GET", "/healthz", None, [200] * 7),
    ("GET", "/readyz", None, [200] * 7),
    ("GET", "/api/v1/me", None, [401, 200, 200, 200, 200, 200, 200]),
    ("GET", "/api/v1/status", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/jobs", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/jobs/{run}", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/organizations", None, [401, 200, 200, 200, 200, 200, 200]),
    ("POST", "/api/v1/organizations", "new_org", [401, 403, 403, 403, 403, 403, 201]),
    ("GET", "/api/v1/organizations/{hospital}", None, [401, 200, 200, 200, 404, 200, 200]),
    (
        "PATCH",
        "/api/v1/organizations/{hospital}",
        {"contact_email": "it@valley.example"},
        [401, 403, 403, 200, 404, 403, 200],
    ),
    ("GET", "/api/v1/organizations/{hospital}/members", None, [401, 200, 200, 200, 404, 200, 200]),
    (
        "PATCH",
        "/api/v1/organizations/{hospital}/members/{viewer}",
        {"role": "viewer"},
        [401, 403, 403, 200, 404, 403, 200],
    ),
    (
        "GET",
        "/api/v1/organizations/{hospital}/invitations",
        None,
        [401, 403, 403, 200, 404, 403, 200],
    ),
    (
        "POST",
        "/api/v1/organizations/{hospital}/invitations",
        "new_invitation",
        [401, 403, 403, 201, 404, 403, 201],
    ),
    (
        "DELETE",
        "/api/v1/organizations/{hospital}/invitations/{invitation}",
        None,
        [401, 403, 403, 200, 404, 403, 200],
    ),
    ("GET", "/api/v1/tokens", None, [401, 200, 200, 200, 200, 200, 200]),
    (
        "GET",
        "/api/v1/vulnerabilities?ecosystem=PyPI&package=requests",
        None,
        [401, 200, 200, 200, 200, 200, 200],
    ),
    ("GET", "/api/v1/vulnerabilities/CVE-0000-0000", None, [401, 404, 404, 404, 404, 404, 404]),
    ("GET", "/api/v1/feeds/runs", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/feeds/runs/999999", None, [401, 403, 403, 403, 403, 404, 404]),
    (
        "GET",
        "/api/v1/advisories/ICSA-00-000-00/vulnerabilities",
        None,
        [401, 404, 404, 404, 404, 404, 404],
    ),
    ("GET", "/api/v1/organizations/{hospital}/assets", None, [401, 200, 200, 200, 404, 200, 200]),
    (
        "POST",
        "/api/v1/organizations/{hospital}/assets",
        "new_asset",
        [401, 403, 201, 201, 404, 403, 201],
    ),
    ("GET", "/api/v1/assets/{asset}", None, [401, 200, 200, 200, 404, 200, 200]),
    # Allowed subjects get 422: the matrix sends no file.
    ("POST", "/api/v1/assets/{asset}/uploads", {}, [401, 403, 422, 422, 404, 403, 422]),
    ("GET", "/api/v1/assets/{asset}/uploads", None, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/assets/{asset}/components", None, [401, 200, 200, 200, 404, 200, 200]),
    # The asset has no uploads to compare: allowed subjects are told so (422).
    ("GET", "/api/v1/assets/{asset}/diff?old=1&new=2", None, [401, 422, 422, 422, 404, 422, 422]),
    ("GET", "/api/v1/assets/{asset}/findings", None, [401, 200, 200, 200, 404, 200, 200]),
    (
        "GET",
        "/api/v1/organizations/{hospital}/findings",
        None,
        [401, 200, 200, 200, 404, 200, 200],
    ),
    ("GET", "/api/v1/assets/{asset}/plan", None, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/assets/{asset}/plan?format=csv", None, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/organizations/{hospital}/plan", None, [401, 200, 200, 200, 404, 200, 200]),
    ("GET", "/api/v1/assets/{asset}/overrides", None, [401, 200, 200, 200, 404, 200, 200]),
    # Allowed subjects are told the point cannot be overridden (422).
    (
        "POST",
        "/api/v1/assets/{asset}/overrides",
        {"vulnerability": "CVE-0000-0000", "point": "severity", "value": "x", "reason": "why"},
        [401, 403, 422, 422, 404, 403, 422],
    ),
    # Allowed subjects are told there is no such vulnerability (404).
    (
        "DELETE",
        "/api/v1/assets/{asset}/overrides/{vulnerability}/{point}",
        None,
        [401, 403, 404, 404, 404, 403, 404],
    ),
    # Only the owner (the hospital admin) may revoke their token; to anyone else it is unknown.
    ("DELETE", "/api/v1/tokens/{token}", None, [401, 404, 404, 200, 404, 404, 404]),
    ("GET", "/api/v1/audit", None, [401, 403, 403, 403, 403, 200, 200]),
    # Reports are for finders (none of these subjects is one) and, to read, coordinators.
    ("POST", "/api/v1/reports", {}, [401, 403, 403, 403, 403, 403, 403]),
    ("GET", "/api/v1/reports", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/reports/{report}", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/reports/scorecards", None, [401, 403, 403, 403, 403, 200, 200]),
    ("GET", "/api/v1/reports/triage", None, [401, 403, 403, 403, 403, 200, 200]),
    # Coordinators may overrule dedupe; the report is no duplicate, so they are told so (422).
    (
        "POST",
        "/api/v1/reports/{report}/dedupe",
        {"decision": "not_duplicate", "note": "matrix"},
        [401, 403, 403, 403, 403, 422, 422],
    ),
    ("GET", "/api/v1/audit/verification", None, [401, 403, 403, 403, 403, 200, 200]),
]

# Pages, with a signed-in session. 303 = sent to sign in (anonymous) or elsewhere (home).
PAGES: list[tuple[str, str, Any, list[int]]] = [
    ("GET", "/login", None, [200] * 7),
    ("POST", "/login", {"email": "nobody@nowhere.example", "password": "x" * 12}, [401] * 7),
    ("GET", "/", None, [303, 303, 303, 303, 303, 200, 200]),
    ("GET", "/status/panel", None, [303, 403, 403, 403, 403, 200, 200]),
    ("GET", "/jobs", None, [303, 403, 403, 403, 403, 200, 200]),
    ("GET", "/organization", None, [303, 303, 303, 303, 303, 303, 303]),
    ("GET", "/organizations", None, [303, 403, 403, 403, 403, 200, 200]),
    ("POST", "/organizations", "new_org_form", [303, 403, 403, 403, 403, 403, 303]),
    ("GET", "/organizations/{hospital}", None, [303, 200, 200, 200, 404, 200, 200]),
    (
        "POST",
        "/organizations/{hospital}",
        {"name": "Valley County Hospital"},
        [303, 403, 403, 200, 404, 403, 200],
    ),
    (
        "POST",
        "/organizations/{hospital}/members/{viewer}",
        {"role": "viewer", "active": "yes"},
        [303, 403, 403, 200, 404, 403, 200],
    ),
    ("GET", "/organizations/{hospital}/invitations", None, [303, 403, 403, 200, 404, 403, 200]),
    (
        "POST",
        "/organizations/{hospital}/invitations",
        "new_invitation",
        [303, 403, 403, 200, 404, 403, 200],
    ),
    (
        "POST",
        "/organizations/{hospital}/invitations/{invitation}/revoke",
        {},
        [303, 403, 403, 200, 404, 403, 200],
    ),
    ("GET", "/invitations/{invitation_token}", None, [200] * 7),
    (
        "POST",
        "/invitations/{invitation_token}",
        {"name": "X", "password": "short", "password_again": "short"},
        [422] * 7,
    ),
    ("GET", "/tokens", None, [303, 200, 200, 200, 200, 200, 200]),
    ("GET", "/vulnerabilities", None, [303, 200, 200, 200, 200, 200, 200]),
    ("GET", "/assets", None, [303, 200, 200, 200, 200, 200, 200]),
    ("GET", "/assets?organization={hospital}", None, [303, 200, 200, 200, 404, 200, 200]),
    # Assets are for operators: the coordinators' own organization has none.
    ("POST", "/assets", "new_asset_form", [303, 403, 303, 303, 303, 403, 303]),
    ("GET", "/assets/{asset}", None, [303, 200, 200, 200, 404, 200, 200]),
    # Allowed subjects are told to choose a file (422): the matrix sends none.
    ("POST", "/assets/{asset}/uploads", {}, [303, 403, 422, 422, 404, 403, 422]),
    ("GET", "/assets/{asset}/diff?old=1&new=2", None, [303, 422, 422, 422, 404, 422, 422]),
    ("GET", "/vulnerabilities/CVE-0000-0000", None, [303, 404, 404, 404, 404, 404, 404]),
    ("GET", "/plan", None, [303, 200, 200, 200, 200, 200, 200]),
    ("GET", "/plan?organization={hospital}", None, [303, 200, 200, 200, 404, 200, 200]),
    ("GET", "/plan/export?organization={hospital}", None, [303, 200, 200, 200, 404, 200, 200]),
    ("GET", "/assets/{asset}/plan", None, [303, 200, 200, 200, 404, 200, 200]),
    ("GET", "/assets/{asset}/plan?view=print", None, [303, 200, 200, 200, 404, 200, 200]),
    ("GET", "/assets/{asset}/plan/export?format=json", None, [303, 200, 200, 200, 404, 200, 200]),
    # Allowed subjects are told what the form lacks (422).
    ("POST", "/assets/{asset}/overrides", {}, [303, 403, 422, 422, 404, 403, 422]),
    (
        "POST",
        "/assets/{asset}/overrides/clear",
        {"vulnerability": "CVE-0000-0000", "point": "exposure"},
        [303, 403, 404, 404, 404, 403, 404],
    ),
    (
        "POST",
        "/tokens",
        {"name": "matrix", "scopes": ["org:read"]},
        [303, 200, 200, 200, 200, 200, 200],
    ),
    ("POST", "/tokens/{token}/revoke", {}, [303, 404, 404, 200, 404, 404, 404]),
    ("GET", "/audit", None, [303, 403, 403, 403, 403, 200, 200]),
    ("GET", "/reports", None, [303, 403, 403, 403, 403, 200, 200]),
    ("GET", "/reports/new", None, [303, 403, 403, 403, 403, 403, 403]),
    ("POST", "/reports/new", {"report_text": "{}"}, [303, 403, 403, 403, 403, 403, 403]),
    ("GET", "/reports/{report}", None, [303, 403, 403, 403, 403, 200, 200]),
    ("GET", "/reports/triage", None, [303, 403, 403, 403, 403, 200, 200]),
    ("GET", "/reports/scorecards", None, [303, 403, 403, 403, 403, 200, 200]),
    (
        "POST",
        "/reports/{report}/dedupe",
        {"decision": "not_duplicate", "note": "matrix"},
        [303, 403, 403, 403, 403, 422, 422],
    ),
    ("POST", "/logout", {}, [303] * 7),  # last: it ends the session
]


@pytest.fixture
def targets(world: World, runtime) -> dict[str, str]:  # type: ignore[no-untyped-def]
    from clearinghouse import db
    from clearinghouse.identity import service
    from clearinghouse.inventory import service as inventory
    from clearinghouse.inventory.schemas import AssetIn
    from tests.identity_world import ORIGIN

    run = runtime.queue.enqueue("system.optimize_database")
    with db.transaction(runtime.sessions) as session:
        invitation = service.invite(
            session,
            runtime.settings,
            Principal.command_line(),
            ORIGIN,
            world.organizations["hospital"],
            "later@valley.example",
            OrgRole.MEMBER,
        )
    to_accept = None
    with db.transaction(runtime.sessions) as session:
        to_accept = service.invite(
            session,
            runtime.settings,
            Principal.command_line(),
            ORIGIN,
            world.organizations["hospital"],
            "newcomer@valley.example",
            OrgRole.VIEWER,
        )
    token = world.token("hospital_admin")
    with runtime.sessions() as session:
        token_id = service.list_tokens(
            session, Principal.command_line(), ORIGIN, user_id=world.user_ids["hospital_admin"]
        )[0].id
    assert token
    report = _finder_report(runtime, world)
    with db.transaction(runtime.sessions) as session:
        asset = inventory.create_asset(
            session,
            Principal.command_line(),
            ORIGIN,
            world.organizations["hospital"],
            AssetIn(name="Patient portal", kind="application", exposure="internet-facing"),
        )
    return {
        "asset": asset.id,
        "hospital": world.organizations["hospital"],
        "viewer": world.user_ids["hospital_viewer"],
        "invitation": invitation.invitation.id,
        "token": token_id,
        "run": run,
        "invitation_token": to_accept.token,
        "report": report,
        "vulnerability": "CVE-0000-0000",
        "point": "exposure",
    }


def _finder_report(runtime, world: World) -> str:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from clearinghouse.identity.authentication import principal_for
    from clearinghouse.identity.models import User
    from clearinghouse.reports import service as reports
    from tests.identity_world import ORIGIN

    document = Path(__file__).parents[1] / "data/validation-corpus/reproduced/PYSEC-2021-333.json"
    with runtime.sessions() as session:
        user = session.get(User, world.user_ids["finder_admin"])
        finder = principal_for(user, via="session")
    created = reports.intake(runtime, finder, ORIGIN, document.read_bytes())
    return created.report.id


def body_for(spec: Any) -> Any:
    n = next(_counter)
    if spec == "new_org":
        return {
            "name": f"Water District {n}",
            "kinds": ["operator"],
            "sector": "water",
            "size": "micro",
        }
    if spec == "new_org_form":
        return {
            "name": f"Water District {n}",
            "kinds": "operator",
            "sector": "water",
            "size": "micro",
        }
    if spec == "new_asset":
        return {"name": f"Pharmacy server {n}", "kind": "server", "exposure": "internal"}
    if spec == "new_asset_form":
        return {"name": f"Infusion pump {n}", "kind": "device", "exposure": "isolated"}
    if spec == "new_invitation":
        return {"email": f"person{n}@valley.example", "role": "member"}
    return spec


def all_scopes(world: World, subject: str) -> list[Any]:
    from clearinghouse.identity import service
    from clearinghouse.identity.authentication import principal_for

    with world.runtime.sessions() as session:
        user = service.find_user(session, world.users[subject])
        return sorted(grantable_scopes(principal_for(user, via="session")))


def test_api_matrix(client: TestClient, world: World, targets: dict[str, str]):
    failures = []
    for subject_index, subject in enumerate(SUBJECTS):
        headers = (
            {} if subject == "anonymous" else world.bearer(subject, *all_scopes(world, subject))
        )
        for method, path, body, expected in API:
            url = path.format(**targets)
            response = client.request(
                method, url, headers=headers, json=body_for(body) if body is not None else None
            )
            if response.status_code != expected[subject_index]:
                failures.append(
                    f"{subject:18} {method} {path}: {response.status_code} "
                    f"(expected {expected[subject_index]}) {response.text[:120]}"
                )
    assert failures == [], "\n".join(failures)


def test_page_matrix(runtime, world: World, targets: dict[str, str]):  # type: ignore[no-untyped-def]
    from clearinghouse.app import create_app

    failures = []
    for subject_index, subject in enumerate(SUBJECTS):
        app = create_app(runtime=runtime, start_consumer=False)
        with TestClient(app, base_url="https://testserver") as browser:
            if subject != "anonymous":
                sign_in(browser, world.users[subject])
            csrf = csrf_from(browser.get("/login").text)
            for method, path, body, expected in PAGES:
                url = path.format(**targets)
                data = body_for(body) if body is not None else None
                if method == "POST":
                    data = {**(data or {}), "csrf_token": csrf}
                response = browser.request(method, url, data=data, follow_redirects=False)
                if response.status_code != expected[subject_index]:
                    failures.append(
                        f"{subject:18} {method} {path}: {response.status_code} "
                        f"(expected {expected[subject_index]})"
                    )
    assert failures == [], "\n".join(failures)


def _shape(path: str) -> str:
    # Ids in the tables are either {placeholders} or literal examples such as CVE-0000-0000.
    path = path.split("?")[0]
    path = re.sub(r"\{[^}]+\}", "{}", path)
    return re.sub(r"/(CVE-0000-0000|ICSA-00-000-00|999999)(?=/|$)", "/{}", path)


def test_the_matrix_covers_every_route(runtime):  # type: ignore[no-untyped-def]
    covered = {(m, _shape(p)) for m, p, _, _ in API + PAGES}
    routes = {(m, _shape(p)) for m, p in route_actions(runtime)}
    missing = sorted(f"{m} {p}" for m, p in routes - covered if m != "HEAD")
    assert missing == []


def test_subjects_are_what_their_names_say(world: World):
    from clearinghouse.identity import service

    with world.runtime.sessions() as session:
        assert (
            service.find_user(session, world.users["coordinator"]).platform_role
            == PlatformRole.COORDINATOR
        )
        assert service.find_user(session, world.users["bank_admin"]).role == OrgRole.ADMIN
