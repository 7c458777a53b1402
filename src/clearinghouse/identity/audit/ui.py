"""The audit log page: filter and page through entries, see whether the chain verifies."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from starlette.responses import Response

from clearinghouse.config import ConfigError
from clearinghouse.deps import RuntimeDep
from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.audit.api import (
    DEFAULT_PAGE,
    MAX_PAGE,
    AuditFilters,
    AuditPage,
    record_search,
    search_page,
    verification,
)
from clearinghouse.identity.audit.schemas import (
    AuditEntryOut,
    AuditOutcome,
    VerificationReport,
)
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.models import Organization
from clearinghouse.identity.policy import Principal
from clearinghouse.runtime import Runtime
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
add_nav_item("audit", "Audit log", "/audit", order=85, action="audit.read")

ReadAudit = Annotated[Principal, Depends(requires("audit.read"))]

RESULTS_ID = "audit-results"
CHAIN_ID = "chain-status"
# The form's fields, in order; the page keeps them as typed to fill the form in again.
FIELDS = (
    "actor",
    "organization_id",
    "action",
    "outcome",
    "resource_type",
    "resource_id",
    "since",
    "until",
)
MAX_LENGTHS = {
    "actor": 320,
    "organization_id": 36,
    "action": 100,
    "resource_type": 100,
    "resource_id": 200,
}
OUTCOME_BADGES = {"success": "ok", "denied": "warn", "failure": "bad"}


@dataclass(frozen=True)
class Row:
    entry: AuditEntryOut
    organization: str | None
    details: str  # compact JSON


class FormError(ValueError):
    """A filter the page cannot use; the message names the field, for a person."""


def _moment(name: str, value: str) -> datetime | None:
    """The form's datetime-local fields carry no zone: the page says they are UTC."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise FormError(f"{name}: not a date and time like 2026-01-31T14:00") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _positive(name: str, value: str, maximum: int | None = None) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise FormError(f"{name}: not a whole number") from None
    if number < 1 or (maximum is not None and number > maximum):
        bound = f"between 1 and {maximum}" if maximum else "at least 1"
        raise FormError(f"{name}: must be {bound}")
    return number


def parse_form(
    form: dict[str, str], limit: str, before_seq: str
) -> tuple[AuditFilters, int, int | None]:
    for name, maximum in MAX_LENGTHS.items():
        if len(form[name]) > maximum:
            raise FormError(f"{name}: at most {maximum} characters")
    outcome = form["outcome"]
    if outcome and outcome not in {o.value for o in AuditOutcome}:
        raise FormError(f"outcome: one of {', '.join(o.value for o in AuditOutcome)}")
    since, until = _moment("since", form["since"]), _moment("until", form["until"])
    if since is not None and until is not None and until <= since:
        raise FormError("until: must be later than since")
    filters = AuditFilters(
        actor=form["actor"] or None,
        organization_id=form["organization_id"] or None,
        action=form["action"] or None,
        outcome=AuditOutcome(outcome) if outcome else None,
        resource_type=form["resource_type"] or None,
        resource_id=form["resource_id"] or None,
        since=since,
        until=until,
    )
    page_size = _positive("limit", limit, MAX_PAGE) or DEFAULT_PAGE
    return filters, page_size, _positive("before_seq", before_seq)


def _url(form: dict[str, str], limit: str, before_seq: int | None = None) -> str:
    """The page's own address with the same filters (and an older page, when given)."""
    query = {k: v for k, v in form.items() if v}
    if limit:
        query["limit"] = limit
    if before_seq is not None:
        query["before_seq"] = str(before_seq)
    return "/audit" + (f"?{urlencode(query)}" if query else "")


def _compact(details: dict[str, Any]) -> str:
    return json.dumps(details, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def _chain(runtime: Runtime, verified: bool) -> dict[str, Any]:
    """The chain box: the latest checkpoint, and the verification report when `verified`."""
    report: VerificationReport | None = None
    key_problem: str | None = None
    with runtime.sessions() as session:
        if verified:
            try:
                report = verification(session, runtime.settings)
            except ConfigError as exc:
                report, key_problem = audit_service.verify(session), str(exc)
        checkpoint = audit_service.latest_checkpoint(session)
    return {
        "report": report,
        "key_problem": key_problem,
        "checkpoint": checkpoint,
        "chain_id": CHAIN_ID,
    }


@router.get("/audit")
def audit_page(
    request: Request,
    principal: ReadAudit,
    runtime: RuntimeDep,
    actor: str = "",
    organization_id: str = "",
    action: str = "",
    outcome: str = "",
    resource_type: str = "",
    resource_id: str = "",
    since: str = "",
    until: str = "",
    limit: str = "",
    before_seq: str = "",
    verify: str = "",
) -> Response:
    # Verifying walks every entry (seconds for a large log), so the page loads the chain box
    # with a second request (htmx) and shows the entries meanwhile; ?verify=1 without htmx.
    if request.headers.get("hx-target") == CHAIN_ID:
        return render(request, "audit/_chain.html", **_chain(runtime, verified=True))
    # Plain strings, checked here: a bad filter re-shows the form instead of a JSON problem.
    form = {
        "actor": actor.strip(),
        "organization_id": organization_id.strip(),
        "action": action.strip(),
        "outcome": outcome.strip(),
        "resource_type": resource_type.strip(),
        "resource_id": resource_id.strip(),
        "since": since.strip(),
        "until": until.strip(),
    }
    # htmx asks for the results alone when the form or the "older" link targets them.
    partial = request.headers.get("hx-target") == RESULTS_ID
    error: str | None = None
    parsed: tuple[AuditFilters, int, int | None] | None = None
    try:
        parsed = parse_form(form, limit.strip(), before_seq.strip())
    except FormError as exc:
        error = str(exc)
    page = AuditPage(entries=[], next_before_seq=None)
    with runtime.sessions() as session:
        rows = session.execute(select(Organization.id, Organization.name))
        names = {row.id: row.name for row in rows}
        if parsed is not None:
            page = search_page(session, *parsed)
    if parsed is not None:
        record_search(runtime, principal, origin_of(request), *parsed, page)
    context: dict[str, Any] = {
        "form": form,
        "error": error,
        "rows": [
            Row(entry, names.get(entry.organization_id or ""), _compact(entry.details))
            for entry in page.entries
        ],
        "older_url": (
            _url(form, limit.strip(), page.next_before_seq) if page.next_before_seq else None
        ),
        "newest_url": _url(form, limit.strip()),
        "paged": bool(before_seq.strip()) and error is None,
        "badges": OUTCOME_BADGES,
        "results_id": RESULTS_ID,
    }
    if partial:
        # htmx swaps only 2xx answers; the error shows inside the results.
        return render(request, "audit/_results.html", **context)
    return render(
        request,
        "audit/log.html",
        status_code=422 if error else 200,
        **_chain(runtime, verified=bool(verify)),
        organizations=sorted(names.items(), key=lambda item: item[1].casefold()),
        outcomes=[o.value for o in AuditOutcome],
        active_nav="audit",
        **context,
    )
