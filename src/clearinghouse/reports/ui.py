"""Pages: a finder's reports, a plain form to submit one, one report with its grounding."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from starlette.responses import RedirectResponse, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep
from clearinghouse.identity import policy
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.reports import service
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
add_nav_item("reports", "Reports", "/reports", order=40, action="reports.read")
Read = Annotated[Principal, Depends(requires("reports.read"))]
Submit = Annotated[Principal, Depends(requires("reports.submit"))]


@router.get("/reports")
def reports_page(request: Request, principal: Read, runtime: RuntimeDep) -> Response:
    with db.transaction(runtime.sessions) as session:
        reports = service.list_reports(session, principal, origin_of(request))
    return render(
        request,
        "reports/list.html",
        reports=reports,
        may_submit=policy.allowed(principal, "reports.submit"),
        active_nav="reports",
    )


# Shown on the form, so that a finder can write a report without the repository at hand.
REPORT_SCHEMA = Path(__file__).with_name("data") / "report.schema.json"


@cache
def _schema_text() -> str:
    return REPORT_SCHEMA.read_text(encoding="utf-8")


def _form(request: Request, status_code: int = 200, **extra: Any) -> Response:
    return render(
        request,
        "reports/new.html",
        status_code=status_code,
        active_nav="reports",
        schema_text=_schema_text(),
        **extra,
    )


@router.get("/reports/new")
def new_report_page(request: Request, principal: Submit) -> Response:
    return _form(request)


@router.post("/reports/new")
async def submit_report_form(
    request: Request,
    principal: Submit,
    runtime: RuntimeDep,
    report_file: Annotated[UploadFile | None, File()] = None,
    report_text: Annotated[str, Form(max_length=1_000_000)] = "",
) -> Response:
    limit = runtime.settings.report_max_bytes
    raw = report_text.encode()
    if report_file is not None and report_file.filename:
        raw = await report_file.read(limit + 1)
    if not raw.strip():
        return _form(
            request, 422, errors=[{"location": "$", "message": "choose a file or paste a report"}]
        )
    return _submit(request, principal, runtime, raw, report_text)


def _submit(
    request: Request, principal: Principal, runtime: Any, raw: bytes, text: str
) -> Response:
    try:
        outcome = service.intake(runtime, principal, origin_of(request), raw)
    except service.ReportRejected as exc:
        errors = [e.as_dict() for e in exc.errors]
        return _form(request, exc.status, errors=errors, report_text=text)
    except service.QuotaExceeded as exc:
        page = _form(request, 429, errors=[{"location": "$", "message": str(exc)}])
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return RedirectResponse(f"/reports/{outcome.report.id}", status_code=303)


@router.get("/reports/{report_id}")
def report_page(
    request: Request, report_id: str, principal: Read, runtime: RuntimeDep, overruled: str = ""
) -> Response:
    notice = "Your decision is recorded and audited." if overruled else None
    return render_report(request, principal, runtime, report_id, notice=notice)


def render_report(
    request: Request,
    principal: Principal,
    runtime: Any,
    report_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """A report's page: its verdict and every piece of evidence (and, for coordinators, the
    form that overrules deduplication)."""
    with db.transaction(runtime.sessions) as session:
        report = service.get_report(session, principal, origin_of(request), report_id)
    return render(
        request,
        "reports/detail.html",
        status_code=status_code,
        report=report,
        may_override=policy.allowed(principal, "reports.override"),
        active_nav="reports",
        **extra,
    )
