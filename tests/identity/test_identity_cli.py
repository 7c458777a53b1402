"""`clearinghouse admin|orgs|tokens` as an operator of the platform runs them."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from clearinghouse.app import create_app
from clearinghouse.config import load_settings
from clearinghouse.identity.models import User
from clearinghouse.runtime import Runtime
from tests.helpers import cli_env, run_cli

PASSWORD = "a sufficiently long password"


def test_first_admin_then_a_token_that_works(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    env = cli_env(tmp_path / "var")
    created = run_cli(
        "admin",
        "create",
        "--email",
        "Chief@Coord.example",
        "--name",
        "Chief",
        "--json",
        env=env,
        stdin=PASSWORD + "\n",
    )
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["email"] == "chief@coord.example"

    again = run_cli(
        "admin", "create", "--email", "chief@coord.example", env=env, stdin=PASSWORD + "\n"
    )
    assert again.returncode == 2 and "has an account already" in again.stderr
    weak = run_cli("admin", "create", "--email", "other@coord.example", env=env, stdin="short\n")
    assert weak.returncode == 2 and "at least 12 characters" in weak.stderr
    empty = run_cli("admin", "create", "--email", "other@coord.example", env=env, stdin="")
    assert empty.returncode == 2 and "no password on standard input" in empty.stderr

    issued = run_cli(
        "tokens",
        "create",
        "--email",
        "chief@coord.example",
        "--scope",
        "system:read",
        "--scope",
        "audit:read",
        "--name",
        "monitoring",
        env=env,
    )
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.startswith("chk_") and "\n" not in token  # stdout is the token, nothing else
    assert "Shown once" in issued.stderr

    monkeypatch.setenv("CLEARINGHOUSE_DATA_DIR", str(tmp_path / "var"))
    runtime = Runtime.create(load_settings())
    try:
        with TestClient(create_app(runtime=runtime, start_consumer=False)) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    finally:
        runtime.close()
    assert me["platform_role"] == "coordinator_admin"
    assert me["scopes"] == ["audit:read", "system:read"]

    listed = json.loads(
        run_cli("tokens", "list", "--email", "chief@coord.example", "--json", env=env).stdout
    )
    assert [t["name"] for t in listed] == ["monitoring"]
    assert token not in json.dumps(listed)
    revoked = run_cli("tokens", "revoke", listed[0]["id"], env=env)
    assert revoked.returncode == 0 and "revoked token monitoring" in revoked.stdout
    unknown = run_cli(
        "tokens", "create", "--email", "ghost@coord.example", "--scope", "org:read", env=env
    )
    assert unknown.returncode == 2 and "no account with the email" in unknown.stderr


def test_organizations_from_the_command_line(tmp_path: Path):
    env = cli_env(tmp_path / "var")
    made = run_cli(
        "orgs",
        "create",
        "--name",
        "Lakeside Water Authority",
        "--kind",
        "operator",
        "--sector",
        "water",
        "--size",
        "small",
        "--json",
        env=env,
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["sector"] == "water"
    missing_sector = run_cli(
        "orgs", "create", "--name", "No Sector Inc", "--kind", "operator", env=env
    )
    assert missing_sector.returncode == 2
    assert "an operator needs its sector and size" in missing_sector.stderr
    bad_kind = run_cli("orgs", "create", "--name", "X Corp", "--kind", "pirate", env=env)
    assert bad_kind.returncode == 2
    duplicate = run_cli(
        "orgs", "create", "--name", "lakeside water authority", "--kind", "vendor", env=env
    )
    assert duplicate.returncode == 2 and "exists already" in duplicate.stderr
    listed = json.loads(run_cli("orgs", "list", "--json", env=env).stdout)
    assert [o["name"] for o in listed] == ["Lakeside Water Authority"]
    table = run_cli("orgs", "list", env=env)
    assert "Lakeside Water" in table.stdout


def test_an_evaluator_is_made_from_the_command_line_and_manages_no_one(tmp_path: Path, monkeypatch):  # type: ignore[no-untyped-def]
    env = cli_env(tmp_path / "var")
    created = run_cli(
        "admin", "create", "--email", "eval@coord.example", "--role", "evaluator", "--json",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["platform_role"] == "evaluator"
    monkeypatch.setenv("CLEARINGHOUSE_DATA_DIR", str(tmp_path / "var"))
    runtime = Runtime.create(load_settings())
    try:
        with runtime.sessions() as session:
            user = session.scalars(select(User).where(User.email == "eval@coord.example")).one()
            assert (user.platform_role, user.role) == ("evaluator", "member")
    finally:
        runtime.close()
    bad = run_cli(
        "admin", "create", "--email", "x@coord.example", "--role", "coordinator",
        env=env, stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert bad.returncode == 2 and "--role must be" in bad.stderr
