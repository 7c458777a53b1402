"""Findings: a component of an asset and a vulnerability that affects it, open or closed.

A finding is keyed by what it is about (asset, vulnerability, package and version), not by a
component row: a new upload that still holds the same package at the same version keeps the
finding open, one that upgrades it closes the finding. Every open, close and change is an event,
which notifications read.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearinghouse.db import Base, UTCDateTime, utcnow


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    # An advisory names the device or package, but cannot be evaluated for its version: shown
    # to the operator, never counted as an exposure.
    UNDECIDED = "undecided"


class Finding(Base):
    __tablename__ = "findings"
    __count_label__: ClassVar[str] = "findings"
    __table_args__ = (
        UniqueConstraint("asset_id", "vulnerability_id", "component_key"),
        Index("ix_findings_org_status", "organization_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"))
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"), index=True)
    # "ecosystem|name|version" or "device|vendor|product|version": what the finding is about.
    component_key: Mapped[str] = mapped_column(String(700))
    component_name: Mapped[str] = mapped_column(String(300))
    component_version: Mapped[str | None] = mapped_column(String(200))
    ecosystem: Mapped[str | None] = mapped_column(String(100))
    purl: Mapped[str | None] = mapped_column(String(500))
    # Why it matched: the advisory record, the range or versions list, and the events around it.
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fixed_versions: Mapped[list[str]] = mapped_column(JSON, default=list)
    # A VEX statement from the operator's own upload about this vulnerability and component.
    vex_status: Mapped[str | None] = mapped_column(String(40))
    vex_justification: Mapped[str | None] = mapped_column(String(100))
    vex_detail: Mapped[str | None] = mapped_column(Text)
    status: Mapped[FindingStatus] = mapped_column(String(10))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FindingEvent(Base):
    """A finding opened, closed, reopened or changed, and what caused it."""

    __tablename__ = "finding_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[str] = mapped_column(String(36), index=True)
    # opened|closed|reopened|changed|merged, or undecided (an advisory that names the device or
    # package but cannot be decided for its version: no exposure, so not "opened")
    kind: Mapped[str] = mapped_column(String(20))
    cause: Mapped[str] = mapped_column(String(100))  # "upload:12", "vulnerability-event:345"
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
