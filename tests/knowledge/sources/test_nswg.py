"""The Node.js security-wg advisories: npm packages, Node.js core, not-affected statements."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import RecordRejected, SourceRecord
from clearinghouse.knowledge.sources.nswg import NswgImporter, cvss_severity, kind_of
from tests.knowledge.sources.corpora import NSWG, corpus

# One pytest-xdist worker runs all of these: the records fixture (the whole corpus) is built once.
pytestmark = pytest.mark.xdist_group("nswg")


@pytest.fixture(scope="module")
def records() -> dict[str, SourceRecord]:
    importer = NswgImporter()
    found: dict[str, SourceRecord] = {}
    for document in importer.read(corpus(NSWG)):
        for record in importer.parse(document):  # any RecordRejected fails the test
            assert record.record_id not in found
            found[record.record_id] = record
    return found


def events(record: SourceRecord) -> list[list[tuple[str, str]]]:
    (package,) = record.affected
    return [[next(iter(e.items())) for e in r["events"]] for r in package.ranges]


def test_the_whole_corpus_imports(records: dict[str, SourceRecord]) -> None:
    kinds = Counter(r.origin.split("/")[1] for r in records.values())
    # 467 npm advisories, 171 Node.js core advisories, and 6 not-affected statements naming
    # 11 CVEs; the three index.json files repeat the numbered files and are not read.
    assert kinds == {"npm": 467, "core": 171, "deps": 11}
    ids = Counter(r.record_id.rsplit("-", 1)[0] for r in records.values())
    assert ids["NSWG-ECO"] == 467 and ids["NSWG-COR"] == 171
    assert all(r.affected[0].ecosystem == "npm" for r in records.values() if r.affected)


def test_only_numbered_advisories_are_read() -> None:
    assert kind_of("vuln/npm/12.json") == "npm"
    assert kind_of("security-wg-main/vuln/core/7.json") == "core"
    assert kind_of("vuln/npm/index.json") is None
    assert kind_of("package.json") is None
    names = [d.name for d in NswgImporter().read(corpus(NSWG))]
    assert len(names) == 467 + 171 + 6
    assert not any(n.endswith("index.json") for n in names)


# Ten advisories' ranges as node-semver reads them, then as OSV events.
SPOT_CHECKS: list[tuple[str, str, str | None, list[list[tuple[str, str]]]]] = [
    # id, vulnerable_versions, patched_versions, events
    ("NSWG-ECO-1", "<=1.5.1", ">=1.5.2", [[("introduced", "0"), ("last_affected", "1.5.1")]]),
    ("NSWG-ECO-12", "< 6.1.0", ">= 6.1.0", [[("introduced", "0"), ("fixed", "6.1.0")]]),
    ("NSWG-ECO-8", "<3.11 || >= 4 <4.5", ">=3.11 <4 || >=4.5",
     [[("introduced", "0"), ("fixed", "3.11.0-0"), ("introduced", "4.0.0"),
       ("fixed", "4.5.0-0")]]),
    ("NSWG-ECO-11", "2.0.x || 2.1.x", ">= 2.2.x",
     [[("introduced", "2.0.0"), ("fixed", "2.1.0-0"), ("introduced", "2.1.0"),
       ("fixed", "2.2.0-0")]]),
    ("NSWG-ECO-309", ">=2.2.6 <2.47.0 || >2.51.0 <=2.67.0", ">=2.68.0",
     [[("introduced", "2.2.6"), ("fixed", "2.47.0")],
      [("introduced", "2.51.1-0"), ("last_affected", "2.67.0")]]),
    ("NSWG-ECO-66", "<=v2.0.0-alpha7", ">=v2.0.0-alpha8",
     [[("introduced", "0"), ("last_affected", "2.0.0-alpha7")]]),
    ("NSWG-ECO-137", "2.1.0-M1 || 2.1.0-M2", ">=2.1.0",
     [[("introduced", "2.1.0-M1"), ("last_affected", "2.1.0-M1"),
       ("introduced", "2.1.0-M2"), ("last_affected", "2.1.0-M2")]]),
    ("NSWG-ECO-466",
     ">=1.7.0 <1.7.16 || >=1.8.0 <1.8.8 || >=2.0.0 <2.0.8 || >=3.0.0-beta.1 <3.0.0-beta.7",
     ">=3.0.0-beta.7 || >=2.0.8 <3.0.0-beta.1 || >=1.8.8 <2.0.0 || >=1.7.16 <1.8.0",
     [[("introduced", "1.7.0"), ("fixed", "1.7.16"), ("introduced", "1.8.0"),
       ("fixed", "1.8.8"), ("introduced", "2.0.0"), ("fixed", "2.0.8"),
       ("introduced", "3.0.0-beta.1"), ("fixed", "3.0.0-beta.7")]]),
    ("NSWG-ECO-477", "*", None, [[("introduced", "0")]]),
    ("NSWG-ECO-125", "<=99.999.99999", "<0.0.0",
     [[("introduced", "0"), ("last_affected", "99.999.99999")]]),
    ("NSWG-ECO-315", ">=0.1.0", "<0.0.0", [[("introduced", "0.1.0")]]),
]  # fmt: skip


@pytest.mark.parametrize(("record_id", "vulnerable", "patched", "expected"), SPOT_CHECKS)
def test_spot_checks(
    records: dict[str, SourceRecord],
    record_id: str,
    vulnerable: str,
    patched: str | None,
    expected: list[list[tuple[str, str]]],
) -> None:
    record = records[record_id]
    specific = record.affected[0].database_specific or {}
    # The original strings are kept with the package.
    assert specific["vulnerable_versions"] == vulnerable
    assert specific["patched_versions"] == patched
    assert events(record) == expected


# Where vulnerable_versions and patched_versions disagree (7 of 467 claim a version both
# ways): versions a fix was published for are taken out, except one boundary release typed
# on both sides, which stays affected.
DISAGREEMENTS = [
    ("NSWG-ECO-490", [[("introduced", "0"), ("fixed", "1.1.7"),
                       ("introduced", "2.0.0-0"), ("fixed", "2.0.1")]]),
    ("NSWG-ECO-357", [[("introduced", "2.0.0"), ("fixed", "2.15.0")]]),
    ("NSWG-ECO-400", [[("introduced", "0"), ("fixed", "5.0.3")],
                      [("introduced", "6.0.0"), ("last_affected", "6.8.5")]]),
    ("NSWG-ECO-92", [[("introduced", "0"), ("last_affected", "2.4.2"),
                      ("introduced", "3.0.0"), ("last_affected", "3.0.1")]]),
    ("NSWG-ECO-98", [[("introduced", "0"), ("last_affected", "2.15.0"),
                      ("introduced", "3.0.0"), ("last_affected", "3.8.2")]]),
    ("NSWG-ECO-336", [[("introduced", "0"), ("last_affected", "99.999.99999")]]),
    # electron: patched `^3.0.16` covers 3.1.x, so 3.1.0 to 3.1.5 (vulnerable `<3.1.6`) are read
    # as patched. The data contradicts itself there; both readings are kept in the record.
    ("NSWG-ECO-495", [[("introduced", "0"), ("fixed", "2.0.18"), ("introduced", "3.0.0-0"),
                       ("fixed", "3.0.16"), ("introduced", "4.0.0-0"), ("fixed", "4.0.8"),
                       ("introduced", "5.0.0-0"), ("fixed", "5.0.0-beta.5")]]),
]  # fmt: skip


@pytest.mark.parametrize(("record_id", "expected"), DISAGREEMENTS)
def test_disagreements_between_vulnerable_and_patched(
    records: dict[str, SourceRecord], record_id: str, expected: list[list[tuple[str, str]]]
) -> None:
    record = records[record_id]
    assert events(record) == expected
    assert "both" in (record.affected[0].database_specific or {})["disagreement"]


def test_disagreements_are_counted(records: dict[str, SourceRecord]) -> None:
    both = sorted(
        r.record_id
        for r in records.values()
        if r.affected
        and "both" in ((r.affected[0].database_specific or {}).get("disagreement") or {})
    )
    assert both == sorted(record_id for record_id, _ in DISAGREEMENTS)


def test_an_npm_advisory_in_full(records: dict[str, SourceRecord]) -> None:
    record = records["NSWG-ECO-1"]
    assert record.aliases == ("CVE-2014-7205",)
    assert record.summary == "Arbitrary JavaScript Execution"
    assert record.details is not None and record.details.startswith("A vulnerability exists")
    assert "## Recommendation\n\nUpdate to bassmaster version 1.5.2" in record.details
    assert [(s.type, s.score) for s in record.severities] == [
        ("CVSS_V3", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N")
    ]
    assert str(record.published) == "2014-09-27 00:00:00+00:00"
    assert str(record.modified) == "2016-04-28 00:00:00+00:00"
    (package,) = record.affected
    assert (package.ecosystem, package.name, package.purl) == (
        "npm",
        "bassmaster",
        "pkg:npm/bassmaster",
    )
    assert [r.type for r in record.references] == ["PACKAGE", "FIX"]
    assert record.document["database_specific"]["coordinating_vendor"] == "^Lift Security"


def test_flaws_in_an_advisory_are_kept_aside_not_imported(records: dict[str, SourceRecord]) -> None:
    # A CVE id with a typo is not used as an id (it would merge with nothing, or wrongly).
    hapi = records["NSWG-ECO-12"]
    assert hapi.aliases == ()
    assert hapi.document["database_specific"]["malformed_cves"] == ["CVE-2014-4671A"]
    # Markdown leftovers in a URL are trimmed.
    assert hapi.references[0].url == "https://github.com/spumko/hapi/pull/1766"
    # A malformed CVSS vector (`I:U/A:U`) is left out of the severities, with the reason.
    statics = records["NSWG-ECO-504"]
    assert statics.severities == ()
    assert (
        "'I:U' is not a valid CVSS_V3 metric"
        in statics.document["database_specific"]["malformed_cvss_vector"]
    )


def test_a_node_core_advisory(records: dict[str, SourceRecord]) -> None:
    record = records["NSWG-COR-151"]
    assert record.affected == ()  # Node.js is not an npm package
    (product,) = record.products
    assert (product.vendor, product.product, product.status) == (
        "Node.js",
        "Node.js",
        "known_affected",
    )
    assert product.cpe == "cpe:2.3:a:nodejs:node.js:*:*:*:*:*:*:*:*"
    # `20.x || 22.x` minus patched `^20.19.2 || ^22.15.1`.
    assert product.version_ranges == ("vers:semver/>=20.0.0|<20.19.2|>=22.0.0|<22.15.1",)
    node = record.document["database_specific"]["node"]
    assert node["vulnerable"] == "20.x || 22.x"
    assert node["ranges"][0]["events"][:2] == [{"introduced": "20.0.0"}, {"fixed": "20.19.2"}]


def test_core_reports_naming_several_cves_relate_them(records: dict[str, SourceRecord]) -> None:
    http2 = records["NSWG-COR-62"]  # the eight HTTP/2 flood CVEs of August 2019
    assert http2.aliases == ()
    assert len(http2.related) == 8
    single = records["NSWG-COR-1"]
    assert single.aliases == ("CVE-2017-1000381",)


def test_core_cvss_and_cwe(records: dict[str, SourceRecord]) -> None:
    with_cvss = [r for r in records.values() if r.record_id.startswith("NSWG-COR") and r.severities]
    assert len(with_cvss) == 2
    assert all(s.score.startswith("CVSS:3.") for r in with_cvss for s in r.severities)
    assert sum(1 for r in records.values() if r.record_id.startswith("NSWG-COR") and r.cwes) == 10


def test_dependency_statements_say_node_is_not_affected(records: dict[str, SourceRecord]) -> None:
    record = records["CVE-2023-45853"]
    assert record.origin.endswith("vuln/deps/1.json")
    (product,) = record.products
    assert product.status == "known_not_affected"
    statement = record.document["database_specific"]["statement"]
    assert statement["justification"] == "vulnerable_code_not_present"
    # The text is about Node.js, not the flaw: it is not offered as the vulnerability's summary.
    assert record.summary is None and record.details is None
    v8 = [r for r in records.values() if r.origin.endswith("vuln/deps/3.json")]
    assert sorted(r.record_id for r in v8) == ["CVE-2024-4761", "CVE-2024-4947", "CVE-2024-5274"]


def test_cvss_vector_kinds() -> None:
    assert cvss_severity("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N")[0][0]["type"] == "CVSS_V3"
    assert cvss_severity("3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N")[0] == [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:N"}
    ]
    assert cvss_severity("AV:N/AC:L/Au:N/C:P/I:P/A:P")[0] == [
        {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}
    ]
    assert cvss_severity("AV:N/AC:L")[1] == "'AV:N/AC:L' lacks base metrics Au, C, I, A"
    assert cvss_severity(None) == ([], None)


def npm_advisory(**changes: Any) -> bytes:
    advisory = {
        "id": 9001,
        "created_at": "2020-01-01",
        "updated_at": "2020-01-02",
        "title": "A demo",
        "module_name": "@scope/demo",
        "publish_date": "2020-01-01",
        "cves": ["CVE-2020-0001"],
        "vulnerable_versions": "<1.2.3",
        "patched_versions": ">=1.2.3",
        "overview": "Overview.",
        "recommendation": None,
        "references": None,
        "cvss_vector": None,
        "cvss_score": None,
        "coordinating_vendor": None,
    }
    return json.dumps({**advisory, **changes}).encode()


def parse(content: bytes, name: str = "vuln/npm/9001.json") -> list[SourceRecord]:
    return list(NswgImporter().parse(InputDocument(name, content)))


def test_a_scoped_package_and_no_optional_fields() -> None:
    (record,) = parse(npm_advisory())
    assert record.affected[0].purl == "pkg:npm/%40scope/demo"
    assert record.details == "Overview."
    assert record.severities == () and record.references == ()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (npm_advisory(vulnerable_versions="<=1.2.3 || banana"),
         "vulnerable_versions: '<=1.2.3 || banana': cannot read comparator 'banana'"),
        (npm_advisory(patched_versions=">= 1.2.3.4"),
         "patched_versions: '>= 1.2.3.4': cannot read comparator '>=1.2.3.4'"),
        (npm_advisory(vulnerable_versions=None), "vulnerable_versions: missing"),
        (npm_advisory(module_name=""), "module_name: missing"),
        (npm_advisory(id="9001"), "id: expected the advisory number"),
        (npm_advisory(id=9002), "does not match the file name"),
        (npm_advisory(publish_date="2020-1-1"), "publish_date: '2020-1-1' is not a YYYY-MM-DD"),
        (npm_advisory(vulnerable_versions="<1.0.0", patched_versions="*"), "leaves no version"),
        (npm_advisory(references=["not a url"]), "references: 'not a url'"),
        (b"{", "not valid JSON"),
        (b"[]", "must be a JSON object"),
    ],
)  # fmt: skip
def test_malformed_npm_advisories_are_rejected_with_the_reason(content: bytes, reason: str) -> None:
    with pytest.raises(RecordRejected) as caught:
        parse(content)
    assert reason in str(caught.value)
