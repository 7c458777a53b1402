"""End to end: RustSec and the Node.js security-wg through `import_feed`, SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import pytest
from sqlalchemy import select

from clearinghouse.knowledge import service
from clearinghouse.knowledge.models import SourceRecordRow
from clearinghouse.knowledge.schemas import ImportRunOut
from clearinghouse.runtime import Runtime
from tests.knowledge.sources.corpora import (
    NSWG,
    RUSTSEC_MAIN,
    RUSTSEC_OSV,
    corpus,
    members,
    write_tar,
)


def counts(run: ImportRunOut) -> dict[str, int]:
    return {
        name: getattr(run, name)
        for name in ("added", "changed", "unchanged", "withdrawn", "rejected")
    }


def test_import_both_find_by_cve_and_import_again(runtime: Runtime) -> None:
    rustsec = service.import_feed(runtime.sessions, "rustsec", corpus(RUSTSEC_MAIN))
    nswg = service.import_feed(runtime.sessions, "nswg", corpus(NSWG))
    assert (rustsec.status, rustsec.licence, rustsec.documents) == ("succeeded", "CC0-1.0", 1225)
    # 1225 advisories, 13 of them withdrawn.
    assert counts(rustsec) == {
        "added": 1212, "changed": 0, "unchanged": 0, "withdrawn": 13, "rejected": 0,
    }  # fmt: skip
    assert (nswg.status, nswg.licence, nswg.documents) == ("succeeded", "MIT", 644)
    # 467 npm + 171 core advisories, 11 not-affected statements from 6 files.
    assert counts(nswg) == {
        "added": 649, "changed": 0, "unchanged": 0, "withdrawn": 0, "rejected": 0,
    }  # fmt: skip

    with runtime.sessions() as session:
        crate = service.find_vulnerability(session, "CVE-2021-45708")
        assert crate is not None and crate.display_id == "CVE-2021-45708"
        assert [(r.source, r.record_id) for r in crate.records] == [
            ("rustsec", "RUSTSEC-2021-0120")
        ]
        assert {"RUSTSEC-2021-0120", "GHSA-5vwc-r48g-wj6c"} <= set(crate.aliases)
        assert [(a.ecosystem, a.name) for a in crate.affected] == [("crates.io", "abomonation")]
        assert crate.summary is not None and crate.summary.startswith("abomonation transmutes")

        npm = service.find_vulnerability(session, "CVE-2014-7205")
        assert npm is not None and [r.record_id for r in npm.records] == ["NSWG-ECO-1"]
        assert [(a.ecosystem, a.name) for a in npm.affected] == [("npm", "bassmaster")]
        assert service.find_vulnerability(session, "nswg-eco-1") is not None  # any case

        toolchain = service.find_vulnerability(session, "CVE-2021-28875")
        assert toolchain is not None and toolchain.affected == []
        assert [(p.vendor, p.product) for p in toolchain.products] == [("rust", "std")]

        node = service.find_vulnerability(session, "CVE-2024-27980")
        # Upstream filed this one twice (core/141 and core/150): one vulnerability, two records.
        assert node is not None
        assert [r.record_id for r in node.records] == ["NSWG-COR-141", "NSWG-COR-150"]
        assert node.products[0].version_ranges[0].startswith("vers:semver/>=18.0.0|<18.20.2")

        not_affected = service.find_vulnerability(session, "CVE-2023-45853")
        assert not_affected is not None
        assert [p.status for p in not_affected.products] == ["known_not_affected"]

        ghsa_licensed = service.find_vulnerability(session, "RUSTSEC-2024-0334")
        assert ghsa_licensed is not None
        assert ghsa_licensed.records[0].document["database_specific"]["license"] == "CC-BY-4.0"

    again = [
        service.import_feed(runtime.sessions, "rustsec", corpus(RUSTSEC_MAIN)),
        service.import_feed(runtime.sessions, "nswg", corpus(NSWG)),
    ]
    assert [counts(run) for run in again] == [
        {"added": 0, "changed": 0, "unchanged": 1225, "withdrawn": 0, "rejected": 0},
        {"added": 0, "changed": 0, "unchanged": 649, "withdrawn": 0, "rejected": 0},
    ]


def truncate(source: Path, target: Path, fraction: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target


@pytest.mark.parametrize(
    ("source", "relative", "archive"),
    [
        ("rustsec", RUSTSEC_MAIN, "rustsec-advisory-db-main.tar.gz"),
        ("nswg", NSWG, "nodejs-security-wg-vuln.tar.gz"),
    ],
)
def test_a_truncated_archive_is_reported_and_the_rest_imports(
    runtime: Runtime, tmp_path: Path, source: str, relative: str, archive: str
) -> None:
    cut = truncate(corpus(relative), tmp_path / archive, 0.5)
    run = service.import_feed(runtime.sessions, source, cut)
    assert run.status == "incomplete"  # what was read is kept; the run says it is not whole
    assert run.added > 100
    assert run.rejected == 1
    (error,) = run.errors
    assert error["file"] == archive
    assert error["reason"].startswith("the archive is truncated or corrupt")


def test_malformed_advisories_are_reported_with_file_and_reason(
    runtime: Runtime, tmp_path: Path
) -> None:
    main = members(RUSTSEC_MAIN)
    good = {n: c for n, c in main.items() if n.startswith("crates/a")}
    bad_toml = main["crates/abomonation/RUSTSEC-2021-0120.md"].replace(b'id = "', b"id = ")
    overlapping = main["crates/actix-http/RUSTSEC-2020-0048.md"].replace(
        b'patched = [">= 2.0.0-alpha.1"]', b'patched = [">= 2.0.0-alpha.1", ">= 2.1.0"]'
    )
    files = {
        **good,
        "crates/abomonation/RUSTSEC-2021-0120.md": bad_toml,
        "crates/actix-http/RUSTSEC-2020-0048.md": overlapping,
    }
    run = service.import_feed(
        runtime.sessions, "rustsec", write_tar(tmp_path / "rustsec.tar.gz", files)
    )
    assert run.rejected == 2
    assert run.added + run.withdrawn == len(files) - 2
    reasons = {e["file"]: e["reason"] for e in run.errors}
    assert reasons["crates/abomonation/RUSTSEC-2021-0120.md"].startswith(
        "front matter is not valid TOML"
    )
    assert reasons["crates/actix-http/RUSTSEC-2020-0048.md"] == (
        "[versions]: overlapping version ranges: [2.0.0-alpha.1, ∞) and [2.1.0, ∞)"
    )

    nswg = {n: c for n, c in members(NSWG).items() if n.startswith("vuln/npm/1")}
    nswg["vuln/npm/1.json"] = nswg["vuln/npm/1.json"].replace(b'"<=1.5.1"', b'"<=1.5.1 || one"')
    nswg["vuln/npm/10.json"] = b'{"id": 10,'
    run = service.import_feed(runtime.sessions, "nswg", write_tar(tmp_path / "nswg.tgz", nswg))
    assert run.rejected == 2
    assert run.added == len(nswg) - 2
    reasons = {e["file"]: e["reason"] for e in run.errors}
    assert reasons["vuln/npm/1.json"] == (
        "vulnerable_versions: '<=1.5.1 || one': cannot read comparator 'one'"
    )
    assert reasons["vuln/npm/10.json"].startswith("not valid JSON")


def test_rustsec_markdown_and_official_osv_export_merge(runtime: Runtime) -> None:
    """Each advisory imported twice, from two sources, is one vulnerability with two records."""
    service.import_feed(runtime.sessions, "rustsec", corpus(RUSTSEC_MAIN))
    run = service.import_feed(runtime.sessions, "osv", corpus(RUSTSEC_OSV))
    assert (run.rejected, run.added + run.withdrawn) == (0, 1206)
    with runtime.sessions() as session:
        rows = session.execute(
            select(
                SourceRecordRow.vulnerability_id,
                SourceRecordRow.source,
                SourceRecordRow.record_id,
                SourceRecordRow.aliases,
            )
        ).all()
    groups: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for vulnerability_id, source, record_id, _ in rows:
        groups[vulnerability_id][source].add(record_id)
    markdown_ids = {r for _, s, r, _ in rows if s == "rustsec" and r.startswith("RUSTSEC-")}
    assert len(markdown_ids) == 1205
    # Every advisory's two records are in one vulnerability ...
    for by_source in groups.values():
        if "rustsec" in by_source and "osv" in by_source:
            assert by_source["osv"] - {"RUSTSEC-2025-0000"} == by_source["rustsec"]
    merged = {
        r
        for by_source in groups.values()
        for r in by_source.get("rustsec", ())
        if "osv" in by_source
    }
    assert merged == markdown_ids
    # ... and an advisory that shares no id with another is a vulnerability of its own, with
    # exactly those two records. (Advisories that share a CVE or GHSA id, e.g. one flaw in
    # several crates, are merged with each other, as OSV aliases mean.)
    ids_of = {r: {r, *aliases} for _, s, r, aliases in rows if s == "rustsec" and r in markdown_ids}
    seen = Counter(i for ids in ids_of.values() for i in ids)
    alone = {r for r, ids in ids_of.items() if all(seen[i] == 1 for i in ids)}
    sizes = Counter(
        sum(len(v) for v in by_source.values())
        for by_source in groups.values()
        if by_source.get("rustsec", set()) & alone
    )
    assert sizes == {2: len(alone) - 1, 3: 1}  # 3: RUSTSEC-2025-0065 and the export's old 0000
    assert len(alone) > 1100
    with runtime.sessions() as session:
        one = service.find_vulnerability(session, "CVE-2021-45708")
        assert one is not None
        assert [(r.source, r.record_id) for r in one.records] == [
            ("osv", "RUSTSEC-2021-0120"),
            ("rustsec", "RUSTSEC-2021-0120"),
        ]
        # Both records describe the packages the same way.
        assert one.affected[0].ranges == one.affected[1].ranges


def test_the_same_bytes_under_another_name_are_another_advisory(
    runtime: Runtime, tmp_path: Path
) -> None:
    """Node.js core/150.json repeats core/141.json byte for byte; its id is its file name.

    A document is skipped when its digest is known, and the digest covers the name: a copy
    that appears in a later snapshot is still imported.
    """
    files = {n: c for n, c in members(NSWG).items() if n.startswith("vuln/core/")}
    assert files["vuln/core/141.json"] == files["vuln/core/150.json"]
    later = write_tar(tmp_path / "later.tar.gz", files)
    del files["vuln/core/150.json"]
    earlier = write_tar(tmp_path / "earlier.tar.gz", files)
    first = service.import_feed(runtime.sessions, "nswg", earlier)
    assert counts(first) == {
        "added": 170, "changed": 0, "unchanged": 0, "withdrawn": 0, "rejected": 0,
    }  # fmt: skip
    second = service.import_feed(runtime.sessions, "nswg", later)
    # 170 unchanged documents; NSWG-COR-150 is new and joins NSWG-COR-141's vulnerability.
    assert counts(second) == {
        "added": 1, "changed": 0, "unchanged": 170, "withdrawn": 0, "rejected": 0,
    }  # fmt: skip
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, "NSWG-COR-150")
        assert found is not None and found.display_id == "CVE-2024-27980"
        assert [r.record_id for r in found.records] == ["NSWG-COR-141", "NSWG-COR-150"]
