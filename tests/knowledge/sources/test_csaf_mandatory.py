"""The CSAF 2.0 mandatory tests (6.1.x), run through the `csaf` package's rule registry.

Figures on the shared corpora (`pytest -s` on test_csaf.py prints the runs):
- the OASIS validator suite: 43 mandatory test ids (6.1.27 counts as 6.1.27.1 to 6.1.27.11),
  69 documents that must fail and 40 that must pass; all 109 behave as listed;
- the 19 official CSAF 2.0 example advisories: none rejected (one only thanks to the 6.1.27.7
  exception, see knowledge.sources.csaf_mandatory);
- the 2,383 CISA ICS advisories: 24 rejected, all by 6.1.31 (a version range such as `2.4.X`,
  `12.2.*` or `8.x` given as a product_version).
"""

from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from clearinghouse.knowledge.sources import csaf_mandatory
from clearinghouse.knowledge.sources.csaf import CsafImporter
from clearinghouse.knowledge.sources.csaf_mandatory import (
    beyond_csaf_2_0,
    check_mandatory,
    cwe_names,
    mandatory_tests,
)
from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import RecordRejected
from tests.shared_data import COPIED, shared_file

VALIDATOR = "csaf-validator-tests/csaf-2.0"
EXAMPLES = "csaf-examples/csaf-2.0"
CISA = "csaf-cisa-ics/cisagov-csaf.tar.gz"
# Parametrized from the copy in the repository, so that the list is known when collecting.
CASES = [
    case
    for case in json.loads((COPIED / VALIDATOR / "testcases.json").read_text())["tests"]
    if case["id"].startswith("6.1.")
]


def _reason(folder: Path, name: str) -> str | None:
    """Why the importer rejects the document, or None."""
    try:
        list(CsafImporter().parse(InputDocument(name, (folder / name).read_bytes())))
    except RecordRejected as exc:
        return str(exc)
    return None


def _names_test(reason: str, test_id: str) -> bool:
    """The reason names the test: first ("CSAF mandatory test 6.1.14 (…") or among the others
    the document fails ("[also fails 6.1.21, 6.1.22]")."""
    first = reason.startswith(f"CSAF mandatory test {test_id} (") or reason.endswith(
        f"(CSAF mandatory test {test_id}, Invalid CVSS)"  # 6.1.8: the CVSS schemas
    )
    also = reason.rsplit("[also fails ", 1)[-1].rstrip("]").split(", ") if "[also" in reason else []
    return first or test_id in also


def _package_messages(test_id: str, data: dict[str, Any]) -> list[str]:
    """What the package's own rule says, before our exceptions."""
    (test,) = (t for t in mandatory_tests() if t.test_id == test_id)
    return [str(error.message) for error in test.check(data)]


def _cisa_document(name: str) -> dict[str, Any]:
    with tarfile.open(shared_file(CISA)) as archive:
        for member in archive:
            if member.name.endswith("/" + name):
                handle = archive.extractfile(member)
                assert handle is not None
                return dict(json.loads(handle.read()))
    raise AssertionError(f"{name} is not in the CISA corpus")


def test_the_csaf_package_still_has_the_layout_we_use() -> None:
    """csaf_mandatory reaches into private parts of the `csaf` package (the rule registry, the
    catalogue, the CWE list): a release that moves them must fail here, not import silently."""
    tests = mandatory_tests()
    assert [t.test_id for t in tests] == [f"6.1.{n}" for n in range(1, 34)]
    assert all(t.title and callable(t.check) for t in tests)
    assert tests[0].title == "Missing Definition of Product ID"
    assert {
        "Use of GET Request Method With Sensitive Query Strings",
        "Use of HTTP Request With Sensitive Query String",
    } <= cwe_names("598")
    assert cwe_names("999999999") == frozenset()


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_each_mandatory_test_of_the_validator_suite(case: dict[str, Any]) -> None:
    """Each document the suite lists as failing test 6.1.x is rejected naming 6.1.x (6.1.27.n is
    the package's 6.1.27); none listed as valid is rejected for it (nor for anything else)."""
    folder = shared_file(VALIDATOR)
    test_id = ".".join(case["id"].split(".")[:3])
    assert case.get("failures") or case.get("valid")
    for document in case.get("failures", []):
        reason = _reason(folder, document["name"])
        assert reason is not None, f"{document['name']} should fail {case['id']}"
        assert _names_test(reason, test_id), reason
    for document in case.get("valid", []):
        assert _reason(folder, document["name"]) is None, document["name"]


def test_a_rejection_names_the_test_its_title_and_its_first_errors() -> None:
    folder = shared_file(VALIDATOR)
    reason = _reason(folder, "mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-01-01.json")
    assert reason == (
        "CSAF mandatory test 6.1.1 (Missing Definition of Product ID): "
        "/product_tree/product_groups/0/product_ids/0: product id `CSAFPID-9080700` is not "
        "defined in product_tree; /product_tree/product_groups/0/product_ids/1: product id "
        "`CSAFPID-9080701` is not defined in product_tree"
    )
    reason = _reason(folder, "mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-08-02.json")
    assert reason is not None and reason.startswith("schema: /vulnerabilities/0/scores/0/cvss_v3")
    assert reason.endswith("(CSAF mandatory test 6.1.8, Invalid CVSS)")


def test_what_the_package_asks_beyond_csaf_2_0_is_not_held_against_a_document() -> None:
    """Each exception of csaf_mandatory, shown on the real document that needs it. If the
    package stops reporting one of these, the assertion on its own messages fails: then the
    exception has to go."""
    # 6.1.27.7: the official VEX example with `recommended` beside fixed/known_affected/…
    vex_file = next(shared_file(EXAMPLES).rglob("2022-evd-uc-08-001.json"))
    vex = json.loads(vex_file.read_text())
    assert any("`recommended` is not allowed" in m for m in _package_messages("6.1.27", vex))
    check_mandatory(vex)
    del vex["vulnerabilities"][0]["product_status"]["fixed"]
    del vex["vulnerabilities"][0]["product_status"]["known_affected"]
    del vex["vulnerabilities"][0]["product_status"]["known_not_affected"]
    with pytest.raises(RecordRejected, match=r"^CSAF mandatory test 6\.1\.27 .*`recommended`"):
        check_mandatory(vex)  # none of the four statuses: a CSAF 2.0 failure
    # 6.1.27 "12"/"13": a remediation naming a product without a status (CISA ICSA-17-180-01A)
    advisory = _cisa_document("icsa-17-180-01a.json")
    messages = _package_messages("6.1.27", advisory)
    assert messages and all("in remediation is not in any product_status" in m for m in messages)
    check_mandatory(advisory)
    # 6.1.11: a CWE name that was exact before MITRE renamed the weakness (ICSA-18-065-01)
    advisory = _cisa_document("icsa-18-065-01.json")
    (message,) = _package_messages("6.1.11", advisory)
    assert "CWE-598 name 'Use of GET Request Method With Sensitive Query Strings'" in message
    check_mandatory(advisory)
    advisory["vulnerabilities"][1]["cwe"]["name"] = "Use of GET Request Method"  # never its name
    with pytest.raises(RecordRejected, match=r"^CSAF mandatory test 6\.1\.11 \(Invalid CWE\)"):
        check_mandatory(advisory)
    assert not beyond_csaf_2_0("6.1.1", "/", "anything", advisory)


def test_cisa_advisories_with_version_ranges_as_versions_are_rejected() -> None:
    """24 CISA ICS advisories give a range (`2.4.X`, `8.x`, `12.2.*`) as a product_version:
    test 6.1.31 rejects them (the package's patterns are wider than the standard's minimum
    list, but these names are ranges)."""
    advisory = _cisa_document("icsa-18-044-01.json")
    with pytest.raises(RecordRejected) as caught:
        check_mandatory(advisory)
    assert str(caught.value).startswith(
        "CSAF mandatory test 6.1.31 (Version Range in Product Version): "
        "/product_tree/branches/0/branches/6/branches/0/name: product_version name `2.4.X` "
        "appears to be a version range"
    )


def test_a_rule_that_breaks_rejects_the_document_saying_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """A document the package cannot test is not shown to pass: rejected, naming the test."""

    def broken(data: dict[str, Any]) -> list[Any]:
        raise KeyError("product_tree")

    monkeypatch.setattr(
        csaf_mandatory,
        "mandatory_tests",
        lambda: (csaf_mandatory.MandatoryTest("6.1.99", "A broken rule", broken),),
    )
    with pytest.raises(RecordRejected) as caught:
        check_mandatory({"document": {}})
    assert str(caught.value) == (
        "CSAF mandatory test 6.1.99 (A broken rule): /: the test could not run "
        "(KeyError: 'product_tree')"
    )
