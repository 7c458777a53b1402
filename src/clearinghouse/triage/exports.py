"""A plan as files: JSON (the whole plan) and CSV (one row per finding, for a spreadsheet)."""

from __future__ import annotations

import csv
import io
from typing import Any

from clearinghouse.triage.schemas import Plan

CSV_COLUMNS = (
    "rank",
    "asset",
    "component",
    "version",
    "ecosystem",
    "vulnerability",
    "known_exploited",
    "epss",
    "cvss",
    "bod_26_04",
    "cisa_coordinator",
    "deployer",
    "deadline",
    "score",
    "action",
    "why",
)


def to_json(plan: Plan) -> dict[str, Any]:
    return plan.model_dump(mode="json")


def _actions(plan: Plan) -> dict[int | None, str]:
    actions: dict[int | None, str] = {}
    for step in plan.upgrades:
        action = (
            f"upgrade to {step.to_version}"
            if step.to_version
            else f"apply the vendor's fix: {step.instructions or ''}"
        )
        for finding_id in step.finding_ids:
            actions[finding_id] = action
    for stuck in plan.not_fixable:
        first = stuck.mitigations[0] if stuck.mitigations else "no mitigation published"
        actions[stuck.finding_id] = f"no fix yet: {first}"
    return actions


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    # A spreadsheet runs a cell that starts with one of these as a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def to_csv(plan: Plan) -> str:
    actions = _actions(plan)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in plan.findings:
        row = (
            f.rank,
            f.asset_name,
            f.component_name,
            f.component_version,
            f.ecosystem,
            f.vulnerability,
            "yes" if f.known_exploited else "no",
            f.epss,
            f.cvss_score,
            f.bod_label,
            f.cisa_label,
            f.deployer_label,
            f.deadline.isoformat() if f.deadline else "next upgrade",
            f.score,
            actions.get(f.finding_id, ""),
            f.why,
        )
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
