"""The knowledge base through its doors: API, pages and the command line."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from clearinghouse.identity.vocabulary import Scope
from clearinghouse.knowledge import service
from tests.helpers import cli_env, run_cli
from tests.identity_world import World, sign_in
from tests.shared_data import import_pypa_packages, shared_file

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
    # OSV's names are case-sensitive: "CRATES.IO" is crates.io, not a silent "nothing known".
    typed = client.get(
        "/api/v1/vulnerabilities",
        headers=auth,
        params={"ecosystem": "CRATES.IO", "package": "regex"},
    ).json()
    assert typed == found
    unknown = client.get(
        "/api/v1/vulnerabilities",
        headers=auth,
        params={"ecosystem": "cargo", "package": "regex"},
    )
    assert unknown.status_code == 422 and "not an ecosystem name" in unknown.json()["detail"]
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
    # The vector's base score, as a number out of 10 with its severity word.
    assert (
        '<strong>7.5 High</strong> <span class="muted">(CVSS 3.1 base score, of 10)' in found.text
    )
    search = browser_client.get(
        "/vulnerabilities", params={"ecosystem": "crates.io", "package": "regex"}
    )
    assert "CVE-2022-24713" in search.text
    # An ecosystem typed in another case finds the same, rather than "nothing known".
    typed = browser_client.get(
        "/vulnerabilities", params={"ecosystem": "CRATES.IO", "package": "regex"}
    )
    assert "CVE-2022-24713" in typed.text and 'value="crates.io"' in typed.text
    wrong = browser_client.get(
        "/vulnerabilities", params={"ecosystem": "cargo", "package": "regex"}
    )
    assert (
        wrong.status_code == 422
        and "&#39;cargo&#39; is not an ecosystem name we know" in wrong.text
    )
    unknown = browser_client.get("/vulnerabilities", params={"q": "CVE-1999-99999"})
    assert unknown.status_code == 404 and "No vulnerability is known" in unknown.text
    assert "search by package below" in unknown.text


def test_a_package_search_shows_version_ranges_not_commits(
    browser_client: TestClient, world: World
):
    import_pypa_packages(world.runtime, "requests")
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get(
        "/vulnerabilities", params={"ecosystem": "PyPI", "package": "requests"}
    )
    assert page.status_code == 200 and "known vulnerabilities in PyPI package requests" in page.text
    assert "introduced 2.3.0 fixed 2.31.0" in page.text
    # PyPA's records also give the fixing commit as a GIT range; a commit id is no version.
    assert "74ea7cf7a6a27a4eeb2ae24e162bcc942a6706d5" not in page.text


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
    lower = run_cli(
        "vulns", "search", "--ecosystem", "crates.IO", "--package", "regex", "--json", env=env
    )
    assert "CVE-2022-24713" in {m["display_id"] for m in json.loads(lower.stdout)}
    wrong = run_cli("vulns", "search", "--ecosystem", "cargo", "--package", "regex", env=env)
    assert wrong.returncode == 2 and "not an ecosystem name" in wrong.stderr


def test_one_run_with_every_rejection(client: TestClient, world: World, tmp_path: Path):
    env = cli_env(tmp_path / "var", COLUMNS="200")
    linted = run_cli("feeds", "import", "osv", str(shared_file("osv-linter-samples")), env=env)
    assert "Rejected (2)" in linted.stdout
    shown = run_cli("feeds", "run", "1", env=env)
    assert shown.returncode == 0, shown.stderr
    assert "osv from" in shown.stdout and "Rejected (2)" in shown.stdout
    for broken in ("nointroduced-CVE-2023-41045.json", "nondistinct-CVE-2018-5407.json"):
        assert broken in shown.stdout
    as_json = json.loads(run_cli("feeds", "run", "1", "--json", env=env).stdout)
    assert len(as_json["errors"]) == as_json["rejected"] == 2
    missing = run_cli("feeds", "run", "7", env=env)
    assert missing.returncode == 1 and "no import run 7" in missing.stderr

    imported = service.import_feed(world.runtime.sessions, "osv", shared_file("osv-linter-samples"))
    coordinator = world.bearer("coordinator", Scope.SYSTEM_READ)
    one = client.get(f"/api/v1/feeds/runs/{imported.id}", headers=coordinator)
    assert one.status_code == 200 and one.json()["rejected"] == 2
    assert {e["file"] for e in one.json()["errors"]} == {
        "nointroduced-CVE-2023-41045.json",
        "nondistinct-CVE-2018-5407.json",
    }
    assert client.get("/api/v1/feeds/runs/999", headers=coordinator).status_code == 404
    operator = world.bearer("hospital_viewer", Scope.VULNS_READ)
    assert client.get(f"/api/v1/feeds/runs/{imported.id}", headers=operator).status_code == 403


CISA_CSAF = "csaf-cisa-ics/cisagov-csaf.tar.gz"
FOUR_CVES = "*/2017/icsa-17-026-02a.json"  # one advisory, four vulnerabilities
LOG4SHELL = "*/2021/icsa-21-357-02.json"  # one advisory, one vulnerability


def _import_advisories(world: World) -> None:
    for include in (FOUR_CVES, LOG4SHELL):
        service.import_feed(world.runtime.sessions, "csaf", shared_file(CISA_CSAF), include=include)


def test_an_advisory_id_leads_to_the_vulnerabilities_it_covers(
    client: TestClient, browser_client: TestClient, world: World
):
    _import_advisories(world)
    four = ["CVE-2017-5163", "CVE-2017-6036", "CVE-2017-6038", "CVE-2017-6040"]
    auth = world.bearer("hospital_viewer", Scope.VULNS_READ)
    listed = client.get("/api/v1/advisories/icsa-17-026-02a/vulnerabilities", headers=auth)
    assert [v["display_id"] for v in listed.json()] == four
    # An advisory is no vulnerability: the 404 names what it covers and where to list them all.
    several = client.get("/api/v1/vulnerabilities/ICSA-17-026-02A", headers=auth)
    assert several.status_code == 404
    assert (
        "is an advisory" in several.json()["detail"] and "CVE-2017-6040" in several.json()["detail"]
    )
    # An advisory about one vulnerability is that vulnerability.
    one = client.get("/api/v1/vulnerabilities/ICSA-21-357-02", headers=auth)
    assert one.status_code == 200 and one.json()["display_id"] == "CVE-2021-44228"
    unknown = client.get("/api/v1/advisories/ICSA-99-999-99/vulnerabilities", headers=auth)
    assert unknown.status_code == 404
    # A whole record id is not an advisory id: no search for what starts with it.
    with world.runtime.sessions() as session:
        assert service.advisory_vulnerabilities(session, "ICSA-17-026-02A#CVE-2017-5163") == []

    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get("/vulnerabilities", params={"q": "ICSA-17-026-02A"})
    assert page.status_code == 200 and "is an advisory about 4 vulnerabilities" in page.text
    assert all(f"/vulnerabilities/{cve}" in page.text for cve in four)
    straight = browser_client.get("/vulnerabilities", params={"q": "icsa-21-357-02"})
    assert str(straight.url).endswith("/vulnerabilities/CVE-2021-44228")
    # The page names the advisories that cover it, each a link back to what it covers.
    assert 'In advisories <a href="/vulnerabilities?q=ICSA-21-357-02">' in straight.text
    assert "Also known as" not in straight.text  # a record id is no other name for it
    shown = client.get("/api/v1/vulnerabilities/CVE-2017-6040", headers=auth).json()
    assert shown["advisories"] == ["ICSA-17-026-02A"]


def test_vulns_show_tells_what_the_page_tells(tmp_path: Path):
    env = cli_env(tmp_path / "var", COLUMNS="200")
    for source, path, include in (
        ("kev", "cisa-kev/known_exploited_vulnerabilities.json", None),
        ("cve5", "cve-vulnrichment-sample/vulnrichment-sample.tar.gz", "*/CVE-2023-39914.json"),
        ("rustsec", "osv-rustsec/rustsec-advisory-db-main.tar.gz", "*/RUSTSEC-2023-0062.md"),
        ("csaf", CISA_CSAF, FOUR_CVES),
        ("csaf", CISA_CSAF, LOG4SHELL),
    ):
        extra = ("--include", include) if include else ()
        done = run_cli("feeds", "import", source, str(shared_file(path)), *extra, env=env)
        assert done.returncode == 0, done.stderr

    log4shell = run_cli("vulns", "show", "CVE-2021-44228", env=env).stdout
    assert "ransomware use: Known" in log4shell
    assert "required action: For all affected software assets" in log4shell
    assert "severity: CVSS_V3 CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H" in log4shell
    assert "weakness: CWE-20, CWE-400, CWE-502" in log4shell
    assert "Affected products" in log4shell and "exacq enterprise manager" in log4shell
    # Which record gave which field: the KEV entry gives the exploitation facts.
    assert any(
        "kev" in line and "CVE-2021-44228" in line and "kev" in line.split("│")[-2]
        for line in log4shell.splitlines()
    ), log4shell

    bcder = run_cli("vulns", "show", "RUSTSEC-2023-0062", env=env).stdout
    assert "SSVC: Exploitation none; Automatable yes; Technical Impact partial" in bcder
    assert "bcder 0.7.3 fixes these issues" in bcder  # the details, whole

    assert "in advisories ICSA-21-357-02" in log4shell
    assert "also known as" not in log4shell
    advisory = run_cli("vulns", "show", "ICSA-17-026-02A", env=env)
    assert advisory.returncode == 0
    assert "is an advisory about 4 vulnerabilities" in advisory.stdout
    listed = json.loads(run_cli("vulns", "show", "icsa-17-026-02a", "--json", env=env).stdout)
    assert listed["advisory"] == "icsa-17-026-02a"
    assert len(listed["vulnerabilities"]) == 4
