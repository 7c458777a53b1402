"""Tenants never see each other; nobody raises their own privileges; invitations work once."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity import service
from clearinghouse.identity.audit import service as audit
from clearinghouse.identity.models import Invitation, User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import OrgRole, Scope
from tests.identity_world import ORIGIN, PASSWORD, World, csrf_from, sign_in


def test_another_tenants_objects_answer_404_like_missing_ones(client: TestClient, world: World):
    bank = world.bearer("bank_admin", Scope.ORG_READ, Scope.ORG_WRITE)
    hospital = world.organizations["hospital"]
    member = world.user_ids["hospital_member"]
    probes = [
        ("GET", f"/api/v1/organizations/{hospital}", None),
        ("PATCH", f"/api/v1/organizations/{hospital}", {"name": "Pwned"}),
        ("GET", f"/api/v1/organizations/{hospital}/members", None),
        ("PATCH", f"/api/v1/organizations/{hospital}/members/{member}", {"role": "admin"}),
        ("GET", f"/api/v1/organizations/{hospital}/invitations", None),
        ("POST", f"/api/v1/organizations/{hospital}/invitations", {"email": "spy@bank.example"}),
    ]
    for method, url, body in probes:
        real = client.request(method, url, json=body, headers=bank)
        fake = client.request(
            method,
            url.replace(hospital, "00000000-0000-0000-0000-000000000000"),
            json=body,
            headers=bank,
        )
        assert real.status_code == fake.status_code == 404, (method, url, real.text)
        assert real.json()["detail"] == fake.json()["detail"]
    listed = client.get("/api/v1/organizations", headers=bank).json()
    assert [o["name"] for o in listed] == ["First Prairie Bank"]
    with world.runtime.sessions() as session:
        assert session.get(User, member).role == OrgRole.MEMBER  # nothing changed
        probes_logged = audit.search(session, outcome="denied", actor=world.users["bank_admin"])
    assert len(probes_logged) >= 6


def test_a_member_in_another_organization_is_not_reachable_through_mine(
    client: TestClient, world: World
):
    admin = world.bearer("hospital_admin", Scope.ORG_WRITE)
    hospital = world.organizations["hospital"]
    banker = world.user_ids["bank_admin"]
    response = client.patch(
        f"/api/v1/organizations/{hospital}/members/{banker}",
        json={"is_active": False},
        headers=admin,
    )
    assert response.status_code == 404


def test_nobody_edits_their_own_role(client: TestClient, world: World):
    hospital = world.organizations["hospital"]
    for user in ("hospital_member", "hospital_admin"):
        auth = world.bearer(
            user, *([Scope.ORG_WRITE] if user.endswith("admin") else [Scope.ORG_READ])
        )
        response = client.patch(
            f"/api/v1/organizations/{hospital}/members/{world.user_ids[user]}",
            json={"role": "admin" if user == "hospital_member" else "viewer"},
            headers=auth,
        )
        assert response.status_code == 403, user
    with world.runtime.sessions() as session:
        assert session.get(User, world.user_ids["hospital_member"]).role == OrgRole.MEMBER
        assert session.get(User, world.user_ids["hospital_admin"]).role == OrgRole.ADMIN


def test_no_field_grants_platform_powers(client: TestClient, world: World):
    admin = world.bearer("hospital_admin", Scope.ORG_WRITE)
    hospital = world.organizations["hospital"]
    viewer = world.user_ids["hospital_viewer"]
    for body in (
        {"platform_role": "coordinator_admin"},
        {"role": "superuser"},
        {"organization_id": world.organizations["coordination"]},
    ):
        response = client.patch(
            f"/api/v1/organizations/{hospital}/members/{viewer}", json=body, headers=admin
        )
        assert response.status_code == 422, body
    for body in ({"kinds": ["coordinator"]}, {"rate_limits": "100000/second"}):
        response = client.patch(f"/api/v1/organizations/{hospital}", json=body, headers=admin)
        assert response.status_code == 403, body
    chief = world.bearer("coordinator_admin", Scope.ORG_WRITE)
    assert (
        client.patch(
            f"/api/v1/organizations/{hospital}", json={"rate_limits": "10/minute"}, headers=chief
        ).status_code
        == 200
    )
    bad = client.patch(
        f"/api/v1/organizations/{hospital}", json={"rate_limits": "lots"}, headers=chief
    )
    assert bad.status_code == 422 and "not a limit" in bad.json()["detail"]


def test_the_last_admin_cannot_be_removed(client: TestClient, world: World):
    chief = world.bearer("coordinator_admin", Scope.ORG_WRITE)
    hospital = world.organizations["hospital"]
    response = client.patch(
        f"/api/v1/organizations/{hospital}/members/{world.user_ids['hospital_admin']}",
        json={"role": "member"},
        headers=chief,
    )
    assert response.status_code == 422
    assert "no admin left" in response.json()["detail"]


def test_an_invitation_works_once(browser_client: TestClient, world: World):
    admin = world.bearer("hospital_admin", Scope.ORG_WRITE)
    hospital = world.organizations["hospital"]
    created = browser_client.post(
        f"/api/v1/organizations/{hospital}/invitations",
        json={"email": "Pharmacist@Valley.example", "role": "viewer"},
        headers=admin,
    ).json()
    assert created["invitation"]["email"] == "pharmacist@valley.example"
    link = created["path"]
    page = browser_client.get(link)
    assert "Join Valley County Hospital" in page.text
    form = {
        "name": "Pat",
        "password": PASSWORD,
        "password_again": PASSWORD,
        "csrf_token": csrf_from(page.text),
    }
    accepted = browser_client.post(link, data=form, follow_redirects=False)
    assert accepted.status_code == 303
    assert browser_client.get("/tokens").status_code == 200  # signed in as the new member
    again = browser_client.post(link, data=form)
    assert again.status_code == 404 and "not valid" in again.text
    with world.runtime.sessions() as session:
        user = session.scalars(select(User).where(User.email == "pharmacist@valley.example")).one()
    assert user.role == OrgRole.VIEWER and user.organization_id == hospital


def test_an_expired_or_revoked_invitation_is_dead(browser_client: TestClient, world: World):
    runtime = world.runtime
    hospital = world.organizations["hospital"]
    links = []
    for email in ("late@valley.example", "revoked@valley.example"):
        with db.transaction(runtime.sessions) as session:
            links.append(
                service.invite(
                    session,
                    runtime.settings,
                    Principal.command_line(),
                    ORIGIN,
                    hospital,
                    email,
                    OrgRole.MEMBER,
                )
            )
    with db.transaction(runtime.sessions) as session:
        late = session.get(Invitation, links[0].invitation.id)
        late.expires_at = db.utcnow() - timedelta(minutes=1)
        service.revoke_invitation(
            session, Principal.command_line(), ORIGIN, hospital, links[1].invitation.id
        )
    for created in links:
        assert browser_client.get(created.path).status_code == 404
    assert browser_client.get("/invitations/not-a-real-token").status_code == 404


def test_inviting_someone_who_has_an_account_is_refused(client: TestClient, world: World):
    admin = world.bearer("hospital_admin", Scope.ORG_WRITE)
    response = client.post(
        f"/api/v1/organizations/{world.organizations['hospital']}/invitations",
        json={"email": world.users["bank_admin"]},
        headers=admin,
    )
    assert response.status_code == 422 and "has an account already" in response.json()["detail"]


def test_changes_are_in_the_audit_log_and_the_chain_verifies(client: TestClient, world: World):
    admin = world.bearer("hospital_admin", Scope.ORG_WRITE)
    hospital = world.organizations["hospital"]
    client.patch(
        f"/api/v1/organizations/{hospital}",
        json={"contact_email": "it@valley.example"},
        headers=admin,
    )
    with world.runtime.sessions() as session:
        (update,) = audit.search(session, action="organization.update")
        actions = {e.action for e in audit.search(session, limit=500)}
        report = audit.verify(session)
    assert update.actor == world.users["hospital_admin"]
    assert update.organization_id == hospital and update.outcome == "success"
    assert update.request_id and update.client_address
    assert {
        "organization.create",
        "invitation.create",
        "invitation.accept",
        "user.create",
        "token.create",
    } <= actions
    assert report.ok


def test_the_ui_hides_what_a_role_cannot_do(browser_client: TestClient, world: World):
    sign_in(browser_client, world.users["hospital_viewer"])
    page = browser_client.get(f"/organizations/{world.organizations['hospital']}")
    assert "Members" in page.text
    assert "Save profile" not in page.text and "Invite someone" not in page.text
    assert 'href="/jobs"' not in page.text
