from __future__ import annotations

from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from clearinghouse.app import create_app
from clearinghouse.config import Settings
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.runtime import Runtime
from tests.identity_world import sign_in


def test_healthz_and_readyz(client: TestClient):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["database"]["ok"] and body["queue"]["ok"]


def test_openapi_document_is_valid(client: TestClient):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert "/api/v1/status" in spec["paths"]
    assert client.get("/api/docs").status_code == 200


def test_every_response_carries_a_request_id(client: TestClient):
    generated = client.get("/healthz").headers["x-request-id"]
    assert len(generated) == 32
    assert client.get("/healthz").headers["x-request-id"] != generated
    echoed = client.get("/healthz", headers={"X-Request-ID": "trace-1234-abcd"})
    assert echoed.headers["x-request-id"] == "trace-1234-abcd"
    hostile = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert "<" not in hostile.headers["x-request-id"]


def test_errors_are_problem_details(client: TestClient, world):
    auth = world.bearer("coordinator", Scope.SYSTEM_READ)
    missing = client.get("/api/v1/jobs/does-not-exist", headers=auth)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    problem = missing.json()
    assert problem["status"] == 404
    assert problem["title"] == "Not Found"
    assert "does-not-exist" in problem["detail"]
    assert problem["request_id"] == missing.headers["x-request-id"]

    invalid = client.get("/api/v1/jobs", params={"limit": "many"}, headers=auth)
    assert invalid.status_code == 422
    assert invalid.headers["content-type"] == "application/problem+json"
    assert invalid.json()["errors"][0]["location"] == "query: limit"

    unknown_route = client.get("/api/v1/nothing-here")
    assert unknown_route.headers["content-type"] == "application/problem+json"


def test_a_browser_gets_an_html_error_page(client: TestClient):
    response = client.get("/no/such/page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Not Found" in response.text
    assert response.headers["x-request-id"] in response.text
    # The page says what to do next, and the title is not repeated as the detail.
    assert "Check the address" in response.text
    assert "<p>Not Found</p>" not in response.text


def test_status_reports_version_database_queue_and_counts(
    client: TestClient, runtime: Runtime, world
):
    runtime.queue.enqueue("system.optimize_database")
    status = client.get(
        "/api/v1/status", headers=world.bearer("coordinator", Scope.SYSTEM_READ)
    ).json()
    assert status["database"]["ok"] and status["database"]["revision"] == status["database"]["head"]
    assert status["queue"]["pending"] == 1
    assert status["counts"]["job runs"] == 1
    assert status["counts"]["organizations"] == 4
    assert status["counts"]["audit entries"] > 0
    assert status["recent_jobs"][0]["name"] == "system.optimize_database"


def test_status_page_renders_for_coordinators(browser_client: TestClient, world):
    assert browser_client.get("/", follow_redirects=False).headers["location"] == "/login?next=%2F"
    sign_in(browser_client, world.users["coordinator"])
    page = browser_client.get("/")
    assert page.status_code == 200
    assert "System status" in page.text
    assert "htmx-2.0.11.min.js" in page.text
    assert browser_client.get("/static/htmx-2.0.11.min.js").status_code == 200
    fragment = browser_client.get("/status/panel", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="status-panel"')


def test_operators_land_on_their_organization(browser_client: TestClient, world):
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get("/")
    assert str(page.url).endswith(f"/organizations/{world.organizations['hospital']}")
    assert browser_client.get("/status/panel").status_code == 403


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    settings = Settings(
        data_dir=tmp_path,
        database_url="postgresql://postgres@127.0.0.1:9/nowhere",
        queue_url=f"sqlite:///{tmp_path / 'q.db'}",
        in_process_worker=False,
        _env_file=None,  # type: ignore[call-arg]
    )
    with TestClient(create_app(settings, start_consumer=False)) as client:
        response = client.get("/readyz")
        assert client.get("/healthz").status_code == 200
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("database: unreachable")


def test_readyz_is_503_when_the_queue_is_unreachable(tmp_path, runtime: Runtime):
    settings = runtime.settings.model_copy(update={"queue_url": "redis://127.0.0.1:9/0"})
    broken = Runtime.create(settings)
    with TestClient(create_app(runtime=broken, start_consumer=False)) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "queue: unreachable" in response.json()["detail"]
