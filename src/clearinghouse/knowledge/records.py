"""A source record as stored: plain JSON fields, a content hash, package names for lookup."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from clearinghouse.knowledge.sources.interface import SourceRecord


def _plain(value: Any) -> Any:
    """JSON values from a record: dataclasses, tuples and datetimes converted.

    Mappings and lists that came from a parsed document are JSON already and are kept as they
    are, not copied: records can hold thousands of ranges and versions.
    """
    if isinstance(value, dict | list | str | int | float | bool) or value is None:
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [v if isinstance(v, str | dict) else _plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if hasattr(value, "items"):  # other mappings (e.g. MappingProxyType)
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def fields_of(record: SourceRecord) -> dict[str, Any]:
    """Every field but the raw document, as JSON values."""
    plain = _plain(record)
    assert isinstance(plain, dict)
    plain.pop("document", None)
    plain.pop("document_digest", None)
    return plain


def content_hash(fields: dict[str, Any], document: Any) -> str:
    """Equal for equal content, whatever the key order or the file it came from."""
    content = {k: v for k, v in fields.items() if k != "origin"}
    canonical = orjson.dumps([content, _plain(document)], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()


@dataclass(frozen=True)
class PreparedRecord:
    """A source record with its stored fields and content hash worked out, ready to store.

    Preparing is pure computation, so it is done where the record is parsed (possibly in a
    worker process) and the storing side only writes.
    """

    record: SourceRecord
    fields: dict[str, Any]
    content_hash: str
    document_digest: str = ""  # the input document's digest, or a provisional mark


def prepare(record: SourceRecord) -> PreparedRecord:
    fields = fields_of(record)
    return PreparedRecord(record, fields, content_hash(fields, record.document))


_PEP503 = re.compile(r"[-_.]+")


def lookup_name(ecosystem: str, name: str) -> str:
    """The package name as the index keys it: PyPI names are normalized (PEP 503)."""
    if ecosystem.split(":", 1)[0] == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


def normalize_vendor(text: str) -> str:
    return " ".join(text.lower().split())
