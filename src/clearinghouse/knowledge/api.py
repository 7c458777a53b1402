"""The knowledge API: a vulnerability by any id, a search by package, import runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearinghouse.deps import SessionDep
from clearinghouse.identity.guard import requires
from clearinghouse.knowledge import service
from clearinghouse.knowledge.schemas import (
    ImportRunOut,
    PackageMatch,
    VulnerabilityOut,
    VulnerabilitySummary,
)
from clearinghouse.problems import Problem

router = APIRouter(prefix="/api/v1", tags=["knowledge"])
ReadVulnerabilities = [Depends(requires("vulnerabilities.read"))]


@router.get(
    "/vulnerabilities",
    dependencies=ReadVulnerabilities,
    summary="Vulnerabilities that name a package (any version)",
)
def search(
    session: SessionDep,
    ecosystem: Annotated[
        str,
        Query(
            min_length=1, max_length=100, description="An OSV ecosystem: PyPI, npm, Go, crates.io …"
        ),
    ],
    package: Annotated[str, Query(min_length=1, max_length=300)],
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[PackageMatch]:
    try:
        spelled = service.ecosystem_named(ecosystem)
    except service.UnknownEcosystemName as exc:
        raise Problem(422, str(exc)) from None
    return service.search_package(session, spelled, package, limit)


@router.get(
    "/vulnerabilities/{identifier}",
    dependencies=ReadVulnerabilities,
    summary="One vulnerability by any of its ids, with every source record",
)
def get(identifier: str, session: SessionDep) -> VulnerabilityOut:
    found, covered = service.look_up(session, identifier, limit=20)
    if found is None:
        raise Problem(404, _not_found(identifier, covered))
    return found


def _not_found(identifier: str, covered: list[VulnerabilitySummary]) -> str:
    if not covered:
        return f"no vulnerability known as {identifier!r}"
    ids = ", ".join(v.display_id for v in covered)
    return (
        f"{identifier!r} is an advisory, not a vulnerability; it covers {ids} "
        f"(all of them: /api/v1/advisories/{identifier}/vulnerabilities)"
    )


@router.get(
    "/advisories/{advisory_id}/vulnerabilities",
    dependencies=ReadVulnerabilities,
    summary="The vulnerabilities one advisory document covers (a CSAF tracking id, say)",
)
def advisory(advisory_id: str, session: SessionDep) -> list[VulnerabilitySummary]:
    covered = service.advisory_vulnerabilities(session, advisory_id)
    if not covered:
        raise Problem(404, f"no advisory known as {advisory_id!r}")
    return covered


@router.get(
    "/feeds/runs",
    dependencies=[Depends(requires("feeds.read"))],
    summary="Advisory import runs, newest first",
)
def runs(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ImportRunOut]:
    return service.list_runs(session, limit)


@router.get(
    "/feeds/runs/{run_id}",
    dependencies=[Depends(requires("feeds.read"))],
    summary="One advisory import run, with every rejection and its reason",
)
def run(run_id: int, session: SessionDep) -> ImportRunOut:
    found = service.get_run(session, run_id)
    if found is None:
        raise Problem(404, f"no import run {run_id}")
    return found
