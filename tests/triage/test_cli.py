"""`clearinghouse plan`, `clearinghouse scan --prioritize` and `clearinghouse triage …`."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from clearinghouse.identity.policy import Principal
from clearinghouse.runtime import Runtime
from clearinghouse.triage import service
from clearinghouse.triage.schemas import Plan
from tests.helpers import cli_of as cli
from tests.identity_world import ORIGIN, World
from tests.matching.test_undecided_devices import DEVICES, add_devices, import_advisories
from tests.triage.conftest import SALT_VERSION, Hospital


def test_plan_as_csv_json_and_table(runtime: Runtime, hospital: Hospital) -> None:
    with runtime.sessions() as session:
        expected = service.plan_for_asset(
            session, Principal.command_line(), ORIGIN, hospital.asset_id
        )
    code, out, err = cli(runtime, "plan", "config server", "--csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["vulnerability"] for r in rows] == [f.vulnerability for f in expected.findings]
    assert rows[0]["rank"] == "1"
    target = expected.upgrades[0].to_version
    assert {r["action"] for r in rows} == {f"upgrade to {target}"}
    assert all(r["version"] == SALT_VERSION for r in rows)

    code, out, err = cli(runtime, "plan", "Valley County Hospital", "--json")
    assert code == 0, err
    plan = Plan.model_validate(json.loads(out))
    assert plan.scope == "organization" and plan.organization_name == "Valley County Hospital"
    assert [f.vulnerability for f in plan.findings] == [f.vulnerability for f in expected.findings]

    code, out, err = cli(runtime, "plan", hospital.asset_id)
    assert code == 0, err
    assert f"Upgrade salt from {SALT_VERSION} to {target}" in out
    assert "known exploited" in err

    code, _, err = cli(runtime, "plan", "no such thing")
    assert code == 1 and "no asset or organization is called 'no such thing'" in err


def test_override_from_the_command_line(runtime: Runtime, hospital: Hospital) -> None:
    code, out, err = cli(
        runtime,
        "triage",
        "override",
        "Config server",
        "CVE-2020-11651",
        "exposure",
        "small",
        "--reason",
        "behind the management VLAN",
    )
    assert code == 0, err
    assert "exposure = small" in out
    code, _, err = cli(
        runtime,
        "triage",
        "override",
        "Config server",
        "CVE-2020-11651",
        "exposure",
        "huge",
        "--reason",
        "because",
    )
    assert code == 1 and "exposure takes small, controlled, open" in err
    code, out, _ = cli(runtime, "plan", "Config server", "--json")
    plan = Plan.model_validate(json.loads(out))
    finding = next(f for f in plan.findings if f.vulnerability == "CVE-2020-11651")
    assert next(p for p in finding.points if p.name == "exposure").value == "small"


def test_scan_prioritize(runtime: Runtime, hospital: Hospital, tmp_path: Path) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"salt=={SALT_VERSION}\n")
    code, out, err = cli(
        runtime,
        "scan",
        str(requirements),
        "--prioritize",
        "--exposure",
        "internet-facing",
        "--sector",
        "healthcare",
    )
    assert code == 1, err
    assert "most urgent first" in out and "Known exploited" in out
    code, out, err = cli(runtime, "scan", str(requirements), "--json", "--exposure", "isolated")
    assert code == 1, err
    document = json.loads(out)
    decided = [
        v["triage"] for p in document["results"][0]["packages"] for v in p["vulnerabilities"]
    ]
    assert decided and sorted(d["rank"] for d in decided) == list(range(1, len(decided) + 1))
    assert all("isolated" in d["why"] for d in decided)
    # Without --prioritize the output is as before.
    code, out, _ = cli(runtime, "scan", str(requirements), "--json")
    assert "triage" not in out


def test_plan_lists_what_it_cannot_decide(runtime: Runtime, world: World) -> None:
    """ICSA-20-303-01's serial-number range and ICSA-23-115-01's date range name two devices."""
    import_advisories(runtime)
    add_devices(runtime, world, "Plant floor", DEVICES)
    code, out, err = cli(runtime, "plan", "Plant floor")
    assert code == 0, err
    assert "Cannot decide: advisories that name your devices" in out
    assert "<=the_first_5_digits_of_serial_number_22081" in out
    assert "https://www.cisa.gov/news-events/ics-advisories/icsa-23-115-01" in out
    assert "1 open finding(s)" in err
    assert "2 advisory match(es) cannot be decided: check with the vendor." in err

    code, out, err = cli(runtime, "plan", "Plant floor", "--json")
    assert code == 0, err
    plan = Plan.model_validate(json.loads(out))
    assert len(plan.findings) == 1
    assert {c.component_name for c in plan.cannot_decide} == {"Line 3 PLC", "Lab analyzer"}
