"""Triage's public face: plans, overrides, prioritized scans (the modules beside it hold the
logic; this re-exports what other layers use)."""

from __future__ import annotations

from clearinghouse.triage.facts import Known, advice_of, knowledge_of
from clearinghouse.triage.overrides import (
    TriageError,
    clear_override,
    list_overrides,
    set_override,
)
from clearinghouse.triage.plans import plan_for_asset, plan_for_organization
from clearinghouse.triage.ranking import ranked
from clearinghouse.triage.scanning import ScanKey, prioritize_scan, scan_key
from clearinghouse.triage.targets import resolve_target

__all__ = [
    "Known",
    "ScanKey",
    "TriageError",
    "advice_of",
    "clear_override",
    "knowledge_of",
    "list_overrides",
    "plan_for_asset",
    "plan_for_organization",
    "prioritize_scan",
    "ranked",
    "resolve_target",
    "scan_key",
    "set_override",
]
