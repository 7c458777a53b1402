"""A source record as stored: plain JSON fields, a content hash, package names for lookup."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from datetime import datetime
from typing import Any

from clearinghouse.knowledge.sources.interface import SourceRecord


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
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
    canonical = json.dumps(
        [content, _plain(document)],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_PEP503 = re.compile(r"[-_.]+")


def lookup_name(ecosystem: str, name: str) -> str:
    """The package name as the index keys it: PyPI names are normalized (PEP 503)."""
    if ecosystem.split(":", 1)[0] == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


def normalize_vendor(text: str) -> str:
    return " ".join(text.lower().split())
