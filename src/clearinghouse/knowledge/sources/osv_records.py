"""OSV documents → source records: schema validation, the checks osv-linter makes, conversion.

Shared by every importer whose data is OSV-shaped (OSV feeds, RustSec after conversion, …).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import fastjsonschema

from clearinghouse.knowledge.sources.interface import (
    AffectedPackage,
    RecordRejected,
    Reference,
    Severity,
    SourceRecord,
)

RANGE_TYPES = ("SEMVER", "ECOSYSTEM", "GIT")


SCHEMA_DIR = Path(__file__).resolve().parents[1] / "data"
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"


EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")
GIT_COMMIT = re.compile(r"^(0|[a-f0-9]{40}|[a-f0-9]{64})$")


@cache
def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (SCHEMA_DIR / "osv-schema.json").read_text(encoding="utf-8")
    )
    return schema


@cache
def _validator() -> Callable[[Any], Any]:
    """The official OSV schema, compiled to Python (several times faster than interpreting it).

    The schema declares draft 2020-12 but uses only keywords that draft 7 has, which is what
    the compiler implements. Its conditional rules (`oneOf` on range events, `if`/`then` on
    ranges and severities) cost more than all the rest: the compiled code raises and formats an
    exception for every rule that does not apply. They are taken out here and checked,
    identically and from the schema's own patterns, in `_check_conditionals`.
    """
    schema = json.loads(json.dumps(_schema()))  # a private copy to cut the rules out of
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    range_schema = schema["properties"]["affected"]["items"]["properties"]["ranges"]["items"]
    range_schema["properties"]["events"]["items"].pop("oneOf")
    range_schema.pop("allOf")
    schema.pop("allOf")
    schema["$defs"]["severity"]["items"].pop("allOf")
    return fastjsonschema.compile(schema, formats={"date-time": RFC3339})


@cache
def _severity_rules() -> dict[str, Callable[[str], object]]:
    """Per severity type, the schema's own test of its score: a vector pattern or an enum."""
    rules: dict[str, Callable[[str], object]] = {}
    for rule in _schema()["$defs"]["severity"]["items"]["allOf"]:
        kind = rule["if"]["properties"]["type"]["const"]
        score = rule["then"]["properties"]["score"]
        if "pattern" in score:
            rules[kind] = re.compile(score["pattern"]).search
        else:
            rules[kind] = frozenset(score["enum"]).__contains__
    return rules


def _check_severities(where: str, severities: Any) -> None:
    rules = _severity_rules()
    for index, severity in enumerate(severities or ()):
        kind, score = severity.get("type"), severity.get("score")
        test = rules.get(kind)
        if test is not None and not test(score):
            raise RecordRejected(f"{where}[{index}].score: {score[:120]!r} is not a valid {kind}")


def _check_conditionals(document: Mapping[str, Any]) -> None:
    """The schema's `if`/`then` rules, which `_validator` leaves out."""
    _check_severities("severity", document.get("severity"))
    for index, affected in enumerate(document.get("affected") or ()):
        where = f"affected[{index}]"
        if "severity" in document and affected.get("severity") is not None:
            raise RecordRejected(
                f"{where}.severity: not allowed when the record has a top-level severity"
            )
        _check_severities(f"{where}.severity", affected.get("severity"))
        for r_index, range_ in enumerate(affected.get("ranges") or ()):
            if range_.get("type") == "GIT" and "repo" not in range_:
                raise RecordRejected(f"{where}.ranges[{r_index}]: a GIT range needs a repo")
            kinds = {kind for event in range_.get("events") or () for kind in event}
            if "last_affected" in kinds and "fixed" in kinds:
                raise RecordRejected(
                    f"{where}.ranges[{r_index}]: a range has either fixed or last_affected "
                    "events, not both"
                )


def _check_events(where: str, range_type: Any, events: list[Any]) -> None:
    for index, event in enumerate(events):
        kinds = [k for k in EVENT_KINDS if k in event]
        if len(kinds) != 1:
            raise RecordRejected(
                f"{where}.events[{index}]: an event has exactly one of {', '.join(EVENT_KINDS)}"
            )
        value = event[kinds[0]]
        if not isinstance(value, str):
            raise RecordRejected(f"{where}.events[{index}].{kinds[0]}: must be a string")
        if range_type == "GIT" and kinds[0] != "limit" and not GIT_COMMIT.match(value):
            raise RecordRejected(
                f"{where}.events[{index}].{kinds[0]}: a GIT range needs a "
                f"full commit hash, not {value[:80]!r}"
            )


def timestamp(value: Any, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordRejected(f"{field}: expected an RFC 3339 time, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RecordRejected(f"{field}: {value!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        raise RecordRejected(f"{field}: {value!r} has no time zone")
    if parsed.year == 1:
        # Go's zero time (0001-01-01T00:00:00Z): the Go database's "not published yet". As a
        # date it would win every "earliest published" comparison.
        return None
    return parsed


def check_osv(document: Any) -> None:
    """Raise RecordRejected naming the first problem: osv-linter's rules, then the schema."""
    if not isinstance(document, Mapping):
        raise RecordRejected("an OSV record must be a JSON object")
    try:
        _validator()(document)
    except fastjsonschema.JsonSchemaException as error:
        # The linter's reasons are clearer than the schema's where both apply.
        with contextlib.suppress(TypeError, AttributeError, KeyError, StopIteration):
            _check_ranges(document)
        raise RecordRejected(f"schema: {str(error)[:300]}") from None
    _check_conditionals(document)
    _check_ranges(document)


def _check_ranges(document: Mapping[str, Any]) -> None:
    for a_index, affected in enumerate(document.get("affected") or ()):
        for r_index, range_ in enumerate(affected.get("ranges") or ()):
            where = f"affected[{a_index}].ranges[{r_index}]"
            events = range_.get("events") or []
            _check_events(where, range_.get("type"), events)
            if not any("introduced" in event for event in events):
                raise RecordRejected(
                    f"{where}: no 'introduced' event (use \"0\" for 'from the beginning')"
                )
            pairs = [next(iter(event.items())) for event in events if event]
            if len(pairs) != len(set(pairs)):
                raise RecordRejected(f"{where}: the same event appears twice")
            # In a GIT range a commit cannot both introduce and fix (osv-linter's "distinct
            # events"). Version ranges may hold an empty interval: converters emit them
            # (RustSec's official export does) and they affect nothing.
            if range_.get("type") == "GIT":
                for (kind, value), (next_kind, next_value) in itertools.pairwise(pairs):
                    if kind == "introduced" and next_kind == "fixed" and value == next_value:
                        raise RecordRejected(
                            f"{where}: its events are not distinct: commit {value} both "
                            "introduces and fixes"
                        )
            if range_.get("type") != "GIT" and "package" not in affected:
                raise RecordRejected(f"{where}: a {range_.get('type')} range needs a package")


def _affected(entry: Mapping[str, Any]) -> AffectedPackage | None:
    package = entry.get("package")
    if not package:
        return None  # GIT-only entries: nothing to match a package against
    return AffectedPackage(
        ecosystem=str(package.get("ecosystem", "")),
        name=str(package.get("name", "")),
        purl=package.get("purl"),
        ranges=tuple(entry.get("ranges") or ()),
        versions=tuple(str(v) for v in entry.get("versions") or ()),
        ecosystem_specific=entry.get("ecosystem_specific"),
        database_specific=entry.get("database_specific"),
    )


def _cwes(document: Mapping[str, Any]) -> tuple[str, ...]:
    specific = document.get("database_specific") or {}
    found = specific.get("cwe_ids") or specific.get("cwes") or ()
    return tuple(sorted({str(c) for c in found if str(c).startswith("CWE-")}))


def record_from_osv(
    document: Mapping[str, Any], *, source: str, origin: str, validate: bool = True
) -> SourceRecord:
    """A source record from an OSV document (validated unless the caller just built it)."""
    if validate:
        check_osv(document)
    record_id = str(document["id"])
    aliases = tuple(
        dict.fromkeys(str(a) for a in document.get("aliases") or () if str(a) != record_id)
    )
    return SourceRecord(
        source=source,
        record_id=record_id,
        origin=origin,
        aliases=aliases,
        related=tuple(str(r) for r in document.get("related") or ()),
        summary=document.get("summary") or None,
        details=document.get("details") or None,
        published=timestamp(document.get("published"), "published"),
        modified=timestamp(document.get("modified"), "modified"),
        withdrawn=timestamp(document.get("withdrawn"), "withdrawn"),
        severities=tuple(
            Severity(str(s["type"]), str(s["score"])) for s in document.get("severity") or ()
        ),
        cwes=_cwes(document),
        affected=tuple(
            a for a in (_affected(e) for e in document.get("affected") or ()) if a is not None
        ),
        references=tuple(
            Reference(str(r["type"]), str(r["url"])) for r in document.get("references") or ()
        ),
        document=document,
    )
