"""The knowledge API: a vulnerability by any id, a search by package, import runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from clearinghouse.deps import SessionDep
from clearinghouse.identity.guard import requires
from clearinghouse.knowledge import service
from clearinghouse.knowledge.schemas import ImportRunOut, PackageMatch, VulnerabilityOut
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
    return service.search_package(session, ecosystem, package, limit)


@router.get(
    "/vulnerabilities/{identifier}",
    dependencies=ReadVulnerabilities,
    summary="One vulnerability by any of its ids, with every source record",
)
def get(identifier: str, session: SessionDep) -> VulnerabilityOut:
    found = service.find_vulnerability(session, identifier)
    if found is None:
        raise Problem(404, f"no vulnerability known as {identifier!r}")
    return found


@router.get(
    "/feeds/runs",
    dependencies=[Depends(requires("feeds.read"))],
    summary="Advisory import runs, newest first",
)
def runs(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=500)] = 50
) -> list[ImportRunOut]:
    return service.list_runs(session, limit)
