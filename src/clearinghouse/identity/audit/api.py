"""The audit API: search the log (newest first, keyset pages) and verify its chain.

Reading the log is itself a sensitive act: every search is written to the log, with its
filters, before the answer leaves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AwareDatetime, BaseModel
from sqlalchemy.orm import Session

from clearinghouse import db
from clearinghouse.config import ConfigError, Settings
from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity import service
from clearinghouse.identity.audit import service as audit_service
from clearinghouse.identity.audit.schemas import AuditEntryOut, AuditOutcome, VerificationReport
from clearinghouse.identity.audit.signing import load_or_create_signing_key
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.problems import Problem
from clearinghouse.runtime import Runtime

router = APIRouter(prefix="/api/v1", tags=["audit"])

ReadAudit = Annotated[Principal, Depends(requires("audit.read"))]

MAX_PAGE = 500
DEFAULT_PAGE = 100


class AuditPage(BaseModel):
    """One page of entries, newest first; pass `next_before_seq` as `before_seq` for the next."""

    entries: list[AuditEntryOut]
    next_before_seq: int | None


@dataclass(frozen=True)
class AuditFilters:
    """What a search asks for; the API and the page both search through this."""

    actor: str | None = None
    organization_id: str | None = None
    action: str | None = None
    outcome: AuditOutcome | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_details(self) -> dict[str, Any]:
        """The filters that were set, as JSON values for the audit entry."""
        details: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if isinstance(value, datetime):
                details[name] = value.isoformat()
            elif isinstance(value, AuditOutcome):
                details[name] = value.value
            elif value is not None:
                details[name] = value
        return details


def search_page(
    session: Session, filters: AuditFilters, limit: int, before_seq: int | None
) -> AuditPage:
    # One row more than asked tells whether an older page exists, without a COUNT.
    found = audit_service.search(
        session,
        actor=filters.actor,
        organization_id=filters.organization_id,
        action=filters.action,
        outcome=filters.outcome.value if filters.outcome else None,
        resource_type=filters.resource_type,
        resource_id=filters.resource_id,
        since=filters.since,
        until=filters.until,
        limit=limit + 1,
        before_seq=before_seq,
    )
    entries = found[:limit]
    more = len(found) > limit
    return AuditPage(entries=entries, next_before_seq=entries[-1].seq if more else None)


def record_search(
    runtime: Runtime,
    principal: Principal,
    origin: Origin,
    filters: AuditFilters,
    limit: int,
    before_seq: int | None,
    page: AuditPage,
) -> None:
    """Write the search to the log in its own short unit of work (the chain head lock)."""
    with db.transaction(runtime.sessions) as session:
        service.audit(
            session,
            principal,
            origin,
            "audit.search",
            resource_type="audit_log",
            filters=filters.as_details(),
            limit=limit,
            before_seq=before_seq,
            returned=len(page.entries),
        )


def verification(session: Session, settings: Settings) -> VerificationReport:
    """Verify the whole chain, checking checkpoint signatures with the installation's key."""
    key = load_or_create_signing_key(settings)
    return audit_service.verify(session, key.public_key())


@router.get(
    "/audit",
    summary="Search the audit log, newest first; page on with before_seq",
    responses={422: {"description": "A filter is invalid, e.g. a datetime without a timezone"}},
)
def search(
    principal: ReadAudit,
    request: Request,
    runtime: RuntimeDep,
    actor: Annotated[str | None, Query(max_length=320, description="Exact actor label")] = None,
    organization_id: Annotated[str | None, Query(max_length=36)] = None,
    action: Annotated[
        str | None, Query(max_length=100, description="A prefix: 'token.' finds every token action")
    ] = None,
    outcome: AuditOutcome | None = None,
    resource_type: Annotated[str | None, Query(max_length=100)] = None,
    resource_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[
        AwareDatetime | None, Query(description="ISO 8601 with a timezone; inclusive")
    ] = None,
    until: Annotated[
        AwareDatetime | None, Query(description="ISO 8601 with a timezone; exclusive")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE,
    before_seq: Annotated[
        int | None, Query(ge=1, description="The next_before_seq of the previous page")
    ] = None,
) -> AuditPage:
    if since is not None and until is not None and until <= since:
        raise Problem(422, "query: until: must be later than since", title="Invalid request")
    filters = AuditFilters(
        actor=actor,
        organization_id=organization_id,
        action=action,
        outcome=outcome,
        resource_type=resource_type,
        resource_id=resource_id,
        since=since,
        until=until,
    )
    # Read first and let go of the connection; then hold the chain head only to record.
    with runtime.sessions() as session:
        page = search_page(session, filters, limit, before_seq)
    record_search(runtime, principal, origin_of(request), filters, limit, before_seq, page)
    return page


@router.get(
    "/audit/verification",
    summary="Walk the whole chain and check every checkpoint's signature",
    responses={503: {"description": "The installation's signing key cannot be read"}},
)
def verify(principal: ReadAudit, runtime: RuntimeDep, session: SessionDep) -> VerificationReport:
    try:
        return verification(session, runtime.settings)
    except ConfigError as exc:
        raise Problem(503, str(exc), title="Audit signing key unavailable") from None
