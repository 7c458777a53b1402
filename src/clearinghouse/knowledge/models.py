"""Vulnerabilities, the ids they go by, the source records they are made of, and import runs.

One logical `Vulnerability` keeps every `SourceRecord` that describes it (PYSEC, GHSA, CVE, a
CSAF advisory, KEV …). `VulnerabilityAlias` maps every known id to it. The vulnerability's own
fields are computed from its records by the precedence rules in knowledge.merge.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearinghouse.db import Base, UTCDateTime, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class Vulnerability(Base):
    __tablename__ = "vulnerabilities"
    __count_label__: ClassVar[str] = "vulnerabilities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    # The id people see first: a CVE when there is one, else the earliest source id.
    display_id: Mapped[str] = mapped_column(String(100), index=True)
    summary: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    modified: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn: Mapped[datetime | None] = mapped_column(UTCDateTime)
    severities: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    cwes: Mapped[list[str]] = mapped_column(JSON, default=list)
    known_exploited: Mapped[bool] = mapped_column(Boolean, default=False)
    kev: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    epss_score: Mapped[float | None] = mapped_column(Float)
    epss_percentile: Mapped[float | None] = mapped_column(Float)
    ssvc: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # field name -> the source record ("source:record_id") it was taken from
    field_sources: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # When two vulnerabilities turn out to be one, the younger points at the survivor.
    merged_into: Mapped[str | None] = mapped_column(ForeignKey("vulnerabilities.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class VulnerabilityAlias(Base):
    __tablename__ = "vulnerability_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"), index=True)


class SourceRecordRow(Base):
    """One advisory as one source tells it; kept whole, so that fields can be traced to it."""

    __tablename__ = "source_records"
    __count_label__: ClassVar[str] = "advisory records"
    __table_args__ = (UniqueConstraint("source", "record_id", name="uq_source_records_record"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(200))
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # The digest of the input document it came from: an unchanged document is skipped unread.
    document_digest: Mapped[str] = mapped_column(String(64), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON)  # the normalized record
    document: Mapped[dict[str, Any]] = mapped_column(JSON)  # as the source gave it (OSV-shaped)
    origin: Mapped[str] = mapped_column(String(500))
    modified: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen_run: Mapped[int | None] = mapped_column(Integer)
    last_changed_run: Mapped[int | None] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AffectedPackageRow(Base):
    """A package a source record names as affected; the index's key is (ecosystem, name)."""

    __tablename__ = "affected_packages"
    __table_args__ = (Index("ix_affected_packages_package", "ecosystem", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), index=True
    )
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"), index=True)
    ecosystem: Mapped[str] = mapped_column(String(100))  # the OSV name, e.g. "AlmaLinux:8"
    name: Mapped[str] = mapped_column(String(300))  # normalized for lookup (PyPI: PEP 503)
    purl: Mapped[str | None] = mapped_column(String(500))
    ranges: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    versions: Mapped[list[str]] = mapped_column(JSON, default=list)
    ecosystem_specific: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AffectedProductRow(Base):
    """A device or product a source record names (CSAF product tree, KEV vendor/product)."""

    __tablename__ = "affected_products"
    __table_args__ = (Index("ix_affected_products_product", "vendor", "product"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("source_records.id", ondelete="CASCADE"), index=True
    )
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"), index=True)
    vendor: Mapped[str] = mapped_column(String(300))  # normalized: lower case, single spaces
    product: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(40))
    versions: Mapped[list[str]] = mapped_column(JSON, default=list)
    version_ranges: Mapped[list[str]] = mapped_column(JSON, default=list)
    cpe: Mapped[str | None] = mapped_column(String(500))
    purl: Mapped[str | None] = mapped_column(String(500))
    product_id: Mapped[str | None] = mapped_column(String(300))
    remediations: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class VulnerabilityEvent(Base):
    """ "This vulnerability was added / changed / withdrawn": what matching fans out from."""

    __tablename__ = "vulnerability_events"
    __table_args__ = (Index("ix_vulnerability_events_vulnerability", "vulnerability_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"))
    kind: Mapped[str] = mapped_column(String(20))  # added, changed, withdrawn, merged
    run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Matching marks what it has fanned out; kept for the record afterwards.
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class RememberedDocument(Base):
    """A document read whole whose records alone do not say it was read: one with rejections
    (and so its reasons), or one that gave no record (a ROLIE feed beside CSAF advisories).

    An unchanged re-import finds its digest here and skips it unread, reporting its rejections
    again from `reasons`. The digest covers the parser generation, so a parser change reads it.
    """

    __tablename__ = "remembered_documents"
    __table_args__ = (Index("ix_remembered_documents_name", "source", "name"),)

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(500))  # the document's path inside the input
    records: Mapped[int] = mapped_column(Integer)  # records stored under its digest
    rejected: Mapped[int] = mapped_column(Integer)  # how many rejections it gave
    # The first reasons (as many as a run records), each as the run's errors list gave it.
    reasons: Mapped[list[str]] = mapped_column(JSON)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))  # the run that read it
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InputManifest(Base):
    """The documents an input file held, in order, when it was last imported whole.

    An input file with the same digest (same bytes, same importer, parser generation and
    `include`) whose documents are all still known is answered from here without opening it.
    """

    __tablename__ = "input_manifests"
    __table_args__ = (Index("ix_input_manifests_input", "source", "input"),)

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    input: Mapped[str] = mapped_column(String(1000))  # the path it was imported from
    # Per document: [name, digest], [name, digest, records] or [name, null, problem]
    # (knowledge.manifests says which is which).
    documents: Mapped[list[list[str | int | None]]] = mapped_column(JSON)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_runs.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ImportRun(Base):
    """One run of one importer over one input: its counts and every rejected record."""

    __tablename__ = "import_runs"
    __count_label__: ClassVar[str] = "import runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pipeline_id: Mapped[str] = mapped_column(String(40))
    licence: Mapped[str] = mapped_column(String(200))
    input: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(20))  # running, succeeded, incomplete, failed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    withdrawn: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    failure: Mapped[str | None] = mapped_column(Text)
