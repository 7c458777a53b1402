"""Jobs of the reports domain: grounding a new report against the source it cites."""

from __future__ import annotations

from typing import Any

from packageurl import PackageURL

from clearinghouse.db import transaction
from clearinghouse.jobs import JobContext, job
from clearinghouse.reports import dedupe_service, service
from clearinghouse.reports.grounding import GroundingResult, Missing, ground
from clearinghouse.reports.schemas import PackageTarget, ReportStatus
from clearinghouse.reports.sources import VersionNotFound, fetch_pypi_source
from clearinghouse.reports.unpacking import UnsafeArchive


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
    return {"report": report_id, "status": status.value}


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
