"""What deduplication compares a report with: each vulnerability's words and weaknesses."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.db import in_chunks
from clearinghouse.knowledge.models import Vulnerability


@dataclass(frozen=True)
class VulnerabilityText:
    id: str
    display_id: str
    summary: str | None
    details: str | None
    cwes: tuple[str, ...]


def texts_of(session: Session, vulnerability_ids: Collection[str]) -> dict[str, VulnerabilityText]:
    """Summary, details and CWEs of these vulnerabilities, by id."""
    found: dict[str, VulnerabilityText] = {}
    ids = sorted(set(vulnerability_ids))
    for chunk in in_chunks(ids):
        rows = session.scalars(select(Vulnerability).where(Vulnerability.id.in_(chunk)))
        for v in rows:
            found[v.id] = VulnerabilityText(
                v.id, v.display_id, v.summary, v.details, tuple(v.cwes or ())
            )
    return found
