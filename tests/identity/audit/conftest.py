"""Helpers for audit log tests: filling the log, and tampering with it as a database admin."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, select, text

from clearinghouse import db
from clearinghouse.identity.audit import service
from clearinghouse.identity.audit.models import AuditEntry
from clearinghouse.identity.audit.schemas import AuditEntryOut
from clearinghouse.runtime import Runtime

SQLITE_TRIGGERS = (
    "audit_log_no_update",
    "audit_log_no_delete",
    "audit_checkpoints_no_update",
    "audit_checkpoints_no_delete",
)


def event(index: int, **overrides: Any) -> service.AuditEvent:
    """A varied, realistic event: several actors, organizations, actions and outcomes."""
    actions = ("organization.update", "token.create", "session.login", "token.revoke")
    fields: dict[str, Any] = {
        "action": actions[index % len(actions)],
        "outcome": ("success", "success", "denied", "failure")[index % 4],
        "actor": f"user{index % 3}@example.org",
        "actor_user_id": f"00000000-0000-4000-8000-00000000000{index % 3}",
        "organization_id": f"org-{index % 2}",
        "resource_type": "token" if index % 2 else "organization",
        "resource_id": f"r{index}",
        "request_id": f"req-{index:04d}",
        "client_address": "2001:db8::1" if index % 2 else "192.0.2.7",
        "details": {"index": index, "note": "ünïcödé ✓", "nested": {"ratio": 0.1 * index}},
    }
    fields.update(overrides)
    return service.AuditEvent(**fields)


def fill(runtime: Runtime, count: int, start: int = 1) -> list[AuditEntryOut]:
    """Record `count` events, one unit of work each."""
    entries = []
    for index in range(start, start + count):
        with db.transaction(runtime.sessions) as session:
            entries.append(service.record(session, event(index)))
    return entries


def checkpoint(runtime: Runtime, key: Ed25519PrivateKey) -> int:
    with db.transaction(runtime.sessions) as session:
        signed = service.write_checkpoint(session, key)
    assert signed is not None
    return signed.seq


def report(runtime: Runtime, key: Ed25519PrivateKey | None) -> Any:
    with runtime.sessions() as session:
        return service.verify(session, key.public_key() if key else None)


@contextmanager
def admin(runtime: Runtime) -> Iterator[Connection]:
    """A connection of a database administrator who first switched the append-only triggers off."""
    with runtime.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            for trigger in SQLITE_TRIGGERS:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger}"))
        else:
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
            connection.execute(text("ALTER TABLE audit_checkpoints DISABLE TRIGGER ALL"))
        yield connection


def rows(connection: Connection) -> list[dict[str, Any]]:
    """Every entry as typed values (aware datetimes, dicts), in seq order."""
    table = AuditEntry.__table__
    return [dict(r._mapping) for r in connection.execute(select(table).order_by(table.c.seq))]


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()
