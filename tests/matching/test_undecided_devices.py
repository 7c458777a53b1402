"""Advisories that name a device but write its versions so that we cannot compare them.

ICSA-20-303-01 (Mitsubishi Electric MELSEC, CVE-2020-5652) gives the Q series' affected versions
as "<=the_first_5_digits_of_serial_number_22081" and the iQ-R series' as "<=20";
ICSA-23-115-01 (Keysight, CVE-2023-1967) gives most products' as a date ("<April/13/2023").
The operator must see the first kind and the date as "cannot decide", not be told nothing.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from clearinghouse import db
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import Scope
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge.service import AdvisoryPage, AffectedDevice
from clearinghouse.matching import service as matching
from clearinghouse.matching.devices import DeviceMatcher
from clearinghouse.matching.findings import Wanted, reconcile
from clearinghouse.matching.models import Finding, FindingEvent, FindingStatus
from clearinghouse.matching.packages import Hit
from clearinghouse.matching.schemas import FindingOut
from clearinghouse.matching.undecided import doubt_of
from clearinghouse.runtime import Runtime
from clearinghouse.web import templates
from tests.helpers import cli_of as cli
from tests.identity_world import ORIGIN, World, sign_in
from tests.shared_data import import_cisa_ics

CLI = Principal.command_line()
MELSEC_PAGE = "https://www.cisa.gov/news-events/ics-advisories/icsa-20-303-01"
KEYSIGHT_PAGE = "https://www.cisa.gov/news-events/ics-advisories/icsa-23-115-01"
DEVICES = (
    b"vendor,product,version,name\n"
    # The serial number's first digits, as the label shows them: cannot decide.
    b"Mitsubishi Electric,MELSEC Q Q03 UDECPU,22074,Line 3 PLC\n"
    # "<=20": firmware 19 is affected.
    b"Mitsubishi Electric,MELSEC iQ-R R00 CPU firmware,19,Line 1 PLC\n"
    # "<April/13/2023": a date, not a version: cannot decide.
    b"Keysight,Optical Modulation Analyzers,2.1,Lab analyzer\n"
)


def import_advisories(runtime: Runtime) -> None:
    import_cisa_ics(runtime, "2020/icsa-20-303-01", "2023/icsa-23-115-01")


def add_devices(runtime: Runtime, world: World, name: str, listing: bytes) -> str:
    """A new critical device asset of the hospital with this device list, matched."""
    with db.transaction(runtime.sessions) as session:
        asset_id = inventory.create_asset(
            session,
            CLI,
            ORIGIN,
            world.organizations["hospital"],
            AssetIn(name=name, kind="device", exposure="internal", criticality="critical"),
        ).id
        stored = inventory.add_upload(session, CLI, ORIGIN, asset_id, "devices.csv", listing)
        matching.refresh_assets(session, [asset_id], f"upload:{stored.id}")
    return asset_id


def findings_of(runtime: Runtime, world: World, asset_id: str, status: FindingStatus):
    with runtime.sessions() as session:
        return matching.list_findings(
            session, CLI, world.organizations["hospital"], asset_id=asset_id, status=status
        )


def test_a_serial_number_or_date_range_is_shown_as_cannot_decide(runtime: Runtime, world: World):
    import_advisories(runtime)
    asset_id = add_devices(runtime, world, "Plant floor", DEVICES)

    opened = findings_of(runtime, world, asset_id, FindingStatus.OPEN)
    assert [(f.component_name, f.vulnerability) for f in opened] == [
        ("Line 1 PLC", "CVE-2020-5652")
    ]
    undecided = {f.component_name: f for f in findings_of(runtime, world, asset_id, "undecided")}
    assert set(undecided) == {"Line 3 PLC", "Lab analyzer"}
    plc, analyzer = undecided["Line 3 PLC"], undecided["Lab analyzer"]
    assert (plc.vulnerability, analyzer.vulnerability) == ("CVE-2020-5652", "CVE-2023-1967")
    assert plc.cannot_decide is not None and analyzer.cannot_decide is not None
    assert plc.cannot_decide.text == (
        "ICSA-20-303-01 names your product (MELSEC Q Q03 UDECPU), but its affected versions are "
        "written as '<=the_first_5_digits_of_serial_number_22081', which we cannot compare with "
        "your version '22074'; check with the vendor."
    )
    assert MELSEC_PAGE in plc.cannot_decide.advisories
    assert analyzer.cannot_decide.ranges == ["<April/13/2023"]
    assert "your version '2.1'" in analyzer.cannot_decide.text
    assert KEYSIGHT_PAGE in analyzer.cannot_decide.advisories
    # An open finding carries no such sentence; the default list holds open findings only.
    assert opened[0].cannot_decide is None and opened[0].status == "open"
    # Each was recorded with an "undecided" event, never "opened": nothing to notify as exposed.
    with runtime.sessions() as session:
        kinds = {
            (name, kind)
            for name, kind in session.execute(
                select(Finding.component_name, FindingEvent.kind)
                .join(FindingEvent, FindingEvent.finding_id == Finding.id)
                .where(Finding.asset_id == asset_id)
            )
        }
    assert kinds == {
        ("Line 1 PLC", "opened"),
        ("Line 3 PLC", "undecided"),
        ("Lab analyzer", "undecided"),
    }


def test_a_new_upload_without_the_device_closes_its_undecided_finding(
    runtime: Runtime, world: World
):
    import_advisories(runtime)
    asset_id = add_devices(runtime, world, "Lab", DEVICES)
    with db.transaction(runtime.sessions) as session:
        stored = inventory.add_upload(
            session, CLI, ORIGIN, asset_id, "devices.csv", b"\n".join(DEVICES.split(b"\n")[:3])
        )
        counts = matching.refresh_assets(session, [asset_id], f"upload:{stored.id}")
    assert counts["closed"] == 1
    assert [f.component_name for f in findings_of(runtime, world, asset_id, "undecided")] == [
        "Line 3 PLC"
    ]
    closed = findings_of(runtime, world, asset_id, FindingStatus.CLOSED)
    assert [f.component_name for f in closed] == ["Lab analyzer"]


def test_an_undecided_finding_decided_later_opens_with_a_fresh_clock(
    runtime: Runtime, world: World
):
    """An advisory revised to a range we can read: the doubt becomes an exposure, whose
    deadlines count from that day; a revision back to unreadable text makes it a doubt again."""
    import_advisories(runtime)
    asset_id = add_devices(runtime, world, "Line 3", b"\n".join(DEVICES.split(b"\n")[:2]))
    with db.transaction(runtime.sessions) as session:
        (held,) = inventory.held_devices_by_assets(session, [asset_id])
        (finding,) = session.scalars(select(Finding).where(Finding.asset_id == asset_id))
        assert finding.status == FindingStatus.UNDECIDED
        week_ago = finding.opened_at - timedelta(days=7)
        session.execute(update(Finding).where(Finding.id == finding.id).values(opened_at=week_ago))
    stored_hit = Hit(finding.vulnerability_id, ({"record": "csaf:ICSA-20-303-01"},), ())
    for decided, kind, status in (
        (True, "opened", FindingStatus.OPEN),
        (False, "undecided", FindingStatus.UNDECIDED),
    ):
        with db.transaction(runtime.sessions) as session:
            counts = reconcile(
                session,
                [Wanted(held, stored_hit, None, decided)],
                assets={asset_id},
                cause="test",
            )
            assert dict(counts) == {kind: 1}
            row = session.get(Finding, finding.id)
            assert row is not None and row.status == status
            if decided:
                assert row.opened_at > week_ago + timedelta(days=6)


def test_the_api_and_the_asset_page_show_cannot_decide_to_their_owner_only(
    runtime: Runtime, world: World, client: TestClient, browser_client: TestClient
):
    import_advisories(runtime)
    asset_id = add_devices(runtime, world, "Plant floor", DEVICES)
    headers = world.bearer("hospital_member", Scope.INVENTORY_READ)
    answer = client.get(f"/api/v1/assets/{asset_id}/findings?status=undecided", headers=headers)
    assert answer.status_code == 200
    listed = [FindingOut.model_validate(item) for item in answer.json()]
    assert {f.component_name for f in listed} == {"Line 3 PLC", "Lab analyzer"}
    assert all(f.cannot_decide and f.cannot_decide.advisories for f in listed)
    default = client.get(f"/api/v1/assets/{asset_id}/findings", headers=headers).json()
    assert [f["component_name"] for f in default] == ["Line 1 PLC"]
    other = world.bearer("bank_admin", Scope.INVENTORY_READ)
    refused = client.get(f"/api/v1/assets/{asset_id}/findings?status=undecided", headers=other)
    assert refused.status_code == 404

    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get(f"/assets/{asset_id}")
    assert page.status_code == 200
    assert "Cannot decide: advisories that name your devices" in page.text
    assert "&lt;=the_first_5_digits_of_serial_number_22081" in page.text
    assert MELSEC_PAGE in page.text
    # The decided device finding says which product and range matched, and where its fix is.
    assert ": introduced" not in page.text
    assert re.search(r"csaf:ICSA-20-303-01#CVE-[\d-]+: [^<]+, versions &lt;=20", page.text)
    assert f'<a href="/assets/{asset_id}/plan">see the plan</a>' in page.text
    overview = browser_client.get("/assets")
    assert overview.status_code == 200
    assert f'href="/assets/{asset_id}#cannot-decide">2 cannot decide</a>' in overview.text


def test_hostile_range_text_is_kept_short_and_its_links_are_not_made_clickable():
    """The range text and the pages are the advisory author's: huge, odd unicode, a script URL."""
    huge = "<= Ünïcode ✓ " + "serial " * 50_000
    device = AffectedDevice(
        "CVE-0000-0001",
        "csaf:X-1#CVE-0000-0001",
        "acme",
        "pümpe",
        "known_affected",
        [],
        [huge, "<FW3"],
        None,
        [],
    )
    answer = DeviceMatcher([device]).answer("ACME GmbH", "Pümpe", "1.0")
    assert answer.hits == []
    (hit,) = answer.undecided
    kept = hit.evidence[0]["cannot_compare"]
    assert kept == [huge[:300], "<FW3"]
    page = AdvisoryPage(("javascript:alert(1)", "https://vendor.example/advisory"), {})
    doubt = doubt_of({"cannot_decide": list(hit.evidence)}, "1.0", {"csaf:X-1#CVE-0000-0001": page})
    assert doubt.text.startswith("X-1 names your product (pümpe), but its affected versions")
    assert len(doubt.text) < 1000
    html = templates.env.get_template("inventory/_cannot_decide.html").render(
        undecided=[{"vulnerability": "CVE-0000-0001", "component_name": "Pump",
                    "component_version": "1.0", "cannot_decide": doubt}],
        with_asset=False,
    )  # fmt: skip
    assert 'href="javascript:' not in html and "javascript:alert(1)" in html
    assert '<a href="https://vendor.example/advisory"' in html


def test_an_offline_scan_shows_cannot_decide_apart_and_does_not_count_it(
    runtime: Runtime, tmp_path: Path
):
    import_advisories(runtime)
    listing = tmp_path / "devices.csv"
    listing.write_bytes(DEVICES)
    code, out, err = cli(runtime, "scan", str(listing))
    assert code == 1, err  # Line 1 PLC is affected
    assert "Cannot decide: advisories that name your devices" in out
    assert "1 finding(s). 2 advisory match(es) cannot be decided" in err

    code, out, err = cli(runtime, "scan", str(listing), "--json")
    (result,) = json.loads(out)["results"]
    by_name = {p["package"]["name"]: p for p in result["packages"]}
    plc = by_name["Line 3 PLC"]
    assert plc["vulnerabilities"] == []
    (doubt,) = plc["cannot_decide"]
    assert doubt["id"] == "CVE-2020-5652" and MELSEC_PAGE in doubt["advisories"]
    assert doubt["ranges"] == ["<=the_first_5_digits_of_serial_number_22081"]
    assert "cannot_decide" not in by_name["Line 1 PLC"]

    # A list whose only matches cannot be decided: nothing found, exit 0, and said so.
    header, serial, _decided, date, _ = DEVICES.split(b"\n")
    listing.write_bytes(b"\n".join([header, serial, date]) + b"\n")
    code, out, err = cli(runtime, "scan", str(listing))
    assert code == 0, err
    assert "no known vulnerabilities. 2 advisory match(es) cannot be decided" in err


def test_fan_out_records_cannot_decide_for_devices_registered_before_the_advisory(
    runtime: Runtime, world: World
):
    asset_id = add_devices(runtime, world, "Plant floor", DEVICES)
    assert findings_of(runtime, world, asset_id, FindingStatus.UNDECIDED) == []
    import_advisories(runtime)
    counts = matching.process_vulnerability_events(runtime.sessions)
    assert (counts["opened"], counts["undecided"]) == (1, 2)
    undecided = findings_of(runtime, world, asset_id, FindingStatus.UNDECIDED)
    assert {f.component_name for f in undecided} == {"Line 3 PLC", "Lab analyzer"}
    assert matching.process_vulnerability_events(runtime.sessions) == {}  # nothing pending
