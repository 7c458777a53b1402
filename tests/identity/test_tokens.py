"""API tokens: shown once, stored hashed, scoped, expiring, revocable; every bad one refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity.models import ApiToken
from clearinghouse.identity.vocabulary import Scope
from tests.identity_world import World


def test_me_tells_owner_organization_roles_and_scopes(client: TestClient, world: World):
    token = world.token("hospital_admin", Scope.ORG_READ, Scope.ORG_WRITE)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["email"] == "it@valley.example"
    assert me["organization"]["name"] == "Valley County Hospital"
    assert me["organization"]["kinds"] == ["operator"]
    assert me["role"] == "admin" and me["platform_role"] is None
    assert me["authenticated_via"] == "token"
    assert me["scopes"] == ["org:read", "org:write"]
    assert me["token"]["last_used_at"] is not None


def test_a_token_is_stored_only_as_a_hash(world: World):
    token = world.token("hospital_member")
    with world.runtime.sessions() as session:
        stored = session.scalars(select(ApiToken)).all()
    assert len(stored) == 1
    row = stored[0]
    assert token not in (row.token_hash, row.prefix, row.name)
    assert token.startswith(f"chk_{row.prefix}_")
    assert len(row.token_hash) == 64


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        (None, "sign in or present an API token"),
        ("Bearer", "use the header 'Authorization: Bearer <token>'"),
        ("Basic dXNlcjpwYXNz", "use the header 'Authorization: Bearer <token>'"),
        ("Bearer not-a-token", "malformed API token"),
        ("Bearer chk_0123456789ab_" + "A" * 43, "unknown API token"),
        ("Bearer " + "chk_" + "x" * 5000, "malformed API token"),
    ],
)
def test_missing_and_malformed_tokens_get_401(
    client: TestClient, world: World, header: str | None, detail: str
):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == detail
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_forged_token_with_a_real_prefix_is_refused(client: TestClient, world: World):
    real = world.token("hospital_member")
    forged = real[:-1] + ("A" if real[-1] != "A" else "B")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "unknown API token"


def test_an_expired_token_is_refused(client: TestClient, world: World):
    token = world.token("hospital_member", days=1)
    with db.transaction(world.runtime.sessions) as session:
        row = session.scalars(select(ApiToken)).one()
        row.expires_at = db.utcnow() - timedelta(seconds=1)
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "this API token has expired"


def test_a_revoked_token_is_refused_at_once(client: TestClient, world: World):
    token = world.token("hospital_admin", Scope.ORG_READ)
    auth = {"Authorization": f"Bearer {token}"}
    token_id = client.get("/api/v1/me", headers=auth).json()["token"]["id"]
    assert client.delete(f"/api/v1/tokens/{token_id}", headers=auth).status_code == 200
    response = client.get("/api/v1/me", headers=auth)
    assert response.status_code == 401
    assert response.json()["detail"] == "this API token was revoked"


def test_a_token_of_a_deactivated_account_is_refused(client: TestClient, world: World):
    token = world.token("hospital_member")
    admin = world.bearer("hospital_admin", Scope.ORG_WRITE)
    hospital, member = world.organizations["hospital"], world.user_ids["hospital_member"]
    assert (
        client.patch(
            f"/api/v1/organizations/{hospital}/members/{member}",
            json={"is_active": False},
            headers=admin,
        ).status_code
        == 200
    )
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "deactivated" in response.json()["detail"]


def test_a_token_without_the_scope_gets_403_naming_it(client: TestClient, world: World):
    read_only = world.bearer("hospital_admin", Scope.ORG_READ)
    hospital = world.organizations["hospital"]
    assert client.get(f"/api/v1/organizations/{hospital}", headers=read_only).status_code == 200
    response = client.patch(
        f"/api/v1/organizations/{hospital}",
        headers=read_only,
        json={"contact_email": "x@valley.example"},
    )
    assert response.status_code == 403
    assert response.json()["detail"] == "the token lacks the scope 'org:write'"
    assert "insufficient_scope" in response.headers["www-authenticate"]


def test_nobody_gets_a_token_with_more_than_their_role_allows(world: World):
    from clearinghouse.identity import service

    with pytest.raises(service.IdentityError, match="may not hold the scope"):
        world.token("hospital_viewer", Scope.ORG_WRITE)
    with pytest.raises(service.IdentityError, match="audit:read"):
        world.token("hospital_admin", Scope.AUDIT_READ)
    assert world.token("coordinator", Scope.AUDIT_READ)
