"""What the system domain shows: job runs and the status report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from clearinghouse.system.models import JobStatus


class JobRunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    arguments: dict[str, Any]
    arguments_digest: str
    queue: str
    status: JobStatus
    attempts: int
    worker: str | None
    queued_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None


class ComponentStatus(BaseModel):
    ok: bool
    backend: str
    detail: str


class DatabaseStatus(ComponentStatus):
    revision: str | None
    head: str | None


class QueueStatus(ComponentStatus):
    pending: int | None


class StatusReport(BaseModel):
    version: str
    database: DatabaseStatus
    queue: QueueStatus
    counts: dict[str, int]
    recent_jobs: list[JobRunOut]
