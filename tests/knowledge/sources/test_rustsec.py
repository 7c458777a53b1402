"""RustSec Markdown → OSV, checked against RustSec's own OSV export for every advisory."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import RecordRejected
from clearinghouse.knowledge.sources.rustsec import (
    RustSecImporter,
    advisory_to_osv,
    reference_type,
    split_markdown,
)
from tests.knowledge.sources.corpora import RUSTSEC_MAIN, RUSTSEC_OSV, corpus, members

# One pytest-xdist worker runs all of these, so that the corpus fixtures are built once.
pytestmark = pytest.mark.xdist_group("rustsec")

# Compared field by field with the export. Left out, and why:
# - `modified`: the export takes it from git history (the time of the last commit that touched
#   the advisory's file); the Markdown does not carry it. We write the latest date the advisory
#   states (withdrawn, else date) at 12:00 UTC; `test_modified_is_the_latest_stated_date`.
COMPARED = (
    "id",
    "published",
    "withdrawn",
    "aliases",
    "related",
    "summary",
    "details",
    "severity",
    "affected",
    "references",
    "database_specific",
)


@pytest.fixture(scope="module")
def main() -> dict[str, bytes]:
    return members(RUSTSEC_MAIN)


@pytest.fixture(scope="module")
def export() -> dict[str, dict[str, Any]]:
    return {
        Path(name).stem: json.loads(content)
        for name, content in members(RUSTSEC_OSV).items()
        if name.startswith("crates/") and name.endswith(".json")
    }


def crate_advisories(main: dict[str, bytes]) -> dict[str, bytes]:
    return {n: c for n, c in main.items() if n.startswith("crates/") and n.endswith(".md")}


def differences(ours: dict[str, Any], theirs: dict[str, Any]) -> list[str]:
    found = [f for f in COMPARED if ours.get(f) != theirs.get(f)]
    if set(ours) != set(theirs):
        found.append(f"keys: {sorted(set(ours) ^ set(theirs))}")
    if found == ["affected"]:  # name the part of `affected` that differs
        (a,), (b,) = ours["affected"], theirs["affected"]
        found = [f"affected.{k}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    return found


def test_every_advisory_equals_the_official_osv_export(
    main: dict[str, bytes], export: dict[str, dict[str, Any]]
) -> None:
    """The test that matters: 1205 of 1205 crates advisories equal on every compared field."""
    advisories = crate_advisories(main)
    mismatches: dict[str, list[str]] = {}
    for name, content in sorted(advisories.items()):
        ours, _ = advisory_to_osv(content.decode("utf-8"))
        theirs = export.get(ours["id"])
        if theirs is None:
            mismatches[name] = ["not in the export"]
        elif diff := differences(ours, theirs):
            mismatches[name] = diff
    equal = len(advisories) - len(mismatches)
    print(f"RustSec Markdown vs official OSV export: {equal} of {len(advisories)} equal")
    assert len(advisories) == 1205
    assert mismatches == {}
    # The export also holds one file the main branch no longer has: RUSTSEC-2025-0000 was
    # renumbered RUSTSEC-2025-0065 (same CVE and GHSA) and the export branch kept the old file.
    ids = {Path(n).stem for n in advisories}
    assert set(export) - ids == {"RUSTSEC-2025-0000"}
    assert export["RUSTSEC-2025-0000"]["aliases"] == export["RUSTSEC-2025-0065"]["aliases"]


def test_modified_is_the_latest_stated_date(
    main: dict[str, bytes], export: dict[str, dict[str, Any]]
) -> None:
    withdrawn = main["crates/markdown/RUSTSEC-2022-0044.md"].decode()
    ours, _ = advisory_to_osv(withdrawn)
    assert ours["withdrawn"] == ours["modified"] != ours["published"]
    plain, _ = advisory_to_osv(main["crates/abomonation/RUSTSEC-2021-0120.md"].decode())
    assert plain["modified"] == plain["published"] == "2021-10-17T12:00:00Z"
    # What git says instead (not derivable from the file):
    assert export["RUSTSEC-2021-0120"]["modified"] == "2023-06-13T13:10:24Z"


def test_conversion_rules_seen_in_the_export(main: dict[str, bytes]) -> None:
    """The rules the comparison pinned down, on advisories that show each one."""
    osv, _ = advisory_to_osv(main["crates/abomonation/RUSTSEC-2021-0120.md"].decode())
    # No patched version: everything is affected from 0.0.0-0, the lowest SemVer version.
    assert osv["affected"][0]["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "0.0.0-0"}]}
    ]
    # informational goes to affected[].database_specific, with categories and cvss.
    assert osv["affected"][0]["database_specific"] == {
        "categories": [],
        "cvss": None,
        "informational": "unsound",
    }
    # References: crates.io page, the rustsec.org page, `url`, then `references`;
    # an issue tracker URL is a REPORT.
    assert [r["type"] for r in osv["references"]] == ["PACKAGE", "ADVISORY", "REPORT"]
    # Summary is the `# ` title; details the Markdown after it, trimmed.
    assert osv["summary"].startswith("abomonation transmutes")
    assert osv["details"].startswith("This transmute is at the core")
    assert osv["details"].endswith("defeat ASLR.")


def test_ghsa_imported_advisories_keep_their_licence(main: dict[str, bytes]) -> None:
    licences: Counter[str] = Counter()
    for content in crate_advisories(main).values():
        osv, _ = advisory_to_osv(content.decode())
        licences[osv["database_specific"]["license"]] += 1
    # Default CC0-1.0; advisories imported from GHSA say CC-BY-4.0 in their front matter.
    assert licences["CC-BY-4.0"] == 21
    assert set(licences) == {"CC0-1.0", "CC-BY-4.0"}


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://github.com/owner/repo/issues/23", "REPORT"),
        ("https://gitlab.com/owner/repo/-/issues/4", "REPORT"),
        ("https://github.com/advisories/GHSA-5vwc-r48g-wj6c", "ADVISORY"),
        ("https://rustsec.org/advisories/RUSTSEC-2021-0120.html", "ADVISORY"),
        ("https://cve.mitre.org/cgi-bin/cvename.cgi?name=CVE-2023-42447", "ADVISORY"),
        ("https://www.cve.org/CVERecord?id=CVE-2025-62518", "ADVISORY"),
        ("https://crates.io/crates/abomonation", "PACKAGE"),
        ("https://github.com/owner/repo/pull/5", "WEB"),
    ],
)
def test_reference_types(url: str, kind: str) -> None:
    assert reference_type(url) == kind


def test_toolchain_advisories_name_a_product_not_a_crate(main: dict[str, bytes]) -> None:
    importer = RustSecImporter()
    name = "rust/std/CVE-2021-28875.md"
    (record,) = importer.parse(InputDocument(name, main[name]))
    assert record.record_id == "CVE-2021-28875"
    assert record.affected == ()  # never matched against a crates.io package called `std`
    (product,) = record.products
    assert (product.vendor, product.product) == ("Rust", "std")
    assert product.version_ranges == ("vers:semver/>=1.20.0|<1.50.0",)
    toolchain = record.document["database_specific"]["toolchain"]
    assert toolchain["ranges"] == [
        {"type": "SEMVER", "events": [{"introduced": "1.20.0"}, {"fixed": "1.50.0"}]}
    ]
    assert "PACKAGE" not in {r.type for r in record.references}


def test_every_markdown_advisory_becomes_a_valid_record() -> None:
    importer = RustSecImporter()
    kinds: Counter[str] = Counter()
    for document in importer.read(corpus(RUSTSEC_MAIN)):
        for record in importer.parse(document):
            kinds[document.name.split("/")[0]] += 1
            assert record.source == "rustsec"
    # README.md and EXAMPLE_ADVISORY.md are not advisories and are not read.
    assert kinds == {"crates": 1205, "rust": 20}


GOOD = """```toml
[advisory]
id = "RUSTSEC-2099-0001"
package = "demo"
date = "2099-01-02"
url = "https://example.com"
cvss = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

[affected.functions]
"demo::b::c" = ["< 1.0.0"]
"demo::a" = ["< 1.0.0"]
"demo::b_c" = ["< 1.0.0"]

[versions]
patched = [">= 1.0.0"]
```

# A demo title

Body text.
"""


def test_a_hand_written_advisory() -> None:
    osv, package = advisory_to_osv(GOOD)
    assert package == "demo"
    assert osv["references"][2] == {"type": "WEB", "url": "https://example.com/"}
    assert osv["severity"] == [
        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
    ]
    # Functions in RustSec's order: by path segments, not by the text.
    functions = osv["affected"][0]["ecosystem_specific"]["affects"]["functions"]
    assert functions == ["demo::a", "demo::b::c", "demo::b_c"]
    assert split_markdown(GOOD)[1:] == ("A demo title", "Body text.")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t.replace("```toml", "```yaml"), "unexpected start of advisory"),
        (lambda t: t.replace("```\n\n#", "\n#"), "end of the TOML front matter"),
        (lambda t: t.replace("# A demo title", "A demo title"), "title"),
        (lambda t: t.replace('package = "demo"', 'package = "demo'), "not valid TOML"),
        (lambda t: t.replace('patched = [">= 1.0.0"]', 'patched = ["1.*"]'), "wildcard"),
        (
            lambda t: t.replace('patched = [">= 1.0.0"]', 'patched = [">= 1.0.0", ">= 2.0.0"]'),
            "overlapping version ranges",
        ),
        (lambda t: t.replace('patched = [">= 1.0.0"]', "patched = []\nx = 1\n[y]"), ""),
        (lambda t: t.replace('patched = [">= 1.0.0"]', 'unaffected = ["< 1"]'), "patched"),
        (lambda t: t.replace('date = "2099-01-02"', 'date = "2099-13-02"'), "not a valid"),
        (lambda t: t.replace('url = "https://example.com"', 'url = "example"'), "not an absolute"),
        (lambda t: t.replace('id = "RUSTSEC-2099-0001"\n', ""), "id: missing"),
        (lambda t: t.replace("[advisory]", '[advisory]\ntitle = "x"'), "`title`"),
    ],
)
def test_malformed_advisories_are_rejected_with_the_reason(change: Any, reason: str) -> None:
    text = change(GOOD)
    if not reason:
        advisory_to_osv(text)  # unknown keys and tables are allowed, as in RustSec
        return
    with pytest.raises(RecordRejected, match=reason):
        advisory_to_osv(text)


def test_file_and_folder_must_match_the_advisory() -> None:
    importer = RustSecImporter()
    content = GOOD.encode()
    (record,) = importer.parse(InputDocument("crates/demo/RUSTSEC-2099-0001.md", content))
    assert record.record_id == "RUSTSEC-2099-0001"
    with pytest.raises(RecordRejected, match="does not match its folder"):
        list(importer.parse(InputDocument("crates/other/RUSTSEC-2099-0001.md", content)))
    with pytest.raises(RecordRejected, match="does not match the file name"):
        list(importer.parse(InputDocument("crates/demo/RUSTSEC-2099-0002.md", content)))
    with pytest.raises(RecordRejected, match="not UTF-8"):
        list(importer.parse(InputDocument("crates/demo/RUSTSEC-2099-0001.md", b"\xff")))
