"""Our fast mandatory rules give the `csaf` package's verdicts: the same errors, in the same
order, with the same paths and messages, on every CSAF document the shared data has (the OASIS
validator suite, the official examples, the 2,383 CISA ICS advisories) and on shapes made to
trip a path evaluator (odd member names, wildcards over objects, very deep nesting)."""

from __future__ import annotations

import copy
import json
import tarfile
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from clearinghouse.knowledge.sources.csaf_fast_rules import FAST_RULES, find, pointer
from clearinghouse.knowledge.sources.csaf_mandatory import mandatory_tests, package_rules
from tests.shared_data import shared_file

VALIDATOR = "csaf-validator-tests/csaf-2.0"
EXAMPLES = "csaf-examples/csaf-2.0"
CISA = "csaf-cisa-ics/cisagov-csaf.tar.gz"


def _outcome(check: Any, document: dict[str, Any]) -> object:
    """The errors as (path, message) pairs, or the exception the rule raised."""
    try:
        return [(str(e.instance_path), str(e.message)) for e in check(document)]
    except Exception as exc:
        return ("raised", type(exc).__name__, str(exc))


def _disagreements(documents: Iterator[tuple[str, Any]], errors_seen: Counter[str]) -> list[str]:
    """Every (document, test) where our rule and the package's differ; counts the errors."""
    ours = {t.test_id: t.check for t in mandatory_tests() if t.test_id in FAST_RULES}
    theirs = package_rules()
    assert ours.keys() == FAST_RULES.keys()
    differing = []
    for name, document in documents:
        if not isinstance(document, dict):
            continue
        for test_id, check in ours.items():
            expected = _outcome(theirs[test_id], document)
            if _outcome(check, document) != expected:
                differing.append(f"{name}: {test_id}")
            if isinstance(expected, list):
                errors_seen[test_id] += len(expected)
    return differing


def _folder(relative: str) -> Iterator[tuple[str, Any]]:
    for path in sorted(shared_file(relative).rglob("*.json")):
        yield path.name, json.loads(path.read_bytes())


def test_the_validator_suite_and_the_examples() -> None:
    seen: Counter[str] = Counter()
    assert _disagreements(_folder(VALIDATOR), seen) == []
    assert _disagreements(_folder(EXAMPLES), seen) == []
    # The suite has failing documents for each of the six tests: the comparison saw errors.
    assert set(seen) == set(FAST_RULES), seen


def test_every_cisa_advisory() -> None:
    def documents() -> Iterator[tuple[str, Any]]:
        with tarfile.open(shared_file(CISA)) as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.isfile() else None
                if handle is not None and member.name.endswith(".json"):
                    yield member.name, json.loads(handle.read())

    seen: Counter[str] = Counter()
    assert _disagreements(documents(), seen) == []


def _odd_document() -> dict[str, Any]:
    """A document whose product tree has every shape the evaluator must get right."""
    product = {
        "name": "P",
        "product_id": "P-1",
        "product_identification_helper": {
            "purl": "pkg:/no-type",
            "hashes": [
                {"file_hashes": [{"algorithm": "sha256"}, {"algorithm": "sha256"}]},
                {"file_hashes": "not a list"},
            ],
        },
    }
    return {
        "product_tree": {
            "branches": [
                {
                    "name": "vendor",
                    # Member names a JSON pointer must escape, and one python-jsonpath quotes.
                    "x/odd~name": {"it's": [{"product": dict(product)}]},
                    "branches": [{"product": dict(product, product_id=7)}, "a string"],
                    "product": {"product_id": "P-1"},
                }
            ],
            # Objects where lists belong: [*] selects an object's member values.
            "full_product_names": {"a": {"product_id": "P-2"}, "b": {"product_id": "P-2"}},
            "product_groups": [{"group_id": "G"}, {"group_id": "G"}, {"group_id": 3}],
            "relationships": [
                {"product_reference": "P-9", "relates_to_product_reference": 7},
                {"full_product_name": {"product_id": "P-1"}},
            ],
        },
        "vulnerabilities": [
            {
                "product_status": {"known_affected": ["P-1", "X"], "fixed": {"k": "Y"}},
                "threats": [{"group_ids": ["G", "H"], "product_ids": ["P-2"]}],
                "flags": [{"group_ids": {"a": "Z"}}],
            },
            "not an object",
        ],
    }


def test_odd_shapes_and_member_names() -> None:
    seen: Counter[str] = Counter()
    odd = _odd_document()
    broken = copy.deepcopy(odd)
    broken["product_tree"]["full_product_names"]["a"]["product_identification_helper"] = {
        "hashes": [{"file_hashes": ["not an object"]}]  # the package's rule raises
    }
    assert _disagreements(iter([("odd", odd), ("broken", broken)]), seen) == []
    assert set(seen) == set(FAST_RULES), seen
    # The package's pointers, quirks included: "/" and "~" escaped, a name with a quote dropped.
    (parts,) = [p for v, p in find("$.product_tree.branches..product.purl", odd) if v] or [()]
    paths = [pointer(p) for _, p in find("$.product_tree.branches..product.product_id", odd)]
    assert parts == ()
    assert "/product_tree/branches/0/x~1odd~0name/0/product/product_id" in paths


def test_a_document_too_deep_for_python_jsonpath_gets_the_package_verdict() -> None:
    deep: dict[str, Any] = {"product": {"product_id": "P-1"}}
    for _ in range(120):
        deep = {"branches": [deep]}
    document = {"product_tree": {"branches": [deep]}, "vulnerabilities": []}
    seen: Counter[str] = Counter()
    assert _disagreements(iter([("deep", document)]), seen) == []
    check = next(t.check for t in mandatory_tests() if t.test_id == "6.1.1")
    with pytest.raises(Exception, match="recursion"):
        check(document)
