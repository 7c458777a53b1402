"""System logic: recording job runs, listing them, and the status report."""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from clearinghouse import __version__, db
from clearinghouse.system.models import WAITING_STATUSES, JobRun, JobStatus
from clearinghouse.system.schemas import (
    DatabaseStatus,
    JobRunOut,
    QueueStatus,
    StatusReport,
)

MAX_ERROR_LENGTH = 4000


class QueueProbe(Protocol):
    @property
    def backend(self) -> str: ...

    def pending_count(self) -> int: ...


# --- job runs ---------------------------------------------------------------------------------


def waiting_run(session: Session, name: str, digest: str) -> str | None:
    """The id of a run of `name` with the same arguments that has not started yet, if any."""
    return session.scalar(
        select(JobRun.id)
        .where(JobRun.name == name, JobRun.arguments_digest == digest)
        .where(JobRun.status.in_(WAITING_STATUSES))
        .limit(1)
    )


def record_queued(
    session: Session,
    *,
    run_id: str,
    name: str,
    digest: str,
    arguments: dict[str, Any],
    queue: str,
) -> JobRun:
    run = JobRun(
        id=run_id,
        name=name,
        arguments_digest=digest,
        arguments=arguments,
        queue=queue,
        status=JobStatus.QUEUED,
        attempts=0,
        queued_at=db.utcnow(),
    )
    session.add(run)
    return run


def _run(session: Session, run_id: str) -> JobRun | None:
    return session.get(JobRun, run_id, with_for_update=True)


def record_started(session: Session, run_id: str, *, worker: str) -> None:
    run = _run(session, run_id)
    if run is None:
        return
    run.status = JobStatus.RUNNING
    run.attempts += 1
    run.worker = worker
    run.started_at = db.utcnow()
    run.finished_at = None


def record_finished(session: Session, run_id: str) -> None:
    run = _run(session, run_id)
    if run is None:
        return
    run.status = JobStatus.SUCCEEDED
    run.finished_at = db.utcnow()
    run.error = None


def record_error(session: Session, run_id: str, message: str, *, will_retry: bool) -> None:
    run = _run(session, run_id)
    if run is None:
        return
    run.status = JobStatus.RETRYING if will_retry else JobStatus.FAILED
    run.error = message[:MAX_ERROR_LENGTH]
    if not will_retry:
        run.finished_at = db.utcnow()


def record_cancelled(session: Session, run_id: str, *, reason: str) -> None:
    run = _run(session, run_id)
    if run is None or run.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
        return
    run.status = JobStatus.CANCELLED
    run.error = reason
    run.finished_at = db.utcnow()


def list_job_runs(
    session: Session,
    *,
    limit: int = 50,
    status: JobStatus | None = None,
    name: str | None = None,
) -> list[JobRunOut]:
    query = select(JobRun).order_by(JobRun.queued_at.desc(), JobRun.id).limit(limit)
    if status is not None:
        query = query.where(JobRun.status == status)
    if name is not None:
        query = query.where(JobRun.name == name)
    return [JobRunOut.model_validate(run) for run in session.scalars(query)]


def get_job_run(session: Session, run_id: str) -> JobRunOut | None:
    run = session.get(JobRun, run_id)
    return JobRunOut.model_validate(run) if run else None


# --- status -----------------------------------------------------------------------------------


def counted_models() -> list[tuple[str, type[db.Base]]]:
    """Every mapped model that declares a `__count_label__`, for the status page."""
    found = []
    for mapper in db.Base.registry.mappers:
        label = getattr(mapper.class_, "__count_label__", None)
        if label:
            found.append((label, mapper.class_))
    return sorted(found, key=lambda item: item[0])


def database_status(engine: Engine) -> DatabaseStatus:
    backend = engine.dialect.name
    head = db.head_revision()
    try:
        db.ping(engine)
        revision = db.current_revision(engine)
    except SQLAlchemyError as exc:
        reason = db.describe_error(exc)
        return DatabaseStatus(
            ok=False, backend=backend, detail=f"unreachable: {reason}", revision=None, head=head
        )
    if revision != head:
        return DatabaseStatus(
            ok=False,
            backend=backend,
            revision=revision,
            head=head,
            detail=f"schema at {revision or 'nothing'}, code expects {head}: "
            "run `clearinghouse db upgrade`",
        )
    return DatabaseStatus(
        ok=True,
        backend=backend,
        detail="reachable, schema up to date",
        revision=revision,
        head=head,
    )


def queue_status(queue: QueueProbe) -> QueueStatus:
    try:
        pending = queue.pending_count()
    except Exception as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return QueueStatus(
            ok=False, backend=queue.backend, detail=f"unreachable: {reason}", pending=None
        )
    return QueueStatus(ok=True, backend=queue.backend, detail="reachable", pending=pending)


def status_report(session: Session, engine: Engine, queue: QueueProbe) -> StatusReport:
    database = database_status(engine)
    counts: dict[str, int] = {}
    recent: list[JobRunOut] = []
    if database.ok:
        for label, model in counted_models():
            counts[label] = session.scalar(select(func.count()).select_from(model)) or 0
        recent = list_job_runs(session, limit=10)
    return StatusReport(
        version=__version__,
        database=database,
        queue=queue_status(queue),
        counts=counts,
        recent_jobs=recent,
    )
