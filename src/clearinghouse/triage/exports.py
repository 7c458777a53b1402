"""A plan as files: JSON (the whole plan) and CSV (one row per finding, for a spreadsheet).

The CSV's `status` column tells the ranked open findings ("open") from the advisories we cannot
decide ("cannot decide": after them, unranked, with the reason in `why`), so that a filter on one
column separates what to fix from what to check by hand.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from clearinghouse.triage.schemas import Plan

OPEN, CANNOT_DECIDE = "open", "cannot decide"
CSV_COLUMNS = (
    "rank",
    "status",
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
        row: tuple[object, ...] = (
            f.rank,
            OPEN,
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
    for c in plan.cannot_decide:
        # The advisory's pages as the plan page shows them: its document first, then its page.
        link = " ".join(c.cannot_decide.advisories[:2])
        unranked = ("", CANNOT_DECIDE, c.asset_name, c.component_name, c.component_version)
        empty = ("",) * 8  # not ranked: no exploitation, scores, labels or deadline
        action = f"check by hand: {link}" if link else "check by hand"
        named = " ".join(c.cannot_decide.vulnerabilities) or c.vulnerability
        row = (*unranked, c.ecosystem, named, *empty, action, c.cannot_decide.text)
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()
