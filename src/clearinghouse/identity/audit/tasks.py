"""Jobs of the audit log."""

from __future__ import annotations

from typing import Any

from clearinghouse.db import transaction
from clearinghouse.identity.audit import service
from clearinghouse.identity.audit.signing import load_or_create_signing_key
from clearinghouse.jobs import JobContext, job


@job("audit.checkpoint", retries=3, retry_delay=5.0, every_minutes=10)
def checkpoint(ctx: JobContext) -> dict[str, Any]:
    """Sign the head of the audit chain if entries were added since the last checkpoint."""
    key = load_or_create_signing_key(ctx.settings)
    with transaction(ctx.sessions) as session:
        signed = service.write_checkpoint(session, key)
    return {"seq": signed.seq if signed else None, "signed": signed is not None}
