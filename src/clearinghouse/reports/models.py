"""Finder reports as stored: the submitted document, who sent it, and where it stands."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearinghouse.db import Base, UTCDateTime, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class Report(Base):
    __tablename__ = "reports"
    # The same content from the same finder is the same report.
    __table_args__ = (UniqueConstraint("finder_organization_id", "content_hash"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    finder_organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    submitted_by_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    submitted_by: Mapped[str | None] = mapped_column(String(320))
    title: Mapped[str] = mapped_column(String(200))
    # The package key the report targets ("pypi/jinja2"), or the repository URL.
    target_key: Mapped[str] = mapped_column(String(500), index=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(30), index=True)
    verdict: Mapped[str | None] = mapped_column(String(30))
    verdict_details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
