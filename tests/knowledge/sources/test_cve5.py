"""The CVE JSON 5 importer on CISA's vulnrichment sample (2,000 records) and the Go CNA's files;
and the enrichment sources joining the PyPI advisories end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from clearinghouse.knowledge import service
from clearinghouse.knowledge.models import VulnerabilityAlias, VulnerabilityEvent
from clearinghouse.knowledge.sources.cve5 import Cve5Importer
from clearinghouse.knowledge.sources.inputs import InputDocument, read_documents
from clearinghouse.knowledge.sources.interface import (
    AffectedPackage,
    Exploitation,
    RecordRejected,
    Severity,
    SourceRecord,
)
from clearinghouse.knowledge.sources.osv_records import check_osv
from clearinghouse.runtime import Runtime
from tests.knowledge.sources.enrichment_data import (
    JOINED_CVE,
    JOINED_PYSEC,
    KEV_JSON,
    PYPI,
    VULNRICHMENT,
    go_cna_records,
    shared_file,
    vulnrichment_member,
)

# One pytest-xdist worker runs all of these, so that the sample fixture is built once.
pytestmark = pytest.mark.xdist_group("cve5")

RECORDS = 2000
NOT_A_RECORD = "assets/kev_metrics_schema-1.0.json"  # the archive also holds CISA's schema


def _record(content: bytes | dict[str, Any], name: str = "CVE.json") -> SourceRecord:
    if isinstance(content, dict):
        content = json.dumps(content).encode()
    (record,) = Cve5Importer().parse(InputDocument(name, content))
    assert isinstance(record, SourceRecord)
    return record


def _raw(cve: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(vulnrichment_member(cve))
    return loaded


@pytest.fixture(scope="module")
def sample() -> dict[str, SourceRecord]:
    records = {}
    for document in read_documents(shared_file(VULNRICHMENT), Cve5Importer.suffixes):
        if document.name == NOT_A_RECORD:
            continue
        record = _record(document.content or b"", document.name)
        records[record.record_id] = record
    return records


def test_every_record_of_the_sample_is_read(sample: dict[str, SourceRecord]) -> None:
    assert len(sample) == RECORDS
    assert sum(1 for r in sample.values() if r.ssvc) == 1999  # all but the REJECTED one
    assert sum(1 for r in sample.values() if r.exploitation) == 222
    assert all(
        set(r.ssvc) == {"Exploitation", "Automatable", "Technical Impact"}
        for r in sample.values()
        if r.ssvc
    )
    # Values as SSVC spells them, though CISA sometimes capitalises them.
    assert {v for r in sample.values() for v in r.ssvc.values()} == {
        "none",
        "poc",
        "active",
        "yes",
        "no",
        "partial",
        "total",
    }


def test_cisa_adp_container(sample: dict[str, SourceRecord]) -> None:
    record = sample[JOINED_CVE]
    assert record.ssvc == {
        "Exploitation": "active",
        "Automatable": "yes",
        "Technical Impact": "total",
    }
    assert record.document["ssvc"] == {
        "id": JOINED_CVE,
        "role": "CISA Coordinator",
        "version": "2.0.3",
        "timestamp": "2024-07-24T21:03:08.842589Z",
        "decisions": record.ssvc,
    }
    assert record.document["cve_record"] == _raw(JOINED_CVE)
    # The KEV flag says only that it is in KEV, and since when.
    assert record.exploitation == Exploitation(
        catalog="CISA KEV (ADP)",
        date_added="2022-01-18",
        due_date=None,
        required_action=None,
        known_ransomware_use=None,
        notes="https://www.cisa.gov/known-exploited-vulnerabilities-catalog?search_api_fulltext="
        + JOINED_CVE,
    )
    assert record.severities == (
        Severity("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CISA-ADP"),
    )
    assert record.cwes == ("CWE-1056", "CWE-1188", "CWE-306")  # CISA's; the CNA gave text
    by_cpe = {p.cpe: p for p in record.products}
    airflow = by_cpe["cpe:2.3:a:apache:airflow:*:*:*:*:*:*:*:*"]
    assert (airflow.vendor, airflow.product, airflow.status) == (
        "apache",
        "airflow",
        "known_affected",
    )
    assert airflow.version_ranges == ("vers:generic/<1.10.11",)
    cna = by_cpe[None]  # the CNA's own, a legacy "version" that is really a range
    assert (cna.product, cna.versions) == ("Apache Airflow", ("Apache Airflow <1.10.11",))
    assert record.summary is None  # the CNA gave no title
    assert record.details is not None and record.details.startswith("The previous default")
    assert str(record.published) == "2020-11-10 00:00:00+00:00"  # no zone given: UTC
    assert str(record.modified) == "2024-08-04 12:32:14.443000+00:00"


def test_cna_severities_are_labelled_with_the_cna(sample: dict[str, SourceRecord]) -> None:
    labels = {(s.type, s.source) for r in sample.values() for s in r.severities}
    assert ("CVSS_V3", "CISA-ADP") in labels
    assert ("CVSS_V3", "GitHub_M") in labels
    assert ("CVSS_V4", "VulDB") in labels
    assert all(
        s.score.startswith(("CVSS:3", "CVSS:4", "AV:"))
        for r in sample.values()
        for s in r.severities
    )


def test_a_rejected_cve_is_withdrawn(sample: dict[str, SourceRecord]) -> None:
    record = sample["CVE-2024-7207"]
    assert str(record.withdrawn) == "2024-09-30 19:03:20.448000+00:00"  # dateRejected
    assert record.details == "Duplicate of CVE-2024-45806."
    assert not record.ssvc and not record.affected


def test_packages_only_where_the_registry_and_versions_say_so(
    sample: dict[str, SourceRecord],
) -> None:
    airflow = sample["CVE-2023-46288"].affected
    assert airflow == (
        AffectedPackage(
            ecosystem="PyPI",
            name="apache-airflow",
            ranges=(
                {"type": "ECOSYSTEM", "events": [{"introduced": "2.4.0"}, {"fixed": "2.7.0"}]},
            ),
            database_specific={
                "cve_collection_url": "https://pypi.python.org/",
                "cve_vendor": "Apache Software Foundation",
                "cve_product": "Apache Airflow",
            },
        ),
    )
    crate = sample["CVE-2024-41178"].affected[0]  # collectionURL names the crate's own page
    assert (crate.ecosystem, crate.name) == ("crates.io", "object_store")
    assert crate.ranges[0]["events"] == [{"introduced": "0.5.0"}, {"last_affected": "0.10.1"}]
    stdlib = sample["CVE-2023-45288"].affected
    assert [
        (p.name, p.ecosystem_specific["imports"][0]["path"])
        for p in stdlib  # type: ignore[index]
    ] == [("stdlib", "net/http"), ("golang.org/x/net", "golang.org/x/net/http2")]
    # pip: "23.3 is unaffected", everything else affected by default: no range can say that
    # for certain, so it stays a product, with its versions as text.
    pip = sample["CVE-2023-5752"]
    assert not pip.affected
    assert [(p.status, p.versions, p.version_ranges) for p in pip.products] == [
        ("known_affected", (), ("vers:generic/*",)),
        ("known_not_affected", ("23.3",), ()),
    ]
    # A range that changes status part-way ("changes") stays a product as well.
    ic_cdk = sample["CVE-2024-7884"]
    assert not ic_cdk.affected
    assert "vers:semver/>=0.8.0|<0.8.2" in ic_cdk.products[0].version_ranges
    assert sum(len(r.affected) for r in sample.values()) == 47
    assert {p.ecosystem for r in sample.values() for p in r.affected} == {
        "Go",
        "PyPI",
        "Maven",
        "crates.io",
    }


def test_every_package_made_is_valid_osv(sample: dict[str, SourceRecord]) -> None:
    for record in sample.values():
        for package in record.affected:
            check_osv(
                {
                    "id": record.record_id,
                    "modified": "2024-01-01T00:00:00Z",
                    "affected": [
                        {
                            "package": {"ecosystem": package.ecosystem, "name": package.name},
                            "ranges": list(package.ranges),
                            "versions": list(package.versions),
                        }
                    ],
                }
            )


def test_go_cna_records(tmp_path: Path) -> None:
    folder = go_cna_records(tmp_path / "go")
    records = {}
    for path in sorted(folder.iterdir()):
        record = _record(path.read_bytes(), path.name)
        records[record.record_id] = record
    assert len(records) == 239
    gin = records["CVE-2020-36567"]
    assert gin.summary == "Arbitrary log line injection in github.com/gin-gonic/gin"
    assert gin.cwes == ("CWE-117",)  # only at the start of the description text
    assert gin.published is None and gin.withdrawn is None  # the CNA publish format
    (package,) = gin.affected
    assert (package.ecosystem, package.name) == ("Go", "github.com/gin-gonic/gin")
    assert package.ranges == (
        {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.6.0"}]},
    )
    assert package.ecosystem_specific == {
        "imports": [
            {
                "path": "github.com/gin-gonic/gin",
                "symbols": [
                    "LoggerWithConfig",
                    "Default",
                    "Logger",
                    "LoggerWithFormatter",
                    "LoggerWithWriter",
                ],
            }
        ]
    }
    assert all(p.ecosystem == "Go" for r in records.values() for p in r.affected)
    # "Affected by default, nothing listed": every version, none fixed.
    assert records["CVE-2020-36562"].affected[0].ranges == (
        {"type": "SEMVER", "events": [{"introduced": "0"}]},
    )
    # Two say "unaffected below X, affected by default": that stays a product.
    assert sum(1 for r in records.values() if r.affected) == 237


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda r: r.pop("cveMetadata"), "cveMetadata is missing"),
        (lambda r: r.update(dataType="OSV"), "dataType: expected CVE_RECORD, got 'OSV'"),
        (lambda r: r.update(dataVersion="4.0"), "dataVersion: expected 5.x, got '4.0'"),
        (lambda r: r["cveMetadata"].update(cveId="CVE-2020-1"), "is not a CVE id"),
        (lambda r: r["cveMetadata"].update(state="RESERVED"), "neither PUBLISHED nor REJECTED"),
        (lambda r: r["containers"].pop("cna"), "containers.cna is missing"),
        (lambda r: r["containers"]["cna"].update(descriptions=[]), "a published record needs"),
        (lambda r: r["containers"]["cna"].update(affected={}), "cna.affected: expected a list"),
        (lambda r: r["cveMetadata"].update(datePublished="yesterday"), "is not a timestamp"),
        (
            lambda r: r["containers"]["adp"][1]["metrics"][2]["other"]["content"].pop("reference"),
            "CISA ADP kev metric: must contain ['reference'] properties",
        ),
    ],
)
def test_malformed_records_are_rejected_with_the_reason(change: Any, reason: str) -> None:
    record = _raw(JOINED_CVE)
    assert record["containers"]["adp"][1]["metrics"][2]["other"]["type"] == "kev"
    change(record)
    with pytest.raises(RecordRejected, match=reason.replace("[", r"\[").replace("]", r"\]")):
        _record(record)


def test_truncated_json_is_rejected() -> None:
    with pytest.raises(RecordRejected, match="not valid JSON"):
        _record(vulnrichment_member(JOINED_CVE)[:2000])


# --- importing -----------------------------------------------------------------------------


def test_import_and_reimport(runtime: Runtime, tmp_path: Path) -> None:
    first = service.import_feed(runtime.sessions, "cve5", shared_file(VULNRICHMENT))
    assert first.status == "succeeded"
    assert (first.documents, first.added, first.withdrawn) == (RECORDS + 1, RECORDS - 1, 1)
    assert first.errors == [
        {
            "file": NOT_A_RECORD,
            "reason": "dataType: expected CVE_RECORD, got None (not a CVE JSON 5 record)",
        }
    ]
    again = service.import_feed(runtime.sessions, "cve5", shared_file(VULNRICHMENT))
    assert (again.added, again.changed, again.withdrawn, again.unchanged) == (0, 0, 0, RECORDS)
    folder = tmp_path / "bad"
    folder.mkdir()
    broken = _raw(JOINED_CVE)
    del broken["cveMetadata"]
    (folder / "no-metadata.json").write_text(json.dumps(broken))
    (folder / "truncated.json").write_bytes(vulnrichment_member(JOINED_CVE)[:500])
    bad = service.import_feed(runtime.sessions, "cve5", folder)
    assert (bad.added, bad.rejected) == (0, 2)
    assert [e["file"] for e in bad.errors] == ["no-metadata.json", "truncated.json"]
    assert bad.errors[0]["reason"] == "cveMetadata is missing (every CVE record has one)"
    assert bad.errors[1]["reason"].startswith("not valid JSON")


def test_go_cna_folder_imports(runtime: Runtime, tmp_path: Path) -> None:
    folder = go_cna_records(tmp_path / "go")
    run = service.import_feed(runtime.sessions, "cve5", folder)
    assert (run.added, run.rejected) == (239, 0)
    with runtime.sessions() as session:
        matches = service.search_package(session, "Go", "github.com/gin-gonic/gin")
        assert "CVE-2020-36567" in {m.display_id for m in matches}


def _events(runtime: Runtime, run_id: int) -> dict[str, int]:
    with runtime.sessions() as session:
        return dict(
            session.execute(
                select(VulnerabilityEvent.kind, func.count())
                .where(VulnerabilityEvent.run_id == run_id)
                .group_by(VulnerabilityEvent.kind)
            ).all()
        )


def _known(runtime: Runtime, ids: set[str]) -> set[str]:
    with runtime.sessions() as session:
        return set(
            session.scalars(
                select(VulnerabilityAlias.alias).where(VulnerabilityAlias.alias.in_(ids))
            )
        )


def test_kev_and_cve_records_join_the_pypi_advisories(
    runtime: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    """PyPI (OSV) first, then the KEV catalog, then the vulnrichment sample: every record whose
    CVE is already known joins that vulnerability, and CVE-2020-13927 — in KEV, in the sample and
    an alias of PYSEC-2020-18 — shows all of it at once."""
    pypi = service.import_feed(runtime.sessions, "osv", shared_file(PYPI))
    assert pypi.status == "succeeded" and pypi.added > 2600
    sample_ids = {
        Path(d.name).stem
        for d in read_documents(shared_file(VULNRICHMENT), Cve5Importer.suffixes)
        if d.name != NOT_A_RECORD
    }
    sample_in_pypi = _known(runtime, sample_ids)
    kev_ids = {e["cveID"] for e in json.loads(shared_file(KEV_JSON).read_text())["vulnerabilities"]}
    kev_joining = _known(runtime, kev_ids)
    kev = service.import_feed(runtime.sessions, "kev", shared_file(KEV_JSON))
    kev_events = _events(runtime, kev.id)
    # A record joins an existing vulnerability: that one "changed"; otherwise one is "added".
    assert kev_events == {"added": len(kev_ids) - len(kev_joining), "changed": len(kev_joining)}
    sample_joining = _known(runtime, sample_ids)
    cve = service.import_feed(runtime.sessions, "cve5", shared_file(VULNRICHMENT))
    cve_events = _events(runtime, cve.id)
    assert cve_events.get("changed", 0) + cve_events.get("withdrawn", 0) == len(sample_joining)
    assert cve_events["added"] == RECORDS - len(sample_joining)
    with capsys.disabled():
        print(
            f"\n  {len(kev_joining)} of {len(kev_ids)} KEV CVEs joined a PyPI advisory; "
            f"{len(sample_joining)} of {len(sample_ids)} vulnrichment records joined an existing "
            f"vulnerability ({len(sample_in_pypi)} a PyPI advisory, "
            f"{len(sample_joining & kev_ids)} a KEV entry, "
            f"{len(sample_in_pypi & kev_ids)} both)"
        )
    assert len(kev_joining) == 6
    assert (len(sample_in_pypi), len(sample_joining)) == (193, 443)
    assert JOINED_CVE in kev_joining and JOINED_CVE in sample_joining

    with runtime.sessions() as session:
        found = service.find_vulnerability(session, JOINED_PYSEC)
        assert found is not None
        assert found == service.find_vulnerability(session, JOINED_CVE)
    assert found.display_id == JOINED_CVE
    assert {(r.source, r.record_id) for r in found.records} == {
        ("osv", JOINED_PYSEC),
        ("kev", JOINED_CVE),
        ("cve5", JOINED_CVE),
    }
    assert found.known_exploited
    assert found.kev is not None
    # The catalog's entry, with its due date, not the ADP flag (which has none).
    assert (found.kev["catalog"], found.kev["due_date"]) == ("CISA KEV", "2022-07-18")
    assert found.field_sources["kev"] == f"kev:{JOINED_CVE}"
    assert found.ssvc == {
        "Exploitation": "active",
        "Automatable": "yes",
        "Technical Impact": "total",
    }
    assert found.field_sources["ssvc"] == f"cve5:{JOINED_CVE}"
    assert found.severities == [
        {
            "type": "CVSS_V3",
            "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
            "source": "CISA-ADP",
        }
    ]
    assert found.cwes == ["CWE-1056", "CWE-1188", "CWE-306"]
    assert found.summary == "Apache Airflow's Experimental API Authentication Bypass"  # KEV's name
    assert found.details is not None and found.field_sources["details"] == f"osv:{JOINED_PYSEC}"
    assert [(a.ecosystem, a.name) for a in found.affected] == [("PyPI", "apache-airflow")]
    assert {p.source for p in found.products} == {"kev", "cve5"}
    with runtime.sessions() as session:
        (match,) = [
            m
            for m in service.search_package(session, "PyPI", "apache-airflow")
            if m.display_id == JOINED_CVE
        ]
        assert match.known_exploited
