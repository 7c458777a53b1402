"""Pages: the system status (the home page) and the job runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.responses import RedirectResponse, Response

from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity import policy
from clearinghouse.identity.guard import requires
from clearinghouse.identity.policy import Principal
from clearinghouse.system import service
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
add_nav_item("status", "Status", "/", order=0, action="system.read")
add_nav_item("jobs", "Jobs", "/jobs", order=90, action="system.read")

SignedIn = Annotated[Principal, Depends(requires("me.read"))]
ReadSystem = Annotated[Principal, Depends(requires("system.read"))]


@router.get("/")
def home(
    request: Request, principal: SignedIn, runtime: RuntimeDep, session: SessionDep
) -> Response:
    """Coordinators land on the system status; everyone else on their organization."""
    if not policy.allowed(principal, "system.read"):
        return RedirectResponse("/organization", status_code=303)
    report = service.status_report(session, runtime.engine, runtime.queue)
    return render(request, "system/status.html", report=report, active_nav="status")


@router.get("/status/panel")
def status_panel(
    request: Request, principal: ReadSystem, runtime: RuntimeDep, session: SessionDep
) -> Response:
    report = service.status_report(session, runtime.engine, runtime.queue)
    return render(request, "system/_status_panel.html", report=report)


@router.get("/jobs")
def jobs_page(request: Request, principal: ReadSystem, session: SessionDep) -> Response:
    jobs = service.list_job_runs(session, limit=100)
    return render(request, "system/jobs.html", jobs=jobs, active_nav="jobs")
