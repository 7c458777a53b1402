"""Finder reports: intake (quota, idempotent storage, audit), reading them, grounding results.

Every function takes the acting principal and checks it against the one policy, so the API, the
pages, the command line and jobs all pass the same checks. Another finder's report is a 404.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from clearinghouse.config import Settings
from clearinghouse.db import transaction, utcnow
from clearinghouse.identity import policy
from clearinghouse.identity.acting import audit, not_found
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.ratelimit import hit, parse_limits
from clearinghouse.identity.schemas import Origin
from clearinghouse.reports.dedupe_service import visible_details
from clearinghouse.reports.intake import FieldError, ReportRejected, content_hash, parse_report
from clearinghouse.reports.models import Report
from clearinghouse.reports.pocs import ValidatedPoc, validated_pocs_for
from clearinghouse.reports.schemas import (
    PackageTarget,
    ReportDetail,
    ReportIn,
    ReportOut,
    ReportStatus,
    SubmissionOut,
    Verdict,
)
from clearinghouse.runtime import Runtime

__all__ = [
    "FieldError",
    "QuotaExceeded",
    "ReportRejected",
    "ValidatedPoc",
    "get_report",
    "intake",
    "list_reports",
    "parse_report",
    "read_report",
    "record_grounding",
    "record_reads",
    "record_validation",
    "submit",
    "validated_pocs_for",
]

READ = "report.read"  # the audit log's name for every read of a report's content or evidence
GROUNDING_JOB = "reports.ground"
VALIDATION_JOB = "reports.validate"


class QuotaExceeded(Exception):
    def __init__(self, limit: str, retry_after: int) -> None:
        super().__init__(f"report quota {limit} reached; retry in {retry_after} s")
        self.retry_after = retry_after


def target_key(report: ReportIn) -> str:
    if isinstance(report.target, PackageTarget):
        return report.target.purl.removeprefix("pkg:")
    return report.target.repository_url


def read_report(raw: bytes, settings: Settings) -> ReportIn:
    """Parse a submitted document within this installation's size limits."""
    return parse_report(
        raw, max_bytes=settings.report_max_bytes, max_file_bytes=settings.report_file_max_bytes
    )


def submit(
    session: Session, settings: Settings, actor: Principal, origin: Origin, report: ReportIn
) -> SubmissionOut:
    """Store a report for the actor's organization; the same content answers the stored report.

    Only new reports count against the organization's quota. The caller commits, then queues
    grounding for a new report (`GROUNDING_JOB`).
    """
    policy.require(actor, "reports.submit")
    organization_id = actor.organization_id
    assert organization_id is not None  # the policy admits only members of a finder organization
    digest = content_hash(report)
    existing = session.scalar(
        select(Report).where(
            Report.finder_organization_id == organization_id, Report.content_hash == digest
        )
    )
    if existing is not None:
        audit(
            session,
            actor,
            origin,
            "report.submit",
            resource_type="report",
            resource_id=existing.id,
            created=False,
            content_hash=digest,
        )
        return SubmissionOut(report=ReportOut.model_validate(existing), created=False)
    exceeded = hit(session, f"reports:{organization_id}", parse_limits(settings.reports_quota))
    if exceeded is not None:
        raise QuotaExceeded(str(exceeded.limit), exceeded.retry_after)
    stored = Report(
        finder_organization_id=organization_id,
        submitted_by_user_id=actor.user_id,
        submitted_by=actor.email,
        title=report.title,
        target_key=target_key(report),
        content=report.model_dump(mode="json"),
        content_hash=digest,
        status=ReportStatus.RECEIVED.value,
    )
    session.add(stored)
    session.flush()
    audit(
        session,
        actor,
        origin,
        "report.submit",
        resource_type="report",
        resource_id=stored.id,
        created=True,
        content_hash=digest,
        target=stored.target_key,
    )
    return SubmissionOut(report=ReportOut.model_validate(stored), created=True)


def intake(runtime: Runtime, actor: Principal, origin: Origin, raw: bytes) -> SubmissionOut:
    """The whole submission, for every door: parse, store (or find) in one transaction, then
    queue grounding of a new report."""
    report = read_report(raw, runtime.settings)
    try:
        with transaction(runtime.sessions) as session:
            outcome = submit(session, runtime.settings, actor, origin, report)
    except IntegrityError:
        # The same content was filed by a concurrent request a moment ago: answer with it.
        with transaction(runtime.sessions) as session:
            outcome = submit(session, runtime.settings, actor, origin, report)
    if outcome.created:
        runtime.queue.enqueue(GROUNDING_JOB, report_id=outcome.report.id)
    return outcome


def _load(session: Session, actor: Principal, report_id: str) -> Report:
    """The report, or a refusal recorded as a `report.read` of it (of the id asked for)."""
    named = len(report_id) <= 36
    try:
        report = session.get(Report, report_id) if named else None
        if report is None:
            policy.require(actor, "reports.read")
            raise not_found("report")
        policy.require(actor, "reports.read", report.finder_organization_id)
    except AccessDenied as exc:
        raise exc.about(READ, "report", report_id if named else report_id[:36] + "…") from None
    return report


def get_report(session: Session, actor: Principal, origin: Origin, report_id: str) -> ReportDetail:
    """One report with its content; reading it is written to the audit log (by anyone)."""
    report = _load(session, actor, report_id)
    audit(
        session,
        actor,
        origin,
        READ,
        organization_id=report.finder_organization_id,
        resource_type="report",
        resource_id=report.id,
    )
    return ReportDetail.model_validate(
        {**_out(actor, report).model_dump(), "content": report.content}
    )


def list_reports(
    session: Session,
    actor: Principal,
    origin: Origin,
    *,
    status: ReportStatus | None = None,
    limit: int = 200,
) -> list[ReportOut]:
    """The actor's organization's reports, newest first; coordinators see every finder's (and
    that is audited: titles and evidence of other organizations' reports)."""
    policy.require(actor, "reports.read")
    query = select(Report).order_by(Report.created_at.desc(), Report.id).limit(limit)
    if not policy.across_tenants(actor, "reports.read"):
        query = query.where(Report.finder_organization_id == actor.organization_id)
    if status is not None:
        query = query.where(Report.status == status.value)
    found = list(session.scalars(query))
    record_reads(session, actor, origin, found, view="report list")
    return [_out(actor, r) for r in found]


class Shown(Protocol):
    """A report as a view showed it: enough to say whose it is."""

    @property
    def id(self) -> str: ...

    @property
    def finder_organization_id(self) -> str: ...


def record_reads(
    session: Session, actor: Principal, origin: Origin, shown: Iterable[Shown], **context: Any
) -> None:
    """One `report.read` entry for a view that showed `actor` other organizations' reports
    (their titles, verdicts or evidence), with the view in `context`. A finder's own reports
    are not recorded in views of many, and nothing is written when nothing foreign was shown.
    The entry names the report when there is one, else lists the ids in `reports`."""
    foreign = {r.id: r.finder_organization_id for r in shown}
    foreign = {i: o for i, o in foreign.items() if o != actor.organization_id}
    if not foreign:
        return
    organizations = set(foreign.values())
    only = next(iter(foreign)) if len(foreign) == 1 else None
    details: dict[str, Any] = dict(context) if only else {**context, "reports": sorted(foreign)}
    audit(
        session,
        actor,
        origin,
        READ,
        organization_id=next(iter(organizations)) if len(organizations) == 1 else None,
        resource_type="report",
        resource_id=only,
        **details,
    )


def _out(actor: Principal, report: Report) -> ReportOut:
    """The report as `actor` sees it: another finder's report named as an original stays hidden."""
    shown = ReportOut.model_validate(report)
    details = visible_details(actor, report.finder_organization_id, report.verdict_details)
    return shown.model_copy(update={"verdict_details": details})


def report_content(session: Session, report_id: str) -> ReportIn | None:
    """For jobs: the stored report's content (no principal: jobs act for the clearinghouse)."""
    report = session.get(Report, report_id)
    return None if report is None else ReportIn.model_validate(report.content)


def record_grounding(
    session: Session, report_id: str, status: ReportStatus, details: dict[str, Any]
) -> None:
    """Store grounding's outcome. `ungrounded` is a verdict; `grounded` moves the report on."""
    report = session.get(Report, report_id)
    if report is None:
        raise LookupError(f"no report {report_id}")
    report.status = status.value
    report.verdict = "ungrounded" if status is ReportStatus.UNGROUNDED else None
    report.verdict_details = {"grounding": details}
    report.updated_at = utcnow()
    audit(
        session,
        Principal.command_line(),
        Origin(request_id=None, client_address=None),
        "report.ground",
        organization_id=report.finder_organization_id,
        resource_type="report",
        resource_id=report.id,
        status=status.value,
    )


def record_validation(
    session: Session, report_id: str, verdict: Verdict, evidence: dict[str, Any]
) -> None:
    """Store validation's verdict and its evidence next to the grounding details.

    An ungrounded report is never validated: its verdict stands, and a sandbox run recorded on
    it anyway (a late job) must not turn it into a proof of concept."""
    report = session.get(Report, report_id)
    if report is None:
        raise LookupError(f"no report {report_id}")
    if report.status == ReportStatus.UNGROUNDED.value:
        raise ValueError(f"report {report_id} is ungrounded: it is not validated")
    failed = verdict is Verdict.ERROR
    report.status = (ReportStatus.VALIDATION_FAILED if failed else ReportStatus.VALIDATED).value
    report.verdict = verdict.value
    stamped = {**evidence, "validated_at": utcnow().isoformat()}
    report.verdict_details = {**(report.verdict_details or {}), "validation": stamped}
    report.updated_at = utcnow()
    audit(
        session,
        Principal.command_line(),
        Origin(request_id=None, client_address=None),
        "report.validate",
        organization_id=report.finder_organization_id,
        resource_type="report",
        resource_id=report.id,
        verdict=verdict.value,
    )


def validation_attempt(session: Session, report_id: str, problem: str) -> int:
    """Count a failed validation attempt (infrastructure) on the report; returns the count."""
    report = session.get(Report, report_id)
    if report is None:
        raise LookupError(f"no report {report_id}")
    details = dict(report.verdict_details or {})
    attempts = list(details.get("validation_attempts", []))
    attempts.append({"at": utcnow().isoformat(), "problem": problem[:2000]})
    details["validation_attempts"] = attempts
    report.verdict_details = details
    report.updated_at = utcnow()
    return len(attempts)
