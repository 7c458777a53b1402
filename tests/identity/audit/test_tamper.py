"""Tampering: the database refuses changes; an admin who forces them is caught by verify."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import insert, text, update
from sqlalchemy.exc import DBAPIError

from clearinghouse.identity.audit import chain
from clearinghouse.identity.audit.models import AuditChainHead, AuditCheckpoint, AuditEntry
from clearinghouse.runtime import Runtime
from tests.identity.audit.conftest import admin, checkpoint, fill, report, rows

LOG = AuditEntry.__table__
HEAD = AuditChainHead.__table__
CHECKPOINTS = AuditCheckpoint.__table__


@pytest.fixture
def signed_log(runtime: Runtime, key: Ed25519PrivateKey) -> Runtime:
    """Ten entries; checkpoints at 6 and 10."""
    fill(runtime, 6)
    assert checkpoint(runtime, key) == 6
    fill(runtime, 4, start=7)
    assert checkpoint(runtime, key) == 10
    result = report(runtime, key)
    assert result.ok and result.entries_checked == 10 and result.checkpoints_checked == 2
    return runtime


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log",
        "UPDATE audit_checkpoints SET signature = 'x'",
        "DELETE FROM audit_checkpoints",
    ],
)
def test_the_database_refuses_updates_and_deletes(signed_log: Runtime, statement: str):
    with pytest.raises(DBAPIError, match="append-only"), signed_log.engine.begin() as connection:
        connection.execute(text(statement))
    assert report(signed_log, None).ok


def test_postgresql_refuses_truncate(signed_log: Runtime):
    if signed_log.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    for table in ("audit_log", "audit_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"), signed_log.engine.begin() as c:
            c.execute(text(f"TRUNCATE {table}"))
    assert report(signed_log, None).entries_checked == 10


def test_an_edited_entry_is_named(signed_log: Runtime, key: Ed25519PrivateKey):
    with admin(signed_log) as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 4).values(actor="mallory"))
    result = report(signed_log, key)
    assert not result.ok
    assert result.first_bad_seq == 4
    assert result.problem and "entry 4 was altered" in result.problem
    assert result.entries_checked == 3


def test_edited_details_are_caught(signed_log: Runtime, key: Ed25519PrivateKey):
    with admin(signed_log) as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 9).values(details={"index": 0}))
    result = report(signed_log, key)
    assert (result.ok, result.first_bad_seq) == (False, 9)


def test_a_deleted_entry_is_named(signed_log: Runtime, key: Ed25519PrivateKey):
    with admin(signed_log) as connection:
        connection.execute(LOG.delete().where(LOG.c.seq == 5))
    result = report(signed_log, key)
    assert (result.ok, result.first_bad_seq) == (False, 5)
    assert result.problem and "entry 5 is missing" in result.problem


def test_deleting_the_first_entry_is_caught(signed_log: Runtime, key: Ed25519PrivateKey):
    with admin(signed_log) as connection:
        connection.execute(LOG.delete().where(LOG.c.seq == 1))
    assert report(signed_log, key).first_bad_seq == 1


def _renumber_from(connection: object, seq: int, last: int) -> None:
    for old in range(last, seq - 1, -1):  # top down, so the primary key never collides
        connection.execute(update(LOG).where(LOG.c.seq == old).values(seq=old + 1))  # type: ignore[attr-defined]


def test_an_inserted_entry_is_caught_where_the_chain_breaks(
    signed_log: Runtime, key: Ed25519PrivateKey
):
    with admin(signed_log) as connection:
        entries = rows(connection)
        _renumber_from(connection, 5, 10)
        forged = dict(entries[4], seq=5, actor="mallory", prev_hash=entries[3]["entry_hash"])
        forged["entry_hash"] = chain.entry_hash(forged)
        connection.execute(insert(LOG).values(**forged))
    result = report(signed_log, key)
    # The forged entry 5 is well formed; the old entry 5, now 6, no longer links to it.
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.problem and "does not follow entry 5" in result.problem


def test_an_inserted_entry_with_the_whole_chain_rehashed_is_caught_by_a_checkpoint(
    signed_log: Runtime, key: Ed25519PrivateKey
):
    with admin(signed_log) as connection:
        entries = rows(connection)
        forged = dict(entries[4], actor="mallory")
        rewritten = [*entries[:4], forged, *entries[4:]]
        connection.execute(LOG.delete().where(LOG.c.seq >= 5))
        previous = entries[3]["entry_hash"]
        for seq, entry in enumerate(rewritten[4:], start=5):
            entry = dict(entry, seq=seq, prev_hash=previous)
            entry["entry_hash"] = previous = chain.entry_hash(entry)
            connection.execute(insert(LOG).values(**entry))
        connection.execute(update(HEAD).values(seq=11, entry_hash=previous))
    unsigned = report(signed_log, None)
    signed = report(signed_log, key)
    for result in (unsigned, signed):
        assert (result.ok, result.first_bad_seq) == (False, 6)
        assert result.problem and "rewritten after it was signed" in result.problem


def test_swapped_entries_are_caught(signed_log: Runtime, key: Ed25519PrivateKey):
    with admin(signed_log) as connection:
        entries = rows(connection)
        for seq, source in ((3, entries[6]), (7, entries[2])):
            values = {k: v for k, v in source.items() if k != "seq"}
            connection.execute(update(LOG).where(LOG.c.seq == seq).values(**values))
    result = report(signed_log, key)
    assert (result.ok, result.first_bad_seq) == (False, 3)


def test_a_forged_checkpoint_signature_is_caught(signed_log: Runtime, key: Ed25519PrivateKey):
    forger = Ed25519PrivateKey.generate()
    with admin(signed_log) as connection:
        stored = connection.execute(CHECKPOINTS.select().where(CHECKPOINTS.c.seq == 6)).one()
        message = chain.checkpoint_message(6, stored.entry_hash, stored.signed_at)
        signature = base64.b64encode(forger.sign(message)).decode()
        connection.execute(
            update(CHECKPOINTS).where(CHECKPOINTS.c.seq == 6).values(signature=signature)
        )
    result = report(signed_log, key)
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.problem and "signature that does not verify" in result.problem
    # Without the public key only the hashes are compared, and those still match.
    assert report(signed_log, None).ok


def test_a_checkpoint_from_another_key_is_caught(signed_log: Runtime, key: Ed25519PrivateKey):
    other = Ed25519PrivateKey.generate()
    result = report(signed_log, other)
    assert (result.ok, result.first_bad_seq) == (False, 6)
    assert result.problem and "not the verifying key" in result.problem


def test_deleting_a_checkpointed_tail_is_caught(signed_log: Runtime, key: Ed25519PrivateKey):
    with admin(signed_log) as connection:
        entries = rows(connection)
        connection.execute(LOG.delete().where(LOG.c.seq >= 9))
        # A careful attacker also rewinds the chain head; the checkpoint at 10 still knows.
        connection.execute(update(HEAD).values(seq=8, entry_hash=entries[7]["entry_hash"]))
    result = report(signed_log, key)
    assert (result.ok, result.first_bad_seq) == (False, 9)
    assert result.problem and "entries 9..10 were deleted" in result.problem


def test_a_tail_deleted_after_the_last_checkpoint_is_caught_by_the_chain_head(
    signed_log: Runtime, key: Ed25519PrivateKey
):
    fill(signed_log, 3, start=11)
    with admin(signed_log) as connection:
        connection.execute(LOG.delete().where(LOG.c.seq >= 12))
    result = report(signed_log, key)
    assert (result.ok, result.first_bad_seq) == (False, 12)
    assert result.problem and "chain head records 13 entries" in result.problem


def test_the_documented_limit_a_rewound_head_hides_an_unsigned_tail(
    signed_log: Runtime, key: Ed25519PrivateKey
):
    """Without an external anchor, entries after the last checkpoint can vanish unnoticed."""
    fill(signed_log, 3, start=11)
    with admin(signed_log) as connection:
        entries = rows(connection)
        connection.execute(LOG.delete().where(LOG.c.seq >= 12))
        connection.execute(update(HEAD).values(seq=11, entry_hash=entries[10]["entry_hash"]))
    assert report(signed_log, key).ok


def test_a_checkpoint_is_never_signed_over_tampering(signed_log: Runtime, key: Ed25519PrivateKey):
    from clearinghouse import db
    from clearinghouse.identity.audit import service

    fill(signed_log, 3, start=11)
    with admin(signed_log) as connection:
        connection.execute(update(LOG).where(LOG.c.seq == 12).values(outcome="denied"))
    with (
        pytest.raises(service.AuditChainBroken, match="entry 12") as caught,
        db.transaction(signed_log.sessions) as session,
    ):
        service.write_checkpoint(session, key)
    assert caught.value.seq == 12
    with signed_log.sessions() as session:
        assert service.latest_checkpoint(session).seq == 10  # type: ignore[union-attr]
