"""`clearinghouse audit …` as an operator runs it: real processes, real databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update

from clearinghouse import db
from clearinghouse.config import Settings
from clearinghouse.identity.audit.models import AuditEntry
from clearinghouse.identity.audit.signing import public_key_pem
from clearinghouse.runtime import Runtime
from tests.helpers import cli_env, run_cli
from tests.identity.audit.conftest import admin, fill


@pytest.fixture(params=["sqlite", "postgresql"])
def operator(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Runtime, dict]]:
    """A data dir (and database) the CLI and this test share, with five audit entries."""
    extra = {}
    if request.param == "postgresql":
        extra["CLEARINGHOUSE_DATABASE_URL"] = request.getfixturevalue("postgres_schema_url")
    env = cli_env(tmp_path / "data", **extra)
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=extra.get("CLEARINGHOUSE_DATABASE_URL"),
        _env_file=None,  # type: ignore[call-arg]
    )
    runtime = Runtime.create(settings)
    db.upgrade(runtime.engine)
    fill(runtime, 5)
    yield runtime, env
    runtime.close()


def test_verify_checkpoint_and_public_key(operator: tuple[Runtime, dict], tmp_path: Path):
    _, env = operator
    intact = run_cli("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stderr
    assert "audit log intact: 5 entries and 0 checkpoints checked" in intact.stdout

    signed = run_cli("audit", "checkpoint", env=env)
    assert signed.returncode == 0, signed.stderr
    assert "signed checkpoint at seq 5" in signed.stdout
    again = json.loads(run_cli("audit", "checkpoint", "--json", env=env).stdout)
    assert again["signed"] is False and again["checkpoint"]["seq"] == 5

    pem = run_cli("audit", "public-key", env=env)
    assert pem.returncode == 0 and pem.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    kept_elsewhere = tmp_path / "audit.pub"
    kept_elsewhere.write_text(pem.stdout)
    checked = run_cli("audit", "verify", "--json", "--public-key", str(kept_elsewhere), env=env)
    report = json.loads(checked.stdout)
    assert checked.returncode == 0
    assert report["ok"] and report["entries_checked"] == 5 and report["checkpoints_checked"] == 1
    assert report["signatures_checked"] is True

    stranger = tmp_path / "stranger.pub"
    stranger.write_text(public_key_pem(Ed25519PrivateKey.generate()))
    refused = run_cli("audit", "verify", "--public-key", str(stranger), env=env)
    assert refused.returncode == 1
    assert "at entry 5" in refused.stdout and "not the verifying key" in refused.stdout

    unreadable = run_cli("audit", "verify", "--public-key", str(tmp_path / "none.pub"), env=env)
    assert unreadable.returncode == 2 and "--public-key" in unreadable.stderr


def test_verify_names_the_tampered_entry_and_exits_1(operator: tuple[Runtime, dict]):
    runtime, env = operator
    log = AuditEntry.__table__
    with admin(runtime) as connection:
        connection.execute(update(log).where(log.c.seq == 3).values(outcome="success"))
    refused = run_cli("audit", "checkpoint", env=env)
    assert refused.returncode == 1
    assert "not signed: entry 3 was altered" in refused.stderr
    result = run_cli("audit", "verify", env=env)
    assert result.returncode == 1
    assert "tampered with at entry 3" in result.stdout and "entry 3 was altered" in result.stdout
    report = json.loads(run_cli("audit", "verify", "--json", env=env).stdout)
    assert report["ok"] is False and report["first_bad_seq"] == 3


def test_list_filters_entries(operator: tuple[Runtime, dict]):
    _, env = operator
    everything = json.loads(run_cli("audit", "list", "--json", env=env).stdout)
    assert [e["seq"] for e in everything] == [5, 4, 3, 2, 1]
    tokens = run_cli("audit", "list", "--action", "token.", "--json", env=env)
    assert {e["action"] for e in json.loads(tokens.stdout)} == {"token.create", "token.revoke"}
    denied = json.loads(run_cli("audit", "list", "--outcome", "denied", "--json", env=env).stdout)
    assert [e["seq"] for e in denied] == [2]
    mine = run_cli(
        "audit", "list", "--actor", "user1@example.org", "--limit", "1", "--json", env=env
    )
    assert [e["seq"] for e in json.loads(mine.stdout)] == [4]
    org = json.loads(run_cli("audit", "list", "--organization", "org-1", "--json", env=env).stdout)
    assert [e["seq"] for e in org] == [5, 3, 1]
    table = run_cli("audit", "list", env=env)
    assert table.returncode == 0 and "denied" in table.stdout and "Outcome" in table.stdout
    assert "No audit entries." in run_cli("audit", "list", "--actor", "nobody", env=env).stdout
    bad = run_cli("audit", "list", "--outcome", "maybe", env=env)
    assert bad.returncode == 2
