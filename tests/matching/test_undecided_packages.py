"""Package advisories that name what an operator runs but cannot be evaluated for its version.

PYSEC-2023-74 (requests, CVE-2023-32681) gives a GIT range, an ECOSYSTEM range (2.3.0 to 2.31.0)
and a versions list: decidable, whatever the GIT range says. Left with its GIT range alone (as
osv.dev's records converted from CVEs often are) it cannot say; nor can it for a requests whose
version is a requirement specifier ("~=2.28", as SBOMs made from unpinned manifests carry).
Those must be "cannot decide" findings, never a silent "not affected".
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge.service import AffectedEntry
from clearinghouse.matching import service as matching
from clearinghouse.matching.models import Finding, FindingEvent
from clearinghouse.matching.packages import PackageMatcher
from clearinghouse.matching.schemas import FindingOut
from clearinghouse.matching.undecided import doubt_of
from clearinghouse.runtime import Runtime
from clearinghouse.triage import exports
from clearinghouse.triage import service as triage
from tests.helpers import cli_of as cli
from tests.identity_world import ORIGIN, World, sign_in
from tests.shared_data import import_pypa_packages, shared_file

CLI = Principal.command_line()
REQUESTS = {"PYSEC-2014-13", "PYSEC-2014-14", "PYSEC-2015-17", "PYSEC-2018-28", "PYSEC-2023-74"}
# Their display ids, as the plan names them.
REQUESTS_CVES = {
    "CVE-2014-1829",
    "CVE-2014-1830",
    "CVE-2015-2296",
    "CVE-2018-18074",
    "CVE-2023-32681",
}


def pysec_2023_74(**changes: Any) -> AffectedEntry:
    """The real record's requests entry, with `changes` to its ranges or versions."""
    record = json.loads(shared_file("osv-linter-samples/PYSEC-2023-74.json").read_text())
    (affected,) = record["affected"]
    fields = {"ranges": affected["ranges"], "versions": affected["versions"], **changes}
    return AffectedEntry("PYSEC-2023-74", "osv:PYSEC-2023-74", "PyPI", "requests", **fields)


def test_a_git_range_beside_an_ecosystem_range_or_a_list_decides():
    matcher = PackageMatcher([pysec_2023_74()])
    assert [h.vulnerability_id for h in matcher.answer(("PyPI", "requests"), "2.30.0").hits] == [
        "PYSEC-2023-74"
    ]
    fixed = matcher.answer(("PyPI", "requests"), "2.31.0")
    assert (fixed.hits, fixed.undecided, fixed.problems) == ([], [], [])
    # The versions list alone decides too.
    git, _ = pysec_2023_74().ranges
    listed = PackageMatcher([pysec_2023_74(ranges=[git])]).answer(("PyPI", "requests"), "2.31.0")
    assert (listed.hits, listed.undecided) == ([], [])


def test_git_commits_alone_cannot_decide():
    git, _ = pysec_2023_74().ranges
    answer = PackageMatcher([pysec_2023_74(ranges=[git], versions=[])]).answer(
        ("PyPI", "requests"), "2.30.0"
    )
    assert answer.hits == []
    (hit,) = answer.undecided
    assert hit.vulnerability_id == "PYSEC-2023-74"
    doubt = doubt_of({"cannot_decide": list(hit.evidence)}, "2.30.0", {})
    assert doubt.text == (
        "PYSEC-2023-74 names requests, but it gives its affected versions only as git commits "
        "of https://github.com/psf/requests, which we cannot compare with your version "
        "'2.30.0'; check it by hand."
    )
    # Another record of the same vulnerability that can be evaluated decides it.
    decided = PackageMatcher([pysec_2023_74(ranges=[git], versions=[]), pysec_2023_74()])
    answer = decided.answer(("PyPI", "requests"), "2.31.0")
    assert (answer.hits, answer.undecided) == ([], [])


def test_a_broken_range_is_dropped_and_only_undecided_when_nothing_else_can_say():
    git, ecosystem = pysec_2023_74().ranges
    broken = {**ecosystem, "events": [{"fixed": "2.31.0"}]}  # no introduced event
    with_list = PackageMatcher([pysec_2023_74(ranges=[git, broken])])
    answer = with_list.answer(("PyPI", "requests"), "2.30.0")
    assert [h.vulnerability_id for h in answer.hits] == ["PYSEC-2023-74"]
    assert answer.hits[0].evidence[0]["listed_version"] is True
    assert answer.undecided == []
    assert answer.problems == [
        "osv:PYSEC-2023-74: OSV range 1 cannot be evaluated: it has no introduced event"
    ]

    alone = PackageMatcher([pysec_2023_74(ranges=[git, broken], versions=[])])
    (hit,) = alone.answer(("PyPI", "requests"), "2.30.0").undecided
    doubt = doubt_of({"cannot_decide": list(hit.evidence)}, "2.30.0", {})
    assert doubt.text == (
        "PYSEC-2023-74 names requests, but its affected versions cannot be read (OSV range 1 "
        "cannot be evaluated: it has no introduced event); check it by hand."
    )


def test_a_version_its_ecosystem_cannot_order_cannot_decide():
    answer = PackageMatcher([pysec_2023_74()]).answer(("PyPI", "requests"), "~=2.28")
    assert answer.hits == []
    (hit,) = answer.undecided
    doubt = doubt_of({"cannot_decide": list(hit.evidence)}, "~=2.28", {})
    assert doubt.text == (
        "PYSEC-2023-74 names requests, but your version '~=2.28' is not a PyPI version we can "
        "compare; check it by hand."
    )


def advisories(findings: list[FindingOut]) -> set[str]:
    """The PyPA advisories ("PYSEC-…") findings come from."""
    return {
        str(entry["record"]).removeprefix("osv:")
        for f in findings
        for entry in (f.evidence.get("cannot_decide") or f.evidence.get("matched") or ())
    }


def sbom(*components: tuple[str, str]) -> bytes:
    """A CycloneDX SBOM of PyPI packages, as a tool writes it from an unpinned manifest."""
    listed = [
        {"type": "library", "name": name, "version": version, "purl": f"pkg:pypi/{name}@{version}"}
        for name, version in components
    ]
    document = {"bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1}
    return json.dumps({**document, "components": listed}).encode()


def upload(runtime: Runtime, asset_id: str, content: bytes) -> dict[str, int]:
    with db.transaction(runtime.sessions) as session:
        stored = inventory.add_upload(session, CLI, ORIGIN, asset_id, "bom.json", content)
        return dict(matching.refresh_assets(session, [asset_id], f"upload:{stored.id}"))


def new_asset(runtime: Runtime, world: World) -> str:
    with db.transaction(runtime.sessions) as session:
        return inventory.create_asset(
            session,
            CLI,
            ORIGIN,
            world.organizations["hospital"],
            AssetIn(
                name="Patient portal",
                kind="service",
                exposure="internet-facing",
                criticality="high",
            ),
        ).id


def listed(runtime: Runtime, world: World, asset_id: str, status: str) -> list[FindingOut]:
    with runtime.sessions() as session:
        return matching.list_findings(
            session, CLI, world.organizations["hospital"], asset_id=asset_id, status=status
        )


def test_an_unreadable_version_is_stored_undecided_and_shown_once_in_the_plan(
    runtime: Runtime, world: World, client: TestClient, browser_client: TestClient
):
    import_pypa_packages(runtime, "requests", "flask")
    asset_id = new_asset(runtime, world)
    upload(runtime, asset_id, sbom(("requests", "~=2.28"), ("flask", "1.0.0")))

    undecided = listed(runtime, world, asset_id, "undecided")
    assert advisories(undecided) == REQUESTS
    texts = {f.cannot_decide.text for f in undecided if f.cannot_decide}
    assert (
        "PYSEC-2023-74 names requests, but your version '~=2.28' is not a PyPI version we can "
        "compare; check it by hand."
    ) in texts
    opened = listed(runtime, world, asset_id, "open")
    assert opened and {f.component_name for f in opened} == {"flask"}
    with runtime.sessions() as session:
        kinds = set(
            session.scalars(
                select(FindingEvent.kind)
                .join(Finding, FindingEvent.finding_id == Finding.id)
                .where(Finding.component_name == "requests")
            )
        )
    assert kinds == {"undecided"}

    # The plan: one line for the package, naming all five; no priority for any of them.
    with runtime.sessions() as session:
        plan = triage.plan_for_asset(session, CLI, ORIGIN, asset_id)
    (item,) = plan.cannot_decide
    assert item.component_name == "requests" and item.ecosystem == "PyPI"
    assert set(item.cannot_decide.vulnerabilities) == REQUESTS_CVES
    assert item.cannot_decide.text.startswith("5 advisories (")
    assert item.cannot_decide.text.endswith(
        "name requests, but your version '~=2.28' is not a PyPI version we can compare; give its "
        "exact version, or check them by hand."
    )
    assert all(f.component_name == "flask" for f in plan.findings)
    assert exports.to_json(plan)["cannot_decide"][0]["component_name"] == "requests"
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(plan))))
    assert {r["status"] for r in rows[:-1]} == {"open"} and len(rows) == len(plan.findings) + 1
    last = rows[-1]
    assert (last["status"], last["rank"], last["component"], last["version"]) == (
        "cannot decide",
        "",
        "requests",
        "~=2.28",
    )
    assert set(last["vulnerability"].split()) == REQUESTS_CVES
    assert last["why"] == item.cannot_decide.text
    assert last["action"].startswith("check by hand")

    # The API lists each finding; the asset page the one folded line.
    headers = world.bearer("hospital_member", Scope.INVENTORY_READ)
    answer = client.get(f"/api/v1/assets/{asset_id}/findings?status=undecided", headers=headers)
    assert answer.status_code == 200 and len(answer.json()) == len(REQUESTS)
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get(f"/assets/{asset_id}")
    assert "Cannot decide: advisories that name your devices or packages" in page.text
    assert "5 advisories (" in page.text and "give its exact version" in page.text
    overview = browser_client.get("/assets")
    assert f'href="/assets/{asset_id}#cannot-decide">1 cannot decide</a>' in overview.text
    # The overview counts in the database, not from a capped list: the same numbers.
    organization = world.organizations["hospital"]
    with runtime.sessions() as session:
        counts = matching.counts_by_asset(session, CLI, organization)
    assert counts == ({asset_id: len(opened)}, {asset_id: 1})
    assert f"<strong>{len(opened)}</strong>" in overview.text


def test_an_exact_version_later_turns_doubts_into_findings_or_closes_them(
    runtime: Runtime, world: World
):
    import_pypa_packages(runtime, "requests")
    asset_id = new_asset(runtime, world)
    assert upload(runtime, asset_id, sbom(("requests", "~=2.28"))) == {"undecided": 5}
    # The same package at an exact version: a new component, so the doubts close and the one
    # advisory that affects 2.30.0 opens.
    counts = upload(runtime, asset_id, sbom(("requests", "2.30.0")))
    assert counts == {"closed": 5, "opened": 1}
    (opened,) = listed(runtime, world, asset_id, "open")
    assert advisories([opened]) == {"PYSEC-2023-74"}
    assert listed(runtime, world, asset_id, "undecided") == []


def test_advisories_imported_after_the_upload_record_cannot_decide(runtime: Runtime, world: World):
    asset_id = new_asset(runtime, world)
    upload(runtime, asset_id, sbom(("requests", "~=2.28")))
    import_pypa_packages(runtime, "requests")
    counts = matching.process_vulnerability_events(runtime.sessions)
    assert counts["undecided"] == 5 and counts["opened"] == 0
    assert advisories(listed(runtime, world, asset_id, "undecided")) == REQUESTS


def test_an_offline_scan_shows_the_package_apart_and_does_not_count_it(
    runtime: Runtime, tmp_path: Path
):
    import_pypa_packages(runtime, "requests")
    bom = tmp_path / "bom.json"
    bom.write_bytes(sbom(("requests", "~=2.28")))
    code, out, err = cli(runtime, "scan", str(bom))
    assert code == 0, err  # nothing decided affected
    assert "Cannot decide: advisories that name your devices or packages" in out
    assert "no known vulnerabilities. 5 advisory match(es) cannot be decided" in err

    code, out, err = cli(runtime, "scan", str(bom), "--json")
    (result,) = json.loads(out)["results"]
    (package,) = result["packages"]
    assert package["vulnerabilities"] == [] and "problems" not in package
    assert {item["matched"][0]["why"] for item in package["cannot_decide"]} == {"version"}
    assert len(package["cannot_decide"]) == 5
