"""Assets, the inventory files uploaded for them, and the components those files list.

An asset's components are those of its current upload; every earlier upload is kept with its
components, so that two versions can be compared ("what changed since last week").
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from clearinghouse.db import Base, UTCDateTime, utcnow


def new_id() -> str:
    return str(uuid.uuid4())


class AssetKind(StrEnum):
    APPLICATION = "application"
    SERVER = "server"
    DEVICE = "device"
    SERVICE = "service"


class Exposure(StrEnum):
    """How reachable the asset is: SSVC's System Exposure, in the operator's words."""

    INTERNET_FACING = "internet-facing"
    INTERNAL = "internal"
    ISOLATED = "isolated"


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class UploadStatus(StrEnum):
    QUEUED = "queued"  # large files: parsed by a job
    PARSED = "parsed"
    FAILED = "failed"


class Asset(Base):
    __tablename__ = "assets"
    __count_label__: ClassVar[str] = "assets"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[str] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AssetKind] = mapped_column(String(20))
    exposure: Mapped[Exposure] = mapped_column(String(20))
    criticality: Mapped[Criticality] = mapped_column(String(20))
    owner_contact: Mapped[str | None] = mapped_column(String(320))
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InventoryUpload(Base):
    """One file as uploaded, kept whole (compressed), with what parsing made of it."""

    __tablename__ = "inventory_uploads"
    __table_args__ = (UniqueConstraint("asset_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 … per asset
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    file_name: Mapped[str] = mapped_column(String(300))
    format_id: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed original bytes
    status: Mapped[UploadStatus] = mapped_column(String(20))
    problem: Mapped[str | None] = mapped_column(Text)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    vex: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    component_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[str | None] = mapped_column(String(36))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ComponentRow(Base):
    """A component of one upload. `lookup_name` is keyed as the knowledge base keys packages."""

    __tablename__ = "components"
    __table_args__ = (
        Index("ix_components_package", "ecosystem", "lookup_name"),
        Index("ix_components_device", "vendor_key", "product_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    upload_id: Mapped[int] = mapped_column(
        ForeignKey("inventory_uploads.id", ondelete="CASCADE"), index=True
    )
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    current: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(300))
    version: Mapped[str | None] = mapped_column(String(200))
    ecosystem: Mapped[str | None] = mapped_column(String(100))
    lookup_name: Mapped[str | None] = mapped_column(String(300))
    source_name: Mapped[str | None] = mapped_column(String(300))
    purl: Mapped[str | None] = mapped_column(String(500))
    cpe: Mapped[str | None] = mapped_column(String(500))
    vendor_key: Mapped[str | None] = mapped_column(String(300))
    product_key: Mapped[str | None] = mapped_column(String(500))
    dev: Mapped[bool] = mapped_column(Boolean, default=False)
    direct: Mapped[bool | None] = mapped_column(Boolean)
    location: Mapped[str | None] = mapped_column(String(300))
