"""Triage over the database: findings decided and ranked, plans, and operators' overrides.

Every function checks the one policy for the organization the data belongs to (another
tenant's asset is "not found"); overrides are written to the audit log in the same transaction.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import case, func, null, select
from sqlalchemy.orm import Session

from clearinghouse.db import utcnow
from clearinghouse.identity import policy
from clearinghouse.identity.acting import IdentityError, audit, not_found
from clearinghouse.identity.models import Organization
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory.models import Asset, Criticality, Exposure
from clearinghouse.knowledge.models import AffectedPackageRow, SourceRecordRow, Vulnerability
from clearinghouse.knowledge.schemas import VulnerabilityOut
from clearinghouse.knowledge.service import find_vulnerability
from clearinghouse.knowledge.versions import (
    AffectedRanges,
    InvalidRange,
    InvalidVersion,
    UnknownEcosystem,
)
from clearinghouse.matching.models import Finding, FindingStatus
from clearinghouse.matching.scan import PackageFinding, PackageResult, ScanReport
from clearinghouse.triage import plan as planning
from clearinghouse.triage.decisions import Decision, decide
from clearinghouse.triage.evidence import Evidence, evidence_of
from clearinghouse.triage.models import PointOverride
from clearinghouse.triage.plan import Advice
from clearinghouse.triage.points import OVERRIDABLE, Override, Point
from clearinghouse.triage.schemas import (
    OverrideIn,
    OverrideOut,
    Plan,
    PointOut,
    TriagedFinding,
)

CHUNK = 400
CVE5 = "cve5"
SUPPRESSING_VEX = frozenset({"not_affected", "fixed"})
MAX_ADVICE = 4


class TriageError(IdentityError):
    """Input triage cannot take: the message says why (400/422)."""


@dataclass(frozen=True)
class Known:
    """What the knowledge base says about one vulnerability, for triage and plans."""

    evidence: Evidence
    advice: Advice
    summary: str | None


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def knowledge_of(session: Session, vulnerability_ids: Collection[str]) -> dict[str, Known]:
    """Evidence and advice for each vulnerability, read from its merged fields and records."""
    ids = sorted(set(vulnerability_ids))
    vulnerabilities: dict[str, Vulnerability] = {}
    records: dict[str, list[tuple[str, Mapping[str, Any], Mapping[str, Any]]]] = {}
    for chunk in _chunks(ids):
        for vulnerability in session.scalars(
            select(Vulnerability).where(Vulnerability.id.in_(chunk))
        ):
            vulnerabilities[vulnerability.id] = vulnerability
        # Only CVE records' documents are read (exploit tags, workarounds): the others' fields
        # hold what triage needs, and documents are the bulk of what is stored.
        document = case((SourceRecordRow.source == CVE5, SourceRecordRow.document), else_=null())
        for source, vulnerability_id, fields, raw in session.execute(
            select(
                SourceRecordRow.source,
                SourceRecordRow.vulnerability_id,
                SourceRecordRow.fields,
                document,
            ).where(SourceRecordRow.vulnerability_id.in_(chunk))
        ):
            records.setdefault(vulnerability_id, []).append((source, fields, raw or {}))
    known = {}
    for vulnerability_id, vulnerability in vulnerabilities.items():
        own = records.get(vulnerability_id, [])
        evidence = evidence_of(
            vulnerability_id=vulnerability_id,
            display_id=vulnerability.display_id,
            known_exploited=vulnerability.known_exploited,
            kev=vulnerability.kev,
            epss=vulnerability.epss_score,
            epss_percentile=vulnerability.epss_percentile,
            severities=vulnerability.severities or (),
            ssvc=vulnerability.ssvc or {},
            ssvc_source=(vulnerability.field_sources or {}).get("ssvc"),
            records=own,
        )
        known[vulnerability_id] = Known(
            evidence, advice_of(vulnerability.kev, own), vulnerability.summary
        )
    return known


def advice_of(
    kev: Mapping[str, Any] | None,
    records: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> Advice:
    """Mitigations the advisories give (KEV's required action, a CVE record's workarounds and
    solutions), and the advisories' own pages."""
    mitigations: dict[str, None] = {}
    advisories: dict[str, None] = {}
    if kev and kev.get("required_action"):
        mitigations[f"CISA: {kev['required_action']}"] = None
    for _source, fields, document in records:
        for reference in fields.get("references") or ():
            if reference.get("type") == "ADVISORY" and isinstance(reference.get("url"), str):
                advisories[reference["url"]] = None
        cna = ((document.get("cve_record") or {}).get("containers") or {}).get("cna") or {}
        for kind in ("workarounds", "solutions"):
            for item in cna.get(kind) or ():
                if isinstance(item, Mapping) and isinstance(item.get("value"), str):
                    mitigations[" ".join(item["value"].split())[:500]] = None
    return Advice(tuple(mitigations)[:MAX_ADVICE], tuple(advisories)[:MAX_ADVICE])


def _device_advice(finding: Finding) -> list[str]:
    found = []
    for match in (finding.evidence or {}).get("matched") or ():
        for remediation in match.get("remediations") or ():
            details = " ".join(str(remediation.get("details") or "").split())
            if details:
                category = remediation.get("category")
                found.append(f"{category}: {details}" if category else details)
    return found


def _overrides(
    session: Session, asset_ids: Collection[str]
) -> dict[tuple[str, str], dict[str, Override]]:
    found: dict[tuple[str, str], dict[str, Override]] = {}
    for chunk in _chunks(sorted(asset_ids)):
        for row in session.scalars(select(PointOverride).where(PointOverride.asset_id.in_(chunk))):
            found.setdefault((row.asset_id, row.vulnerability_id), {})[row.point] = Override(
                row.value, row.reason, row.set_by
            )
    return found


@lru_cache(maxsize=4096)
def _points_out(chosen: tuple[Point, ...]) -> tuple[PointOut, ...]:
    return tuple(PointOut.of(p) for p in chosen)


def triaged(
    finding_id: int | None,
    asset: Asset | None,
    known: Known,
    decision: Decision,
    *,
    component_name: str,
    component_version: str | None,
    ecosystem: str | None,
    fixed_versions: Sequence[str],
    opened: date,
) -> TriagedFinding:
    evidence = known.evidence
    primary = evidence.primary_cvss
    return TriagedFinding(
        rank=0,
        finding_id=finding_id,
        asset_id=asset.id if asset else None,
        asset_name=asset.name if asset else None,
        vulnerability_id=evidence.vulnerability_id,
        vulnerability=evidence.display_id,
        summary=known.summary,
        component_name=component_name,
        component_version=component_version,
        ecosystem=ecosystem,
        fixed_versions=list(fixed_versions),
        known_exploited=evidence.known_exploited,
        epss=evidence.epss,
        cvss_score=primary.base_score if primary else None,
        cvss_vector=primary.vector if primary else None,
        points=list(_points_out(decision.points)),
        bod=decision.bod.key,
        bod_label=decision.bod.name,
        cisa=decision.cisa.key,
        cisa_label=decision.cisa.name,
        deployer=decision.deployer.key,
        deployer_label=decision.deployer.name,
        opened=opened,
        deadline=decision.deadline,
        score=decision.score,
        why=decision.why,
    )


def _rank_key(f: TriagedFinding) -> tuple[float, date, str, str, str]:
    return (-f.score, f.deadline or date.max, f.vulnerability, f.component_name, f.asset_name or "")


def ranked(findings: Iterable[TriagedFinding]) -> list[TriagedFinding]:
    """Highest score first, then the earliest deadline, then the id; ranks numbered from 1."""
    ordered = sorted(findings, key=_rank_key)
    return [f.model_copy(update={"rank": n}) for n, f in enumerate(ordered, start=1)]


def _triage_rows(
    session: Session,
    rows: Sequence[Finding],
    assets: Mapping[str, Asset],
    sector: Sector | None,
) -> tuple[list[TriagedFinding], dict[str, Known], dict[int, Finding]]:
    known = knowledge_of(session, {f.vulnerability_id for f in rows})
    overrides = _overrides(session, set(assets))
    out = []
    # Many findings share a vulnerability and an asset profile: decide each combination once.
    decided: dict[tuple[Any, ...], Decision] = {}
    for row in rows:
        facts = known.get(row.vulnerability_id)
        asset = assets[row.asset_id]
        if facts is None:
            continue  # a vulnerability merged away since: fan-out will move the finding
        given = overrides.get((row.asset_id, row.vulnerability_id))
        key = (
            row.vulnerability_id,
            asset.exposure,
            asset.criticality,
            row.opened_at.date(),
            bool(row.fixed_versions),
            row.asset_id if given else None,
        )
        decision = decided.get(key)
        if decision is None:
            decision = decided[key] = decide(
                facts.evidence,
                exposure=Exposure(asset.exposure),
                criticality=Criticality(asset.criticality),
                sector=sector,
                opened=row.opened_at.date(),
                fixable=bool(row.fixed_versions),
                overrides=given,
            )
        out.append(
            triaged(
                row.id,
                asset,
                facts,
                decision,
                component_name=row.component_name,
                component_version=row.component_version,
                ecosystem=row.ecosystem,
                fixed_versions=row.fixed_versions or (),
                opened=row.opened_at.date(),
            )
        )
    return ranked(out), known, {row.id: row for row in rows}


def _still_affected(session: Session, rows: Mapping[int, Finding]) -> planning.StillAffected:
    """Evaluates a candidate version against every advisory range of the finding's package."""
    wanted = {(r.vulnerability_id, r.ecosystem) for r in rows.values() if r.ecosystem}
    entries: dict[tuple[str, str, str], list[AffectedRanges | None]] = {}
    for chunk in _chunks(sorted({v for v, _ in wanted})):
        for row in session.scalars(
            select(AffectedPackageRow).where(AffectedPackageRow.vulnerability_id.in_(chunk))
        ):
            if (row.vulnerability_id, row.ecosystem) not in wanted:
                continue
            try:
                compiled: AffectedRanges | None = AffectedRanges(
                    row.ecosystem, row.ranges or [], row.versions or []
                )
            except (InvalidRange, UnknownEcosystem):
                compiled = None
            entries.setdefault((row.vulnerability_id, row.ecosystem, row.name), []).append(compiled)

    def still_affected(finding: TriagedFinding, version: str) -> bool | None:
        row = rows.get(finding.finding_id or -1)
        if row is None or not row.ecosystem:
            return None
        lookup = row.component_key.split("|")[1] if "|" in row.component_key else ""
        found = entries.get((row.vulnerability_id, row.ecosystem, lookup))
        if not found or any(entry is None for entry in found):
            return None
        try:
            return any(entry.evaluate(version).affected for entry in found if entry)
        except InvalidVersion:
            return None

    return still_affected


def _plan(
    session: Session,
    organization: Organization,
    assets: Mapping[str, Asset],
    today: date | None,
    asset: Asset | None = None,
) -> Plan:
    rows = list(
        session.scalars(
            select(Finding)
            .where(Finding.asset_id.in_(list(assets)), Finding.status == FindingStatus.OPEN)
            .order_by(Finding.id)
        )
    )
    kept = [r for r in rows if (r.vex_status or "") not in SUPPRESSING_VEX]
    sector = Sector(organization.sector) if organization.sector else None
    findings, known, by_id = _triage_rows(session, kept, assets, sector)
    advice: dict[str, Advice] = {}
    for finding in findings:
        facts = known[finding.vulnerability_id]
        row = by_id.get(finding.finding_id or -1)
        device = _device_advice(row) if row is not None else []
        given = facts.advice
        advice[finding.vulnerability_id] = Advice(
            tuple(dict.fromkeys([*device, *given.mitigations]))[:MAX_ADVICE], given.advisories
        )
    upgrades, stuck = planning.build(findings, _still_affected(session, by_id), advice)
    return Plan(
        scope="asset" if asset else "organization",
        organization_id=organization.id,
        organization_name=organization.name,
        asset_id=asset.id if asset else None,
        asset_name=asset.name if asset else None,
        today=today or utcnow().date(),
        generated_at=utcnow(),
        upgrades=upgrades,
        not_fixable=stuck,
        findings=findings,
        suppressed_by_vex=len(rows) - len(kept),
    )


def _asset(session: Session, actor: Principal, asset_id: str, action: str) -> Asset:
    asset = session.get(Asset, asset_id)
    if asset is None:
        raise not_found("asset")
    policy.require(actor, action, asset.organization_id)
    return asset


def _organization(session: Session, organization_id: str) -> Organization:
    organization = session.get(Organization, organization_id)
    if organization is None:
        raise not_found("organization")
    return organization


def plan_for_asset(
    session: Session, actor: Principal, asset_id: str, today: date | None = None
) -> Plan:
    asset = _asset(session, actor, asset_id, "assets.read")
    organization = _organization(session, asset.organization_id)
    return _plan(session, organization, {asset.id: asset}, today, asset)


def plan_for_organization(
    session: Session, actor: Principal, organization_id: str, today: date | None = None
) -> Plan:
    policy.require(actor, "assets.read", organization_id)
    organization = _organization(session, organization_id)
    assets = {
        a.id: a
        for a in session.scalars(select(Asset).where(Asset.organization_id == organization_id))
    }
    return _plan(session, organization, assets, today)


def _override_out(row: PointOverride, display_id: str) -> OverrideOut:
    return OverrideOut(
        asset_id=row.asset_id,
        vulnerability_id=row.vulnerability_id,
        vulnerability=display_id,
        point=row.point,
        value=row.value,
        reason=row.reason,
        set_by=row.set_by,
        set_at=row.set_at,
    )


def _vulnerability(session: Session, identifier: str) -> VulnerabilityOut:
    """By any of its ids (CVE, GHSA, PYSEC …), as the knowledge base resolves them."""
    vulnerability = find_vulnerability(session, identifier)
    if vulnerability is None:
        raise not_found("vulnerability")
    return vulnerability


def set_override(
    session: Session, actor: Principal, origin: Origin, asset_id: str, data: OverrideIn
) -> OverrideOut:
    """Set (or replace) the operator's value of one decision point for a vulnerability."""
    asset = _asset(session, actor, asset_id, "assets.manage")
    if data.point not in OVERRIDABLE:
        raise TriageError(
            f"{data.point!r} cannot be overridden; the points: {', '.join(OVERRIDABLE)}"
        )
    if data.value not in OVERRIDABLE[data.point]:
        raise TriageError(
            f"{data.point} takes {', '.join(OVERRIDABLE[data.point])}, not {data.value!r}"
        )
    vulnerability = _vulnerability(session, data.vulnerability)
    row = session.scalar(
        select(PointOverride).where(
            PointOverride.asset_id == asset.id,
            PointOverride.vulnerability_id == vulnerability.id,
            PointOverride.point == data.point,
        )
    )
    previous = row.value if row else None
    if row is None:
        row = PointOverride(
            organization_id=asset.organization_id,
            asset_id=asset.id,
            vulnerability_id=vulnerability.id,
            point=data.point,
        )
        session.add(row)
    row.value, row.reason = data.value, data.reason.strip()
    row.set_by, row.set_at = actor.label, utcnow()
    session.flush()
    audit(
        session,
        actor,
        origin,
        "triage.override.set",
        organization_id=asset.organization_id,
        resource_type="asset",
        resource_id=asset.id,
        vulnerability=vulnerability.display_id,
        point=data.point,
        value=data.value,
        previous=previous,
        reason=row.reason,
    )
    return _override_out(row, vulnerability.display_id)


def clear_override(
    session: Session,
    actor: Principal,
    origin: Origin,
    asset_id: str,
    vulnerability: str,
    point: str,
) -> None:
    asset = _asset(session, actor, asset_id, "assets.manage")
    found = _vulnerability(session, vulnerability)
    row = session.scalar(
        select(PointOverride).where(
            PointOverride.asset_id == asset.id,
            PointOverride.vulnerability_id == found.id,
            PointOverride.point == point,
        )
    )
    if row is None:
        raise not_found("override")
    session.delete(row)
    audit(
        session,
        actor,
        origin,
        "triage.override.clear",
        organization_id=asset.organization_id,
        resource_type="asset",
        resource_id=asset.id,
        vulnerability=found.display_id,
        point=point,
        value=row.value,
    )


def list_overrides(session: Session, actor: Principal, asset_id: str) -> list[OverrideOut]:
    asset = _asset(session, actor, asset_id, "assets.read")
    rows = list(
        session.scalars(
            select(PointOverride)
            .where(PointOverride.asset_id == asset.id)
            .order_by(PointOverride.set_at)
        )
    )
    names = dict(
        session.execute(
            select(Vulnerability.id, Vulnerability.display_id).where(
                Vulnerability.id.in_({r.vulnerability_id for r in rows})
            )
        ).all()
    )
    return [_override_out(r, names.get(r.vulnerability_id, r.vulnerability_id)) for r in rows]


def prioritize_scan(
    session: Session,
    report: ScanReport,
    *,
    exposure: Exposure,
    criticality: Criticality,
    sector: Sector | None,
    today: date | None = None,
) -> dict[ScanKey, TriagedFinding]:
    """Decisions for a scan's findings (VEX-suppressed ones left out), ranked together."""
    day = today or utcnow().date()
    found: dict[ScanKey, tuple[PackageResult, PackageFinding]] = {}
    for source in report.results:
        for package in source.packages:
            for item in package.findings:
                if not item.suppressed:
                    found[scan_key(source.path, package, item)] = (package, item)
    known = knowledge_of(session, {item.hit.vulnerability_id for _, item in found.values()})
    decided: list[tuple[ScanKey, TriagedFinding]] = []
    for key, (package, item) in found.items():
        facts = known.get(item.hit.vulnerability_id)
        if facts is None:
            continue
        decision = decide(
            facts.evidence,
            exposure=exposure,
            criticality=criticality,
            sector=sector,
            opened=day,
            fixable=bool(item.hit.fixed_versions),
        )
        component = package.component
        decided.append(
            (
                key,
                triaged(
                    None,
                    None,
                    facts,
                    decision,
                    component_name=component.name,
                    component_version=component.version,
                    ecosystem=component.ecosystem,
                    fixed_versions=item.hit.fixed_versions,
                    opened=day,
                ),
            )
        )
    decided.sort(key=lambda pair: _rank_key(pair[1]))
    return {
        key: finding.model_copy(update={"rank": n})
        for n, (key, finding) in enumerate(decided, start=1)
    }


ScanKey = tuple[str, int, str]  # (file path, the package's identity, vulnerability id)


def scan_key(path: str, package: PackageResult, item: PackageFinding) -> ScanKey:
    return (path, id(package), item.hit.vulnerability_id)


def resolve_target(session: Session, text: str) -> tuple[str, str]:
    """("asset", id) or ("organization", id) for an id or a name (names: case does not matter)."""
    text = text.strip()
    if session.get(Asset, text) is not None:
        return "asset", text
    if session.get(Organization, text) is not None:
        return "organization", text
    organization = session.scalar(
        select(Organization.id).where(func.lower(Organization.name) == text.lower())
    )
    if organization is not None:
        return "organization", organization
    assets = list(
        session.execute(
            select(Asset.id, Organization.name)
            .join(Organization, Organization.id == Asset.organization_id)
            .where(func.lower(Asset.name) == text.lower())
        )
    )
    if len(assets) == 1:
        return "asset", assets[0][0]
    if assets:
        owners = ", ".join(sorted(name for _, name in assets))
        raise TriageError(f"several assets are named {text!r} ({owners}): give the asset's id")
    raise TriageError(f"no asset or organization is called {text!r}")
