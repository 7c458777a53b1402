"""A source record as stored: plain JSON fields, a content hash, package names for lookup."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from clearinghouse.json_text import json_text
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


# The columns of the affected rows a record gives, after its row id and vulnerability id.
PACKAGE_COLUMNS = ("ecosystem", "name", "purl", "ranges", "versions", "ecosystem_specific")
PRODUCT_COLUMNS = (
    "vendor",
    "product",
    "status",
    "versions",
    "version_ranges",
    "cpe",
    "purl",
    "product_id",
    "remediations",
)
# Fields the precedence rules (knowledge.merge) never read, and the largest by far.
NOT_MERGED = ("affected", "products")


@dataclass(frozen=True)
class PreparedRecord:
    """A source record as its rows will be stored: plain values and JSON texts, ready to write.

    Preparing is pure computation, so it is done where the record is parsed (possibly in a
    worker process): the storing side neither converts nor serializes, and what crosses the
    pipe from a worker is mostly strings, which are cheap to send.
    """

    source: str
    record_id: str
    aliases: tuple[str, ...]
    origin: str
    modified: datetime | None
    withdrawn: datetime | None
    content_hash: str
    merge_fields: dict[str, Any]  # every field but NOT_MERGED: what knowledge.merge reads
    fields_json: str  # every field but the raw document, as stored
    document_json: str  # the raw document, as stored
    packages: tuple[tuple[Any, ...], ...]  # affected_packages rows: PACKAGE_COLUMNS
    products: tuple[tuple[Any, ...], ...]  # affected_products rows: PRODUCT_COLUMNS
    document_digest: str = ""  # the input document's digest, or a provisional mark


def prepare(record: SourceRecord) -> PreparedRecord:
    fields = fields_of(record)
    return PreparedRecord(
        source=record.source,
        record_id=record.record_id,
        aliases=tuple(record.aliases),
        origin=record.origin[:500],
        modified=record.modified,
        withdrawn=record.withdrawn,
        content_hash=content_hash(fields, record.document),
        merge_fields={k: v for k, v in fields.items() if k not in NOT_MERGED},
        fields_json=json_text(fields),
        document_json=json_text(dict(record.document)),
        packages=tuple(_package_row(p) for p in fields["affected"]),
        products=tuple(_product_row(p) for p in fields["products"]),
    )


def _fit(value: str | None, size: int) -> str | None:
    """Index columns have a size; the whole value stays in the record's document."""
    return value[:size] if value else None


def _package_row(package: dict[str, Any]) -> tuple[Any, ...]:
    specific = package.get("ecosystem_specific")
    return (
        package["ecosystem"][:100],
        lookup_name(package["ecosystem"], package["name"])[:300],
        _fit(package.get("purl"), 500),
        json_text(package["ranges"]),
        json_text(package["versions"]),
        json_text(specific),  # None is stored as JSON null, as the ORM stores it
    )


def _product_row(product: dict[str, Any]) -> tuple[Any, ...]:
    return (
        normalize_vendor(product["vendor"])[:300],
        normalize_vendor(product["product"])[:500],
        product["status"],
        json_text(product["versions"]),
        json_text(product["version_ranges"]),
        _fit(product.get("cpe"), 500),
        _fit(product.get("purl"), 500),
        _fit(product.get("product_id"), 300),
        json_text(product["remediations"]),
    )


_PEP503 = re.compile(r"[-_.]+")


def lookup_name(ecosystem: str, name: str) -> str:
    """The package name as the index keys it: PyPI names are normalized (PEP 503)."""
    if ecosystem.split(":", 1)[0] == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


def normalize_vendor(text: str) -> str:
    return " ".join(text.lower().split())
