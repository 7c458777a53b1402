"""The canonical form of entries and checkpoints, and their hashes.

Changing anything here changes every hash: existing logs would no longer verify. Add a new
version instead.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Every column of audit_log except entry_hash, in the order they are documented.
HASHED_FIELDS = (
    "seq",
    "occurred_at",
    "actor_user_id",
    "actor",
    "organization_id",
    "action",
    "resource_type",
    "resource_id",
    "outcome",
    "request_id",
    "client_address",
    "details",
    "prev_hash",
)
CHECKPOINT_KIND = "clearinghouse.audit.checkpoint.v1"


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 text; NaN and non-JSON values raise ValueError."""
    try:
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(str(exc)) from None


def timestamp(value: datetime) -> str:
    """ISO-8601 UTC with microseconds, e.g. 2026-11-26T09:30:00.000000Z."""
    if value.tzinfo is None:
        raise ValueError("naive datetime given; use timezone-aware UTC")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_entry(fields: Mapping[Any, Any]) -> bytes:
    """The bytes an entry's hash covers: its hashed fields as canonical JSON."""
    document = {name: fields[name] for name in HASHED_FIELDS}
    document["occurred_at"] = timestamp(fields["occurred_at"])
    return canonical_json(document).encode("utf-8")


def entry_hash(fields: Mapping[Any, Any]) -> str:
    return hashlib.sha256(canonical_entry(fields)).hexdigest()


def checkpoint_message(seq: int, entry_hash: str, signed_at: datetime) -> bytes:
    """What a checkpoint signs; the kind keeps these signatures from meaning anything else."""
    document = {
        "kind": CHECKPOINT_KIND,
        "seq": seq,
        "entry_hash": entry_hash,
        "signed_at": timestamp(signed_at),
    }
    return canonical_json(document).encode("utf-8")
