"""Device lists against the real CISA ICS CSAF advisories: vendor, product and firmware ranges."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from clearinghouse import db
from clearinghouse.identity.policy import Principal
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge import service as knowledge
from clearinghouse.knowledge.schemas import ImportRunOut
from clearinghouse.matching import service as matching
from clearinghouse.matching.devices import normalize_name
from clearinghouse.matching.firmware_ranges import (
    in_range,
    listed_verdict,
    range_verdict,
    version_key,
)
from clearinghouse.matching.outputs import to_cyclonedx_vex, to_json
from clearinghouse.matching.scan import scan
from clearinghouse.matching.schemas import FindingOut
from clearinghouse.runtime import Runtime
from tests.identity_world import ORIGIN, World
from tests.shared_data import shared_file


def upload_and_match(
    runtime: Runtime, world: World, asset_name: str, file_name: str, content: bytes
) -> tuple[Counter[str], list[FindingOut]]:
    """A new asset of the hospital with this one upload, matched; what opened, what is open."""
    cli = Principal.command_line()
    hospital = world.organizations["hospital"]
    with db.transaction(runtime.sessions) as session:
        asset_id = inventory.create_asset(
            session,
            cli,
            ORIGIN,
            hospital,
            AssetIn(name=asset_name, kind="device", exposure="internal"),
        ).id
        inventory.add_upload(session, cli, ORIGIN, asset_id, file_name, content)
        counts = matching.refresh_assets(session, [asset_id], cause="test")
    with runtime.sessions() as session:
        return counts, matching.list_findings(session, cli, hospital, asset_id=asset_id)


def import_flash_player_advisory(runtime: Runtime) -> ImportRunOut:
    """CVE-2013-0643 from the vulnrichment sample: Flash Player ranges with CISA's CPEs."""
    return knowledge.import_feed(
        runtime.sessions,
        "cve5",
        shared_file("cve-vulnrichment-sample/vulnrichment-sample.tar.gz"),
        include="*/CVE-2013-0643.json",
    )


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
        # vers ranges are unions of intervals, in version order (purl-spec VERSION-RANGE-SPEC)
        ("1.5", "vers:generic/>=1|<2|>=3|<4", True),
        ("2.5", "vers:generic/>=1|<2|>=3|<4", False),
        ("3.5", "vers:generic/>=1|<2|>=3|<4", True),
        ("0.9", "vers:generic/<2|>=3", True),
        ("5", "vers:generic/<2|>=3", True),
        ("2.5", "vers:generic/<2|>=3", False),
        ("1.2", "vers:generic/>=1|!=1.2|<2", False),
        ("1.3", "vers:generic/>=1|!=1.2|<2", True),
        ("1.2", "vers:generic/=1.2|=1.4", True),
        ("1.3", "vers:generic/=1.2|=1.4", False),
        ("1.3.0", "<=1.4.0 >=1.2.0", True),  # free text, upper bound written first
        # bounds behind a letter prefix, as CISA's ICS advisories write them
        ("FW12", "< FW14", True),
        ("FW14", "< FW14", False),
        ("R9.50", ">=R9.01|<=R10.04", True),
        ("R10.05", ">=R9.01|<=R10.04", False),
        ("QRTB_2.12.6", "<=QRTB_2.12.7", True),
        ("9.50", ">=R9.01|<=R10.04", False),  # no prefix: the range cannot speak of it
        ("B12", "<=B13__without_Special_Modification_Patch_BRD-C62W003-A0_installed", True),
        ("22080", "<=the_first_5_digits_of_serial_number_22081", False),
    ],
)
def test_firmware_ranges(version: str, expression: str, expected: bool):
    assert in_range(version, expression) is expected


@pytest.mark.parametrize(
    ("version", "expression", "expected"),
    [
        # Text we cannot compare with a version: neither affected nor not, "cannot decide".
        ("2.1", "<April/13/2023", None),  # ICSA-23-115-01
        ("1.0", "distributed  < april 1, 2018", None),
        ("22074", "<=the_first_5_digits_of_serial_number_22081", None),  # ICSA-20-303-01
        ("3.0", "<=Production_date_July_2020", None),
        ("9.50", ">=R9.01|<=R10.04", None),  # another prefix (none)
        ("unknown", "< V5.5.0", None),  # a version without a digit
        ("V3.5", "< V3.X.17", None),  # a wildcard inside: no single bound
        ("1.5.3", "1.5.x | 1.6.x", None),  # a set of versions per piece
        ("1.0", "<=VDS R7.50 | <=FCN/FCJ Simulator R4.20", None),
        # Decided: "!=" the version itself is out, whatever else the text holds.
        ("1.2", "vers:generic/!=1.2|<FW3", False),
        ("1.2", "vers:generic/<FW3|!=1.2", False),
        ("1.3", "vers:generic/<FW3|!=1.2", None),
        ("anything", "vers:all/*", True),
        # A bare version list is that many equalities (vers: no comparator is "=").
        ("10.1.1", "10.1.1", True),
        ("10.1.2", "10.1.1", False),
        ("1.2.3", "1.1 | 1.2.3 | 2.0", True),
        ("V6.3", "V6.3", True),
        # Trailing wildcards: "<= 5.x" is everything below 6, "< 3.x" everything below 3.
        ("5.3", "All versions <= V5.x", True),
        ("6.0", "All versions <= V5.x", False),
        ("2.9", "< 3.x", True),
        ("3.0", "< 3.x", False),
        ("1.0.9", "<= 1.0.x", True),
        ("1.1", "<= 1.0.x", False),
        ("12.2.9.9", "<= 12.2.x.x", True),
        ("4.5.1", ">=4.0|<4.5.x", False),
        ("6.0", ">= 6.x | <= 10.x", True),
        ("11.0", ">= 6.x | <= 10.x", False),
        # "=<" is written for "<=" (the boundary itself is affected), "=>" for ">=".
        ("4.6.20304", "=< 4.6.20304", True),
        ("4.6.20304.9", "=< 4.6.20304.x", True),
        ("4.6.20305", "=< 4.6.20304.x", False),
        ("4.0", "=> 4.0", True),
        # "Ver.2.60" is version 2.60 (IDEC's and Contec's advisories), on either side.
        ("2.60", "<=Ver.2.60", True),
        ("2.70", "<=Ver.2.60", False),
        ("Ver.2.50", "<=Ver.2.60", True),
        ("V2.61", "<=Ver.2.60", False),
    ],
)
def test_range_verdicts(version: str, expression: str, expected: bool | None):
    assert range_verdict(version, expression) is expected
    assert in_range(version, expression) is (expected is True)


def test_versions_with_huge_numbers_are_undecided_not_a_crash():
    """Python refuses to read a number of thousands of digits: a hostile advisory or device
    list must not stop matching for everyone."""
    assert version_key("1." + "9" * 5000) is None
    assert range_verdict("1.2", "<1." + "9" * 5000) is None
    assert range_verdict("1" * 300_000, "<2") is None
    assert range_verdict("1.2", "<=" + "1" * 300_000 + ".x") is None


def test_listed_versions_any_and_undecided():
    assert listed_verdict("4.2", ["vers:all/*"]) is True  # 847 CISA product entries write this
    assert listed_verdict("4.2", ["4.2.0"]) is True
    assert listed_verdict("4.3", ["4.2.0"]) is False
    assert listed_verdict("unknown", ["4.2.0"]) is None
    assert listed_verdict("4.2", ["TCP"]) is None
    assert listed_verdict("4.2", ["TCP", "4.2"]) is True


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
    counts, found = upload_and_match(runtime, world, "Substation switches", "devices.csv", devices)
    assert counts["opened"] >= 2
    by_product = {(f.component_name, f.component_version) for f in found}
    assert by_product == {("SCALANCE X204IRT", "V5.5.1")}
    ids = {f.vulnerability for f in found}
    assert {"CVE-2023-29054", "CVE-2020-28895"} <= ids
    record = found[0].evidence["matched"][0]
    assert record["record"].startswith("csaf:ICSA-23-103-") and "V5.5.2" in record["range"]


def test_devices_match_cve_records_by_cpe_and_by_name(runtime: Runtime, world: World):
    """CISA's enrichment of CVE records names products by CPE, with version ranges beside them."""
    run = import_flash_player_advisory(runtime)
    assert run.status == "succeeded" and run.added == 1
    devices = (
        b"vendor,product,version,cpe,name\n"
        # By CPE: flash_player 11.0 up to 11.6.602.171 is affected; the CPE's version counts.
        b"Adobe,Flash,unknown,cpe:2.3:a:adobe:flash_player:11.5.502.146:*:*:*:*:*:*:*,kiosk\n"
        # By name, no CPE: the record's product is written flash_player.
        b"ADOBE INC.,Flash Player,10.3.183.50,,front desk\n"
        # The fixed version, by CPE: not affected.
        b"Adobe,Flash Player,11.6.602.171,cpe:/a:adobe:flash_player:11.6.602.171,lab\n"
        # Another product of the same vendor: not affected.
        b"Adobe,AIR,2.5,cpe:2.3:a:adobe:air:2.5:*:*:*:*:*:*:*,lab\n"
    )
    _, found = upload_and_match(runtime, world, "Waiting-room kiosks", "devices.csv", devices)
    assert {f.vulnerability for f in found} == {"CVE-2013-0643"}
    by_version = {f.component_version: f.evidence["matched"] for f in found}
    assert set(by_version) == {"unknown", "10.3.183.50"}
    assert {m["matched_by"] for m in by_version["unknown"]} >= {"cpe"}
    assert any(
        m["cpe"] == "cpe:2.3:a:adobe:flash_player:*:*:*:*:*:*:*:*" for m in by_version["unknown"]
    )
    assert all(m["matched_by"] == "name" for m in by_version["10.3.183.50"])


FLASH_11_5 = "cpe:2.3:a:adobe:flash_player:11.5.502.146:*:*:*:*:*:*:*"


def test_an_sbom_component_with_only_a_cpe_is_matched_as_a_device(runtime: Runtime, world: World):
    import_flash_player_advisory(runtime)
    sbom = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": "kiosk-image",
        "documentNamespace": "https://example.org/spdx/kiosk-image-1",
        "creationInfo": {"created": "2026-11-01T00:00:00Z", "creators": ["Tool: hand"]},
        "packages": [
            {
                "SPDXID": "SPDXRef-flash",
                "name": "flash plugin",
                "versionInfo": "11.5.502.146",
                "downloadLocation": "NOASSERTION",
                "externalRefs": [
                    {
                        "referenceCategory": "SECURITY",
                        "referenceType": "cpe23Type",
                        "referenceLocator": FLASH_11_5,
                    }
                ],
            }
        ],
    }
    _, found = upload_and_match(
        runtime, world, "Kiosk image", "kiosk.spdx.json", json.dumps(sbom).encode()
    )
    assert [(f.vulnerability, f.component_name) for f in found] == [
        ("CVE-2013-0643", "flash plugin")
    ]


def test_a_device_list_with_a_malformed_cpe_is_refused_naming_the_row(
    runtime: Runtime, world: World
):
    cli = Principal.command_line()
    with db.transaction(runtime.sessions) as session:
        asset = inventory.create_asset(
            session,
            cli,
            ORIGIN,
            world.organizations["hospital"],
            AssetIn(name="Pumps", kind="device", exposure="isolated"),
        ).id
    refused = r"row 2.*cpe: .*has 3 attributes after cpe:2.3:, not 11"
    with pytest.raises(Exception, match=refused), db.transaction(runtime.sessions) as session:
        inventory.add_upload(
                session, cli, ORIGIN, asset, "devices.csv",
                b"vendor,product,version,cpe\nAcme,Pump,1.0,cpe:2.3:a:acme:pump\n",
            )  # fmt: skip


def test_scanning_a_device_list_finds_its_advisories_offline(runtime: Runtime, tmp_path: Path):
    import_flash_player_advisory(runtime)
    listing = tmp_path / "devices.csv"
    listing.write_text(
        "vendor,product,version,cpe\n"
        f"Adobe,Flash,11.5.502.146,{FLASH_11_5}\n"
        "Adobe,Flash Player,11.6.602.171,\n",
        encoding="utf-8",
    )
    with runtime.sessions() as session:
        report = scan(session, [listing])
    assert report.vulnerable and not report.errors
    document = to_json(report)
    (result,) = document["results"]
    affected, fixed = result["packages"]
    assert affected["package"]["cpe"] == FLASH_11_5 and affected["package"]["vendor"] == "Adobe"
    assert [v["id"] for v in affected["vulnerabilities"]] == ["CVE-2013-0643"]
    assert fixed["vulnerabilities"] == []
    vex = to_cyclonedx_vex(report)
    assert {c["type"] for c in vex["components"]} == {"device"}
