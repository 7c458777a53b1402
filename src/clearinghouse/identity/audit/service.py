"""The audit log: recording events, verifying the chain, signing checkpoints, searching.

Other domains call `record(session, AuditEvent(...))` inside their own unit of work, so an
action and its audit entry are committed together or not at all.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from clearinghouse import db
from clearinghouse.identity.audit import chain
from clearinghouse.identity.audit.models import (
    GENESIS_HASH,
    AuditChainHead,
    AuditCheckpoint,
    AuditEntry,
)
from clearinghouse.identity.audit.schemas import (
    AuditEntryOut,
    AuditOutcome,
    CheckpointOut,
    VerificationReport,
)
from clearinghouse.identity.audit.signing import key_id
from clearinghouse.identity.audit.verification import (
    AuditChainBroken,
    load_checkpoints,
    walk_chain,
)

__all__ = [
    "AuditChainBroken",
    "AuditEvent",
    "latest_checkpoint",
    "record",
    "search",
    "verify",
    "write_checkpoint",
]

MAX_SEARCH_LIMIT = 1000
_HEAD = cast(Table, AuditChainHead.__table__)


@dataclass(frozen=True)
class AuditEvent:
    action: str
    outcome: str = "success"  # "success" | "denied" | "failure"
    actor: str = "system"
    actor_user_id: str | None = None
    organization_id: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    request_id: str | None = None
    client_address: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)


def _column_lengths() -> dict[str, int]:
    return {
        column.name: length
        for column in AuditEntry.__table__.columns
        if (length := getattr(column.type, "length", None)) is not None
    }


def _validated_fields(event: AuditEvent) -> dict[str, Any]:
    outcomes = [o.value for o in AuditOutcome]
    if event.outcome not in outcomes:
        raise ValueError(
            f"audit outcome must be one of {', '.join(outcomes)}; got {event.outcome!r}"
        )
    if not event.action:
        raise ValueError("an audit event needs an action, e.g. 'organization.update'")
    if not event.actor:
        raise ValueError("an audit event needs an actor label, e.g. an email, 'cli' or 'system'")
    if not isinstance(event.details, Mapping):
        raise ValueError("audit details must be a JSON object (a mapping)")
    try:
        # Stored as its JSON round trip, so the hash covers exactly what the database returns.
        details = json.loads(chain.canonical_json(dict(event.details)))
    except ValueError as exc:
        raise ValueError(f"audit details must be JSON-serializable: {exc}") from None
    fields: dict[str, Any] = {
        "actor_user_id": event.actor_user_id,
        "actor": event.actor,
        "organization_id": event.organization_id,
        "action": event.action,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "outcome": event.outcome,
        "request_id": event.request_id,
        "client_address": event.client_address,
    }
    lengths = _column_lengths()
    for name, value in fields.items():
        if value is None:
            continue
        if not isinstance(value, str):
            raise ValueError(f"audit field {name} must be a string, not {type(value).__name__}")
        if len(value) > lengths[name]:
            raise ValueError(f"audit field {name} is longer than {lengths[name]} characters")
        if "\x00" in value:
            raise ValueError(f"audit field {name} contains a NUL character")
    fields["details"] = details
    return fields


def record(session: Session, event: AuditEvent) -> AuditEntryOut:
    """Append `event` to the log in the caller's transaction.

    The chain head is updated first: that takes a row lock on PostgreSQL (the write lock on
    SQLite), so concurrent writers queue up and each gets the next seq and the previous hash.
    The lock is held until the caller commits; record near the end of a unit of work.
    """
    fields = _validated_fields(event)
    head = session.execute(
        update(_HEAD)
        .where(_HEAD.c.id == 1)
        .values(seq=_HEAD.c.seq + 1)
        .returning(_HEAD.c.seq, _HEAD.c.entry_hash)
    ).one_or_none()
    if head is None:
        raise AuditChainBroken(None, "the audit chain head is missing; the log cannot be extended")
    fields.update(seq=head.seq, prev_hash=head.entry_hash, occurred_at=db.utcnow())
    entry = AuditEntry(**fields, entry_hash=chain.entry_hash(fields))
    session.add(entry)
    session.execute(update(_HEAD).where(_HEAD.c.id == 1).values(entry_hash=entry.entry_hash))
    session.flush()
    return AuditEntryOut.model_validate(entry)


def verify(session: Session, public_key: Ed25519PublicKey | None = None) -> VerificationReport:
    """Walk the whole chain and every checkpoint; name the first seq that does not verify.

    Without `public_key` the checkpoints' hashes are compared with the chain but their
    signatures are not checked (the report says so).
    """
    # Checkpoints first, then the head: every checkpoint read covers an entry the head has
    # reached, even while writers append on PostgreSQL.
    checkpoints = load_checkpoints(session)
    head = session.execute(select(_HEAD.c.seq, _HEAD.c.entry_hash)).one_or_none()
    upto = head.seq if head is not None else 0
    walk = walk_chain(
        session,
        after_seq=0,
        after_hash=GENESIS_HASH,
        upto=upto,
        checkpoints=checkpoints,
        public_key=public_key,
    )
    problem = walk.problem
    if problem is None and head is None:
        problem = AuditChainBroken(None, "the audit chain head row is missing")
    elif problem is None and head is not None and walk.last_seq < head.seq:
        problem = AuditChainBroken(
            walk.last_seq + 1,
            f"the chain head records {head.seq} entries, but the log ends at {walk.last_seq}: "
            f"entries {walk.last_seq + 1}..{head.seq} were deleted",
        )
    elif problem is None and head is not None and walk.last_hash != head.entry_hash:
        problem = AuditChainBroken(
            head.seq, f"the chain head's hash does not match entry {head.seq}"
        )
    return VerificationReport(
        ok=problem is None,
        entries_checked=walk.entries,
        checkpoints_checked=walk.checkpoints,
        last_seq=walk.last_seq or None,
        last_hash=walk.last_hash if walk.last_seq else None,
        signatures_checked=public_key is not None,
        key_id=key_id(public_key) if public_key is not None else None,
        first_bad_seq=problem.seq if problem else None,
        problem=problem.message if problem else None,
    )


def write_checkpoint(session: Session, key: Ed25519PrivateKey) -> CheckpointOut | None:
    """Sign the current head; None when the last checkpoint already covers it.

    The entries since the last checkpoint are verified first, so tampering is never signed
    over (raises AuditChainBroken). Call it in a unit of work (`db.transaction`).
    """
    head = session.execute(
        select(_HEAD.c.seq, _HEAD.c.entry_hash).where(_HEAD.c.id == 1).with_for_update()
    ).one_or_none()
    if head is None:
        raise AuditChainBroken(None, "the audit chain head row is missing")
    last = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).one_or_none()
    if head.seq == 0 or (last is not None and last.seq >= head.seq):
        return None
    start_seq, start_hash = (last.seq, last.entry_hash) if last else (0, GENESIS_HASH)
    walk = walk_chain(session, after_seq=start_seq, after_hash=start_hash, upto=head.seq)
    if walk.problem is not None:
        raise walk.problem
    if walk.last_seq != head.seq or walk.last_hash != head.entry_hash:
        raise AuditChainBroken(
            walk.last_seq + 1, f"the log ends at {walk.last_seq}, the chain head at {head.seq}"
        )
    signed_at = db.utcnow()
    message = chain.checkpoint_message(head.seq, head.entry_hash, signed_at)
    checkpoint = AuditCheckpoint(
        seq=head.seq,
        entry_hash=head.entry_hash,
        signed_at=signed_at,
        key_id=key_id(key),
        signature=base64.b64encode(key.sign(message)).decode("ascii"),
    )
    session.add(checkpoint)
    session.flush()
    return CheckpointOut.model_validate(checkpoint)


def latest_checkpoint(session: Session) -> CheckpointOut | None:
    last = session.scalars(
        select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(1)
    ).one_or_none()
    return CheckpointOut.model_validate(last) if last else None


def search(
    session: Session,
    *,
    actor: str | None = None,
    organization_id: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    resource_type: str | None = None,
    resource_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    before_seq: int | None = None,
) -> list[AuditEntryOut]:
    """Entries newest first. `action` matches a prefix ("token." finds every token action);
    `since` is inclusive, `until` exclusive; page on with `before_seq` = the last seq seen."""
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_SEARCH_LIMIT}")
    for name, moment in (("since", since), ("until", until)):
        if moment is not None and moment.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
    query = select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(limit)
    equal = {
        AuditEntry.actor: actor,
        AuditEntry.organization_id: organization_id,
        AuditEntry.outcome: outcome,
        AuditEntry.resource_type: resource_type,
        AuditEntry.resource_id: resource_id,
    }
    for column, value in equal.items():
        if value is not None:
            query = query.where(column == value)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if since is not None:
        query = query.where(AuditEntry.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEntry.occurred_at < until)
    if before_seq is not None:
        query = query.where(AuditEntry.seq < before_seq)
    return [AuditEntryOut.model_validate(entry) for entry in session.scalars(query)]
