"""Jobs of matching."""

from __future__ import annotations

from clearinghouse.jobs import JobContext, job
from clearinghouse.matching import service


@job("matching.fan_out", retries=3, retry_delay=5.0, every_minutes=1)
def fan_out(ctx: JobContext) -> dict[str, int]:
    """Re-match the vulnerabilities the knowledge base recorded as added, changed or withdrawn."""
    return dict(service.process_vulnerability_events(ctx.sessions))
