"""An operator's override of one decision point, for one vulnerability on one asset.

The derived value stays visible beside it; setting and clearing an override are audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from clearinghouse.db import Base, UTCDateTime, utcnow


class PointOverride(Base):
    __tablename__ = "triage_overrides"
    __table_args__ = (UniqueConstraint("asset_id", "vulnerability_id", "point"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    vulnerability_id: Mapped[str] = mapped_column(ForeignKey("vulnerabilities.id"), index=True)
    point: Mapped[str] = mapped_column(String(40))  # exploitation, automatable, …
    value: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str | None] = mapped_column(String(320))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
