"""Pages: the system status (the home page) and the job runs."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.system import service
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
add_nav_item("status", "Status", "/", order=0)
add_nav_item("jobs", "Jobs", "/jobs", order=90)


@router.get("/")
def status_page(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    report = service.status_report(session, runtime.engine, runtime.queue)
    return render(request, "system/status.html", report=report, active_nav="status")


@router.get("/status/panel")
def status_panel(request: Request, runtime: RuntimeDep, session: SessionDep) -> Response:
    report = service.status_report(session, runtime.engine, runtime.queue)
    return render(request, "system/_status_panel.html", report=report)


@router.get("/jobs")
def jobs_page(request: Request, session: SessionDep) -> Response:
    jobs = service.list_job_runs(session, limit=100)
    return render(request, "system/jobs.html", jobs=jobs, active_nav="jobs")
