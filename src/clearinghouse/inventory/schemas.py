"""What the inventory doors take and give."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from clearinghouse.inventory.models import AssetKind, Criticality, Exposure, UploadStatus


class AssetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    kind: AssetKind
    exposure: Exposure
    criticality: Criticality = Criticality.MEDIUM
    owner_contact: str | None = Field(default=None, max_length=320)
    description: str | None = Field(default=None, max_length=5000)

    @field_validator("name")
    @classmethod
    def _trimmed(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("the name is empty")
        return value


class AssetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    organization_id: str
    name: str
    kind: AssetKind
    exposure: Exposure
    criticality: Criticality
    owner_contact: str | None
    description: str | None
    created_at: datetime
    updated_at: datetime


class UploadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    asset_id: str
    version: int
    current: bool
    file_name: str
    format_id: str | None
    sha256: str
    size: int
    status: UploadStatus
    problem: str | None
    warnings: list[str]
    component_count: int
    uploaded_at: datetime


class ComponentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    name: str
    version: str | None
    ecosystem: str | None
    purl: str | None
    cpe: str | None
    dev: bool
    direct: bool | None


class VersionChange(BaseModel):
    ecosystem: str | None
    name: str
    old: str | None
    new: str | None


class UploadDiff(BaseModel):
    """What changed between two uploads of one asset."""

    asset_id: str
    old_version: int
    new_version: int
    added: list[ComponentOut]
    removed: list[ComponentOut]
    changed: list[VersionChange]
