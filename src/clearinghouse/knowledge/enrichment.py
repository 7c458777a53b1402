"""What triage asks of the knowledge base: each vulnerability's enrichment and its records.

KEV, EPSS and CISA ADP's SSVC values as merged, every CVSS vector, and the source records'
stored fields; of the records' documents only CVE records' are read (their reference tags and
the CNA's workarounds and solutions), since documents are the bulk of what is stored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, null, select
from sqlalchemy.orm import Session

from clearinghouse.db import in_chunks
from clearinghouse.knowledge.models import SourceRecordRow, Vulnerability

DOCUMENTS_OF = "cve5"


@dataclass(frozen=True)
class Enrichment:
    id: str
    display_id: str
    summary: str | None
    known_exploited: bool
    kev: Mapping[str, Any] | None
    epss_score: float | None
    epss_percentile: float | None
    severities: Sequence[Mapping[str, Any]]
    ssvc: Mapping[str, str]
    ssvc_source: str | None  # the record CISA's SSVC values came from ("cve5:CVE-…")
    # (source, stored fields, document or {}) of every record
    records: list[tuple[str, Mapping[str, Any], Mapping[str, Any]]] = field(default_factory=list)


def enrichment(session: Session, vulnerability_ids: Collection[str]) -> dict[str, Enrichment]:
    ids = sorted(set(vulnerability_ids))
    found: dict[str, Enrichment] = {}
    document = case(
        (SourceRecordRow.source == DOCUMENTS_OF, SourceRecordRow.document), else_=null()
    )
    for chunk in in_chunks(ids):
        for v in session.scalars(select(Vulnerability).where(Vulnerability.id.in_(chunk))):
            found[v.id] = Enrichment(
                id=v.id,
                display_id=v.display_id,
                summary=v.summary,
                known_exploited=v.known_exploited,
                kev=v.kev,
                epss_score=v.epss_score,
                epss_percentile=v.epss_percentile,
                severities=v.severities or [],
                ssvc=v.ssvc or {},
                ssvc_source=(v.field_sources or {}).get("ssvc"),
            )
        for source, vulnerability_id, fields, raw in session.execute(
            select(
                SourceRecordRow.source,
                SourceRecordRow.vulnerability_id,
                SourceRecordRow.fields,
                document,
            ).where(SourceRecordRow.vulnerability_id.in_(chunk))
        ):
            if vulnerability_id in found:
                found[vulnerability_id].records.append((source, fields, raw or {}))
    return found
