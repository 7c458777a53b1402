"""Jobs of the reports domain: grounding a new report against the source it cites, then
validating a grounded one by running its PoC in the sandbox."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from packageurl import PackageURL
from sqlalchemy.orm import Session

from clearinghouse.db import transaction
from clearinghouse.jobs import JobContext, job
from clearinghouse.reports import dedupe_service, service, validation
from clearinghouse.reports.grounding import GroundingResult, Missing, ground
from clearinghouse.reports.models import Report
from clearinghouse.reports.schemas import PackageTarget, ReportIn, ReportStatus, Verdict
from clearinghouse.reports.sources import VersionNotFound, fetch_pypi_source
from clearinghouse.reports.unpacking import UnsafeArchive
from clearinghouse.sandbox import service as sandbox_service
from clearinghouse.sandbox.interface import SandboxError


@job(service.GROUNDING_JOB, retries=3, retry_delay=30.0)
def ground_report(ctx: JobContext, report_id: str) -> dict[str, Any]:
    """Check that the files, lines and symbols a report cites exist in the versions it names.

    Trusted step: the source is downloaded and read, never built or run. Network failures
    raise (the job is retried); a version that does not exist makes the report ungrounded.
    """
    with ctx.sessions() as session:
        report = service.report_content(session, report_id)
    if report is None:
        return {"report": report_id, "status": "gone"}
    status, details = _ground(ctx, report.target, list(report.locations))
    with transaction(ctx.sessions) as session:
        service.record_grounding(session, report_id, status, details)
    if status is ReportStatus.GROUNDED:
        with transaction(ctx.sessions) as session:
            dedupe_service.deduplicate(session, report_id)
            still_grounded = _status(session, report_id) == ReportStatus.GROUNDED.value
        # A decisive duplicate is final; anything else goes on to validation.
        if still_grounded and ctx.enqueue is not None:
            ctx.enqueue(service.VALIDATION_JOB, report_id=report_id)
    return {"report": report_id, "status": status.value}


VALIDATION_RETRIES = 3


@job(service.VALIDATION_JOB, retries=VALIDATION_RETRIES, retry_delay=30.0, retry_backoff=2.0)
def validate_report(ctx: JobContext, report_id: str) -> dict[str, Any]:
    """Run a grounded report's PoC in the sandbox on the affected and the fixed version.

    Infrastructure failures raise so that the job is retried (backing off from 30 s); the last
    attempt records the verdict `error` instead, which never counts against the finder.
    """
    with ctx.sessions() as session:
        stored = session.get(Report, report_id)
        if stored is None:
            return {"report": report_id, "status": "gone"}
        if stored.status != ReportStatus.GROUNDED.value:
            return {"report": report_id, "status": stored.status, "skipped": True}
        report = ReportIn.model_validate(stored.content)
        fixed = fixed_version(session, report)
    config = validation.Config(
        runs=ctx.settings.validation_runs,
        limits=replace(
            validation.Config().limits, wall_seconds=ctx.settings.validation_wall_seconds
        ),
    )
    try:
        outcome = validation.Validator(sandbox_service.sandbox(ctx.settings), config).validate(
            report, fixed
        )
    except (validation.InfrastructureError, SandboxError) as exc:
        with transaction(ctx.sessions) as session:
            attempts = service.validation_attempt(session, report_id, str(exc))
        if attempts <= VALIDATION_RETRIES:
            raise
        evidence = {"verdict": Verdict.ERROR.value, "reason": str(exc), "attempts": attempts}
        with transaction(ctx.sessions) as session:
            service.record_validation(session, report_id, Verdict.ERROR, evidence)
        return {"report": report_id, "verdict": Verdict.ERROR.value}
    with transaction(ctx.sessions) as session:
        service.record_validation(session, report_id, outcome.verdict, outcome.evidence)
        stderr = _affected_traceback(outcome.evidence)
        if stderr:  # the same crash as an earlier report's makes this one its duplicate
            dedupe_service.record_crash_state(session, report_id, stderr)
    return {"report": report_id, "verdict": outcome.verdict.value}


def _status(session: Session, report_id: str) -> str | None:
    stored = session.get(Report, report_id)
    return stored.status if stored is not None else None


def _affected_traceback(evidence: dict[str, Any]) -> str | None:
    """The standard error of the first run on the affected version that printed a traceback."""
    for version in evidence.get("versions") or ():
        if version.get("role") != "affected":
            continue
        for run in version.get("runs") or ():
            stderr = run.get("stderr") or ""
            if "Traceback (most recent call last)" in stderr:
                return str(stderr)
    return None


def fixed_version(session: Session, report: ReportIn) -> validation.FixedVersion | None:
    """The fix the report names, else the lowest one the knowledge base knows."""
    if report.fixed_version is not None:
        return validation.FixedVersion(report.fixed_version, "report")
    assert isinstance(report.target, PackageTarget)
    name = validation.package_name(report)
    return validation.known_fix(session, name, report.target.affected_versions)


def _ground(
    ctx: JobContext, target: object, locations: list[Any]
) -> tuple[ReportStatus, dict[str, Any]]:
    if not isinstance(target, PackageTarget) or PackageURL.from_string(target.purl).type != "pypi":
        return ReportStatus.GROUNDING_FAILED, {
            "reason": "only PyPI packages can be grounded so far; a coordinator will look"
        }
    name = PackageURL.from_string(target.purl).name
    cache = ctx.settings.data_dir / "sources"
    missing: list[Missing] = []
    unchecked: list[str] = []
    versions: list[dict[str, Any]] = []
    for version in target.affected_versions:
        try:
            tree = fetch_pypi_source(
                cache,
                name,
                version,
                local_index=ctx.settings.source_index,
                index_url=ctx.settings.source_index_url,
            )
        except VersionNotFound as exc:
            missing.append(Missing(version, -1, "version", str(exc)))
            continue
        except UnsafeArchive as exc:
            return ReportStatus.GROUNDING_FAILED, {"reason": f"{name} {version}: {exc}"}
        result: GroundingResult = ground(tree.root, version, locations)
        missing += result.missing
        unchecked += result.unchecked
        versions.append({"version": version, "source": tree.archive.name, "kind": tree.kind})
    details: dict[str, Any] = {
        "package": name,
        "versions": versions,
        "locations_checked": len(locations),
        "missing": [_missing(m) for m in missing],
        "unchecked": sorted(set(unchecked)),
    }
    return (ReportStatus.UNGROUNDED if missing else ReportStatus.GROUNDED), details


def _missing(item: Missing) -> dict[str, object]:
    data = item.as_dict()
    if item.location < 0:
        data["location"] = "$.target.affected_versions"
    return data
