"""Triage over the database: decisions per finding, the upgrade plan, overrides and tenants."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity.audit.models import AuditEntry
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.models import User
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.knowledge.versions import affected, compare
from clearinghouse.runtime import Runtime
from clearinghouse.triage import service, ssvc
from clearinghouse.triage.models import PointOverride
from clearinghouse.triage.schemas import OverrideIn, Plan
from tests.identity_world import ORIGIN, World
from tests.triage.conftest import SALT_VERSION, Hospital, add_asset

CLI = Principal.command_line()


def as_user(runtime: Runtime, world: World, key: str) -> Principal:
    with runtime.sessions() as session:
        user = session.get(User, world.user_ids[key])
        assert user is not None
        return principal_for(user, via="session")


def plan_of(runtime: Runtime, asset_id: str) -> Plan:
    with runtime.sessions() as session:
        return service.plan_for_asset(session, CLI, ORIGIN, asset_id)


def salt_ranges(folder: Path) -> dict[str, list[dict[str, object]]]:
    """Each advisory's Salt ranges, by every id it goes by, read straight from the YAML."""
    found: dict[str, list[dict[str, object]]] = {}
    for path in folder.glob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        ranges = [r for a in document["affected"] for r in a.get("ranges", [])]
        for identifier in [document["id"], *(document.get("aliases") or [])]:
            found[identifier] = ranges
    return found


def test_every_finding_gets_a_decision_from_the_tables(
    runtime: Runtime, hospital: Hospital
) -> None:
    plan = plan_of(runtime, hospital.asset_id)
    assert len(plan.findings) >= 10
    assert [f.rank for f in plan.findings] == list(range(1, len(plan.findings) + 1))
    scores = [f.score for f in plan.findings]
    assert scores == sorted(scores, reverse=True)
    for finding in plan.findings:
        points = {p.name: p.value for p in finding.points}
        key = {
            "cisa:KEV:1.0.0": "Y" if finding.known_exploited else "N",
            "cisa:PE:1.0.0": "Y",  # the asset is internet-facing
            "ssvc:A:2.0.0": "Y" if points["automatable"] == "yes" else "N",
            "ssvc:TI:1.0.0": "T" if points["technical_impact"] == "total" else "P",
        }
        assert finding.bod == ssvc.evaluate("DT_BOD2604", key)
        assert points["exposure"] == "open"
        # A hospital's high-criticality system: safety impact critical, mission impact MEF
        # failure, hence high human impact (DT_HI) and high mission and well-being.
        assert points["human_impact"] == "high"
        assert points["mission_wellbeing"] == "high"
        assert finding.why.endswith(
            f"patch by {finding.deadline.day} {finding.deadline:%b %Y}"
            if finding.deadline
            else "fix at the next system upgrade"
        )


def test_known_exploited_salt_is_first_with_a_deadline(
    runtime: Runtime, hospital: Hospital
) -> None:
    plan = plan_of(runtime, hospital.asset_id)
    exploited = [f for f in plan.findings if f.known_exploited]
    assert {f.vulnerability for f in exploited} >= {"CVE-2020-11651", "CVE-2020-11652"}
    assert all(f.rank <= len(exploited) for f in exploited)  # before everything else
    first = next(f for f in plan.findings if f.vulnerability == "CVE-2020-11651")
    exploitation = next(p for p in first.points if p.name == "exploitation")
    assert (exploitation.value, exploitation.source) == ("active", "CISA KEV")
    assert "2021-11-03" in exploitation.detail  # the catalog's date added
    assert first.why.startswith("Known exploited")
    assert "internet-facing" in first.why
    days = {"3DF": 3, "3D": 3, "14D": 14, "60D": 60}[first.bod]
    assert first.deadline == first.opened + timedelta(days=days)  # listed before it opened


def test_the_upgrade_is_the_smallest_version_that_fixes_everything(
    runtime: Runtime, hospital: Hospital
) -> None:
    plan = plan_of(runtime, hospital.asset_id)
    ranges = salt_ranges(hospital.advisories)
    fixable = [f for f in plan.findings if f.fixed_versions]
    steps = [u for u in plan.upgrades if u.component_name == "salt"]
    assert len(steps) == 1, [u.text for u in steps]
    step = steps[0]
    assert step.from_version == SALT_VERSION
    assert sorted(step.fixes) == sorted(f.vulnerability for f in fixable)
    assert step.text.startswith(f"Upgrade salt from {SALT_VERSION} to {step.to_version}: fixes")
    # Checked against the advisories' own ranges: the target is affected by none of them ...
    for finding in fixable:
        assert not affected("PyPI", step.to_version, ranges[finding.vulnerability])
    # ... and every smaller fixed version leaves at least one of them open.
    candidates = {v for f in fixable for v in f.fixed_versions}
    for smaller in (v for v in candidates if compare("PyPI", v, step.to_version) < 0):
        assert any(affected("PyPI", smaller, ranges[f.vulnerability]) for f in fixable), smaller
    assert step.known_exploited == sum(f.known_exploited for f in fixable)
    assert step.score == max(f.score for f in fixable)


def test_an_override_changes_the_decision_and_is_audited(
    runtime: Runtime, hospital: Hospital
) -> None:
    admin = as_user(runtime, hospital.world, "hospital_admin")
    with db.transaction(runtime.sessions) as session:
        out = service.set_override(
            session,
            admin,
            ORIGIN,
            hospital.asset_id,
            OverrideIn(
                vulnerability="cve-2020-11651",
                point="exposure",
                value="small",
                reason="the salt master is only reachable from the management VLAN",
            ),
        )
    assert (out.vulnerability, out.value) == ("CVE-2020-11651", "small")
    plan = plan_of(runtime, hospital.asset_id)
    finding = next(f for f in plan.findings if f.vulnerability == "CVE-2020-11651")
    exposure = next(p for p in finding.points if p.name == "exposure")
    assert (exposure.value, exposure.source, exposure.overridden) == (
        "small",
        "operator override",
        True,
    )
    assert "management VLAN" in exposure.detail
    assert "isolated" in finding.why
    other = next(f for f in plan.findings if f.vulnerability == "CVE-2020-11652")
    assert next(p for p in other.points if p.name == "exposure").value == "open"
    with runtime.sessions() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "triage.override.set")
        ).one()
        assert entry.details["point"] == "exposure" and entry.details["value"] == "small"
    with db.transaction(runtime.sessions) as session:
        service.clear_override(
            session, admin, ORIGIN, hospital.asset_id, "CVE-2020-11651", "exposure"
        )
    plan = plan_of(runtime, hospital.asset_id)
    finding = next(f for f in plan.findings if f.vulnerability == "CVE-2020-11651")
    assert next(p for p in finding.points if p.name == "exposure").value == "open"


@pytest.mark.parametrize(
    ("point", "value", "message"),
    [
        ("severity", "high", "cannot be overridden"),
        ("exploitation", "maybe", "exploitation takes none, poc, active"),
    ],
)
def test_bad_overrides_are_refused_and_leave_nothing(
    runtime: Runtime, hospital: Hospital, point: str, value: str, message: str
) -> None:
    admin = as_user(runtime, hospital.world, "hospital_admin")
    with (
        pytest.raises(service.TriageError, match=message),
        db.transaction(runtime.sessions) as session,
    ):
        service.set_override(
            session,
            admin,
            ORIGIN,
            hospital.asset_id,
            OverrideIn(vulnerability="CVE-2020-11651", point=point, value=value, reason="why"),
        )
    with runtime.sessions() as session:
        assert session.scalars(select(PointOverride)).all() == []


def test_other_tenants_see_nothing(runtime: Runtime, hospital: Hospital, world: World) -> None:
    bank = as_user(runtime, world, "bank_admin")
    viewer = as_user(runtime, world, "hospital_viewer")
    with runtime.sessions() as session:
        with pytest.raises(AccessDenied) as caught:
            service.plan_for_asset(session, bank, ORIGIN, hospital.asset_id)
        assert caught.value.decision.status == 404
        with pytest.raises(AccessDenied) as caught:
            service.plan_for_organization(session, bank, ORIGIN, world.organizations["hospital"])
        assert caught.value.decision.status == 404
        assert service.plan_for_asset(session, viewer, ORIGIN, hospital.asset_id).findings
    with pytest.raises(AccessDenied), db.transaction(runtime.sessions) as session:
        service.set_override(
            session,
            viewer,  # viewers read plans; they do not change decisions
            ORIGIN,
            hospital.asset_id,
            OverrideIn(
                vulnerability="CVE-2020-11651", point="exposure", value="small", reason="x" * 3
            ),
        )


def test_the_organization_plan_covers_every_asset(
    runtime: Runtime, hospital: Hospital, world: World
) -> None:
    add_asset(
        runtime,
        world.organizations["hospital"],
        "Lab workstation",
        "salt==3000\n",
        exposure="isolated",
        criticality="low",
    )
    add_asset(runtime, world.organizations["bank"], "Bank salt", "salt==2019.2.0\n")
    with runtime.sessions() as session:
        plan = service.plan_for_organization(session, CLI, ORIGIN, world.organizations["hospital"])
    assert {f.asset_name for f in plan.findings} == {"Config server", "Lab workstation"}
    assert {u.asset_name for u in plan.upgrades} == {"Config server", "Lab workstation"}
    isolated = [f for f in plan.findings if f.asset_name == "Lab workstation"]
    exposed = [f for f in plan.findings if f.asset_name == "Config server"]
    # The same vulnerability ranks lower on an isolated, low-criticality machine.
    shared = {f.vulnerability for f in isolated} & {f.vulnerability for f in exposed}
    assert shared
    for name in shared:
        low = next(f for f in isolated if f.vulnerability == name)
        high = next(f for f in exposed if f.vulnerability == name)
        assert low.score < high.score and low.rank > high.rank
