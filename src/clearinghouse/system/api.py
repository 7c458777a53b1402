"""Health probes and the system API (status, job runs)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity.guard import requires
from clearinghouse.problems import Problem
from clearinghouse.system import service
from clearinghouse.system.models import JobStatus
from clearinghouse.system.schemas import JobRunOut, StatusReport

probes = APIRouter(tags=["health"], dependencies=[Depends(requires("public"))])
router = APIRouter(
    prefix="/api/v1", tags=["system"], dependencies=[Depends(requires("system.read"))]
)


@probes.get("/healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@probes.get(
    "/readyz",
    summary="The database and the queue are reachable",
    responses={503: {"description": "Not ready; the problem document says why"}},
)
def readyz(runtime: RuntimeDep) -> JSONResponse:
    database = service.database_status(runtime.engine)
    queue = service.queue_status(runtime.queue)
    if not (database.ok and queue.ok):
        reasons = [
            f"{name}: {part.detail}"
            for name, part in (("database", database), ("queue", queue))
            if not part.ok
        ]
        raise Problem(
            503,
            "; ".join(reasons),
            title="Not ready",
            database=database.model_dump(),
            queue=queue.model_dump(),
        )
    return JSONResponse(
        {"status": "ready", "database": database.model_dump(), "queue": queue.model_dump()}
    )


@router.get("/status", summary="Version, database, queue, counts and recent jobs")
def status(runtime: RuntimeDep, session: SessionDep) -> StatusReport:
    return service.status_report(session, runtime.engine, runtime.queue)


@router.get("/jobs", summary="Job runs, newest first")
def list_jobs(
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    status: JobStatus | None = None,
    name: str | None = None,
) -> list[JobRunOut]:
    return service.list_job_runs(session, limit=limit, status=status, name=name)


@router.get("/jobs/{run_id}", summary="One job run")
def get_job(run_id: str, session: SessionDep) -> JobRunOut:
    run = service.get_job_run(session, run_id)
    if run is None:
        raise Problem(404, f"no job run {run_id!r}")
    return run
