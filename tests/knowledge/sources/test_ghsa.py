"""GHSA GraphQL payloads → OSV, checked against the OSV project's converter test pairs."""

from __future__ import annotations

import difflib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from clearinghouse.knowledge import service
from clearinghouse.knowledge.sources.ghsa import (
    GhsaImporter,
    advisory_to_osv,
    next_semver,
    parse_range,
    pypi_name,
    reference_type,
)
from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import RecordRejected, Rejected, SourceRecord
from clearinghouse.runtime import Runtime
from tests.shared_data import shared_file

CASES = (
    "equals_no_patch",
    "full_ranges",
    "greater_than_equals_no_patch",
    "less_than_equals_no_patch",
    "less_than_equals_with_patch",
    "multiple_ranges_in_package",
    "npm_greater_than",
    "pypi_normalize",
)


def pair(case: str) -> tuple[dict[str, Any], dict[str, Any]]:
    payload = shared_file(f"ghsa-to-osv-conversion/{case}.json")
    expected = shared_file(f"ghsa-to-osv-conversion/{case}.osv.json")
    return json.loads(payload.read_text()), json.loads(expected.read_text())


def readable_diff(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    lines = difflib.unified_diff(
        json.dumps(theirs, indent=2).splitlines(),
        json.dumps(ours, indent=2).splitlines(),
        "expected",
        "ours",
        lineterm="",
    )
    return "\n".join(lines)


@pytest.mark.parametrize("case", CASES)
def test_conversion_equals_the_osv_converter(case: str) -> None:
    """The test that matters: 8 of 8 pairs equal, every field, lists in order, keys in order."""
    payload, expected = pair(case)
    ours = advisory_to_osv(payload)
    assert ours == expected, readable_diff(ours, expected)
    assert list(ours) == list(expected)


def advisory(**changes: Any) -> dict[str, Any]:
    base, _ = pair("full_ranges")
    return base | changes


def ranges_for(vulnerabilities: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """The affected entry for (ecosystem, range, first patched) rows of one package."""
    nodes = [
        {
            "package": {"ecosystem": ecosystem, "name": "demo"},
            "firstPatchedVersion": {"identifier": patched} if patched else None,
            "vulnerableVersionRange": text,
        }
        for ecosystem, text, patched in vulnerabilities
    ]
    (entry,) = advisory_to_osv(advisory(vulnerabilities={"nodes": nodes}))["affected"]
    return {"ranges": entry["ranges"], "versions": entry["versions"]}


def test_range_rules_beyond_the_pairs() -> None:
    # `= V` with a patch: V up to the patch.
    assert ranges_for([("GO", "= 1.0.0", "1.0.1")])["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.0.1"}]}
    ]
    # `>= A` with a patch but no upper bound: fixed by the patch.
    assert ranges_for([("NUGET", ">= 2.0", "2.3")])["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "2.0"}, {"fixed": "2.3"}]}
    ]
    # `>= A, <= B` without a patch: only the lower bound is known to the converter.
    assert ranges_for([("COMPOSER", ">= 1.0, <= 1.4", None)])["ranges"] == [
        {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}]}
    ]
    # Go is SEMVER too, and `>` there is the least SemVer successor.
    assert ranges_for([("GO", "> 1.2.3-rc.1, < 1.3.0", None)])["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "1.2.3-rc.1.0"}, {"fixed": "1.3.0"}]}
    ]
    # Only exact versions: no range at all.
    assert ranges_for([("RUST", "= 0.1.0", None), ("RUST", "= 0.2.0", None)]) == {
        "ranges": [],
        "versions": ["0.1.0", "0.2.0"],
    }


def test_withdrawn_follows_modified() -> None:
    osv = advisory_to_osv(advisory(withdrawnAt="2022-01-01T00:00:00Z"))
    assert list(osv)[3:6] == ["published", "modified", "withdrawn"]
    assert osv["withdrawn"] == "2022-01-01T00:00:00Z"


def test_greater_than_outside_semver_is_rejected() -> None:
    with pytest.raises(RecordRejected, match=r"nodes\[0\].*'>' bound.*Maven"):
        ranges_for([("MAVEN", "> 11.6, < 11.10.13", "11.10.13")])


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("= 1.0", (("1.0"), None, None)),
        ("<= 1.2.3", (None, None, ("<=", "1.2.3"))),
        (">= 2.5.0, < 2.5.16", (None, (">=", "2.5.0"), ("<", "2.5.16"))),
        ("> 1.0", (None, (">", "1.0"), None)),
    ],
)
def test_parse_range(text: str, parsed: tuple[Any, ...]) -> None:
    result = parse_range(text)
    assert (result.exact, result.lower, result.upper) == parsed


@pytest.mark.parametrize("text", ["", "1.0", "~> 1.0", "= 1.0, < 2.0", ">= 1.0 < 2.0"])
def test_unparsable_ranges(text: str) -> None:
    with pytest.raises(ValueError, match=r"expected|exact"):
        parse_range(text)


def test_small_rules() -> None:
    assert pypi_name("Products.PluggableAuthService") == "products-pluggableauthservice"
    assert pypi_name("Foo__bar-.Baz") == "foo-bar-baz"
    assert next_semver("2.1.0") == "2.1.1-0"
    assert next_semver("2.1.0+build.5") == "2.1.1-0"
    assert next_semver("2.1.0-beta") == "2.1.0-beta.0"
    assert reference_type("https://www.npmjs.com/advisories/1471") == "WEB"
    assert reference_type("https://nvd.nist.gov/vuln/detail/CVE-2019-13589") == "ADVISORY"


def test_a_list_rejects_one_entry_and_keeps_the_rest() -> None:
    good, _ = pair("npm_greater_than")
    bad = {k: v for k, v in good.items() if k != "ghsaId"}
    content = json.dumps([bad, good]).encode()
    results = list(GhsaImporter().parse(InputDocument("many.json", content)))
    assert results[0] == Rejected("[0]", "ghsaId: missing or not a str")
    assert isinstance(results[1], SourceRecord)
    assert results[1].record_id == "GHSA-mhpp-875w-9cpv"


def test_a_graphql_response_is_unwrapped() -> None:
    good, _ = pair("pypi_normalize")
    content = json.dumps({"data": {"securityAdvisory": good}}).encode()
    (record,) = GhsaImporter().parse(InputDocument("response.json", content))
    assert isinstance(record, SourceRecord)
    assert record.aliases == ("CVE-2021-21337",)
    assert record.affected[0].name == "products-pluggableauthservice"


def counts(run: Any) -> dict[str, int]:
    return {k: getattr(run, k) for k in ("added", "changed", "unchanged", "withdrawn", "rejected")}


def copy_pairs(folder: Path) -> Path:
    folder.mkdir()
    for case in CASES:
        shutil.copy(shared_file(f"ghsa-to-osv-conversion/{case}.json"), folder / f"{case}.json")
    return folder


def test_import_find_by_cve_and_import_again(runtime: Runtime, tmp_path: Path) -> None:
    folder = copy_pairs(tmp_path / "ghsa")
    run = service.import_feed(runtime.sessions, "ghsa", folder)
    assert (run.status, run.licence, run.documents) == ("succeeded", "CC-BY-4.0", 8)
    assert counts(run) == {"added": 8, "changed": 0, "unchanged": 0, "withdrawn": 0, "rejected": 0}

    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "CVE-2013-2119")
        assert found is not None
        assert "GHSA-9qj7-jvg4-qr2x" in found.aliases
        assert [(r.source, r.record_id) for r in found.records] == [("ghsa", "GHSA-9qj7-jvg4-qr2x")]
        assert [(a.ecosystem, a.name) for a in found.affected] == [("RubyGems", "passenger")]
        pypi = service.find_vulnerability(session, "CVE-2021-21337")
        assert pypi is not None and "GHSA-p44j-xrqg-4xrr" in pypi.aliases
        assert [(a.ecosystem, a.name) for a in pypi.affected] == [
            ("PyPI", "products-pluggableauthservice")
        ]
        # No CVE: the vulnerability is known by its GHSA id.
        assert service.find_vulnerability(session, "GHSA-pxmp-fwjc-4x7q") is not None

    again = service.import_feed(runtime.sessions, "ghsa", folder)
    assert counts(again) == {
        "added": 0, "changed": 0, "unchanged": 8, "withdrawn": 0, "rejected": 0,
    }  # fmt: skip


def test_malformed_payloads_are_reported_with_file_and_reason(
    runtime: Runtime, tmp_path: Path
) -> None:
    folder = copy_pairs(tmp_path / "ghsa")
    good, _ = pair("equals_no_patch")
    no_id = {k: v for k, v in good.items() if k != "ghsaId"}
    unknown = json.loads(json.dumps(good))
    unknown["vulnerabilities"]["nodes"][0]["package"]["ecosystem"] = "CPAN"
    bad_range = json.loads(json.dumps(good))
    bad_range["vulnerabilities"]["nodes"][0]["vulnerableVersionRange"] = "~> 1.1"
    (folder / "no_id.json").write_text(json.dumps(no_id))
    (folder / "unknown.json").write_text(json.dumps(unknown))
    (folder / "bad_range.json").write_text(json.dumps(bad_range))
    text = json.dumps(good)
    (folder / "truncated.json").write_text(text[: len(text) // 2])

    run = service.import_feed(runtime.sessions, "ghsa", folder)
    assert run.status == "succeeded"
    assert (run.added, run.rejected) == (8, 4)
    reasons = {e["file"]: e["reason"] for e in run.errors}
    assert reasons["no_id.json"] == "ghsaId: missing or not a str"
    assert reasons["unknown.json"].startswith(
        "vulnerabilities.nodes[0].package.ecosystem: unknown ecosystem 'CPAN'"
    )
    assert reasons["bad_range.json"] == (
        "vulnerabilities.nodes[0].vulnerableVersionRange: "
        "'~> 1.1': expected '<operator> <version>' parts, got '~> 1.1'"
    )
    assert reasons["truncated.json"].startswith("not valid JSON")
