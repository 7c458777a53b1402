"""Benchmark runs as stored: one row per run, one per task and epoch.

Inspect writes one log per evaluation, so the log's path and SHA-256 sit on the run; each result
names its sample in that log (`sample_uuid`).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clearinghouse.db import Base, UTCDateTime, utcnow

RUNNING, FINISHED, FAILED = "running", "finished", "failed"
INTERRUPTED = "interrupted"  # its runner was killed


def new_id() -> str:
    return str(uuid.uuid4())


class FrontierRun(Base):
    __tablename__ = "frontier_runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    model: Mapped[str] = mapped_column(String(300))
    base_url: Mapped[str] = mapped_column(String(500))
    suite: Mapped[str] = mapped_column(String(30), index=True)
    suite_version: Mapped[str] = mapped_column(String(40))
    policy_version: Mapped[str] = mapped_column(String(40))
    epochs: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), index=True)
    started_by: Mapped[str] = mapped_column(String(320))
    # The process running it ("host pid start-time"), to tell a killed run from a running one.
    runner: Mapped[str | None] = mapped_column(String(300))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The verdict of the threshold policy at the time the run finished.
    verdict: Mapped[str | None] = mapped_column(String(20))
    mean_success: Mapped[float | None] = mapped_column(Float)
    log_path: Mapped[str | None] = mapped_column(String(1000))
    log_sha256: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    results: Mapped[list[FrontierResult]] = relationship(
        back_populates="run",
        cascade="all, delete-orphan",
        order_by="(FrontierResult.task_id, FrontierResult.epoch)",
    )


class FrontierResult(Base):
    __tablename__ = "frontier_results"
    __table_args__ = (UniqueConstraint("run_id", "task_id", "epoch"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("frontier_runs.id", ondelete="CASCADE"))
    task_id: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(30))
    tier: Mapped[int] = mapped_column(Integer)
    epoch: Mapped[int] = mapped_column(Integer)
    success: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    total_tokens: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    sample_uuid: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)

    run: Mapped[FrontierRun] = relationship(back_populates="results")
