"""The shipped SSVC tables: valid, complete, and reproducing every row CERT/CC publishes."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import jsonschema
import pytest

from clearinghouse.triage import ssvc
from tests.shared_data import shared_file

# The table files and the CSV renderings CERT/CC publishes beside them.
SHIPPED = {
    "DT_DP": "ssvc/deployer_patch_application_priority_1_0_0.csv",
    "DT_SP": "ssvc/supplier_patch_development_priority_1_0_0.csv",
    "DT_COORD_TRIAGE": "ssvc/coordinator_triage_1_0_0.csv",
    "DT_COORD_PUBLISH": "ssvc/coordinator_publish_decision_table_1_0_0.csv",
    "DT_HI": "ssvc/human_impact_1_0_0.csv",
    "DT_PSI": "ssvc/public_safety_impact_1_0_0.csv",
    "DT_U": "ssvc/utility_1_0_0.csv",
    "DT_CO": "cisa/cisa_coordinator_2_0_3.csv",
    "DT_BOD2604": "cisa/cisa_bod_26_04_1_0_0.csv",
}
HEADER = re.compile(r"^(?P<name>.+) v(?P<version>[0-9.]+)(?: \((?P<namespace>[a-z]+)\))?$")


def _point_for(table: ssvc.DecisionTable, header: str) -> ssvc.DecisionPoint:
    match = HEADER.match(header)
    assert match, header
    namespace = match["namespace"] or "ssvc"
    found = [
        p
        for p in table.points.values()
        if p.name == match["name"] and p.version == match["version"] and p.namespace == namespace
    ]
    assert len(found) == 1, header
    return found[0]


def test_the_named_tables_are_shipped() -> None:
    assert set(ssvc.tables()) == set(SHIPPED)
    assert ssvc.table("DT_CO").name == "CISA Coordinator"
    assert ssvc.table("DT_CO").version == "2.0.3"
    assert [v.name for v in ssvc.table("DT_CO").outcome_point.values] == [
        "Track",
        "Track*",
        "Attend",
        "Act",
    ]


@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_every_row_of_the_published_csv(key: str) -> None:
    table = ssvc.table(key)
    path = shared_file(f"ssvc/data/csv/{SHIPPED[key]}")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        points = [_point_for(table, h) for h in header[1:]]
        rows = list(reader)
    *input_points, outcome_point = points
    assert outcome_point.id == table.outcome
    assert {p.id for p in input_points} == set(table.inputs)
    assert len(rows) == len(table.rows)  # the table is complete: one row per combination
    for row in rows:
        *values, outcome = row[1:]
        inputs = {p.id: p.key_for_name(v) for p, v in zip(input_points, values, strict=True)}
        assert ssvc.evaluate(key, inputs) == outcome_point.key_for_name(outcome), row


def test_shipped_files_validate_against_the_ssvc_schema() -> None:
    for kind, folder in (("DecisionTable", ssvc.TABLES_DIR), ("DecisionPoint", ssvc.POINTS_DIR)):
        schema = json.loads((ssvc.SCHEMA_DIR / f"{kind}_2_0_0.schema.json").read_text())
        validator = jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        files = sorted(Path(folder).glob("*.json"))
        assert files
        for path in files:
            errors = list(validator.iter_errors(json.loads(path.read_text())))
            assert not errors, (path.name, [e.message for e in errors[:3]])


def test_the_schema_check_catches_a_broken_table() -> None:
    schema = json.loads((ssvc.SCHEMA_DIR / "DecisionTable_2_0_0.schema.json").read_text())
    document = json.loads((ssvc.TABLES_DIR / "cisa_bod_26_04_1_0_0.json").read_text())
    del document["outcome"]
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(document))


def test_a_known_bod_row() -> None:
    inputs = {
        "cisa:KEV:1.0.0": "Y",
        "cisa:PE:1.0.0": "Y",
        "ssvc:A:2.0.0": "N",
        "ssvc:TI:1.0.0": "T",
    }
    assert ssvc.evaluate("DT_BOD2604", inputs) == "3DF"


def test_unknown_table() -> None:
    with pytest.raises(ssvc.SsvcError, match=r"no decision table 'DT_NOPE'.*DT_BOD2604"):
        ssvc.evaluate("DT_NOPE", {})


def test_missing_and_extra_inputs() -> None:
    with pytest.raises(ssvc.SsvcError, match=r"missing ssvc:TI:1.0.0") as caught:
        ssvc.evaluate(
            "DT_BOD2604",
            {"cisa:KEV:1.0.0": "Y", "cisa:PE:1.0.0": "Y", "ssvc:A:2.0.0": "N", "ssvc:E:1.1.0": "A"},
        )
    assert "not an input of this table: ssvc:E:1.1.0" in str(caught.value)


def test_unknown_value() -> None:
    inputs = {
        "cisa:KEV:1.0.0": "yes",
        "cisa:PE:1.0.0": "Y",
        "ssvc:A:2.0.0": "N",
        "ssvc:TI:1.0.0": "T",
    }
    with pytest.raises(ssvc.SsvcError, match=r"cisa:KEV:1.0.0 \(In KEV\) has no value 'yes'"):
        ssvc.evaluate("DT_BOD2604", inputs)


def test_incomplete_table_is_refused() -> None:
    document = json.loads((ssvc.TABLES_DIR / "cisa_bod_26_04_1_0_0.json").read_text())
    document["mapping"].pop()
    with pytest.raises(ssvc.SsvcError, match="no mapping row for"):
        ssvc._table(document, ssvc.decision_points(), "broken.json")
