"""FIRST's EPSS scores: the daily CSV (optionally .csv.gz), one record per scored CVE.

The file, as FIRST publishes it (https://www.first.org/epss/data_stats):

    #model_version:v2025.03.14,score_date:2025-08-25T00:00:00+0000
    cve,epss,percentile
    CVE-1999-0001,0.01141,0.77531

The first line (model version and score date) is optional; the header is required and must name
`cve`, `epss` and `percentile` (in any order; other columns are ignored). Each row becomes a
record whose id is the CVE, with `prediction=ExploitPrediction(score, percentile, model_version,
score_date)`; the score date is kept as an ISO 8601 time (`2025-08-25T00:00:00+00:00`). Scores and
percentiles must be numbers in [0, 1]; a bad row is rejected with its line number and the rest of
the file is imported.

A daily file holds about 300,000 rows: it is read as a stream (gzip included) and its records are
handed to the runner one at a time, which stores them a batch at a time. Each day's file changes
every record (the score date at least), so each import touches every scored vulnerability.

Licence: FIRST grants use of EPSS freely, asking for attribution (see NOTICE).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from typing import TextIO

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    ExploitPrediction,
    Importer,
    RecordRejected,
    Rejected,
    SourceRecord,
)

CVE_ID = re.compile(r"CVE-[0-9]{4}-[0-9]{4,19}")
COLUMNS = ("cve", "epss", "percentile")
GZIP_MAGIC = b"\x1f\x8b"


class EpssImporter(Importer):
    pipeline_id = "epss"
    licence = "LicenseRef-FIRST-EPSS"
    description = "FIRST EPSS daily scores (CSV, or .csv.gz)"
    suffixes = (".csv", ".csv.gz")

    def parse(self, document: InputDocument) -> Iterator[SourceRecord | Rejected]:
        if document.content is None:
            raise RecordRejected(document.problem or "unreadable")
        raw = io.BytesIO(document.content)
        # Decompressed as it is read: the whole file is never unpacked at once.
        stream = (
            gzip.GzipFile(fileobj=raw, mode="rb") if document.content[:2] == GZIP_MAGIC else raw
        )
        text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        try:
            yield from _rows(text, document.name)
        except (OSError, EOFError, zlib.error) as exc:  # a truncated or corrupt .gz
            raise RecordRejected(f"the gzip stream is truncated or corrupt: {exc}") from None
        except UnicodeDecodeError as exc:
            raise RecordRejected(f"not UTF-8 text: {exc}") from None


def parse_metadata(line: str) -> tuple[str | None, str | None]:
    """The model version and score date of the `#model_version:…,score_date:…` line."""
    fields: dict[str, str] = {}
    for part in line.lstrip("#").strip().split(","):
        key, sep, value = part.partition(":")
        if not sep:
            raise RecordRejected(f"line 1: {part!r} is not `key:value` in {line.strip()!r}")
        fields[key.strip()] = value.strip()
    score_date = fields.get("score_date")
    if score_date:
        try:
            parsed = datetime.fromisoformat(score_date.replace("Z", "+00:00"))
        except ValueError:
            raise RecordRejected(f"line 1: score_date {score_date!r} is not a time") from None
        score_date = parsed.isoformat()
    return fields.get("model_version") or None, score_date or None


def _rows(text: TextIO, origin: str) -> Iterator[SourceRecord | Rejected]:
    first = text.readline()
    line = 1
    model_version = score_date = None
    if first.startswith("#"):
        model_version, score_date = parse_metadata(first)
        first = text.readline()
        line = 2
    header = [name.strip().lower() for name in next(csv.reader([first]), [])]
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise RecordRejected(
            f"line {line}: expected the header `cve,epss,percentile`, got {first.strip()!r}"
        )
    width = len(header)
    cve_at, score_at, percentile_at = (header.index(name) for name in COLUMNS)
    reader = csv.reader(text)

    def record(row: list[str]) -> SourceRecord | Rejected:
        number = line + reader.line_num  # csv counts the lines it read; ours come before
        if len(row) != width:
            return Rejected(f"line {number}", f"{len(row)} fields; the header has {width}")
        cve, score_text, percentile_text = row[cve_at], row[score_at], row[percentile_at]
        if CVE_ID.fullmatch(cve) is None:
            return Rejected(f"line {number}", f"{cve!r} is not a CVE id (CVE-YYYY-NNNN)")
        try:
            score = float(score_text)
            percentile = float(percentile_text)
        except ValueError:
            return Rejected(
                f"line {number} ({cve})",
                f"epss {score_text!r} and percentile {percentile_text!r} must be numbers",
            )
        if not (0.0 <= score <= 1.0 and 0.0 <= percentile <= 1.0):  # false for NaN too
            return Rejected(
                f"line {number} ({cve})",
                f"epss {score_text} and percentile {percentile_text} must be within [0, 1]",
            )
        return SourceRecord(
            source=EpssImporter.pipeline_id,
            record_id=cve,
            origin=origin,
            prediction=ExploitPrediction(score, percentile, model_version, score_date),
            document={
                "cve": cve,
                "epss": score_text,
                "percentile": percentile_text,
                "model_version": model_version,
                "score_date": score_date,
            },
        )

    while True:
        try:
            for row in reader:
                if row:  # a blank line (often the file's last) is no row
                    yield record(row)
            return
        except csv.Error as exc:  # a malformed line (a NUL byte, a runaway quote): skip it
            yield Rejected(f"line {line + reader.line_num}", f"not valid CSV: {exc}")
