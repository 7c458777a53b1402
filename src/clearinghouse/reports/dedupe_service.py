"""Deduplication in the pipeline: read the candidates, decide (`dedupe`), store and audit.

`deduplicate` runs after grounding, in the grounding job. `record_crash_state` is for
validation: it stores the crash state of the run on the affected version and compares it with
earlier reports on the same target. A coordinator can overrule either (`override`).

The finder of a report that duplicates another finder's report learns that it does, and when
that report was filed — never its id or its finder (`visible_details`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from packageurl import PackageURL
from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity import policy
from clearinghouse.identity.acting import audit, not_found
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.inventory import service as inventory
from clearinghouse.jobs import registered_jobs
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports.crash_state import CrashState, crash_state, default_modules
from clearinghouse.reports.dedupe import (
    AffectedRange,
    EarlierReport,
    KnownVulnerability,
    Outcome,
    ReportFacts,
    against_knowledge,
    against_reports,
)
from clearinghouse.reports.models import Report
from clearinghouse.reports.schemas import PackageTarget, ReportIn, ReportStatus
from clearinghouse.runtime import Runtime

DUPLICATE = "duplicate"
VALIDATION_JOB = "reports.validate"
# Reports that are no original for anyone: their claims were false, or they repeat another.
_NOT_ORIGINALS = ("ungrounded", "duplicate", "invalid")
_JOB = Origin(request_id=None, client_address=None)


def report_text(report: ReportIn) -> str:
    return "\n".join([report.title, report.description, report.weakness.impact])


def package_of(purl: PackageURL) -> tuple[str | None, str]:
    """The knowledge base's (ecosystem, lookup name) of a package; (None, its OSV name) when
    the knowledge base has no such ecosystem."""
    ecosystem = inventory.ecosystem_of(purl)
    name = inventory.osv_name(purl)
    return ecosystem, knowledge.lookup_name(ecosystem, name) if ecosystem else name


def report_facts(report: ReportIn) -> ReportFacts:
    if isinstance(report.target, PackageTarget):
        ecosystem, package = package_of(PackageURL.from_string(report.target.purl))
        versions = tuple(report.target.affected_versions)
    else:
        ecosystem, package, versions = None, report.target.repository_url, ()
    return ReportFacts(
        ecosystem, package, versions, report.fixed_version, report.weakness.cwe, report_text(report)
    )


def known_vulnerabilities(session: Session, facts: ReportFacts) -> list[KnownVulnerability]:
    """The knowledge base's live vulnerabilities of the report's package."""
    if facts.ecosystem is None:
        return []
    entries = knowledge.entries_for_packages(session, {(facts.ecosystem, facts.package)})
    ranges: dict[str, list[AffectedRange]] = {}
    for entry in entries:
        ranges.setdefault(entry.vulnerability_id, []).append(
            AffectedRange(entry.ranges, entry.versions)
        )
    texts = knowledge.texts_of(session, ranges)
    return [
        KnownVulnerability(
            vid,
            texts[vid].display_id,
            tuple(affected),
            texts[vid].cwes,
            "\n".join(filter(None, [texts[vid].summary, texts[vid].details])),
        )
        for vid, affected in sorted(ranges.items())
        if vid in texts
    ]


def _signature(details: dict[str, Any] | None) -> str | None:
    state = (details or {}).get("crash_state")
    if not state or not state.get("frames"):
        return None
    return str(CrashState(state["exception_type"], tuple(state["frames"])).signature)


def earlier_reports(session: Session, report: Report) -> list[EarlierReport]:
    """Reports on the same target filed before this one (oldest first) that can be originals."""
    rows = session.scalars(
        select(Report)
        .where(Report.target_key == report.target_key, Report.id != report.id)
        .where(Report.created_at <= report.created_at)
        .order_by(Report.created_at, Report.id)
    )
    return [
        EarlierReport(
            r.id,
            r.finder_organization_id,
            report_text(ReportIn.model_validate(r.content)),
            _signature(r.verdict_details),
        )
        for r in rows
        if r.verdict not in _NOT_ORIGINALS and r.created_at < report.created_at
    ]


def _store(session: Session, report: Report, found: dict[str, Any], original: Any) -> None:
    details = dict(report.verdict_details or {})
    details["dedupe"] = found
    report.verdict_details = details
    if original is not None:
        report.verdict = DUPLICATE
        report.status = DUPLICATE
    report.updated_at = utcnow()
    audit(
        session,
        Principal.command_line(),
        _JOB,
        "report.dedupe",
        organization_id=report.finder_organization_id,
        resource_type="report",
        resource_id=report.id,
        duplicate=original is not None,
        original=None if original is None else original["id"],
    )


def _decide(knowledge_outcome: Outcome, reports_outcome: Outcome) -> dict[str, Any]:
    # A known vulnerability is the original of record; an earlier report comes second.
    chosen = knowledge_outcome if knowledge_outcome.duplicate else reports_outcome
    reason = chosen.reason
    if not chosen.duplicate:
        reason = f"Knowledge base: {knowledge_outcome.reason}. Reports: {reports_outcome.reason}."
    return {
        "duplicate": chosen.duplicate,
        "original": None if chosen.original is None else chosen.original.as_dict(),
        "reason": reason,
        "knowledge": knowledge_outcome.as_dict(),
        "reports": reports_outcome.as_dict(),
        "decided_at": utcnow().isoformat(),
    }


def deduplicate(session: Session, report_id: str) -> dict[str, Any] | None:
    """Compare a grounded report with the knowledge base and earlier reports; store the result.

    A decisive match makes the verdict `duplicate` (status `duplicate`: validation skips it).
    Runs as the clearinghouse (a job); returns what it stored, None if the report is gone.
    """
    report = session.get(Report, report_id)
    if report is None:
        return None
    content = ReportIn.model_validate(report.content)
    facts = report_facts(content)
    found = _decide(
        against_knowledge(facts, known_vulnerabilities(session, facts)),
        against_reports(
            facts.text, _signature(report.verdict_details), earlier_reports(session, report)
        ),
    )
    _store(session, report, found, found["original"])
    return found


def target_modules(report: ReportIn) -> tuple[str, ...]:
    if isinstance(report.target, PackageTarget):
        return default_modules(PackageURL.from_string(report.target.purl).name)
    return ()


def record_crash_state(
    session: Session, report_id: str, stderr: str, modules: Iterable[str] | None = None
) -> dict[str, Any] | None:
    """For validation: store the crash state of `stderr` (the run on the affected version) and,
    when an earlier report on the target crashed the same way, mark this one its duplicate.

    `modules` are the target's top-level import names (default: from the package name).
    Returns the stored dedupe details, or None when the run printed no traceback.
    """
    report = session.get(Report, report_id)
    if report is None:
        return None
    content = ReportIn.model_validate(report.content)
    state = crash_state(stderr, modules if modules is not None else target_modules(content))
    if state is None:
        return None
    details = dict(report.verdict_details or {})
    details["crash_state"] = state.as_dict()
    report.verdict_details = details
    if not state.comparable:
        return None
    outcome = against_reports(
        report_text(content), state.signature, earlier_reports(session, report)
    )
    if not outcome.duplicate:
        return None
    previous = dict(details.get("dedupe") or {})
    found = {
        **previous,
        "duplicate": True,
        "original": outcome.original.as_dict() if outcome.original else None,
        "reason": outcome.reason,
        "reports": outcome.as_dict(),
        "decided_at": utcnow().isoformat(),
    }
    _store(session, report, found, found["original"])
    return found


Decision = Literal["duplicate", "not_duplicate"]


class OverrideRefused(ValueError):
    """The override does not make sense for this report (the message says why)."""


def override(
    session: Session,
    actor: Principal,
    origin: Origin,
    report_id: str,
    decision: Decision,
    note: str,
    original: str | None = None,
) -> Report:
    """A coordinator's word on a duplicate: `not_duplicate` sends the report back to validation
    (status `grounded`); `duplicate` marks it the duplicate of `original` (a vulnerability id or
    a report id). Both are kept in the evidence and written to the audit log."""
    policy.require(actor, "reports.override")
    report = session.get(Report, report_id) if len(report_id) <= 36 else None
    if report is None:
        raise not_found("report")
    if not note.strip():
        raise OverrideRefused("say why, in a note")
    details = dict(report.verdict_details or {})
    previous = {"verdict": report.verdict, "status": report.status}
    named: dict[str, Any] | None = None
    if decision == "not_duplicate":
        if report.verdict != DUPLICATE:
            raise OverrideRefused("the report is not marked a duplicate")
        report.verdict = None
        report.status = ReportStatus.GROUNDED.value
    else:
        named = _original(session, report, (original or "").strip())
        report.verdict = DUPLICATE
        report.status = DUPLICATE
    dedupe = dict(details.get("dedupe") or {})
    dedupe.update(duplicate=decision == "duplicate", original=named)
    dedupe["override"] = {
        "by": actor.label,
        "at": utcnow().isoformat(),
        "decision": decision,
        "note": note.strip()[:2000],
        "previous": previous,
    }
    details["dedupe"] = dedupe
    report.verdict_details = details
    report.updated_at = utcnow()
    audit(
        session,
        actor,
        origin,
        "report.dedupe_override",
        organization_id=report.finder_organization_id,
        resource_type="report",
        resource_id=report.id,
        decision=decision,
        original=None if named is None else named["id"],
    )
    return report


def _original(session: Session, report: Report, identifier: str) -> dict[str, Any]:
    if not identifier:
        raise OverrideRefused("name the original: a vulnerability id or a report id")
    other = session.get(Report, identifier) if len(identifier) <= 36 else None
    if other is not None:
        if other.id == report.id:
            raise OverrideRefused("a report is not its own duplicate")
        return {
            "kind": "report",
            "id": other.id,
            "label": other.id,
            "finder_organization_id": other.finder_organization_id,
        }
    vulnerability = knowledge.find_vulnerability(session, identifier)
    if vulnerability is None:
        raise OverrideRefused(f"no report or vulnerability {identifier!r}")
    return {"kind": "vulnerability", "id": vulnerability.id, "label": vulnerability.display_id}


def visible_details(
    actor: Principal, organization_id: str, details: dict[str, Any] | None
) -> dict[str, Any] | None:
    """The verdict details as `actor` may see them: another finder's report stays unnamed."""
    if details is None or policy.across_tenants(actor, "reports.read"):
        return details
    dedupe = details.get("dedupe")
    if not isinstance(dedupe, dict):
        return details

    def hide(candidate: Any) -> Any:
        if (
            isinstance(candidate, dict)
            and candidate.get("kind") == "report"
            and candidate.get("finder_organization_id") != organization_id
        ):
            return {"kind": "report", "id": None, "label": "an earlier report by another finder"}
        return candidate

    shown = dict(dedupe)
    shown["original"] = hide(dedupe.get("original"))
    if isinstance(dedupe.get("reports"), dict):
        reports = dict(dedupe["reports"])
        reports["original"] = hide(reports.get("original"))
        reports["candidates"] = [hide(c) for c in reports.get("candidates", [])]
        shown["reports"] = reports
    if isinstance(shown.get("override"), dict):
        shown["override"] = {k: v for k, v in shown["override"].items() if k != "by"}
    return {**details, "dedupe": shown}


def requeue_validation(runtime: Runtime, report_id: str) -> bool:
    """Send a report a coordinator found not to be a duplicate on to validation, when this
    installation has the validation job. Returns whether it was queued."""
    if VALIDATION_JOB not in registered_jobs():
        return False
    runtime.queue.enqueue(VALIDATION_JOB, report_id=report_id)
    return True
