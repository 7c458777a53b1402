"""The plan's page, printable view, downloads and override form; the API with a token."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

from fastapi.testclient import TestClient

from clearinghouse.identity.vocabulary import Scope
from clearinghouse.runtime import Runtime
from clearinghouse.triage.chart import BUCKETS
from clearinghouse.triage.schemas import Plan
from tests.identity_world import World, csrf_from, sign_in
from tests.triage.conftest import SALT_VERSION, Hospital

SVG = "{http://www.w3.org/2000/svg}"


def test_the_operator_reads_prints_downloads_and_overrides(
    browser_client: TestClient, runtime: Runtime, hospital: Hospital, world: World
) -> None:
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get("/plan")
    assert page.status_code == 200
    assert "Remediation plan: Valley County Hospital" in page.text
    assert f"Upgrade salt from {SALT_VERSION} to" in page.text
    assert "Known exploited" in page.text
    # Each vulnerability id opens its page and each asset name opens the asset.
    assert re.search(r'<td><a href="/vulnerabilities/CVE-\d+-\d+">CVE-', page.text)
    assert re.search(r'Fixes <a href="/vulnerabilities/', page.text)
    assert f'<a href="/assets/{hospital.asset_id}">' in page.text
    # The chart: an SVG whose bars add up to the open findings, one row per deadline bucket.
    svg = re.search(r"<svg.*?</svg>", page.text, re.S)
    assert svg
    root = ET.fromstring(svg.group(0))
    rows = [t.text for t in root.iter(f"{SVG}text") if t.text in BUCKETS]
    assert rows == list(BUCKETS)
    tips = [
        r.find(f"{SVG}title").text
        for r in root.iter(f"{SVG}rect")
        if r.find(f"{SVG}title") is not None
    ]  # type: ignore[union-attr]
    counted = sum(int(tip.split()[0]) for tip in tips)  # type: ignore[union-attr]
    findings = page.text.count('<span class="decision ')
    assert counted == findings > 0

    printable = browser_client.get(f"/assets/{hospital.asset_id}/plan?view=print")
    assert printable.status_code == 200 and "<nav" not in printable.text
    assert "Printed from Clearinghouse" in printable.text

    exported = browser_client.get(f"/assets/{hospital.asset_id}/plan/export?format=csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows_csv = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows_csv) == findings
    as_json = browser_client.get(f"/assets/{hospital.asset_id}/plan/export?format=json")
    assert Plan.model_validate_json(as_json.text).asset_id == hospital.asset_id

    asset_page = browser_client.get(f"/assets/{hospital.asset_id}/plan")
    token = csrf_from(asset_page.text)
    refused = browser_client.post(
        f"/assets/{hospital.asset_id}/overrides",
        data={
            "csrf_token": token,
            "vulnerability": "CVE-2020-11651",
            "point": "exploitation",
            "value": "maybe",
            "reason": "testing",
        },
    )
    assert refused.status_code == 422 and "exploitation takes none, poc, active" in refused.text
    done = browser_client.post(
        f"/assets/{hospital.asset_id}/overrides",
        data={
            "csrf_token": token,
            "vulnerability": "CVE-2020-11651",
            "point": "exposure",
            "value": "small",
            "reason": "only reachable from the management VLAN",
        },
    )
    assert done.status_code == 200
    assert "only reachable from the management VLAN" in done.text
    assert "operator override" in done.text


def test_the_api_gives_the_plan_to_a_token(
    client: TestClient, hospital: Hospital, world: World
) -> None:
    headers = world.bearer("hospital_viewer", Scope.INVENTORY_READ)
    answer = client.get(
        f"/api/v1/organizations/{world.organizations['hospital']}/plan", headers=headers
    )
    assert answer.status_code == 200
    plan = Plan.model_validate(answer.json())
    assert plan.upgrades and plan.upgrades[0].from_version == SALT_VERSION
    as_csv = client.get(f"/api/v1/assets/{hospital.asset_id}/plan?format=csv", headers=headers)
    assert as_csv.status_code == 200 and as_csv.text.startswith("rank,status,asset,")
    other = world.bearer("bank_admin", Scope.INVENTORY_READ)
    assert client.get(f"/api/v1/assets/{hospital.asset_id}/plan", headers=other).status_code == 404
    writer = world.bearer("hospital_admin", Scope.INVENTORY_READ, Scope.INVENTORY_WRITE)
    made = client.post(
        f"/api/v1/assets/{hospital.asset_id}/overrides",
        headers=writer,
        json={
            "vulnerability": "CVE-2020-11652",
            "point": "mission_wellbeing",
            "value": "low",
            "reason": "a test system",
        },
    )
    assert made.status_code == 201, made.text
    listed = client.get(f"/api/v1/assets/{hospital.asset_id}/overrides", headers=headers).json()
    assert [(o["vulnerability"], o["point"], o["value"]) for o in listed] == [
        ("CVE-2020-11652", "mission_wellbeing", "low")
    ]
    gone = client.delete(
        f"/api/v1/assets/{hospital.asset_id}/overrides/CVE-2020-11652/mission_wellbeing",
        headers=writer,
    )
    assert gone.status_code == 204
    assert client.get(f"/api/v1/assets/{hospital.asset_id}/overrides", headers=headers).json() == []
