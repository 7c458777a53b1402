"""Pages: find a vulnerability, read it with everything its sources say."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from clearinghouse.deps import SessionDep
from clearinghouse.identity.guard import requires
from clearinghouse.knowledge import service
from clearinghouse.triage.scores import scores_of
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(
    include_in_schema=False, dependencies=[Depends(requires("vulnerabilities.read"))]
)
add_nav_item(
    "vulnerabilities",
    "Vulnerabilities",
    "/vulnerabilities",
    order=30,
    action="vulnerabilities.read",
)


@router.get("/vulnerabilities")
def search_page(
    request: Request,
    session: SessionDep,
    q: Annotated[str, Query(max_length=200)] = "",
    ecosystem: Annotated[str, Query(max_length=100)] = "",
    package: Annotated[str, Query(max_length=300)] = "",
) -> Response:
    """Search by id (goes straight to the vulnerability) or by ecosystem and package."""
    if q.strip():
        found, covered = service.look_up(session, q)
        if found is not None:
            return RedirectResponse(f"/vulnerabilities/{found.display_id}", status_code=303)
        return render(
            request,
            "knowledge/search.html",
            status_code=200 if covered else 404,
            q=q,
            error=None
            if covered
            else (
                f"No vulnerability is known as {q.strip()!r}. Check the id, or search by "
                "package below (a package name is not an id)."
            ),
            covered=covered,
            ecosystem=ecosystem,
            package=package,
            matches=None,
            active_nav="vulnerabilities",
        )
    matches = None
    error = None
    if ecosystem.strip() and package.strip():
        try:
            ecosystem = service.ecosystem_named(ecosystem)
        except service.UnknownEcosystemName as exc:
            error = str(exc)
        else:
            matches = service.search_package(session, ecosystem, package.strip())
    return render(
        request,
        "knowledge/search.html",
        status_code=422 if error else 200,
        q=q,
        error=error,
        ecosystem=ecosystem,
        package=package,
        matches=matches,
        active_nav="vulnerabilities",
    )


@router.get("/vulnerabilities/{identifier}")
def vulnerability_page(request: Request, identifier: str, session: SessionDep) -> Response:
    found = service.find_vulnerability(session, identifier)
    if found is None:
        return render(
            request,
            "error.html",
            status_code=404,
            status=404,
            title="Not Found",
            detail=f"No vulnerability is known as {identifier!r}.",
            request_id="",
        )
    # A vector alone means little to a newcomer: each readable one is shown with its score.
    scored = {s.vector: s for s in scores_of(found.severities)}
    return render(
        request,
        "knowledge/vulnerability.html",
        v=found,
        scored=scored,
        active_nav="vulnerabilities",
    )
