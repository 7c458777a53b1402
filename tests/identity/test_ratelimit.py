"""Rate limits and quotas per token and per organization: 429 with Retry-After."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from clearinghouse import db
from clearinghouse.app import create_app
from clearinghouse.identity.ratelimit import Limit, hit, parse_limits
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.runtime import Runtime
from tests.identity_world import World


def limited(runtime: Runtime, **limits: str) -> TestClient:
    settings = runtime.settings.model_copy(update=limits)
    return TestClient(
        create_app(
            runtime=Runtime(
                settings, runtime.engine, runtime.sessions, runtime.queue, runtime.secret_key
            ),
            start_consumer=False,
        )
    )


def test_limits_are_parsed_and_bad_ones_named():
    assert parse_limits("600/minute; 20000/day") == (Limit(600, 60), Limit(20000, 86400))
    assert parse_limits("") == ()
    for bad in ("600", "600/fortnight", "0/minute", "-1/second", "ten/minute"):
        with pytest.raises(ValueError):
            parse_limits(bad)


def test_a_token_over_its_limit_gets_429_with_retry_after(world: World):
    with limited(world.runtime, rate_limit_token="3/minute") as client:
        auth = world.bearer("hospital_member")
        statuses = [client.get("/api/v1/me", headers=auth).status_code for _ in range(5)]
        response = client.get("/api/v1/me", headers=auth)
        other = client.get("/api/v1/me", headers=world.bearer("hospital_member"))
    assert statuses == [200, 200, 200, 429, 429]
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "3/minute" in response.json()["detail"]
    assert other.status_code == 200  # another token of the same person has its own budget


def test_an_organization_shares_one_budget_and_a_quota(world: World):
    with limited(world.runtime, rate_limit_organization="2/minute;4/day") as client:
        first, second = world.bearer("hospital_admin"), world.bearer("hospital_member")
        assert client.get("/api/v1/me", headers=first).status_code == 200
        assert client.get("/api/v1/me", headers=second).status_code == 200
        blocked = client.get("/api/v1/me", headers=first)
        elsewhere = client.get("/api/v1/me", headers=world.bearer("bank_admin"))
    assert blocked.status_code == 429
    assert elsewhere.status_code == 200  # tenants do not share budgets


def test_a_daily_quota_says_when_it_resets(runtime: Runtime):
    with db.transaction(runtime.sessions) as session:
        now = 1_800_000_000.0  # a fixed moment, 2027-01-15 08:00 UTC
        assert hit(session, "org:q", parse_limits("2/day"), now=now) is None
        assert hit(session, "org:q", parse_limits("2/day"), now=now) is None
        exceeded = hit(session, "org:q", parse_limits("2/day"), now=now)
    assert exceeded is not None
    assert exceeded.retry_after == 86400 - int(now % 86400)


def test_an_organization_override_wins(client: TestClient, world: World):
    chief = world.bearer("coordinator_admin", Scope.ORG_WRITE)
    bank = world.organizations["bank"]
    assert (
        client.patch(
            f"/api/v1/organizations/{bank}", json={"rate_limits": "1/minute"}, headers=chief
        ).status_code
        == 200
    )
    auth = world.bearer("bank_admin")
    assert client.get("/api/v1/me", headers=auth).status_code == 200
    assert client.get("/api/v1/me", headers=auth).status_code == 429
