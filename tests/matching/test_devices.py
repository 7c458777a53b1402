"""Device lists against the real CISA ICS CSAF advisories: vendor, product and firmware ranges."""

from __future__ import annotations

import pytest

from clearinghouse import db
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge import service as knowledge
from clearinghouse.matching import service as matching
from clearinghouse.matching.devices import in_range, normalize_name, version_key
from clearinghouse.runtime import Runtime
from tests.identity_world import ORIGIN, World
from tests.shared_data import shared_file


@pytest.mark.parametrize(
    ("version", "expression", "expected"),
    [
        ("V5.4.0", "< V5.5.0", True),
        ("5.5", "< V5.5.0", False),
        ("V5.5.1", "vers:all/<V5.5.2", True),
        ("V5.5.2", "vers:all/<V5.5.2", False),
        ("1.3.0", ">=1.2.0|<=1.4.0", True),
        ("1.5.0", ">= 1.2.0 | <= 1.4.0", False),
        ("9.9", "vers:all/*", True),
        ("V1.2.33", "All BIOS versions < V1.2.34", True),
        ("V2.0 SP1", "<= V2.0 SP2", True),
        ("V2.0 SP1", "<= V2.0", False),  # a service pack comes after its release
        ("unknown", "< V5.5.0", False),
    ],
)
def test_firmware_ranges(version: str, expression: str, expected: bool):
    assert in_range(version, expression) is expected


def test_names_and_versions_normalize():
    assert normalize_name("Siemens AG") == normalize_name("SIEMENS") == "siemens"
    assert normalize_name("Schneider Electric SE") == "schneider electric"
    assert normalize_name("Rockwell Automation, Inc.") == "rockwell automation"
    assert version_key("V5.5.0") == version_key("5.5")
    assert version_key("firmware") is None


def test_a_device_list_finds_the_ics_advisories_that_name_its_devices(
    runtime: Runtime, world: World
):
    run = knowledge.import_feed(
        runtime.sessions,
        "csaf",
        shared_file("csaf-cisa-ics/cisagov-csaf.tar.gz"),
        include="*/2023/icsa-23-103-*",
    )
    assert run.status == "succeeded" and run.added > 5
    devices = (
        "vendor,product,version\n"
        "Siemens AG,SCALANCE X204IRT,V5.5.1\n"  # below V5.5.2: affected
        "Siemens AG,SCALANCE X204IRT PRO,V5.5.2\n"  # the fixed version: not affected
        "Ünicode Medizintechnik GmbH,Infusion pump,1.0\n"  # nobody's advisory
    ).encode()
    cli = Principal.command_line()
    with db.transaction(runtime.sessions) as session:
        substation = inventory.create_asset(
            session,
            cli,
            ORIGIN,
            world.organizations["hospital"],
            AssetIn(name="Substation switches", kind="device", exposure="isolated"),
        ).id
        inventory.add_upload(session, cli, ORIGIN, substation, "devices.csv", devices)
        counts = matching.refresh_assets(session, [substation], cause="test")
    assert counts["opened"] >= 2
    with runtime.sessions() as session:
        found = matching.list_findings(session, cli, world.organizations["hospital"])
    by_product = {(f.component_name, f.component_version) for f in found}
    assert by_product == {("SCALANCE X204IRT", "V5.5.1")}
    ids = {f.vulnerability for f in found}
    assert {"CVE-2023-29054", "CVE-2020-28895"} <= ids
    record = found[0].evidence["matched"][0]
    assert record["record"].startswith("csaf:ICSA-23-103-") and "V5.5.2" in record["range"]
