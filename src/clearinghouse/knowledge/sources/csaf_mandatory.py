"""The CSAF 2.0 mandatory tests (section 6.1 of the standard), as the `csaf` package runs them.

Why private names: the package's public entry point, `csaf.csaf.v20.validate(doc,
preset="mandatory")`, first validates the whole document against the JSON schema with
python-jsonschema — several times slower than the rest, and done already by our compiled
validator (knowledge.sources.csaf.check_schema). So this module, and only this one, reaches
into the package: its rule registry (`rules._registry.all_rules()`: test id -> check function)
and its catalogue (`_validator._catalog()`: each test's id, group, title and status), the two
things `validate` itself iterates over, and its CWE catalogue (`rules._shared`, see below). If a
release moves or renames them, `mandatory_tests()` raises CsafPackageChanged and
tests/knowledge/sources/test_csaf_mandatory.py fails at once. The six slowest rules run as
our own implementation of the package's (knowledge.sources.csaf_fast_rules), proven to give
its verdicts on every document the shared data has.

Two of the package's verdicts go beyond CSAF 2.0; those errors are not counted (and the tests
check that the package still reports them, so that this list cannot outlive its reason):

- 6.1.27 (profile tests): CSAF 2.0 has 6.1.27.1 to 6.1.27.11. The package adds two more checks
  for security advisories (every product a remediation names must have a product status; a
  `fixed` product needs a remediation; a status other than `under_investigation`), which CSAF
  2.0 does not have. 15 CISA ICS advisories fail only those.
- 6.1.27.7 (VEX product status): CSAF 2.0 asks that each vulnerability of a VEX document have
  at least one of `fixed`, `known_affected`, `known_not_affected`, `under_investigation`; the
  package also forbids every other status (`recommended`, `first_fixed` …) beside them, which
  rejects the official example 2022-EVD-UC-08-001. Such an error is not counted when one of the
  four is there (the validator suite's failing document has none of them: still rejected).
- 6.1.11 (invalid CWE): CSAF 2.0 does not say which CWE version a name belongs to; the package
  compares with the newest CWE list only (4.20, April 2026), so a name that was exact when the
  advisory was written fails after MITRE renames the weakness (14 CISA ICS advisories, e.g.
  CWE-598 renamed in 4.20). A name the CWE list has given that id in any version is accepted;
  an unknown id or a name it never had still fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from clearinghouse.knowledge.sources.csaf_fast_rules import FAST_RULES, with_fallback
from clearinghouse.knowledge.sources.interface import RecordRejected

MAX_ERRORS_SHOWN = 3
MAX_REASON = 900


class CsafPackageChanged(RuntimeError):
    """The installed `csaf` package no longer has the registry or catalogue this module uses."""


# 6.1.27 checks of the package that CSAF 2.0 does not have (see the module's docstring).
PROFILE_CHECKS_NOT_IN_CSAF_2_0 = (
    "in remediation is not in any product_status of this vulnerability",
    "vulnerability with `fixed` products must have at least one remediation",
    "vulnerability must have at least one conclusive product_status",
)
VEX_STATUS_PATH = re.compile(r"/vulnerabilities/(?P<index>\d+)/product_status/[a-z_]+")
VEX_STATUSES = ("fixed", "known_affected", "known_not_affected", "under_investigation")
CWE_NAME_PATH = re.compile(r"/vulnerabilities/(?P<index>\d+)/cwe/name")


@dataclass(frozen=True)
class MandatoryTest:
    test_id: str  # "6.1.1" … "6.1.33"; 6.1.27 covers the profile tests 6.1.27.1 to 6.1.27.11
    title: str
    check: Callable[[dict[str, Any]], Sequence[Any]]  # -> the package's TestError(s)


def package_rules() -> Mapping[str, Callable[[dict[str, Any]], Sequence[Any]]]:
    """The package's rule registry: test id -> its check function."""
    try:
        # Importing _validator imports the rule modules, whose decorators fill the registry.
        import csaf.csaf.v20._validator  # noqa: F401
        from csaf.csaf.v20.rules._registry import all_rules
    except ImportError as exc:
        raise CsafPackageChanged(f"the csaf package's CSAF 2.0 rules moved: {exc}") from exc
    rules: Mapping[str, Callable[[dict[str, Any]], Sequence[Any]]] = all_rules()
    return rules


@cache
def mandatory_tests() -> tuple[MandatoryTest, ...]:
    """The package's implemented mandatory tests, in its catalogue's order; for the slowest
    ones, our own implementation of the package's rule (knowledge.sources.csaf_fast_rules)."""
    try:
        from csaf.csaf.v20._validator import _catalog
    except ImportError as exc:
        raise CsafPackageChanged(f"the csaf package's CSAF 2.0 rules moved: {exc}") from exc
    rules = package_rules()
    tests = []
    for entry in _catalog():
        if not isinstance(entry, Mapping) or not {"id", "group", "title"} <= entry.keys():
            raise CsafPackageChanged(f"unexpected catalogue entry in the csaf package: {entry!r}")
        if entry["group"] != "mandatory" or entry.get("status") in ("obsolete", "not_implemented"):
            continue
        check = rules.get(entry["id"])
        if not callable(check):
            raise CsafPackageChanged(f"the csaf package has no rule for test {entry['id']}")
        if entry["id"] in FAST_RULES:
            check = with_fallback(FAST_RULES[entry["id"]], check)
        tests.append(MandatoryTest(str(entry["id"]), str(entry["title"]), check))
    if not tests:
        raise CsafPackageChanged("the csaf package lists no mandatory CSAF 2.0 test")
    return tuple(tests)


@cache
def cwe_names(number: str) -> frozenset[str]:
    """Every name the CWE list has given CWE-<number>, in any version (the package's copy)."""
    try:
        from csaf.csaf.v20.rules._shared import _cwe_catalog_latest
    except ImportError as exc:
        raise CsafPackageChanged(f"the csaf package's CWE catalogue moved: {exc}") from exc
    weakness = _cwe_catalog_latest()["weaknesses"].get(number) or {}
    return frozenset(str(name) for _, name in weakness.get("history") or () if name is not None)


def beyond_csaf_2_0(test_id: str, path: str, message: str, data: Mapping[str, Any]) -> bool:
    """Whether an error the package reports is not a CSAF 2.0 failure (module docstring)."""
    if test_id == "6.1.27":
        if (match := VEX_STATUS_PATH.fullmatch(path)) and "is not allowed" in message:
            status = data["vulnerabilities"][int(match["index"])]["product_status"]
            return any(status.get(name) for name in VEX_STATUSES)
        return any(check in message for check in PROFILE_CHECKS_NOT_IN_CSAF_2_0)
    if test_id == "6.1.11" and (match := CWE_NAME_PATH.fullmatch(path)):
        cwe = data["vulnerabilities"][int(match["index"])]["cwe"]
        number = str(cwe["id"]).removeprefix("CWE-")
        return str(cwe["name"]) in cwe_names(number)
    return False


def _errors(test: MandatoryTest, data: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        found = [(str(error.instance_path), str(error.message)) for error in test.check(data)]
    except Exception as exc:  # a rule's bug: the document is not shown to pass the test
        return [("/", f"the test could not run ({type(exc).__name__}: {exc})")]
    return [(p, m) for p, m in found if not beyond_csaf_2_0(test.test_id, p, m, data)]


def failed_tests(data: dict[str, Any]) -> list[tuple[MandatoryTest, list[tuple[str, str]]]]:
    """Every mandatory test the (schema-valid) document fails, with its (path, message)s."""
    return [(test, errors) for test in mandatory_tests() if (errors := _errors(test, data))]


def check_mandatory(data: dict[str, Any]) -> None:
    """Raise RecordRejected naming the first mandatory test the document fails (its id, its
    title, its first errors, path and message) and the ids of the others it fails."""
    if not any(_errors(test, data) for test in mandatory_tests()):
        return
    (first, errors), *others = failed_tests(data)
    shown = "; ".join(f"{path}: {message}" for path, message in errors[:MAX_ERRORS_SHOWN])
    more = f" (+{len(errors) - MAX_ERRORS_SHOWN} more)" if len(errors) > MAX_ERRORS_SHOWN else ""
    also = f" [also fails {', '.join(t.test_id for t, _ in others)}]" if others else ""
    reason = f"CSAF mandatory test {first.test_id} ({first.title}): {shown}{more}{also}"
    raise RecordRejected(reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…")
