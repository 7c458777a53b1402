"""Browser sessions: cookies, CSRF on every form, forged and replayed cookies, lockout."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity.audit import service as audit
from clearinghouse.identity.models import User, WebSession
from tests.identity_world import PASSWORD, World, csrf_from, sign_in


def test_sign_in_sets_a_hardened_session_cookie(browser_client: TestClient, world: World):
    page = browser_client.get("/login")
    response = browser_client.post(
        "/login",
        data={
            "email": world.users["hospital_admin"],
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
            "next": "/tokens",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/tokens"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("ch_session="))
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=lax" in cookie
    raw = cookie.split(";")[0].split("=", 1)[1]
    with world.runtime.sessions() as session:
        stored = session.scalars(select(WebSession)).one()
    assert stored.id_hash != raw and len(stored.id_hash) == 64  # only the hash is kept
    assert browser_client.get("/tokens").status_code == 200


def test_next_never_leaves_the_site(browser_client: TestClient, world: World):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        page = browser_client.get("/login")
        response = browser_client.post(
            "/login",
            data={
                "email": world.users["hospital_admin"],
                "password": PASSWORD,
                "csrf_token": csrf_from(page.text),
                "next": target,
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"


def test_a_forged_session_cookie_is_anonymous(browser_client: TestClient, world: World):
    browser_client.cookies.set(
        "ch_session", "forged-value-that-was-never-issued", domain="testserver"
    )
    response = browser_client.get("/tokens", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_a_session_cookie_replayed_after_sign_out_is_dead(runtime, world: World):  # type: ignore[no-untyped-def]
    from clearinghouse.app import create_app

    with TestClient(
        create_app(runtime=runtime, start_consumer=False), base_url="https://testserver"
    ) as browser:
        sign_in(browser, world.users["hospital_member"])
        stolen = browser.cookies.get("ch_session")
        assert stolen
        token = csrf_from(browser.get("/tokens").text)
        assert (
            browser.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code
            == 303
        )
    with TestClient(
        create_app(runtime=runtime, start_consumer=False), base_url="https://testserver"
    ) as attacker:
        attacker.cookies.set("ch_session", stolen, domain="testserver")
        response = attacker.get("/tokens", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_expired_and_idle_sessions_end(browser_client: TestClient, world: World):
    sign_in(browser_client, world.users["hospital_member"])
    with db.transaction(world.runtime.sessions) as session:
        record = session.scalars(select(WebSession)).one()
        record.last_seen_at = db.utcnow() - timedelta(hours=3)  # idle limit is 2 h
    assert browser_client.get("/tokens", follow_redirects=False).status_code == 303
    sign_in(browser_client, world.users["hospital_member"])
    with db.transaction(world.runtime.sessions) as session:
        for record in session.scalars(select(WebSession)):
            record.expires_at = db.utcnow() - timedelta(seconds=1)
    assert browser_client.get("/tokens", follow_redirects=False).status_code == 303


def test_a_form_without_its_csrf_token_is_refused(browser_client: TestClient, world: World):
    sign_in(browser_client, world.users["hospital_admin"])
    good = csrf_from(browser_client.get("/tokens").text)
    for data in (
        {"name": "t", "scopes": "org:read"},
        {"name": "t", "scopes": "org:read", "csrf_token": ""},
        {"name": "t", "scopes": "org:read", "csrf_token": "0" * 64},
        {"name": "t", "scopes": "org:read", "csrf_token": good + "0"},
    ):
        response = browser_client.post("/tokens", data=data)
        assert response.status_code == 403, data
        assert "did not come from this site" in response.text
    # and with it, the same form works
    created = browser_client.post(
        "/tokens", data={"name": "t", "scopes": "org:read", "csrf_token": good}
    )
    assert created.status_code == 200
    assert "chk_" in created.text


def test_a_csrf_token_of_another_browser_is_refused(runtime, world: World):  # type: ignore[no-untyped-def]
    from clearinghouse.app import create_app

    app = create_app(runtime=runtime, start_consumer=False)
    with TestClient(app, base_url="https://testserver") as attacker:
        foreign = csrf_from(attacker.get("/login").text)
    with TestClient(app, base_url="https://testserver") as victim:
        sign_in(victim, world.users["hospital_admin"])
        response = victim.post(
            "/tokens", data={"name": "t", "scopes": "org:read", "csrf_token": foreign}
        )
    assert response.status_code == 403


def test_the_login_form_itself_needs_its_csrf_token(browser_client: TestClient, world: World):
    response = browser_client.post(
        "/login", data={"email": world.users["hospital_admin"], "password": PASSWORD}
    )
    assert response.status_code == 403


def test_password_guessing_locks_the_account(browser_client: TestClient, world: World):
    email = world.users["hospital_viewer"]
    token = csrf_from(browser_client.get("/login").text)

    def attempt(password: str) -> int:
        return browser_client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": token},
            follow_redirects=False,
        ).status_code

    statuses = [attempt(f"guess number {i}") for i in range(5)]
    assert statuses == [401] * 5
    # locked now: even the right password is refused, and says why
    response = browser_client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 401 and "locked until" in response.text
    with world.runtime.sessions() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        assert user.locked_until is not None
        denied = audit.search(session, action="session.login", outcome="denied")
    assert len(denied) == 6
    # once the lock has passed, the right password works again
    with db.transaction(world.runtime.sessions) as session:
        locked = session.scalars(select(User).where(User.email == email)).one()
        locked.locked_until = db.utcnow() - timedelta(seconds=1)
    assert attempt(PASSWORD) == 303


def test_unknown_accounts_get_the_same_answer(browser_client: TestClient, world: World):
    token = csrf_from(browser_client.get("/login").text)
    known = browser_client.post(
        "/login",
        data={
            "email": world.users["bank_admin"],
            "password": "wrong password!!",
            "csrf_token": token,
        },
    )
    unknown = browser_client.post(
        "/login",
        data={
            "email": "ghost@nowhere.example",
            "password": "wrong password!!",
            "csrf_token": token,
        },
    )
    assert known.status_code == unknown.status_code == 401
    assert "Wrong email or password." in known.text and "Wrong email or password." in unknown.text


def test_sign_in_is_throttled_per_client(runtime, world: World):  # type: ignore[no-untyped-def]
    from clearinghouse.app import create_app
    from clearinghouse.runtime import Runtime

    settings = runtime.settings.model_copy(update={"rate_limit_login": "3/minute"})
    tight = Runtime(settings, runtime.engine, runtime.sessions, runtime.queue, runtime.secret_key)
    with TestClient(
        create_app(runtime=tight, start_consumer=False), base_url="https://testserver"
    ) as browser:
        token = csrf_from(browser.get("/login").text)
        statuses = []
        for n in range(5):
            response = browser.post(
                "/login",
                data={
                    "email": f"user{n}@spray.example",
                    "password": "guessing again",
                    "csrf_token": token,
                },
            )
            statuses.append(response.status_code)
        assert statuses == [401, 401, 401, 429, 429]
        assert 1 <= int(response.headers["retry-after"]) <= 60
