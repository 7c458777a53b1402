"""The OSV schema's conditional rules, checked in Python for speed, agree with the schema itself."""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest

from clearinghouse.knowledge.sources.interface import RecordRejected
from clearinghouse.knowledge.sources.osv_records import _schema, check_osv
from tests.shared_data import shared_file

REFERENCE = jsonschema.Draft202012Validator(_schema())


def _real_records() -> list[dict[str, Any]]:
    folder = shared_file("osv-linter-samples")
    records = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            check_osv(data)  # the linter's extra rules are not the subject here
        except RecordRejected:
            continue
        assert REFERENCE.is_valid(data), path.name
        records.append(data)
    assert len(records) >= 5
    return records


def _with_top_level_severity(record: dict[str, Any], score: str) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    changed["severity"] = [{"type": "CVSS_V3", "score": score}]
    for affected in changed.get("affected") or ():
        affected.pop("severity", None)
    return changed


def _with_affected_severity(record: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    changed["severity"] = []
    for affected in changed.get("affected") or ():
        affected["severity"] = [{"type": "Ubuntu", "score": "low"}]
    return changed


def _with_fixed_and_last_affected(record: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    for affected in changed.get("affected") or ():
        for range_ in affected.get("ranges") or ():
            range_["events"] = [*range_["events"], {"last_affected": "9.9"}, {"fixed": "10.0"}]
    return changed


def _git_without_repo(record: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(record)
    for affected in changed.get("affected") or ():
        for range_ in affected.get("ranges") or ():
            if range_.get("type") == "GIT":
                range_.pop("repo", None)
    return changed


MUTATIONS = {
    "a valid CVSS 3.1 vector": lambda r: _with_top_level_severity(
        r, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    ),
    "a broken CVSS 3 vector": lambda r: _with_top_level_severity(r, "CVSS:3.1/AV:X"),
    "severity both on the record and on a package": _with_affected_severity,
    "fixed and last_affected in one range": _with_fixed_and_last_affected,
    "a GIT range without its repo": _git_without_repo,
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_the_python_rules_accept_and_refuse_what_the_schema_does(mutation: str):
    compared = 0
    for record in _real_records():
        changed = MUTATIONS[mutation](record)
        expected = REFERENCE.is_valid(changed)
        try:
            check_osv(changed)
            accepted = True
        except RecordRejected as rejected:
            accepted = False
            reason = str(rejected)
        assert accepted == expected, (changed["id"], mutation, None if accepted else reason)
        compared += 1
    assert compared >= 5


def test_a_broken_vector_is_named_with_its_place():
    record = _with_top_level_severity(_real_records()[0], "CVSS:3.1/AV:X")
    with pytest.raises(RecordRejected, match=r"severity\[0\]\.score: .* not a valid CVSS_V3"):
        check_osv(record)
