"""Jobs of matching."""

from __future__ import annotations

from clearinghouse.db import transaction
from clearinghouse.inventory import service as inventory
from clearinghouse.jobs import JobContext, job
from clearinghouse.matching import service


@job("matching.fan_out", retries=3, retry_delay=5.0, every_minutes=1)
def fan_out(ctx: JobContext) -> dict[str, int]:
    """Re-match the vulnerabilities the knowledge base recorded as added, changed or withdrawn."""
    return dict(service.process_vulnerability_events(ctx.sessions))


@job("inventory.parse_upload", retries=3, retry_delay=5.0)
def parse_upload(ctx: JobContext, upload_id: int) -> dict[str, object]:
    """Parse a large uploaded inventory, make it the asset's current one, and match it."""
    with transaction(ctx.sessions) as session:
        upload = inventory.parse_queued_upload(session, upload_id)
        if upload is None or upload.status != "parsed":
            return {"upload": upload_id, "status": upload.status if upload else "unchanged"}
        counts = service.refresh_assets(session, [upload.asset_id], cause=f"upload:{upload_id}")
    return {"upload": upload_id, "components": upload.component_count, **counts}
