"""Imports every domain's models, so that the metadata (and Alembic) sees all tables."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "clearinghouse.system.models",
    "clearinghouse.identity.models",
    "clearinghouse.identity.audit.models",
    "clearinghouse.knowledge.models",
    "clearinghouse.reports.models",
    "clearinghouse.inventory.models",
    "clearinghouse.matching.models",
    "clearinghouse.frontier.models",
    "clearinghouse.triage.models",
)


def import_all() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)
