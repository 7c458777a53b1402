"""Devices in the remediation plan: firmware/software updates from real CISA CSAF advisories."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient

from clearinghouse.demo import DEMO_DEVICE_ADVISORIES, DEMO_INVENTORIES
from clearinghouse.identity.policy import Principal
from clearinghouse.knowledge import service as knowledge
from clearinghouse.runtime import Runtime
from clearinghouse.triage import exports, plans, service
from clearinghouse.triage.device_fixes import DeviceFix, ProductStatement, device_fix, device_order
from clearinghouse.triage.schemas import Plan
from tests.identity_world import ORIGIN, World, sign_in
from tests.matching.test_undecided_devices import DEVICES as UNDECIDED_DEVICES
from tests.matching.test_undecided_devices import add_devices, import_advisories
from tests.shared_data import import_cisa_ics
from tests.triage.test_plan import plan_of

CLI = Principal.command_line()


def test_the_demo_hospitals_devices_get_one_update_each(runtime: Runtime, world: World) -> None:
    """Five of CISA's medical advisories (ICSMA-24-058-01, -151-01, -151-02, -163-01, -200-01)
    and the demo's device list: four devices at affected versions, one already updated."""
    run = knowledge.import_feed(runtime.sessions, "csaf", DEMO_DEVICE_ADVISORIES)
    assert run.status == "succeeded" and run.added >= 16
    listing = (DEMO_INVENTORIES / "clinical-devices.csv").read_bytes()
    asset_id = add_devices(runtime, world, "Clinical devices", listing)

    plan = plan_of(runtime, asset_id)
    assert plan.not_fixable == []  # every device finding has a version that fixes it
    steps = {s.component_name: s for s in plan.upgrades}
    assert {name: (s.from_version, s.to_version) for name, s in steps.items()} == {
        # "<12.2.8.410" affected; the vendor's text for most CVEs names 12.2.8.400, which the
        # advisory's own range still calls affected: the plan goes to 12.2.8.410.
        "PACS server": ("12.2.1.5", "12.2.8.410"),
        # "<2024.2" affected, and "upgrade to DICOM Viewer version 2024.2".
        "Reading-room viewer": ("2023.3", "2024.2"),
        # "<=14.0.3" affected: only the vendor's fix names one, "v14.0.4 or later".
        "ER viewer": ("14.0.3", "14.0.4"),
        # "<=1.52" affected; a mitigation that names the product gives "Version 1.52.01".
        "Vitals monitor ward 2": ("1.52", "1.52.01"),
    }
    pacs = steps["PACS server"]
    findings = [f for f in plan.findings if f.component_name == "PACS server"]
    assert len(pacs.fixes) == len(findings) == 13
    assert pacs.kind == "upgrade" and pacs.product == "Philips Vue PACS"
    assert pacs.text == (
        "Update the firmware/software of Philips Vue PACS (PACS server) from 12.2.1.5 to "
        "12.2.8.410: fixes 13"
    )
    assert all(f.fixed_versions == ["12.2.8.410"] for f in findings)
    # A fix exists, so the sentence says to patch, not to wait for one.
    assert all("no fix yet" not in f.why for f in plan.findings)
    # The CSV tells each finding's action.
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(plan))))
    assert {r["action"] for r in rows if r["component"] == "PACS server"} == {
        "upgrade to 12.2.8.410"
    }
    assert {r["ecosystem"] for r in rows} == {"device"}


def test_a_vendor_fix_without_a_version_is_its_own_step(
    runtime: Runtime, world: World, browser_client: TestClient
) -> None:
    """ICSA-23-206-01: AXIS A1001 up to 1.65.4; the vendor's fix names no version ("update the
    device software … can be found here"). ICSA-23-173-02: R-SeeNet up to 2.4.22; "Advantech
    released R-SeeNet 2.4.23"."""
    import_cisa_ics(runtime, "2023/icsa-23-206-01", "2023/icsa-23-173-02")
    listing = (
        b"vendor,product,version,name\n"
        b"Axis Communications,AXIS A1001,1.65.2,Pharmacy door controller\n"
        b"Advantech,R-SeeNet,2.4.22,Router monitoring\n"
    )
    asset_id = add_devices(runtime, world, "Building systems", listing)
    plan = plan_of(runtime, asset_id)
    assert plan.not_fixable == []
    steps = {s.component_name: s for s in plan.upgrades}
    axis = steps["Pharmacy door controller"]
    assert (axis.kind, axis.to_version, axis.url) == (
        "vendor_fix",
        None,
        "https://www.axis.com/support/firmware",
    )
    assert axis.text.startswith(
        "Apply the vendor's fix to Axis Communications AXIS A1001 (Pharmacy door controller): "
        "Axis recommends users to update the device software."
    )
    assert axis.fixes == ["CVE-2023-21406"]
    router = steps["Router monitoring"]
    assert (router.kind, router.from_version, router.to_version) == ("upgrade", "2.4.22", "2.4.23")
    assert len(router.fixes) == 2
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(plan))))
    door = next(r for r in rows if r["component"] == "Pharmacy door controller")
    assert door["action"].startswith("apply the vendor's fix: Axis recommends")
    # The operator's page shows the step with the vendor's words and link.
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get(f"/assets/{asset_id}/plan")
    assert page.status_code == 200
    assert "Axis recommends users to update the device software" in page.text
    assert "https://www.axis.com/support/firmware" in page.text
    assert "from 2.4.22 to 2.4.23" in page.text


def test_hostile_advisory_text_gives_no_version() -> None:
    """Remediation text is the advisory author's: huge, odd unicode, version-like noise."""
    noise = "Update to vﬁ1.2 ✓ " + "version " * 20_000 + "1..2 v. 3.x Q3 2024 (800) 535-6663 "
    statement = ProductStatement(
        "csaf:X#CVE-0000-0001",
        "Ünicode Medizintechnik GmbH",
        "Pümpe (Model 7)",
        "known_affected",
        (),
        ("<= 2.0",),
        ({"kind": "remediation", "category": "vendor_fix", "details": noise * 3},),
    )
    evidence = {"matched": [{"record": statement.record, "product": "pümpe (model 7)"}]}
    fix = device_fix(evidence, "1.0", [statement])
    assert fix is not None and fix.versions == ()
    assert len(fix.vendor_fixes) == 1 and len(fix.vendor_fixes[0].details) <= 500
    assert fix.still_affected("2.0") and not fix.still_affected("2.0.1")


def test_a_fix_is_offered_only_when_every_statement_clears_it() -> None:
    """An advisory that also writes its range as a date cannot clear a version: the plan does
    not offer one it cannot vouch for (nor call a device fixed by it)."""

    def statement(status: str, versions: tuple[str, ...], ranges: tuple[str, ...]) -> Any:
        return ProductStatement(
            "csaf:X#CVE-0000-0002", "Acme", "Pump", status, versions, ranges, ()
        )

    evidence = {"matched": [{"record": "csaf:X#CVE-0000-0002", "product": "pump"}]}
    by_version = statement("known_affected", (), ("vers:generic/<2.0",))
    fixed = statement("fixed", ("2.0",), ())
    fix = device_fix(evidence, "1.5", [by_version, fixed])
    assert fix is not None and fix.versions == ("2.0",)
    assert fix.still_affected("1.9") is True and fix.still_affected("2.0") is False

    by_date = statement("known_affected", (), ("<April/13/2023",))
    fix = device_fix(evidence, "1.5", [by_version, by_date, fixed])
    assert fix is not None and fix.versions == ()
    assert fix.still_affected("1.9") is True  # one statement says so: affected
    assert fix.still_affected("2.0") is None  # none says so, one cannot say


def test_device_versions_compare_piece_by_piece() -> None:
    assert device_order("12.2.8.410", "12.2.8.400") > 0
    assert device_order("1.52.01", "1.52") > 0
    assert device_order("V5.5.0", "5.5") == 0
    assert device_order("2024.2", "2023.3") > 0
    assert device_order("firmware", "1.0") > 0  # unreadable ones last


def test_cannot_decide_is_shown_in_the_plan_and_raises_no_priority(
    runtime: Runtime, world: World, browser_client: TestClient
) -> None:
    """ICSA-20-303-01 and ICSA-23-115-01: a serial-number range and a date range name two of
    the devices. The plan lists them apart, and its findings, upgrades and deadlines are those
    of the same asset without them."""
    import_advisories(runtime)
    header, _serial, decided, _date, _ = UNDECIDED_DEVICES.split(b"\n")
    only_decided = add_devices(runtime, world, "Line 1", header + b"\n" + decided + b"\n")
    everything = add_devices(runtime, world, "Plant floor", UNDECIDED_DEVICES)
    control, plan = plan_of(runtime, only_decided), plan_of(runtime, everything)

    def priorities(p: Plan) -> list[tuple[object, ...]]:
        return [(f.vulnerability, f.component_name, f.bod, f.deadline, f.score) for f in p.findings]

    assert priorities(plan) == priorities(control) != []
    assert [u.text for u in plan.upgrades] == [u.text for u in control.upgrades]
    assert plan.not_fixable == control.not_fixable == []
    assert control.cannot_decide == []
    items = {c.component_name: c for c in plan.cannot_decide}
    assert set(items) == {"Line 3 PLC", "Lab analyzer"}
    plc = items["Line 3 PLC"]
    assert (plc.vulnerability, plc.cannot_decide.product, plc.component_version) == (
        "CVE-2020-5652",
        "MELSEC Q Q03 UDECPU",
        "22074",
    )
    assert plc.cannot_decide.ranges == ["<=the_first_5_digits_of_serial_number_22081"]
    assert plc.cannot_decide.text.endswith(
        "which we cannot compare with your version '22074'; check with the vendor."
    )
    assert (
        "https://www.cisa.gov/news-events/ics-advisories/icsa-20-303-01"
        in plc.cannot_decide.advisories
    )
    assert items["Lab analyzer"].cannot_decide.ranges == ["<April/13/2023"]
    # The CSV lists them after the ranked findings, marked, unranked, with the reason.
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(plan))))
    assert [r["status"] for r in rows] == ["open"] * len(plan.findings) + ["cannot decide"] * 2
    line3 = next(r for r in rows if r["component"] == "Line 3 PLC")
    assert (line3["rank"], line3["ecosystem"], line3["vulnerability"]) == (
        "",
        "device",
        "CVE-2020-5652",
    )
    assert line3["why"] == plc.cannot_decide.text
    assert line3["action"].startswith("check by hand: https://")
    assert "https://www.cisa.gov/news-events/ics-advisories/icsa-20-303-01" in line3["action"]
    # The organization's plan holds them too, with their asset.
    with runtime.sessions() as session:
        whole = service.plan_for_organization(session, CLI, ORIGIN, world.organizations["hospital"])
    assert {(c.asset_name, c.component_name) for c in whole.cannot_decide} == {
        ("Plant floor", "Line 3 PLC"),
        ("Plant floor", "Lab analyzer"),
    }
    # The page says it plainly, apart from the ranked findings.
    sign_in(browser_client, world.users["hospital_member"])
    page = browser_client.get(f"/assets/{everything}/plan")
    assert page.status_code == 200
    assert "Cannot decide: advisories that name your devices" in page.text
    assert "&#39;&lt;April/13/2023&#39;" in page.text
    assert "https://www.cisa.gov/news-events/ics-advisories/icsa-23-115-01" in page.text
    plain = browser_client.get(f"/assets/{only_decided}/plan")
    assert "Cannot decide" not in plain.text


def test_a_fleet_of_one_model_works_out_each_fix_once_per_plan(
    runtime: Runtime, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two wards with the same PACS server: 13 advisories x 2 devices, 13 fixes to work out,
    in every plan afresh (an advisory may change between two plans)."""
    knowledge.import_feed(runtime.sessions, "csaf", DEMO_DEVICE_ADVISORIES)
    listing = b"vendor,product,version,name\nPhilips,Vue PACS,12.2.1.5,PACS server\n"
    wards = [add_devices(runtime, world, f"Ward {n}", listing) for n in (1, 2)]
    worked: list[str | None] = []

    def counted(evidence: Any, version: str | None, statements: Any) -> DeviceFix | None:
        worked.append(version)
        return device_fix(evidence, version, statements)

    monkeypatch.setattr(plans, "device_fix", counted)
    for _ in range(2):
        with runtime.sessions() as session:
            plan = service.plan_for_organization(
                session, CLI, ORIGIN, world.organizations["hospital"]
            )
        findings = [f for f in plan.findings if f.asset_id in wards]
        assert len(findings) == 26
        assert {tuple(f.fixed_versions) for f in findings} == {("12.2.8.410",)}
    assert worked == ["12.2.1.5"] * (2 * 13)
