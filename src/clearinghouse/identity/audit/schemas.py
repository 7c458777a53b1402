"""What the audit log shows: entries, checkpoints and the result of a verification."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILURE = "failure"


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    occurred_at: datetime
    actor_user_id: str | None
    actor: str
    organization_id: str | None
    action: str
    resource_type: str | None
    resource_id: str | None
    outcome: AuditOutcome
    request_id: str | None
    client_address: str | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str


class CheckpointOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    entry_hash: str
    signed_at: datetime
    key_id: str
    signature: str


class VerificationReport(BaseModel):
    """The outcome of walking the whole chain.

    `first_bad_seq` is the first sequence number at which the log stops verifying; `problem`
    says why, in one line.
    """

    ok: bool
    entries_checked: int
    checkpoints_checked: int
    last_seq: int | None
    last_hash: str | None
    signatures_checked: bool
    key_id: str | None
    first_bad_seq: int | None = None
    problem: str | None = None
