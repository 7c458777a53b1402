"""The evaluator (the frontier benchmark's platform role) against every route of the matrix.

Written out by hand, like the matrix: an evaluator is signed in and a member of the
coordinators' organization, so it reads what any signed-in person reads, and it has none of the
coordinators' powers (status, jobs, other tenants, the audit log). Other tenants' objects answer
403 rather than 404, as for all platform staff. A route missing here fails
`test_the_evaluator_table_covers_the_matrix`.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.identity.test_access_matrix import (
    API,
    PAGES,
    all_scopes,
    body_for,
    targets,  # noqa: F401 (the matrix's fixture)
)
from tests.identity_world import World, csrf_from, sign_in

EVALUATOR_API: dict[tuple[str, str], int] = {
    ("GET", "/healthz"): 200,
    ("GET", "/readyz"): 200,
    ("GET", "/api/v1/me"): 200,
    ("GET", "/api/v1/status"): 403,
    ("GET", "/api/v1/jobs"): 403,
    ("GET", "/api/v1/jobs/{run}"): 403,
    ("GET", "/api/v1/organizations"): 200,
    ("POST", "/api/v1/organizations"): 403,
    ("GET", "/api/v1/organizations/{hospital}"): 403,
    ("PATCH", "/api/v1/organizations/{hospital}"): 403,
    ("GET", "/api/v1/organizations/{hospital}/members"): 403,
    ("PATCH", "/api/v1/organizations/{hospital}/members/{viewer}"): 403,
    ("GET", "/api/v1/organizations/{hospital}/invitations"): 403,
    ("POST", "/api/v1/organizations/{hospital}/invitations"): 403,
    ("DELETE", "/api/v1/organizations/{hospital}/invitations/{invitation}"): 403,
    ("GET", "/api/v1/tokens"): 200,
    ("GET", "/api/v1/vulnerabilities?ecosystem=PyPI&package=requests"): 200,
    ("GET", "/api/v1/vulnerabilities/CVE-0000-0000"): 404,
    ("GET", "/api/v1/feeds/runs"): 403,
    ("GET", "/api/v1/feeds/runs/999999"): 403,
    ("GET", "/api/v1/advisories/ICSA-00-000-00/vulnerabilities"): 404,
    ("GET", "/api/v1/organizations/{hospital}/assets"): 403,
    ("POST", "/api/v1/organizations/{hospital}/assets"): 403,
    ("GET", "/api/v1/assets/{asset}"): 403,
    ("POST", "/api/v1/assets/{asset}/uploads"): 403,
    ("GET", "/api/v1/assets/{asset}/uploads"): 403,
    ("GET", "/api/v1/assets/{asset}/components"): 403,
    ("GET", "/api/v1/assets/{asset}/diff?old=1&new=2"): 403,
    ("GET", "/api/v1/assets/{asset}/findings"): 403,
    ("GET", "/api/v1/organizations/{hospital}/findings"): 403,
    ("DELETE", "/api/v1/tokens/{token}"): 404,
    ("GET", "/api/v1/audit"): 403,
    ("POST", "/api/v1/reports"): 403,
    ("GET", "/api/v1/reports"): 403,
    ("GET", "/api/v1/reports/{report}"): 403,
    ("GET", "/api/v1/audit/verification"): 403,
    # Operators' plans and overrides, finders' scorecards, the coordinators' triage: not theirs.
    ("GET", "/api/v1/assets/{asset}/plan"): 403,
    ("GET", "/api/v1/assets/{asset}/plan?format=csv"): 403,
    ("GET", "/api/v1/organizations/{hospital}/plan"): 403,
    ("GET", "/api/v1/assets/{asset}/overrides"): 403,
    ("POST", "/api/v1/assets/{asset}/overrides"): 403,
    ("DELETE", "/api/v1/assets/{asset}/overrides/{vulnerability}/{point}"): 403,
    ("GET", "/api/v1/reports/scorecards"): 403,
    ("GET", "/api/v1/reports/triage"): 403,
    ("POST", "/api/v1/reports/{report}/dedupe"): 403,
}

EVALUATOR_PAGES: dict[tuple[str, str], int] = {
    ("GET", "/login"): 200,
    ("POST", "/login"): 401,
    ("GET", "/"): 303,
    ("GET", "/status/panel"): 403,
    ("GET", "/jobs"): 403,
    ("GET", "/organization"): 303,
    ("GET", "/organizations"): 403,
    ("POST", "/organizations"): 403,
    ("GET", "/organizations/{hospital}"): 403,
    ("POST", "/organizations/{hospital}"): 403,
    ("POST", "/organizations/{hospital}/members/{viewer}"): 403,
    ("GET", "/organizations/{hospital}/invitations"): 403,
    ("POST", "/organizations/{hospital}/invitations"): 403,
    ("POST", "/organizations/{hospital}/invitations/{invitation}/revoke"): 403,
    ("GET", "/invitations/{invitation_token}"): 200,
    ("POST", "/invitations/{invitation_token}"): 422,
    ("GET", "/tokens"): 200,
    ("GET", "/vulnerabilities"): 200,
    ("GET", "/assets"): 403,
    ("GET", "/assets?organization={hospital}"): 403,
    ("POST", "/assets"): 403,
    ("GET", "/assets/{asset}"): 403,
    ("POST", "/assets/{asset}/uploads"): 403,
    ("GET", "/assets/{asset}/diff?old=1&new=2"): 403,
    ("GET", "/vulnerabilities/CVE-0000-0000"): 404,
    ("POST", "/tokens"): 200,
    ("POST", "/tokens/{token}/revoke"): 404,
    ("GET", "/audit"): 403,
    ("GET", "/reports"): 403,
    ("GET", "/reports/new"): 403,
    ("POST", "/reports/new"): 403,
    ("GET", "/reports/{report}"): 403,
    ("POST", "/logout"): 303,
    ("GET", "/plan"): 403,
    ("GET", "/plan?organization={hospital}"): 403,
    ("GET", "/plan/export?organization={hospital}"): 403,
    ("GET", "/assets/{asset}/plan"): 403,
    ("GET", "/assets/{asset}/plan?view=print"): 403,
    ("GET", "/assets/{asset}/plan/export?format=json"): 403,
    ("POST", "/assets/{asset}/overrides"): 403,
    ("POST", "/assets/{asset}/overrides/clear"): 403,
    ("GET", "/reports/triage"): 403,
    ("GET", "/reports/scorecards"): 403,
    ("POST", "/reports/{report}/dedupe"): 403,
}


def test_the_evaluator_table_covers_the_matrix() -> None:
    assert set(EVALUATOR_API) == {(m, p) for m, p, _, _ in API}
    assert set(EVALUATOR_PAGES) == {(m, p) for m, p, _, _ in PAGES}


def test_the_evaluator_over_the_api(
    client: TestClient,
    world: World,
    targets: dict[str, str],  # noqa: F811
) -> None:
    headers = world.bearer("evaluator", *all_scopes(world, "evaluator"))
    failures = []
    for method, path, body, _ in API:
        response = client.request(
            method,
            path.format(**targets),
            headers=headers,
            json=body_for(body) if body is not None else None,
        )
        if response.status_code != EVALUATOR_API[(method, path)]:
            failures.append(f"{method} {path}: {response.status_code} {response.text[:120]}")
    assert failures == [], "\n".join(failures)


def test_the_evaluator_in_the_browser(  # type: ignore[no-untyped-def]
    runtime,
    world: World,
    targets: dict[str, str],  # noqa: F811
):
    from clearinghouse.app import create_app

    failures = []
    with TestClient(
        create_app(runtime=runtime, start_consumer=False), base_url="https://testserver"
    ) as browser:
        sign_in(browser, world.users["evaluator"])
        csrf = csrf_from(browser.get("/login").text)
        for method, path, body, _ in PAGES:
            data: Any = body_for(body) if body is not None else None
            if method == "POST":
                data = {**(data or {}), "csrf_token": csrf}
            response = browser.request(
                method, path.format(**targets), data=data, follow_redirects=False
            )
            if response.status_code != EVALUATOR_PAGES[(method, path)]:
                failures.append(f"{method} {path}: {response.status_code}")
    assert failures == [], "\n".join(failures)
