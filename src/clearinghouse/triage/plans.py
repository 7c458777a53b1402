"""Remediation plans of an asset or an organization, from its open findings.

Every read goes through the owning domain's service, with the caller's principal: the policy
decides (another tenant's asset or organization is "not found").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity import service as identity
from clearinghouse.identity.acting import not_found
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.models import Criticality, Exposure
from clearinghouse.inventory.schemas import AssetOut
from clearinghouse.knowledge import service as knowledge
from clearinghouse.knowledge.versions import (
    AffectedRanges,
    InvalidRange,
    InvalidVersion,
    UnknownEcosystem,
)
from clearinghouse.matching import service as matching
from clearinghouse.matching.schemas import FindingOut
from clearinghouse.triage import upgrades
from clearinghouse.triage.decisions import Decision, decide
from clearinghouse.triage.device_fixes import DEVICE, DeviceFix, device_fix, matched_products
from clearinghouse.triage.facts import MAX_ADVICE, Known, knowledge_of, record_shown_reports
from clearinghouse.triage.overrides import overrides_of
from clearinghouse.triage.ranking import ranked, triaged
from clearinghouse.triage.schemas import CannotDecide, Plan, TriagedFinding
from clearinghouse.triage.upgrades import Advice

SUPPRESSING_VEX = frozenset({"not_affected", "fixed"})
EVERY = 10**7  # no limit on the findings a plan covers


def _lookup_name(finding: FindingOut) -> str | None:
    """The package name as the knowledge base keys it, from the finding's matched records."""
    for match in finding.evidence.get("matched") or ():
        if isinstance(match.get("package"), str):
            return str(match["package"])
    return None


def _device_fixes(
    findings: Sequence[FindingOut], known: Mapping[str, Known]
) -> dict[int, DeviceFix]:
    """What fixes each device finding, from its vulnerability's product statements.

    A fleet of one model holds many findings of one advisory on one product and firmware: each
    such combination is worked out once per plan (not kept between plans: advisories change).
    """
    found = {}
    worked: dict[tuple[str, tuple[tuple[str, str], ...], str | None], DeviceFix | None] = {}
    for finding in findings:
        facts = known.get(finding.vulnerability_id)
        if finding.ecosystem != DEVICE or facts is None:
            continue
        key = (
            finding.vulnerability_id,
            matched_products(finding.evidence),
            finding.component_version,
        )
        if key not in worked:
            worked[key] = device_fix(finding.evidence, finding.component_version, facts.products)
        fix = worked[key]
        if fix is not None:
            found[finding.id] = fix
    return found


def _decide_all(
    session: Session,
    actor: Principal,
    findings: Sequence[FindingOut],
    assets: Mapping[str, AssetOut],
    sector: Sector | None,
) -> tuple[list[TriagedFinding], dict[str, Known], dict[int, DeviceFix]]:
    known = knowledge_of(session, {f.vulnerability_id for f in findings}, actor)
    devices = _device_fixes(findings, known)
    overrides = overrides_of(session, set(assets))
    out = []
    # Many findings share a vulnerability and an asset profile: decide each combination once.
    decided: dict[tuple[Any, ...], Decision] = {}
    for finding in findings:
        facts = known.get(finding.vulnerability_id)
        asset = assets[finding.asset_id]
        if facts is None:
            continue  # a vulnerability merged away since: fan-out will move the finding
        given = overrides.get((finding.asset_id, finding.vulnerability_id))
        opened = finding.opened_at.date()
        device = devices.get(finding.id)
        fixed_versions = list(device.versions) if device else finding.fixed_versions
        fixable = bool(fixed_versions or (device and device.vendor_fixes))
        key = (
            finding.vulnerability_id,
            asset.exposure,
            asset.criticality,
            opened,
            fixable,
            finding.asset_id if given else None,
        )
        decision = decided.get(key)
        if decision is None:
            decision = decided[key] = decide(
                facts.evidence,
                exposure=Exposure(asset.exposure),
                criticality=Criticality(asset.criticality),
                sector=sector,
                opened=opened,
                fixable=fixable,
                overrides=given,
            )
        out.append(
            triaged(
                finding.id,
                (asset.id, asset.name),
                facts,
                decision,
                component_name=finding.component_name,
                component_version=finding.component_version,
                ecosystem=finding.ecosystem,
                fixed_versions=fixed_versions,
                opened=opened,
                product=device.product if device else None,
            )
        )
    return ranked(out), known, devices


def _still_affected(
    session: Session, findings: Mapping[int, FindingOut], devices: Mapping[int, DeviceFix]
) -> upgrades.StillAffected:
    """Evaluates a candidate version against every advisory range of the finding's package, or
    against the affected entries of a device's product."""
    wanted = {f.vulnerability_id for f in findings.values() if f.ecosystem and f.fixed_versions}
    entries: dict[tuple[str, str, str], list[AffectedRanges | None]] = {}
    for entry in knowledge.entries_of(session, wanted):
        try:
            compiled: AffectedRanges | None = AffectedRanges(
                entry.ecosystem, entry.ranges or [], entry.versions or []
            )
        except (InvalidRange, UnknownEcosystem):
            compiled = None
        key = (entry.vulnerability_id, entry.ecosystem, entry.name)
        entries.setdefault(key, []).append(compiled)

    def still_affected(finding: TriagedFinding, version: str) -> bool | None:
        device = devices.get(finding.finding_id or -1)
        if device is not None:
            return device.still_affected(version)
        stored = findings.get(finding.finding_id or -1)
        if stored is None or not stored.ecosystem:
            return None
        name = _lookup_name(stored)
        found = entries.get((stored.vulnerability_id, stored.ecosystem, name or ""))
        if not found or any(entry is None for entry in found):
            return None
        try:
            return any(entry.evaluate(version).affected for entry in found if entry)
        except InvalidVersion:
            return None

    return still_affected


def _device_advice(finding: FindingOut) -> list[str]:
    found = []
    for match in finding.evidence.get("matched") or ():
        for remediation in match.get("remediations") or ():
            details = " ".join(str(remediation.get("details") or "").split())
            if details:
                category = remediation.get("category")
                found.append(f"{category}: {details}" if category else details)
    return found


def _plan(
    session: Session,
    actor: Principal,
    origin: Origin,
    organization_id: str,
    assets: Mapping[str, AssetOut],
    today: date | None,
    asset: AssetOut | None = None,
) -> Plan:
    organization = identity.organization_profile(session, organization_id)
    if organization is None:
        raise not_found("organization")
    everything = matching.list_findings(
        session, actor, organization_id, asset_id=asset.id if asset else None, limit=EVERY
    )
    kept = [f for f in everything if (f.vex_status or "") not in SUPPRESSING_VEX]
    undecided = matching.list_findings(
        session,
        actor,
        organization_id,
        asset_id=asset.id if asset else None,
        status=matching.FindingStatus.UNDECIDED,
        limit=EVERY,
    )
    findings, known, devices = _decide_all(session, actor, kept, assets, organization.sector)
    by_id = {f.id: f for f in kept}
    advice: dict[str, Advice] = {}
    for finding in findings:
        given = known[finding.vulnerability_id].advice
        stored = by_id.get(finding.finding_id or -1)
        device = _device_advice(stored) if stored is not None else []
        advice[finding.vulnerability_id] = Advice(
            tuple(dict.fromkeys([*device, *given.mitigations]))[:MAX_ADVICE], given.advisories
        )
    record_shown_reports(
        session,
        actor,
        origin,
        findings,
        known,
        view="plan",
        plan_organization_id=organization.id,
        plan_asset_id=asset.id if asset else None,
    )
    vendor_fixes = {i: fix.vendor_fixes for i, fix in devices.items() if fix.vendor_fixes}
    steps, stuck = upgrades.build(
        findings, _still_affected(session, by_id, devices), advice, vendor_fixes
    )
    return Plan(
        scope="asset" if asset else "organization",
        organization_id=organization.id,
        organization_name=organization.name,
        asset_id=asset.id if asset else None,
        asset_name=asset.name if asset else None,
        today=today or utcnow().date(),
        generated_at=utcnow(),
        upgrades=steps,
        not_fixable=stuck,
        findings=findings,
        suppressed_by_vex=len(everything) - len(kept),
        cannot_decide=_cannot_decide(undecided, assets),
    )


def _cannot_decide(
    undecided: Sequence[FindingOut], assets: Mapping[str, AssetOut]
) -> list[CannotDecide]:
    """The advisories that name a device or package but cannot be decided for its version, by
    asset and component; one the operator has answered with a VEX statement (not affected,
    fixed) is left out."""
    out = []
    for finding in matching.fold_unreadable_versions(undecided):
        doubt = finding.cannot_decide
        if doubt is None or (finding.vex_status or "") in SUPPRESSING_VEX:
            continue
        out.append(
            CannotDecide(
                asset_id=finding.asset_id,
                asset_name=assets[finding.asset_id].name if finding.asset_id in assets else None,
                finding_id=finding.id,
                vulnerability=finding.vulnerability,
                summary=finding.summary,
                component_name=finding.component_name,
                component_version=finding.component_version,
                ecosystem=finding.ecosystem,
                cannot_decide=doubt,
            )
        )
    return sorted(out, key=lambda c: (c.asset_name or "", c.component_name, c.vulnerability))


def plan_for_asset(
    session: Session, actor: Principal, origin: Origin, asset_id: str, today: date | None = None
) -> Plan:
    """The asset's plan. A finder report it names is a recorded read: commit the session."""
    asset = inventory.get_asset(session, actor, asset_id)
    return _plan(session, actor, origin, asset.organization_id, {asset.id: asset}, today, asset)


def plan_for_organization(
    session: Session,
    actor: Principal,
    origin: Origin,
    organization_id: str,
    today: date | None = None,
) -> Plan:
    """The organization's plan. A finder report it names is a recorded read: commit the
    session."""
    assets = {a.id: a for a in inventory.list_assets(session, actor, organization_id)}
    return _plan(session, actor, origin, organization_id, assets, today)
