"""The EPSS importer on a daily-scores file made for these tests.

THE SCORES ARE GENERATED; ONLY THE FORMAT IS REAL. No EPSS file is in the shared data (see its
SOURCES.md, "Known gaps"), so the file is built from the real CVE ids of the vulnrichment sample
with made-up, plausibly distributed scores and the percentiles they imply. The format is FIRST's
daily CSV as published from https://www.first.org/epss/data_stats: an optional first line
`#model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000`, the header
`cve,epss,percentile`, then one row per CVE (`CVE-1999-0001,0.01141,0.77531`), usually gzipped.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from clearinghouse.knowledge import service
from clearinghouse.knowledge.sources.epss import EpssImporter
from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    ExploitPrediction,
    RecordRejected,
    Rejected,
    SourceRecord,
)
from clearinghouse.runtime import Runtime
from tests.knowledge.sources.enrichment_data import (
    EPSS_COMMENT,
    EPSS_MODEL,
    JOINED_CVE,
    JOINED_PYSEC,
    PYPI,
    VULNRICHMENT,
    epss_rows,
    epss_text,
    shared_file,
    write_epss,
)

# One pytest-xdist worker runs all of these, so that the rows fixture is built once.
pytestmark = pytest.mark.xdist_group("epss")

ROWS = 2000
SCORE_DATE = "2025-08-25T00:00:00+00:00"


def _parse(name: str, content: bytes) -> list[SourceRecord | Rejected]:
    return list(EpssImporter().parse(InputDocument(name, content)))


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str, str]]:
    return epss_rows()


def test_the_generated_file_looks_like_epss(rows: list[tuple[str, str, str]]) -> None:
    scores = sorted(float(r[1]) for r in rows)
    assert len(rows) == ROWS
    assert scores[ROWS // 2] < 0.01 < scores[-1]  # most near zero, a long tail
    assert all(0.0 <= float(r[2]) <= 1.0 for r in rows)


def test_plain_and_gzipped_files_give_the_same_records(rows: list[tuple[str, str, str]]) -> None:
    text = epss_text(rows)
    plain = _parse("epss_scores-2025-08-25.csv", text.encode())
    zipped = _parse("epss_scores-2025-08-25.csv", gzip.compress(text.encode()))
    assert plain == zipped
    assert len(plain) == ROWS
    first = plain[0]
    assert isinstance(first, SourceRecord)
    cve, score, percentile = rows[0]
    assert (first.source, first.record_id) == ("epss", cve)
    assert first.prediction == ExploitPrediction(
        float(score), float(percentile), EPSS_MODEL, SCORE_DATE
    )
    assert first.document == {
        "cve": cve,
        "epss": score,
        "percentile": percentile,
        "model_version": EPSS_MODEL,
        "score_date": SCORE_DATE,
    }


def test_the_first_line_is_optional(rows: list[tuple[str, str, str]]) -> None:
    (record,) = _parse("scores.csv", epss_text(rows[:1], comment=False).encode())
    assert isinstance(record, SourceRecord) and record.prediction is not None
    assert (record.prediction.model_version, record.prediction.score_date) == (None, None)
    (record,) = _parse(
        "scores.csv",
        b"#model_version:v2023.03.01,score_date:2023-03-15T00:00:00Z\n"
        b"cve,epss,percentile\nCVE-2023-0669,0.78437,0.99452\n",
    )
    assert isinstance(record, SourceRecord)
    assert record.prediction == ExploitPrediction(
        0.78437, 0.99452, "v2023.03.01", "2023-03-15T00:00:00+00:00"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (f"{EPSS_COMMENT}\ncve,score\nCVE-2023-0669,0.5\n", "line 2: expected the header"),
        ("", "line 1: expected the header"),
        ("#model_version:v1,score_date:yesterday\ncve,epss,percentile\n", "score_date 'yesterday'"),
        ("#model_version v1\ncve,epss,percentile\n", "line 1: 'model_version v1' is not"),
    ],
)
def test_a_file_without_its_header_is_rejected_whole(text: str, reason: str) -> None:
    with pytest.raises(RecordRejected, match=reason):
        _parse("scores.csv", text.encode())


def test_bad_rows_are_rejected_with_their_line(rows: list[tuple[str, str, str]]) -> None:
    lines = epss_text(rows[:10]).splitlines()
    lines[3] = f"{rows[1][0]},1.5,0.9"  # line 4
    lines[4] = f"{rows[2][0]},abc,0.9"
    lines[5] = f"{rows[3][0]},nan,0.9"
    lines[6] = "CVE-2025-1,0.1,0.2"
    lines[7] = f"{rows[5][0]},0.1"
    lines.insert(9, "")  # a blank line: skipped, but counted
    found = _parse("scores.csv", ("\n".join(lines) + "\n").encode())
    rejected = [(r.where, r.reason) for r in found if isinstance(r, Rejected)]
    assert rejected == [
        (f"line 4 ({rows[1][0]})", "epss 1.5 and percentile 0.9 must be within [0, 1]"),
        (f"line 5 ({rows[2][0]})", "epss 'abc' and percentile '0.9' must be numbers"),
        (f"line 6 ({rows[3][0]})", "epss nan and percentile 0.9 must be within [0, 1]"),
        ("line 7", "'CVE-2025-1' is not a CVE id (CVE-YYYY-NNNN)"),
        ("line 8", "2 fields; the header has 3"),
    ]
    records = [r for r in found if isinstance(r, SourceRecord)]
    assert [r.record_id for r in records] == [
        rows[0][0],
        rows[6][0],
        rows[7][0],
        rows[8][0],
        rows[9][0],
    ]


def test_parsing_streams(rows: list[tuple[str, str, str]]) -> None:
    """Records come out before the file has been read to its end: a gzip stream cut short
    yields its first rows, and only then the error."""
    data = gzip.compress(epss_text(rows).encode())
    parsed = EpssImporter().parse(InputDocument("scores.csv.gz", data[: len(data) // 2]))
    first = next(parsed)
    assert isinstance(first, SourceRecord) and first.record_id == rows[0][0]
    with pytest.raises(RecordRejected, match="the gzip stream is truncated or corrupt"):
        list(parsed)


# --- importing -----------------------------------------------------------------------------


def test_import_and_reimport(
    runtime: Runtime, tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    """2,000 rows are four batches: the file is marked as read only at its end, and then
    skipped whole."""
    path = write_epss(tmp_path / "epss_scores-2025-08-25.csv.gz", epss_text(rows))
    first = service.import_feed(runtime.sessions, "epss", path)
    assert (first.status, first.licence) == ("succeeded", "LicenseRef-FIRST-EPSS")
    assert (first.documents, first.added, first.rejected) == (1, ROWS, 0)
    again = service.import_feed(runtime.sessions, "epss", path)
    assert (again.added, again.changed, again.unchanged, again.rejected) == (0, 0, ROWS, 0)
    # The next day: new scores for some, a new date for all.
    next_day = [(c, s, p) for c, s, p in rows]
    next_day[0] = (rows[0][0], "0.99000", "0.99999")
    text = epss_text(next_day).replace("2025-08-25T", "2025-08-26T")
    later = service.import_feed(
        runtime.sessions, "epss", write_epss(tmp_path / "epss_scores-2025-08-26.csv.gz", text)
    )
    assert (later.added, later.changed, later.unchanged) == (0, ROWS, 0)
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, rows[0][0])
        assert found is not None
        assert (found.epss_score, found.epss_percentile) == (0.99, 0.99999)


def test_scores_join_the_cve_and_pypi_records(
    runtime: Runtime, tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    service.import_feed(runtime.sessions, "osv", shared_file(PYPI))
    service.import_feed(runtime.sessions, "cve5", shared_file(VULNRICHMENT))
    path = write_epss(tmp_path / "epss_scores-2025-08-25.csv", epss_text(rows))
    run = service.import_feed(runtime.sessions, "epss", path)
    assert (run.added, run.rejected) == (ROWS, 0)
    score = {cve: (float(s), float(p)) for cve, s, p in rows}[JOINED_CVE]
    with runtime.sessions() as session:
        found = service.find_vulnerability(session, JOINED_PYSEC)
    assert found is not None and found.display_id == JOINED_CVE
    assert (found.epss_score, found.epss_percentile) == score
    assert found.field_sources["epss"] == f"epss:{JOINED_CVE}"
    assert {r.source for r in found.records} == {"osv", "cve5", "epss"}


def test_a_file_with_bad_rows_imports_the_rest_and_reports_them_every_time(
    runtime: Runtime, tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    bad = list(rows)
    bad[700] = (rows[700][0], "-0.1", rows[700][2])  # line 703, in the second batch
    bad[1500] = ("CVE-X", rows[1500][1], rows[1500][2])
    path = write_epss(tmp_path / "epss_scores-2025-08-25.csv.gz", epss_text(bad))
    for attempt in range(2):
        run = service.import_feed(runtime.sessions, "epss", path)
        assert run.status == "succeeded"
        assert run.rejected == 2
        assert [e["reason"] for e in run.errors] == [
            f"line 703 ({rows[700][0]}): epss -0.1 and percentile {rows[700][2]} must be "
            "within [0, 1]",
            "line 1503: 'CVE-X' is not a CVE id (CVE-YYYY-NNNN)",
        ]
        expected = (ROWS - 2, 0) if attempt == 0 else (0, ROWS - 2)
        assert (run.added, run.unchanged) == expected


def test_a_truncated_file_keeps_what_was_read_and_is_read_again(
    runtime: Runtime, tmp_path: Path, rows: list[tuple[str, str, str]]
) -> None:
    data = gzip.compress(epss_text(rows).encode(), mtime=0)
    path = tmp_path / "epss_scores-2025-08-25.csv.gz"
    path.write_bytes(data[: int(len(data) * 0.8)])
    for _ in range(2):
        run = service.import_feed(runtime.sessions, "epss", path)
        assert run.status == "succeeded" and run.rejected == 1
        reason = run.errors[0]["reason"]
        assert reason.startswith("the gzip stream is truncated or corrupt")
        assert "records before it were stored; the document will be read again" in reason
    assert run.unchanged >= 1000  # the rows of the whole batches before the cut
