"""Remediation plans: a component's findings turned into the fewest upgrades that fix them.

For each component (an asset's package at one version), the candidate targets are the fixed
versions its findings name, in ascending order (knowledge.versions.compare). A candidate fixes a
finding when the vulnerability's advisories no longer affect that version (every range of every
record is evaluated, so a fix on one release line that another range re-opens does not count).

- The plan names the **smallest version that fixes every fixable finding** of the component.
- When no single version does (fixes exist only on different release lines), it names the
  **fewest versions** that together fix them all (greedy cover: the version fixing the most
  remaining findings first, the smaller on ties), each with the findings it fixes.
- Devices are grouped the same way, over the fixed versions their advisories give
  (triage.device_fixes) and in device version order: "Update the firmware/software of …".
  A device finding that no version fixes but whose advisory gives the vendor's fix in words
  ("contact the vendor", "apply patch …") gets a step "Apply the vendor's fix", one per fix,
  with the findings it covers.
- Findings no known version fixes are listed apart, with the advisories' mitigations.

Steps are ordered by priority: the highest score among the findings a step fixes, then the
earliest deadline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cmp_to_key

from clearinghouse.knowledge.versions import InvalidVersion, UnknownEcosystem, compare
from clearinghouse.triage.device_fixes import DEVICE, VendorFix, device_order
from clearinghouse.triage.schemas import NotFixable, TriagedFinding, UpgradeStep

# (finding, version) -> is that version still affected? None when it cannot be told.
StillAffected = Callable[[TriagedFinding, str], bool | None]
FAR = date.max


@dataclass(frozen=True)
class Advice:
    mitigations: tuple[str, ...] = ()
    advisories: tuple[str, ...] = ()


def _order(ecosystem: str) -> Callable[[str, str], int]:
    if ecosystem == DEVICE:
        return device_order

    def order(a: str, b: str) -> int:
        try:
            return compare(ecosystem, a, b)
        except (InvalidVersion, UnknownEcosystem):
            return (a > b) - (a < b)

    return order


def _above(ecosystem: str, version: str | None, candidate: str) -> bool:
    if version is None:
        return True
    if ecosystem == DEVICE:
        return device_order(candidate, version) > 0
    try:
        return compare(ecosystem, candidate, version) > 0
    except (InvalidVersion, UnknownEcosystem):
        return candidate != version


def _fixes(still_affected: StillAffected, finding: TriagedFinding, candidate: str) -> bool:
    affected = still_affected(finding, candidate)
    if affected is None:  # the advisory cannot say: only a version it names counts
        return candidate in finding.fixed_versions
    return not affected


def _cover(
    ecosystem: str, fixable: Sequence[TriagedFinding], still_affected: StillAffected
) -> tuple[list[tuple[str, list[TriagedFinding]]], list[TriagedFinding]]:
    """The versions to upgrade to, each with the findings it fixes; and what none fixes."""
    version = fixable[0].component_version
    order = cmp_to_key(_order(ecosystem))
    candidates = sorted(
        {v for f in fixable for v in f.fixed_versions if _above(ecosystem, version, v)}, key=order
    )
    # No version below a finding's first fix (above the current one) fixes it: that version is
    # still inside the interval the current one is in. So the single answer starts there.
    floor = max((min(f.fixed_versions, key=order) for f in fixable), key=order)
    for candidate in candidates:
        if order(candidate) < order(floor):
            continue
        if all(_fixes(still_affected, f, candidate) for f in fixable):
            return [(candidate, list(fixable))], []
    cover = {
        c: {i for i, f in enumerate(fixable) if _fixes(still_affected, f, c)} for c in candidates
    }
    everything = set(range(len(fixable)))
    chosen: list[tuple[str, set[int]]] = []
    remaining = set(everything)
    while remaining:
        best = max(candidates, key=lambda c: len(cover[c] & remaining), default=None)
        if best is None or not cover[best] & remaining:
            break
        chosen.append((best, cover[best] & remaining))
        remaining -= cover[best]
    steps = [
        (c, [fixable[i] for i in sorted(found)])
        for c, found in sorted(chosen, key=lambda s: order(s[0]))
    ]
    return steps, [fixable[i] for i in sorted(remaining)]


def _fixes_text(findings: Sequence[TriagedFinding]) -> str:
    exploited = sum(f.known_exploited for f in findings)
    return f"fixes {len(findings)}" + (f" ({exploited} known exploited)" if exploited else "")


def _device_name(finding: TriagedFinding) -> str:
    """ "Philips Vue PACS (PACS server)": the product, and the device list's label for it."""
    product = finding.product or finding.component_name
    return product if product == finding.component_name else f"{product} ({finding.component_name})"


def _as_go_module_says(finding: TriagedFinding, target: str | None) -> str | None:
    """The target as the component names its versions: Go modules say `v0.45.0`.

    OSV's Go database gives versions without the `v` that go.mod and `go get` need; the
    standard library (`1.19`) has none either way.
    """
    current = finding.component_version or ""
    if (
        target
        and finding.ecosystem == "Go"
        and current.startswith("v")
        and not target.startswith("v")
    ):
        return f"v{target}"
    return target


def _step(
    findings: Sequence[TriagedFinding], target: str | None, fix: VendorFix | None = None
) -> UpgradeStep:
    """An upgrade to `target`, or (a device's) vendor's fix given in words."""
    first = min(findings, key=lambda f: f.rank)
    deadlines = [f.deadline for f in findings if f.deadline is not None]
    if fix is not None:
        text = f"Apply the vendor's fix to {_device_name(first)}: {fix.details} "
        text += f"({_fixes_text(findings)})"
    elif first.ecosystem == DEVICE:
        text = (
            f"Update the firmware/software of {_device_name(first)} from "
            f"{first.component_version or '?'} to {target}: {_fixes_text(findings)}"
        )
    else:
        target = _as_go_module_says(first, target)
        text = (
            f"Upgrade {first.component_name} from {first.component_version or '?'} to "
            f"{target}: {_fixes_text(findings)}"
        )
    return UpgradeStep(
        kind="vendor_fix" if fix is not None else "upgrade",
        asset_id=first.asset_id,
        asset_name=first.asset_name,
        component_name=first.component_name,
        ecosystem=first.ecosystem,
        product=first.product,
        from_version=first.component_version,
        to_version=target,
        instructions=fix.details if fix is not None else None,
        url=fix.url if fix is not None else None,
        fixes=[f.vulnerability for f in sorted(findings, key=lambda f: f.rank)],
        finding_ids=[f.finding_id for f in findings if f.finding_id is not None],
        known_exploited=sum(f.known_exploited for f in findings),
        score=max(f.score for f in findings),
        deadline=min(deadlines) if deadlines else None,
        why=first.why,
        text=text,
    )


def _not_fixable(finding: TriagedFinding, advice: Advice | None) -> NotFixable:
    advice = advice or Advice()
    return NotFixable(
        asset_id=finding.asset_id,
        asset_name=finding.asset_name,
        finding_id=finding.finding_id,
        vulnerability=finding.vulnerability,
        component_name=finding.component_name,
        component_version=finding.component_version,
        known_exploited=finding.known_exploited,
        score=finding.score,
        deadline=finding.deadline,
        why=finding.why,
        mitigations=list(advice.mitigations),
        advisories=list(advice.advisories),
    )


def _vendor_fix_steps(
    findings: Sequence[TriagedFinding], fixes: Mapping[int, Sequence[VendorFix]]
) -> tuple[list[UpgradeStep], list[TriagedFinding]]:
    """One step per vendor's fix of a device, with the findings it covers (each finding under
    its advisory's first fix); and the findings that have none."""
    grouped: dict[VendorFix, list[TriagedFinding]] = {}
    rest = []
    for finding in findings:
        given = fixes.get(finding.finding_id or -1) or ()
        if given:
            grouped.setdefault(given[0], []).append(finding)
        else:
            rest.append(finding)
    steps = [_step(covered, None, fix) for fix, covered in grouped.items()]
    return steps, rest


def build(
    findings: Iterable[TriagedFinding],
    still_affected: StillAffected,
    advice: Mapping[str, Advice],
    vendor_fixes: Mapping[int, Sequence[VendorFix]] | None = None,
) -> tuple[list[UpgradeStep], list[NotFixable]]:
    """Upgrades and unfixable findings, most urgent first. `advice` is keyed by vulnerability
    id; `vendor_fixes` (a device's vendor's fixes in words) by finding id."""
    groups: dict[tuple[str | None, str | None, str, str | None], list[TriagedFinding]] = {}
    for finding in findings:
        key = (
            finding.asset_id,
            finding.ecosystem,
            finding.component_name,
            finding.component_version,
        )
        groups.setdefault(key, []).append(finding)
    upgrades: list[UpgradeStep] = []
    stuck: list[TriagedFinding] = []
    for (_, ecosystem, _, _), group in groups.items():
        fixable = [f for f in group if f.fixed_versions and ecosystem]
        unfixed = [f for f in group if not (f.fixed_versions and ecosystem)]
        if fixable and ecosystem is not None:
            steps, left = _cover(ecosystem, fixable, still_affected)
            unfixed += left
            for number, (target, fixed) in enumerate(steps, start=1):
                step = _step(fixed, target)
                upgrades.append(step.model_copy(update={"step": number, "of_steps": len(steps)}))
        if ecosystem == DEVICE and vendor_fixes:
            by_vendor, unfixed = _vendor_fix_steps(unfixed, vendor_fixes)
            upgrades += by_vendor
        stuck.extend(unfixed)
    upgrades.sort(key=lambda u: (-u.score, u.deadline or FAR, u.component_name, u.step))
    stuck.sort(key=lambda f: f.rank)
    return upgrades, [_not_fixable(f, advice.get(f.vulnerability_id)) for f in stuck]
