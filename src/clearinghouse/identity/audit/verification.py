"""Walking the chain: every entry links to the one before, hashes to its stored hash, and every
checkpoint signs a hash the chain still has.

Entries are read in batches by seq, as plain rows, so a log of millions of entries is walked in
constant memory.
"""

from __future__ import annotations

import base64
import binascii
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from clearinghouse.identity.audit import chain
from clearinghouse.identity.audit.models import AuditCheckpoint, AuditEntry
from clearinghouse.identity.audit.signing import key_id

BATCH_SIZE = 1000


class AuditChainBroken(Exception):
    """The chain does not verify at `seq` (None when no single entry is to blame)."""

    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


@dataclass
class Walk:
    """Where a walk got to: the last entry that verified, and what it counted on the way."""

    last_seq: int
    last_hash: str
    entries: int = 0
    checkpoints: int = 0
    problem: AuditChainBroken | None = None
    _pending: deque[Row[Any]] = field(default_factory=deque)


def load_checkpoints(session: Session) -> list[Row[Any]]:
    table = AuditCheckpoint.__table__
    return list(session.execute(select(*table.c).order_by(table.c.seq)))


def entry_batches(session: Session, after_seq: int, upto: int) -> Iterator[Sequence[Row[Any]]]:
    table = AuditEntry.__table__
    last = after_seq
    while True:
        batch = session.execute(
            select(*table.c)
            .where(table.c.seq > last, table.c.seq <= upto)
            .order_by(table.c.seq)
            .limit(BATCH_SIZE)
        ).all()
        if not batch:
            return
        yield batch
        last = batch[-1].seq


def walk_chain(
    session: Session,
    *,
    after_seq: int,
    after_hash: str,
    upto: int,
    checkpoints: Sequence[Row[Any]] = (),
    public_key: Ed25519PublicKey | None = None,
) -> Walk:
    """Check entries after_seq+1 … upto, starting from the hash of entry after_seq.

    Stops at the first problem. Checkpoints (sorted by seq) are checked when the walk reaches
    the entry they cover; any left over cover entries that are no longer there.
    """
    walk = Walk(after_seq, after_hash)
    walk._pending.extend(c for c in checkpoints if c.seq > after_seq)
    expected_key = key_id(public_key) if public_key is not None else None
    for batch in entry_batches(session, after_seq, upto):
        for row in batch:
            problem = _check_entry(row, walk.last_seq + 1, walk.last_hash)
            while problem is None and walk._pending and walk._pending[0].seq <= row.seq:
                problem = _check_checkpoint(walk._pending.popleft(), row, public_key, expected_key)
                if problem is None:
                    walk.checkpoints += 1
            if problem is not None:
                walk.problem = problem
                return walk
            walk.last_seq, walk.last_hash = row.seq, row.entry_hash
            walk.entries += 1
    if walk._pending:
        beyond = walk._pending[-1].seq
        walk.problem = AuditChainBroken(
            walk.last_seq + 1,
            f"a checkpoint covers entries up to {beyond}, but the log ends at {walk.last_seq}: "
            f"entries {walk.last_seq + 1}..{beyond} were deleted",
        )
    return walk


def _check_entry(row: Row[Any], expected_seq: int, prev_hash: str) -> AuditChainBroken | None:
    seq = row.seq
    if seq != expected_seq:
        return AuditChainBroken(
            expected_seq,
            f"entry {expected_seq} is missing: the log goes from {expected_seq - 1} to {seq}",
        )
    if row.prev_hash != prev_hash:
        if seq == 1:
            return AuditChainBroken(1, "entry 1 does not start the chain (prev_hash is not zeros)")
        return AuditChainBroken(
            seq,
            f"entry {seq} does not follow entry {seq - 1} (its prev_hash is not the hash of "
            f"entry {seq - 1}): an entry was inserted, removed, replaced or moved here",
        )
    if chain.entry_hash(row._mapping) != row.entry_hash:
        return AuditChainBroken(
            seq, f"entry {seq} was altered: its contents do not match its entry_hash"
        )
    return None


def _check_checkpoint(
    checkpoint: Row[Any],
    entry: Row[Any],
    public_key: Ed25519PublicKey | None,
    expected_key: str | None,
) -> AuditChainBroken | None:
    seq = checkpoint.seq
    if seq != entry.seq:
        return AuditChainBroken(seq, f"the checkpoint at seq {seq} covers no entry of the log")
    if checkpoint.entry_hash != entry.entry_hash:
        return AuditChainBroken(
            seq,
            f"the checkpoint at seq {seq} signed hash {checkpoint.entry_hash[:16]}…, but entry "
            f"{seq} hashes to {entry.entry_hash[:16]}…: the log was rewritten after it was signed",
        )
    if public_key is None:
        return None
    if checkpoint.key_id != expected_key:
        return AuditChainBroken(
            seq,
            f"the checkpoint at seq {seq} names key {checkpoint.key_id}, "
            f"not the verifying key {expected_key}",
        )
    message = chain.checkpoint_message(seq, checkpoint.entry_hash, checkpoint.signed_at)
    try:
        public_key.verify(base64.b64decode(checkpoint.signature, validate=True), message)
    except (InvalidSignature, binascii.Error, ValueError):
        return AuditChainBroken(
            seq, f"the checkpoint at seq {seq} has a signature that does not verify"
        )
    return None
