"""A scan's results as documents: our JSON, SARIF 2.1.0 and CycloneDX 1.6 VEX.

The JSON keeps the shape osv-scanner's users know (`results[].source.path`,
`results[].packages[].package`, `results[].packages[].vulnerabilities[]`), so that scripts
written for it need little change; docs/scan.md documents every field.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from clearinghouse import __version__
from clearinghouse.matching.scan import (
    PackageFinding,
    PackageResult,
    ScanReport,
    UndecidedFinding,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
CYCLONEDX_SCHEMA = "http://cyclonedx.org/schema/bom-1.6.schema.json"
# OpenVEX/CycloneDX analysis states for our VEX statuses.
CDX_STATE = {
    "not_affected": "not_affected",
    "affected": "exploitable",
    "fixed": "resolved",
    "under_investigation": "in_triage",
}


def _package(result: PackageResult) -> dict[str, Any]:
    c = result.component
    out = {"ecosystem": c.ecosystem, "name": c.name, "version": c.version, "purl": c.purl}
    if c.ecosystem is None and (c.vendor or c.cpe):  # a device: say how it was named
        out |= {"vendor": c.vendor, "product": c.product, "cpe": c.cpe}
    return out


def _vulnerability(finding: PackageFinding) -> dict[str, Any]:
    brief, hit = finding.brief, finding.hit
    out: dict[str, Any] = {
        "id": brief.display_id,
        "aliases": list(brief.aliases),
        "summary": brief.summary,
        "fixed_versions": list(hit.fixed_versions),
        "known_exploited": brief.known_exploited,
        "epss": brief.epss_score,
        "severity": brief.severities,
        "matched": list(hit.evidence),
    }
    if finding.vex is not None:
        out["vex"] = {
            "status": finding.vex.status,
            "justification": finding.vex.justification,
            "detail": finding.vex.detail,
        }
    return out


def _undecided(item: UndecidedFinding) -> dict[str, Any]:
    return {
        "id": item.brief.display_id,
        "aliases": list(item.brief.aliases),
        "summary": item.brief.summary,
        **item.doubt.model_dump(),
        "matched": list(item.hit.evidence),
    }


def to_json(report: ScanReport) -> dict[str, Any]:
    return {
        "results": [
            {
                "source": {"path": source.path, "type": source.format_id},
                "warnings": list(source.warnings),
                "packages": [
                    {
                        "package": _package(package),
                        "vulnerabilities": [_vulnerability(f) for f in package.findings],
                        **({"problems": package.problems} if package.problems else {}),
                        **(
                            {"cannot_decide": [_undecided(u) for u in package.undecided]}
                            if package.undecided
                            else {}
                        ),
                    }
                    for package in source.packages
                ],
            }
            for source in report.results
        ],
        "errors": [{"path": path, "reason": reason} for path, reason in report.errors],
    }


def _sarif_level(finding: PackageFinding) -> str:
    if finding.suppressed:
        return "note"
    return "error" if finding.brief.known_exploited else "warning"


def to_sarif(report: ScanReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for source in report.results:
        for package in source.packages:
            for finding in package.findings:
                brief, c = finding.brief, package.component
                rules.setdefault(
                    brief.display_id,
                    {
                        "id": brief.display_id,
                        "shortDescription": {"text": brief.summary or brief.display_id},
                        "properties": {"aliases": list(brief.aliases)},
                    },
                )
                fix = finding.hit.fixed_versions
                upgrade = f"; upgrade to {fix[0]}" if fix else "; no fixed version is known"
                result: dict[str, Any] = {
                    "ruleId": brief.display_id,
                    "level": _sarif_level(finding),
                    "message": {
                        "text": f"{c.name} {c.version} is affected by {brief.display_id}{upgrade}"
                    },
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": source.path}}}],
                    "properties": {"purl": c.purl, "fixed_versions": list(fix)},
                }
                if finding.suppressed and finding.vex is not None:
                    result["suppressions"] = [
                        {"kind": "external", "justification": finding.vex.justification or ""}
                    ]
                results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "clearinghouse",
                        "version": __version__,
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
            }
        ],
    }


def to_cyclonedx_vex(report: ScanReport) -> dict[str, Any]:
    """A CycloneDX 1.6 BOM of the scanned components with a VEX entry per vulnerability."""
    components: dict[str, dict[str, Any]] = {}
    vulnerabilities: dict[str, dict[str, Any]] = {}
    for source in report.results:
        for package in source.packages:
            c = package.component
            ref = c.purl or c.cpe or f"{c.ecosystem or c.vendor}:{c.name}@{c.version}"
            components.setdefault(
                ref,
                {
                    "bom-ref": ref,
                    "type": "library" if c.ecosystem else "device",
                    "name": c.name,
                    **({"version": c.version} if c.version else {}),
                    **({"purl": c.purl} if c.purl else {}),
                    **({"cpe": c.cpe} if c.cpe else {}),
                },
            )
            for finding in package.findings:
                brief = finding.brief
                entry = vulnerabilities.setdefault(
                    brief.display_id,
                    {
                        "id": brief.display_id,
                        "source": {"name": "clearinghouse"},
                        "references": [
                            {"id": alias, "source": {"name": "alias"}} for alias in brief.aliases
                        ],
                        "description": brief.summary or "",
                        "analysis": _analysis(finding),
                        "affects": [],
                    },
                )
                entry["affects"].append({"ref": ref})
    return {
        "$schema": CYCLONEDX_SCHEMA,
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "tools": {"components": [{"type": "application", "name": "clearinghouse"}]},
        },
        "components": list(components.values()),
        "vulnerabilities": list(vulnerabilities.values()),
    }


CDX_JUSTIFICATIONS = {
    "code_not_present",
    "code_not_reachable",
    "requires_configuration",
    "requires_dependency",
    "requires_environment",
    "protected_by_compiler",
    "protected_at_runtime",
    "protected_at_perimeter",
    "protected_by_mitigating_control",
}


def _analysis(finding: PackageFinding) -> dict[str, Any]:
    if finding.vex is None:
        # The version is in an affected range; whether it is exploitable here is not known.
        return {"state": "in_triage", "detail": "an affected version range matched"}
    analysis: dict[str, Any] = {"state": CDX_STATE.get(finding.vex.status, "in_triage")}
    justification, detail = finding.vex.justification, finding.vex.detail
    if justification in CDX_JUSTIFICATIONS:
        analysis["justification"] = justification
    elif justification:  # CSAF's words have no CycloneDX equivalent: kept as text
        detail = f"{justification}: {detail}" if detail else justification
    if detail:
        analysis["detail"] = detail
    return analysis
