"""Matching devices: a vendor's product at a firmware version against CSAF product trees.

Device advisories (CISA ICS, vendor CSAF) name products the way their vendors write them
("SCALANCE X204IRT (6GK5204-0BA00-2BA3)") and versions as ranges in free text ("< V5.5.0",
">=1.2|<=1.4", "vers:all/<V2.1", "All BIOS versions < V1.2.34"). A device list names a vendor,
a product and the version on its label. They match when:

- the vendors are the same after normalization (case, spacing, punctuation and company suffixes
  such as Inc., AG, GmbH, Corporation taken off);
- the products are the same after normalization, or the advisory's product is the device's
  followed by a parenthesized model or order number;
- the version is one the advisory lists, or satisfies every constraint of one of its ranges
  (`*` and "all versions" match any version). Versions compare piece by piece, numbers as
  numbers, a leading "v" ignored; a version without a digit only matches an equal listed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clearinghouse.knowledge.service import AffectedDevice
from clearinghouse.matching.packages import Answer, Hit

AFFECTED_STATUSES = {"known_affected", "first_affected", "last_affected"}
_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|ltd|limited|gmbh|ag|se|sa|s\.a|co|corp|corporation|company|"
    r"plc|bv|b\.v|nv|oy|ab|as|kg|spa|s\.p\.a|srl|pty|kk)\b\.?"
)
# A bound: a version, with a service pack, update, patch or build written after a space.
_CONSTRAINT = re.compile(
    r"(<=|>=|<|>|=)\s*([vV]?\d[\w.\-+]*(?:\s+(?:SP|Update|Patch|Build)\s*\d+)?)", re.IGNORECASE
)
_PIECES = re.compile(r"\d+|[a-zA-Z]+")


def normalize_name(text: str) -> str:
    """Lower case, punctuation to spaces, company suffixes off, single spaces."""
    lowered = re.sub(r"[,&/]+", " ", text.lower())
    stripped = _SUFFIXES.sub(" ", lowered)
    return " ".join(stripped.replace(".", " ").split()) or " ".join(lowered.split())


def _base_product(product: str) -> str:
    """The product without a trailing parenthesized model or order number."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", product).strip()


def version_key(text: str) -> tuple[tuple[int, int | str], ...] | None:
    """Comparable pieces of a firmware version, or None when it has no digit."""
    cleaned = text.strip()
    if cleaned[:1] in "vV":
        cleaned = cleaned[1:]
    if not any(c.isdigit() for c in cleaned):
        return None
    pieces = _PIECES.findall(cleaned)
    key = [(1, int(p)) if p.isdigit() else (0, p.lower()) for p in pieces]
    while key and key[-1] == (1, 0):  # 5.5.0 is 5.5
        key.pop()
    return tuple(key)


def in_range(version: str, expression: str) -> bool:
    """Does `version` satisfy the range text (every constraint in it)?"""
    text = expression.strip()
    if text.lower().startswith("vers:"):
        text = text.split("/", 1)[1] if "/" in text else ""
    if text.strip() in ("*", "") or (
        "all versions" in text.lower() and not _CONSTRAINT.search(text)
    ):
        return True
    constraints = _CONSTRAINT.findall(text)
    key = version_key(version)
    if not constraints or key is None:
        return False
    for operator, bound in constraints:
        other = version_key(bound)
        if other is None:
            return False
        if not {
            "<": key < other,
            "<=": key <= other,
            ">": key > other,
            ">=": key >= other,
            "=": key == other,
        }[operator]:
            return False
    return True


@dataclass(frozen=True)
class _Product:
    device: AffectedDevice
    vendor: str
    product: str
    base: str


class DeviceMatcher:
    """Answers "which vulnerabilities affect vendor/product@version" from product entries."""

    def __init__(self, devices: Iterable[AffectedDevice]) -> None:
        self._by_vendor: dict[str, list[_Product]] = {}
        for device in devices:
            if device.status not in AFFECTED_STATUSES:
                continue
            vendor, product = normalize_name(device.vendor), normalize_name(device.product)
            entry = _Product(device, vendor, product, _base_product(product))
            self._by_vendor.setdefault(vendor, []).append(entry)

    def answer(self, vendor: str, product: str, version: str) -> Answer:
        answer = Answer()
        wanted = normalize_name(product)
        evidence: dict[str, list[dict[str, Any]]] = {}
        for entry in self._by_vendor.get(normalize_name(vendor), ()):
            if wanted not in (entry.product, entry.base):
                continue
            device = entry.device
            listed = any(
                version.strip().lower() == v.strip().lower()
                or (version_key(v) is not None and version_key(v) == version_key(version))
                for v in device.versions
            )
            ranges = [r for r in device.version_ranges if in_range(version, r)]
            if not listed and not ranges:
                continue
            evidence.setdefault(device.vulnerability_id, []).append(
                {
                    "record": device.record,
                    "product": device.product,
                    "listed_version": listed,
                    "range": ranges[0] if ranges else None,
                    "remediations": [
                        {"category": r.get("category"), "details": str(r.get("details", ""))[:300]}
                        for r in device.remediations[:3]
                    ],
                }
            )
        for vulnerability_id, found in evidence.items():
            answer.hits.append(Hit(vulnerability_id, tuple(found), ()))
        return answer
