"""SSVC decision tables, evaluated as data.

The tables are CERT/CC's own JSON files (data/ssvc/decision_tables, unchanged; MIT (SEI)-style
licence beside them): each names its decision points, its outcome point and a `mapping` whose
rows give one outcome per combination of input values. Nothing here restates a table in code:

    evaluate("DT_BOD2604", {"cisa:KEV:1.0.0": "Y", "cisa:PE:1.0.0": "Y",
                            "ssvc:A:2.0.0": "N", "ssvc:TI:1.0.0": "T"})   # -> "3DF"

Inputs are keyed by decision point id (`namespace:key:version`) and valued by the value's key,
exactly as the table's mapping rows are. Loading checks that every table is complete (one row
for each combination, none twice) and that its embedded decision points are the shipped ones.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "ssvc"
TABLES_DIR = DATA / "decision_tables"
POINTS_DIR = DATA / "decision_points"
SCHEMA_DIR = DATA / "schema"


class SsvcError(ValueError):
    """A table that does not exist, or inputs it cannot take; the message says which."""


@dataclass(frozen=True)
class Value:
    key: str
    name: str
    definition: str


@dataclass(frozen=True)
class DecisionPoint:
    id: str  # namespace:key:version, as tables key it
    namespace: str
    key: str
    version: str
    name: str
    definition: str
    values: tuple[Value, ...]

    def value(self, key: str) -> Value:
        for value in self.values:
            if value.key == key:
                return value
        known = ", ".join(f"{v.key} ({v.name})" for v in self.values)
        raise SsvcError(f"{self.id} ({self.name}) has no value {key!r}; its values: {known}")

    def key_for_name(self, name: str) -> str:
        """The key of the value called `name` (case does not matter)."""
        for value in self.values:
            if value.name.lower() == name.strip().lower():
                return value.key
        raise SsvcError(f"{self.id} ({self.name}) has no value named {name!r}")


@dataclass(frozen=True)
class DecisionTable:
    key: str
    namespace: str
    version: str
    name: str
    definition: str
    points: dict[str, DecisionPoint]  # every point, inputs and outcome
    outcome: str  # the id of the outcome point
    inputs: tuple[str, ...]  # the input points' ids, in the table's order
    rows: dict[tuple[str, ...], str]  # input value keys (in `inputs` order) -> outcome key

    @property
    def outcome_point(self) -> DecisionPoint:
        return self.points[self.outcome]

    def evaluate(self, inputs: Mapping[str, str]) -> str:
        missing = [i for i in self.inputs if i not in inputs]
        extra = sorted(set(inputs) - set(self.inputs))
        if missing or extra:
            problems = []
            if missing:
                problems.append("missing " + ", ".join(missing))
            if extra:
                problems.append("not an input of this table: " + ", ".join(extra))
            raise SsvcError(
                f"{self.key} ({self.name}) takes {', '.join(self.inputs)}; " + "; ".join(problems)
            )
        combination = tuple(self.points[i].value(inputs[i]).key for i in self.inputs)
        return self.rows[combination]  # complete by construction (see _table)


def _point(document: Mapping[str, Any]) -> DecisionPoint:
    namespace, key, version = document["namespace"], document["key"], document["version"]
    return DecisionPoint(
        id=f"{namespace}:{key}:{version}",
        namespace=namespace,
        key=key,
        version=version,
        name=document["name"],
        definition=document["definition"],
        values=tuple(Value(v["key"], v["name"], v["definition"]) for v in document["values"]),
    )


def _table(
    document: Mapping[str, Any], shipped: Mapping[str, DecisionPoint], origin: str
) -> DecisionTable:
    points = {}
    for point_id, embedded in document["decision_points"].items():
        point = _point(embedded)
        if point_id != point.id:
            raise SsvcError(f"{origin}: decision point {point_id!r} describes {point.id!r}")
        if shipped.get(point_id) != point:
            raise SsvcError(f"{origin}: decision point {point_id} differs from the shipped one")
        points[point_id] = point
    outcome = document["outcome"]
    if outcome not in points:
        raise SsvcError(f"{origin}: the outcome {outcome!r} is not one of its decision points")
    inputs = tuple(p for p in points if p != outcome)
    rows: dict[tuple[str, ...], str] = {}
    for number, row in enumerate(document["mapping"]):
        if set(row) != set(points):
            raise SsvcError(f"{origin}: mapping row {number} does not name every decision point")
        combination = tuple(points[i].value(row[i]).key for i in inputs)
        if combination in rows:
            raise SsvcError(f"{origin}: mapping row {number} repeats a combination")
        rows[combination] = points[outcome].value(row[outcome]).key
    for combination in itertools.product(*(tuple(v.key for v in points[i].values) for i in inputs)):
        if combination not in rows:
            raise SsvcError(
                f"{origin}: no mapping row for {dict(zip(inputs, combination, strict=True))}"
            )
    return DecisionTable(
        key=document["key"],
        namespace=document["namespace"],
        version=document["version"],
        name=document["name"],
        definition=document["definition"],
        points=points,
        outcome=outcome,
        inputs=inputs,
        rows=rows,
    )


@cache
def decision_points() -> dict[str, DecisionPoint]:
    """Every shipped decision point, by id."""
    found = {}
    for path in sorted(POINTS_DIR.glob("*.json")):
        point = _point(json.loads(path.read_text(encoding="utf-8")))
        found[point.id] = point
    return found


@cache
def tables() -> dict[str, DecisionTable]:
    """Every shipped decision table, by key (DT_BOD2604, DT_CO, DT_DP …)."""
    shipped = decision_points()
    found = {}
    for path in sorted(TABLES_DIR.glob("*.json")):
        table = _table(json.loads(path.read_text(encoding="utf-8")), shipped, path.name)
        found[table.key] = table
    return found


def table(key: str) -> DecisionTable:
    try:
        return tables()[key]
    except KeyError:
        known = ", ".join(f"{t.key} ({t.name})" for t in tables().values())
        raise SsvcError(f"no decision table {key!r}; the tables: {known}") from None


def evaluate(table_key: str, inputs: Mapping[str, str]) -> str:
    """The outcome's value key for these inputs, as the table's mapping gives it."""
    return table(table_key).evaluate(inputs)
