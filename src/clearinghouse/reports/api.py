"""The reports API: submit a report, read one, list your organization's."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import JSONResponse, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.problems import Problem
from clearinghouse.reports import service
from clearinghouse.reports.schemas import ReportDetail, ReportOut, ReportStatus, SubmissionOut
from clearinghouse.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["reports"])
Submit = Annotated[Principal, Depends(requires("reports.submit"))]
Read = Annotated[Principal, Depends(requires("reports.read"))]


async def _body(request: Request, runtime: RuntimeDep) -> bytes:
    """The request body, refused as soon as it passes the report size limit."""
    limit = runtime.settings.report_max_bytes
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"$: the report is over the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


RawBody = Annotated[bytes, Depends(_body)]


def rejected(exc: service.ReportRejected) -> Problem:
    return Problem(
        exc.status,
        str(exc),
        title="Invalid report" if exc.status == 422 else "Report too large",
        errors=[e.as_dict() for e in exc.errors],
    )


def submit_report(
    runtime: Runtime, principal: Principal, request: Request, raw: bytes
) -> SubmissionOut:
    """The submission with its refusals as problem documents (shared with the form)."""
    try:
        return service.intake(runtime, principal, origin_of(request), raw)
    except service.ReportRejected as exc:
        raise rejected(exc) from None
    except service.QuotaExceeded as exc:
        raise Problem(
            429, str(exc), title="Too many reports", headers={"Retry-After": str(exc.retry_after)}
        ) from None


@router.post(
    "/reports",
    status_code=201,
    summary="Submit a finder report (the same content again answers 200 with the stored one)",
    responses={200: {"model": SubmissionOut}, 413: {}, 422: {}, 429: {}},
)
def submit(principal: Submit, request: Request, runtime: RuntimeDep, raw: RawBody) -> Response:
    outcome = submit_report(runtime, principal, request, raw)
    return JSONResponse(
        outcome.model_dump(mode="json"),
        status_code=201 if outcome.created else 200,
        headers={"Location": f"/api/v1/reports/{outcome.report.id}"},
    )


@router.get("/reports", summary="Your organization's reports, newest first; coordinators: all")
def list_reports(
    principal: Read,
    request: Request,
    runtime: RuntimeDep,
    status: ReportStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[ReportOut]:
    with db.transaction(runtime.sessions) as session:
        return service.list_reports(
            session, principal, origin_of(request), status=status, limit=limit
        )


@router.get("/reports/{report_id}", summary="One report: its content, status and verdict so far")
def get_report(
    report_id: str, principal: Read, request: Request, runtime: RuntimeDep
) -> ReportDetail:
    with db.transaction(runtime.sessions) as session:
        return service.get_report(session, principal, origin_of(request), report_id)
