"""The knowledge base through its doors: API, pages and the command line."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from clearinghouse.identity.vocabulary import Scope
from clearinghouse.knowledge import service
from tests.helpers import cli_env, run_cli
from tests.identity_world import World, sign_in
from tests.shared_data import shared_file

RUSTSEC_OSV = "osv-rustsec/rustsec-osv-branch.tar.gz"


def test_api_finds_by_any_alias_and_searches_by_package(client: TestClient, world: World):
    service.import_feed(world.runtime.sessions, "osv", shared_file(RUSTSEC_OSV))
    auth = world.bearer("hospital_viewer", Scope.VULNS_READ)
    for identifier in (
        "RUSTSEC-2022-0013",
        "CVE-2022-24713",
        "GHSA-m5pq-gvj9-9vr8",
        "cve-2022-24713",
    ):
        response = client.get(f"/api/v1/vulnerabilities/{identifier}", headers=auth)
        assert response.status_code == 200, identifier
        body = response.json()
        assert body["display_id"] == "CVE-2022-24713"
        assert {"RUSTSEC-2022-0013", "GHSA-m5pq-gvj9-9vr8"} <= set(body["aliases"])
        assert body["records"][0]["document"]["id"] == "RUSTSEC-2022-0013"
        assert body["field_sources"]["summary"] == "osv:RUSTSEC-2022-0013"
    found = client.get(
        "/api/v1/vulnerabilities",
        headers=auth,
        params={"ecosystem": "crates.io", "package": "regex"},
    ).json()
    assert "CVE-2022-24713" in {m["display_id"] for m in found}
    missing = client.get("/api/v1/vulnerabilities/CVE-1999-99999", headers=auth)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    no_scope = client.get(
        "/api/v1/vulnerabilities/CVE-2022-24713",
        headers=world.bearer("hospital_viewer", Scope.ORG_READ),
    )
    assert no_scope.status_code == 403
    runs = client.get(
        "/api/v1/feeds/runs", headers=world.bearer("coordinator", Scope.SYSTEM_READ)
    ).json()
    assert runs[0]["pipeline_id"] == "osv" and runs[0]["added"] > 1000


def test_the_vulnerability_page(browser_client: TestClient, world: World):
    service.import_feed(world.runtime.sessions, "osv", shared_file(RUSTSEC_OSV))
    sign_in(browser_client, world.users["hospital_member"])
    found = browser_client.get("/vulnerabilities", params={"q": "rustsec-2022-0013"})
    assert str(found.url).endswith("/vulnerabilities/CVE-2022-24713")
    assert "Regexes with large repetitions" in found.text
    assert "regex" in found.text and "fixed 1.5.5" in found.text
    search = browser_client.get(
        "/vulnerabilities", params={"ecosystem": "crates.io", "package": "regex"}
    )
    assert "CVE-2022-24713" in search.text
    unknown = browser_client.get("/vulnerabilities", params={"q": "CVE-1999-99999"})
    assert unknown.status_code == 404 and "No vulnerability is known" in unknown.text


def test_feeds_import_and_vulns_show_from_the_command_line(tmp_path: Path):
    env = cli_env(tmp_path / "var")
    imported = run_cli("feeds", "import", "osv", str(shared_file(RUSTSEC_OSV)), "--json", env=env)
    assert imported.returncode == 0, imported.stderr
    run = json.loads(imported.stdout)
    assert run["status"] == "succeeded" and run["added"] > 1000
    table = run_cli("feeds", "import", "osv", str(shared_file(RUSTSEC_OSV)), env=env)
    assert "Unchanged" in table.stdout and "succeeded" in table.stdout
    shown = json.loads(run_cli("vulns", "show", "GHSA-m5pq-gvj9-9vr8", "--json", env=env).stdout)
    assert shown["display_id"] == "CVE-2022-24713"
    text = run_cli("vulns", "show", "CVE-2022-24713", env=env).stdout
    assert "regex" in text and "RUSTSEC-2022-0013" in text
    missing = run_cli("vulns", "show", "CVE-1999-99999", env=env)
    assert missing.returncode == 1 and "no vulnerability known" in missing.stderr
    bad_source = run_cli("feeds", "import", "nope", str(tmp_path), env=env)
    assert bad_source.returncode == 2 and "no importer named 'nope'" in bad_source.stderr
    bad_path = run_cli("feeds", "import", "osv", str(tmp_path / "missing"), env=env)
    assert bad_path.returncode == 2 and "no such file or folder" in bad_path.stderr
    runs = json.loads(run_cli("feeds", "runs", "--json", env=env).stdout)
    assert runs[0]["unchanged"] > 1000, runs[0]
