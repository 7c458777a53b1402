"""CISA's Known Exploited Vulnerabilities catalog, as JSON or as CSV: one record per entry.

The JSON catalog is checked against CISA's own schema (shipped as data/cisa-kev-schema.json);
a CSV row is turned into the same entry and checked against the same schema, so the two formats
of one catalog give identical records. A bad entry is rejected alone, naming its row (CSV) or its
index (JSON) and the reason; the rest of the catalog is imported.

Each entry becomes a record whose id is the CVE: it joins the vulnerability that any other
source (a PYSEC advisory listing the CVE as an alias, a CVE record) already knows under that id.

- `exploitation`: every field of the entry (date added, due date, required action, known
  ransomware use, vendor/project, product, name, notes), catalog "CISA KEV".
- `products`: the entry's vendor/project and product; `cwes`; `summary` is the vulnerability
  name, `details` the short description; `references` are the URLs in the notes.
- `document`: the entry, with empty optional fields left out (the CSV cannot tell an empty
  field from a missing one). The catalog's version and release date are not kept per record:
  the CSV does not carry them, and the records of both formats must be equal.
- `origin`: the catalog file's name without its `.json`/`.csv` ending, for the same reason.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from functools import cache
from typing import Any

import fastjsonschema

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    AffectedProduct,
    Exploitation,
    Importer,
    RecordRejected,
    Reference,
    Rejected,
    SourceRecord,
)
from clearinghouse.knowledge.sources.osv_records import SCHEMA_DIR

CATALOG = "CISA KEV"
CVE_ID = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
URL = re.compile(r"https?://[^\s;,]+")
DATE_FIELDS = ("dateAdded", "dueDate")

Validator = Callable[[Any], Any]


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (SCHEMA_DIR / "cisa-kev-schema.json").read_text(encoding="utf-8")
    )
    return schema


def _required() -> tuple[str, ...]:
    """The fields every entry must have, as the schema says."""
    return tuple(_schema()["$defs"]["vulnerability"]["required"])


@cache
def _validators() -> tuple[Validator, Validator]:
    """CISA's KEV schema, compiled twice: the catalog around the entries, and one entry.

    The entries are checked one by one, so that one bad entry does not reject the catalog.
    """
    schema = _schema()
    formats = {"date": DATE.pattern}
    entry = {"$schema": schema["$schema"], **schema["$defs"]["vulnerability"]}
    catalog = copy.deepcopy(schema)
    catalog["properties"]["vulnerabilities"]["items"] = {}  # each is checked on its own
    return (
        fastjsonschema.compile(catalog, formats=formats),
        fastjsonschema.compile(entry, formats=formats),
    )


def _schema_reason(error: fastjsonschema.JsonSchemaException) -> str:
    message = str(error)
    return message.removeprefix("data.").removeprefix("data ")


def _catalog_name(name: str) -> str:
    for suffix in (".json", ".csv"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


class KevImporter(Importer):
    pipeline_id = "kev"
    licence = "CC0-1.0"
    description = "CISA Known Exploited Vulnerabilities catalog (JSON or CSV)"
    suffixes = (".json", ".csv")

    def parse(self, document: InputDocument) -> Iterator[SourceRecord | Rejected]:
        if document.content is None:
            raise RecordRejected(document.problem or "unreadable")
        try:
            text = document.content.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise RecordRejected(f"not UTF-8 text: {exc}") from None
        origin = _catalog_name(document.name)
        if document.name.lower().endswith(".csv"):
            entries = _csv_entries(text)
        else:
            entries = _json_entries(text)
        seen: dict[str, str] = {}
        for where, entry in entries:
            if isinstance(entry, Rejected):  # a CSV row that is not even a row
                yield entry
                continue
            try:
                record = record_from_entry(entry, origin)
            except (RecordRejected, KeyError, TypeError, ValueError) as exc:
                cve = entry.get("cveID") if isinstance(entry, Mapping) else None
                label = f"{where} ({cve})" if isinstance(cve, str) and cve else where
                reason = str(exc) if isinstance(exc, RecordRejected) else f"unexpected: {exc!r}"
                yield Rejected(label, reason)
                continue
            if record.record_id in seen:
                yield Rejected(
                    f"{where} ({record.record_id})",
                    f"{record.record_id} is listed twice; the first is {seen[record.record_id]}",
                )
                continue
            seen[record.record_id] = where
            yield record


def _json_entries(text: str) -> Iterator[tuple[str, Any]]:
    try:
        catalog = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecordRejected(f"not valid JSON: {exc}") from None
    if not isinstance(catalog, dict):
        raise RecordRejected("a KEV catalog must be a JSON object with `vulnerabilities`")
    validate_catalog, _ = _validators()
    try:
        validate_catalog(catalog)
    except fastjsonschema.JsonSchemaException as error:
        raise RecordRejected(f"not a KEV catalog: {_schema_reason(error)}") from None
    for index, entry in enumerate(catalog["vulnerabilities"]):
        yield f"vulnerabilities[{index}]", entry


def _csv_entries(text: str) -> Iterator[tuple[str, dict[str, Any] | Rejected]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise RecordRejected("the CSV file is empty") from None
    except csv.Error as exc:
        raise RecordRejected(f"the CSV header cannot be read: {exc}") from None
    header = [name.strip() for name in header]
    missing = [name for name in _required() if name not in header]
    if missing:
        raise RecordRejected(
            f"the CSV header lacks {', '.join(missing)} (it has: {', '.join(header)})"
        )
    row_number = 0
    line = 1  # the last line read so far
    while True:
        first_line = line + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            row_number += 1
            line = reader.line_num
            where = f"row {row_number} (line {first_line})"
            yield where, Rejected(where, f"not valid CSV: {exc}")
            continue
        line = reader.line_num
        if not row:  # a blank line
            continue
        row_number += 1
        where = f"row {row_number} (line {first_line})"
        if len(row) != len(header):
            yield where, Rejected(where, f"it has {len(row)} fields; the header has {len(header)}")
            continue
        entry: dict[str, Any] = dict(zip(header, row, strict=True))
        cwes = entry.get("cwes")
        if isinstance(cwes, str):
            entry["cwes"] = [c.strip() for c in cwes.split(",") if c.strip()]
        yield where, entry


def record_from_entry(entry: Any, origin: str) -> SourceRecord:
    """One catalog entry (a JSON object, or a CSV row made into one) as a source record."""
    if not isinstance(entry, Mapping):
        raise RecordRejected(f"an entry must be an object, not {type(entry).__name__}")
    cve = entry.get("cveID")
    if isinstance(cve, str) and not CVE_ID.match(cve):
        raise RecordRejected(f"cveID: {cve!r} is not a CVE id (CVE-YYYY-NNNN)")
    for name in DATE_FIELDS:
        value = entry.get(name)
        if isinstance(value, str):
            if not DATE.match(value):
                raise RecordRejected(f"{name}: {value!r} is not a date (YYYY-MM-DD)")
            try:
                date.fromisoformat(value)
            except ValueError:
                raise RecordRejected(f"{name}: {value!r} is not a real date") from None
    _, validate_entry = _validators()
    try:
        validate_entry(dict(entry))
    except fastjsonschema.JsonSchemaException as error:
        raise RecordRejected(_schema_reason(error)) from None
    empty = [name for name in _required() if not str(entry[name]).strip()]
    if empty:
        raise RecordRejected(f"{', '.join(empty)}: must not be empty")
    kept = {k: v for k, v in entry.items() if v not in ("", None, [])}
    notes = kept.get("notes")
    return SourceRecord(
        source=KevImporter.pipeline_id,
        record_id=kept["cveID"],
        origin=origin,
        summary=kept["vulnerabilityName"],
        details=kept["shortDescription"],
        cwes=tuple(sorted(set(kept.get("cwes", ())))),
        products=(AffectedProduct(vendor=kept["vendorProject"], product=kept["product"]),),
        references=tuple(Reference("WEB", url) for url in _urls(notes)),
        exploitation=Exploitation(
            catalog=CATALOG,
            date_added=kept["dateAdded"],
            due_date=kept["dueDate"],
            required_action=kept["requiredAction"],
            known_ransomware_use=kept.get("knownRansomwareCampaignUse"),
            vendor_project=kept["vendorProject"],
            product=kept["product"],
            name=kept["vulnerabilityName"],
            notes=notes,
        ),
        document=kept,
    )


def _urls(notes: str | None) -> list[str]:
    if not notes:
        return []
    found = (url.rstrip(".)") for url in URL.findall(notes))
    return list(dict.fromkeys(found))
