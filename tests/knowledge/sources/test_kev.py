"""The CISA KEV importer on the real catalog (2025-08-25, 1,404 entries), as JSON and as CSV."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from clearinghouse.knowledge import service
from clearinghouse.knowledge.models import SourceRecordRow
from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    AffectedProduct,
    Exploitation,
    RecordRejected,
    Rejected,
    SourceRecord,
)
from clearinghouse.knowledge.sources.kev import KevImporter
from clearinghouse.runtime import Runtime
from tests.knowledge.sources.enrichment_data import (
    JOINED_CVE,
    KEV_CSV,
    KEV_JSON,
    shared_file,
)

ENTRIES = 1404


def _parse(name: str, content: bytes) -> list[SourceRecord | Rejected]:
    return list(KevImporter().parse(InputDocument(name, content)))


def _catalog() -> dict[str, object]:
    loaded: dict[str, object] = json.loads(shared_file(KEV_JSON).read_text(encoding="utf-8"))
    return loaded


def _csv_rows() -> list[list[str]]:
    text = shared_file(KEV_CSV).read_text(encoding="utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


def _csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def test_json_and_csv_of_the_catalog_give_identical_records() -> None:
    from_json = _parse("known_exploited_vulnerabilities.json", shared_file(KEV_JSON).read_bytes())
    from_csv = _parse("known_exploited_vulnerabilities.csv", shared_file(KEV_CSV).read_bytes())
    assert len(from_json) == ENTRIES
    assert not [r for r in from_json if isinstance(r, Rejected)]
    assert from_json == from_csv


def test_an_entry_keeps_every_field() -> None:
    catalog = _catalog()
    entries = {e["cveID"]: e for e in catalog["vulnerabilities"]}  # type: ignore[attr-defined]
    records = _parse("known_exploited_vulnerabilities.json", shared_file(KEV_JSON).read_bytes())
    record = next(r for r in records if isinstance(r, SourceRecord) and r.record_id == JOINED_CVE)
    entry = entries[JOINED_CVE]
    assert record.source == "kev"
    assert record.summary == entry["vulnerabilityName"]
    assert record.details == entry["shortDescription"]
    assert record.exploitation == Exploitation(
        catalog="CISA KEV",
        date_added=entry["dateAdded"],
        due_date=entry["dueDate"],
        required_action=entry["requiredAction"],
        known_ransomware_use=entry["knownRansomwareCampaignUse"],
        vendor_project=entry["vendorProject"],
        product=entry["product"],
        name=entry["vulnerabilityName"],
        notes=entry["notes"],
    )
    assert record.exploitation.due_date == "2022-07-18"
    assert record.products == (
        AffectedProduct(vendor="Apache", product="Airflow's Experimental API"),
    )
    assert record.cwes == tuple(sorted(entry["cwes"]))
    assert [r.url for r in record.references] == ["https://nvd.nist.gov/vuln/detail/CVE-2020-13927"]
    assert record.document == entry
    # Every entry: all its fields, in the record and in the document.
    for record in records:
        assert isinstance(record, SourceRecord)
        entry = entries[record.record_id]
        assert record.exploitation is not None
        assert record.exploitation.date_added == entry["dateAdded"]
        assert record.exploitation.due_date == entry["dueDate"]
        assert record.exploitation.known_ransomware_use == entry["knownRansomwareCampaignUse"]
        assert record.cwes == tuple(sorted(set(entry["cwes"])))
        assert {k: v for k, v in entry.items() if v not in ("", [])} == record.document


def test_csv_rows_with_a_bad_date_or_cve_id_are_rejected_with_the_row() -> None:
    rows = _csv_rows()
    header = rows[0]
    rows[3][header.index("dateAdded")] = "08/25/2025"
    rows[5][header.index("dueDate")] = "2025-02-30"
    rows[7][header.index("cveID")] = "CVE-25-1234"
    rows[9] = rows[9][:4]
    rows[11][header.index("cwes")] = "CWE-79, cross-site scripting"
    rows[13][header.index("vendorProject")] = " "
    found = _parse("kev.csv", _csv_bytes(rows))
    rejected = [r for r in found if isinstance(r, Rejected)]
    assert len(found) == ENTRIES
    assert [(r.where.split(" (CVE")[0], r.reason) for r in rejected] == [
        ("row 3 (line 4)", "dateAdded: '08/25/2025' is not a date (YYYY-MM-DD)"),
        ("row 5 (line 6)", "dueDate: '2025-02-30' is not a real date"),
        ("row 7 (line 8)", "cveID: 'CVE-25-1234' is not a CVE id (CVE-YYYY-NNNN)"),
        ("row 9 (line 10)", "it has 4 fields; the header has 11"),
        ("row 11 (line 12)", "cwes[1] must match pattern ^CWE-([0-9])+$"),
        ("row 13 (line 14)", "vendorProject: must not be empty"),
    ]


def test_a_csv_without_the_required_columns_is_rejected_whole() -> None:
    with pytest.raises(RecordRejected, match="the CSV header lacks dueDate"):
        _parse(
            "kev.csv",
            b"cveID,vendorProject,product,vulnerabilityName,dateAdded,"
            b"shortDescription,requiredAction\n",
        )


def test_truncated_json_is_rejected() -> None:
    content = shared_file(KEV_JSON).read_bytes()[:5000]
    with pytest.raises(RecordRejected, match="not valid JSON"):
        _parse("known_exploited_vulnerabilities.json", content)


def test_json_is_checked_against_the_kev_schema() -> None:
    catalog = _catalog()
    entries = catalog["vulnerabilities"]
    assert isinstance(entries, list)
    del entries[2]["dueDate"]
    entries[4]["cwes"] = "CWE-79"
    entries[6]["cveID"] = "CVE-2025-ABCD"
    entries[8] = "CVE-2025-1234"
    entries.append(dict(entries[0]))
    found = _parse("kev.json", json.dumps(catalog).encode())
    rejected = [(r.where, r.reason) for r in found if isinstance(r, Rejected)]
    first = entries[0]["cveID"]
    assert rejected == [
        (f"vulnerabilities[2] ({entries[2]['cveID']})", "must contain ['dueDate'] properties"),
        (f"vulnerabilities[4] ({entries[4]['cveID']})", "cwes must be array"),
        (
            "vulnerabilities[6] (CVE-2025-ABCD)",
            "cveID: 'CVE-2025-ABCD' is not a CVE id (CVE-YYYY-NNNN)",
        ),
        ("vulnerabilities[8]", "an entry must be an object, not str"),
        (
            f"vulnerabilities[{ENTRIES}] ({first})",
            f"{first} is listed twice; the first is vulnerabilities[0]",
        ),
    ]
    del catalog["dateReleased"]
    with pytest.raises(RecordRejected, match=r"not a KEV catalog: must contain \['dateReleased'\]"):
        _parse("kev.json", json.dumps(catalog).encode())


# --- importing -----------------------------------------------------------------------------


def _import(runtime: Runtime, path: Path):  # type: ignore[no-untyped-def]
    return service.import_feed(runtime.sessions, "kev", path)


def test_import_and_reimport(runtime: Runtime, tmp_path: Path) -> None:
    first = _import(runtime, shared_file(KEV_JSON))
    assert (first.status, first.licence, first.documents) == ("succeeded", "CC0-1.0", 1)
    assert (first.added, first.changed, first.unchanged, first.rejected) == (ENTRIES, 0, 0, 0)
    again = _import(runtime, shared_file(KEV_JSON))
    assert (again.added, again.changed, again.unchanged, again.rejected) == (0, 0, ENTRIES, 0)
    # The CSV of the same catalog: the same records, nothing changes.
    as_csv = _import(runtime, shared_file(KEV_CSV))
    assert (as_csv.added, as_csv.changed, as_csv.unchanged, as_csv.rejected) == (0, 0, ENTRIES, 0)
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, JOINED_CVE)
        assert found is not None
        assert found.known_exploited
        assert found.kev is not None and found.kev["due_date"] == "2022-07-18"
        assert found.display_id == JOINED_CVE
        assert [p.product for p in found.products] == ["airflow's experimental api"]


def test_a_new_catalog_adds_its_new_entry_and_is_then_skipped(
    runtime: Runtime, tmp_path: Path
) -> None:
    """One new entry in a 1,404-entry catalog: 1 added, 1,403 unchanged; then the whole file is
    known, however many batches its records took."""
    catalog = _catalog()
    entries = catalog["vulnerabilities"]
    assert isinstance(entries, list)
    newest = entries[0]["cveID"]
    older = tmp_path / "older" / "known_exploited_vulnerabilities.json"
    older.parent.mkdir()
    older.write_text(json.dumps({**catalog, "vulnerabilities": entries[1:]}), encoding="utf-8")
    assert _import(runtime, older).added == ENTRIES - 1
    newer = _import(runtime, shared_file(KEV_JSON))
    assert (newer.added, newer.changed, newer.unchanged) == (1, 0, ENTRIES - 1)
    with runtime.sessions() as session:
        digests = set(
            session.scalars(
                select(SourceRecordRow.document_digest).where(SourceRecordRow.source == "kev")
            )
        )
        assert len(digests) == 1  # every record now belongs to the newer catalog
        assert service.find_vulnerability(session, newest) is not None
    skipped = _import(runtime, shared_file(KEV_JSON))
    assert (skipped.added, skipped.changed, skipped.unchanged) == (0, 0, ENTRIES)


def test_a_catalog_with_bad_rows_imports_the_rest_and_reports_them_every_time(
    runtime: Runtime, tmp_path: Path
) -> None:
    rows = _csv_rows()
    header = rows[0]
    rows[3][header.index("dateAdded")] = "2025-13-45"
    rows[10][header.index("cveID")] = "CVE-2025-12"
    path = tmp_path / "known_exploited_vulnerabilities.csv"
    path.write_bytes(_csv_bytes(rows))
    for _ in range(2):  # the file is not marked as read while it has errors
        run = _import(runtime, path)
        assert run.status == "succeeded"
        assert run.rejected == 2
        assert run.added + run.unchanged == ENTRIES - 2
        assert [e["reason"] for e in run.errors] == [
            f"row 3 (line 4) ({rows[3][0]}): dateAdded: '2025-13-45' is not a real date",
            "row 10 (line 11) (CVE-2025-12): cveID: 'CVE-2025-12' is not a CVE id (CVE-YYYY-NNNN)",
        ]
        assert {e["file"] for e in run.errors} == {"known_exploited_vulnerabilities.csv"}
    assert run.unchanged == ENTRIES - 2


def test_truncated_catalog_is_rejected_by_the_run(runtime: Runtime, tmp_path: Path) -> None:
    path = tmp_path / "known_exploited_vulnerabilities.json"
    path.write_bytes(shared_file(KEV_JSON).read_bytes()[:100_000])
    run = _import(runtime, path)
    assert (run.status, run.added, run.rejected) == ("succeeded", 0, 1)
    assert run.errors[0]["reason"].startswith("not valid JSON:")
