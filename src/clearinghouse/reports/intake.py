"""Reading a submitted report: size limits, JSON, the schema, with errors that name the field.

Each error has a `location` written as a JSON path into the submitted document
(`$.proof_of_concept.files[0].path`), so a finder can find the field without guessing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from clearinghouse.reports.schemas import ReportIn


@dataclass(frozen=True)
class FieldError:
    location: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "message": self.message}


class ReportRejected(ValueError):
    """The document is not a report we can take; `status` is 413 (too large) or 422."""

    def __init__(self, errors: list[FieldError], status: int = 422) -> None:
        first = errors[0]
        super().__init__(f"{first.location}: {first.message}")
        self.errors = errors
        self.status = status


def json_path(document: Any, loc: tuple[int | str, ...]) -> str:
    """Pydantic's error location as a JSON path into the submitted document.

    Pydantic puts the tag of a tagged union ("package", "exception" …) into the location right
    after the field; it is not a key of the document, so it is left out.
    """
    path = "$"
    node = document
    tag_pending = False  # the object just entered may be a tagged union: its tag comes first
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            tag_pending = True
            continue
        if tag_pending and isinstance(node, dict) and node.get("kind") == part:
            tag_pending = False
            continue
        tag_pending = True
        path += f".{part}" if part.isidentifier() else f"[{json.dumps(part)}]"
        node = node.get(part) if isinstance(node, dict) else None
    return path


def _message(error: Any) -> str:
    return str(error.get("msg", "invalid")).removeprefix("Value error, ")


def parse_report(raw: bytes, *, max_bytes: int, max_file_bytes: int) -> ReportIn:
    """The report in `raw`, or ReportRejected listing every problem found."""
    if len(raw) > max_bytes:
        raise ReportRejected(
            [FieldError("$", f"the report is {len(raw)} bytes; the limit is {max_bytes}")], 413
        )
    try:
        document = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ReportRejected([FieldError("$", f"not UTF-8 text: {exc.reason}")]) from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        raise ReportRejected([FieldError("$", f"not JSON ({exc.msg} at {where})")]) from None
    if not isinstance(document, dict):
        raise ReportRejected([FieldError("$", "a report is a JSON object")])
    if "finder" in document or "finder_organization" in document:
        raise ReportRejected(
            [
                FieldError(
                    "$.finder" if "finder" in document else "$.finder_organization",
                    "the finder is the organization you submit as; leave it out of the file",
                )
            ]
        )
    try:
        report = ReportIn.model_validate(document)
    except ValidationError as exc:
        raise ReportRejected(
            [FieldError(json_path(document, tuple(e["loc"])), _message(e)) for e in exc.errors()]
        ) from None
    too_big = [
        FieldError(
            f"$.proof_of_concept.files[{index}].content",
            f"{len(file.content.encode())} bytes; the limit per file is {max_file_bytes}",
        )
        for index, file in enumerate(report.proof_of_concept.files)
        if len(file.content.encode()) > max_file_bytes
    ]
    if too_big:
        raise ReportRejected(too_big, 413)
    return report


def canonical_bytes(report: ReportIn) -> bytes:
    """The report's content in one spelling: keys sorted, defaults filled, no spaces."""
    return json.dumps(
        report.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()


def content_hash(report: ReportIn) -> str:
    return hashlib.sha256(canonical_bytes(report)).hexdigest()
