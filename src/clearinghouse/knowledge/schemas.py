"""What the knowledge base shows: vulnerabilities with their records, and import runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class SourceRecordOut(BaseModel):
    source: str
    record_id: str
    aliases: list[str]
    modified: datetime | None
    withdrawn: datetime | None
    origin: str
    document: dict[str, Any]


class AffectedPackageOut(BaseModel):
    source: str
    record_id: str
    ecosystem: str
    name: str
    purl: str | None
    ranges: list[dict[str, Any]]
    versions: list[str]


class AffectedProductOut(BaseModel):
    source: str
    record_id: str
    vendor: str
    product: str
    status: str
    versions: list[str]
    version_ranges: list[str]
    cpe: str | None
    remediations: list[dict[str, Any]]


class VulnerabilityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    display_id: str
    aliases: list[str]
    advisories: list[str]  # the advisory documents (CSAF tracking ids) that cover it
    summary: str | None
    details: str | None
    published: datetime | None
    modified: datetime | None
    withdrawn: datetime | None
    severities: list[dict[str, Any]]
    cwes: list[str]
    known_exploited: bool
    kev: dict[str, Any] | None
    epss_score: float | None
    epss_percentile: float | None
    ssvc: dict[str, str]
    field_sources: dict[str, str]
    affected: list[AffectedPackageOut]
    products: list[AffectedProductOut]
    records: list[SourceRecordOut]


class VulnerabilitySummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    display_id: str
    summary: str | None
    published: datetime | None
    modified: datetime | None
    withdrawn: datetime | None
    known_exploited: bool


class PackageMatch(VulnerabilitySummary):
    """A vulnerability that names a package, with the ranges that say which versions."""

    ecosystem: str
    package: str
    ranges: list[dict[str, Any]]
    versions: list[str]


class ImportRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    pipeline_id: str
    licence: str
    input: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    documents: int
    added: int
    changed: int
    unchanged: int
    withdrawn: int
    rejected: int
    errors: list[dict[str, str]]
    failure: str | None
