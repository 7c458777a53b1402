"""Matching devices: a vendor's product at a firmware version against CSAF product trees and CPEs.

Device advisories (CISA ICS, vendor CSAF) name products the way their vendors write them
("SCALANCE X204IRT (6GK5204-0BA00-2BA3)") and versions as ranges in free text ("< V5.5.0",
">=1.2|<=1.4", "vers:all/<V2.1", "All BIOS versions < V1.2.34"). A device list names a vendor,
a product and the version on its label. They match when:

- the vendors are the same after normalization (case, punctuation, spacing, underscores as CPEs
  write spaces, and company suffixes such as Inc., AG, GmbH, Corporation taken off; then only
  letters and digits count, so "D-Link", "D Link" and "dlink" are one vendor);
- the products are the same after the same normalization, or the advisory's product is the
  device's followed by a parenthesized model or order number;
- or, when both the device and the advisory give a CPE, the advisory's CPE covers the device's
  in every attribute but the version (see `clearinghouse.knowledge.cpe`);
- the version is one the advisory lists, or satisfies every constraint of one of its ranges
  (`*` and "all versions" match any version). Versions compare piece by piece, numbers as
  numbers, a leading "v" ignored; a version without a digit only matches an equal listed one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from clearinghouse.knowledge.service import (
    AffectedDevice,
    Cpe,
    CpeError,
    CpeValue,
    device_cpe,
    parse_cpe,
)
from clearinghouse.matching.packages import Answer, Hit

AFFECTED_STATUSES = {"known_affected", "first_affected", "last_affected"}
_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|ltd|limited|gmbh|ag|se|sa|s\.a|co|corp|corporation|company|"
    r"plc|bv|b\.v|nv|oy|ab|as|kg|spa|s\.p\.a|srl|pty|kk)\b\.?"
)
# A bound: a version, perhaps behind a letter prefix ("FW14", "R9.90", "QRTB_2.12.7"), with a
# service pack, update, patch or build written after a space.
_CONSTRAINT = re.compile(
    r"(!=|<=|>=|<|>|=)\s*([A-Za-z]*[_\-]?\d[\w.\-+]*(?:\s+(?:SP|Update|Patch|Build)\s*\d+)?)",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^([A-Za-z][A-Za-z _\-]*?)[ _\-]?(?=\d)")
_LOWER = frozenset({">", ">="})
_HOLDS = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
_PIECES = re.compile(r"\d+|[a-zA-Z]+")


def normalize_name(text: str) -> str:
    """Lower case, punctuation to spaces, company suffixes off, single spaces."""
    lowered = re.sub(r"[,&/_]+", " ", text.lower())
    stripped = _SUFFIXES.sub(" ", lowered)
    return " ".join(stripped.replace(".", " ").split()) or " ".join(lowered.split())


def compact(name: str) -> str:
    """A normalized name's letters and digits only: the key names are compared by."""
    return "".join(c for c in name if c.isalnum())


def name_key(text: str) -> str:
    """The key a name is compared by, normalized first: "D-Link Corporation" and "dlink" are one."""
    return compact(normalize_name(text))


def vendor_prefix(vendor: str) -> str:
    """What candidate rows are fetched by: the first letter or digit of the vendor's name.

    Short, because "D-Link" and "dlink" must find each other; the full comparison follows.
    """
    key = name_key(vendor)
    return key[:1] or vendor.strip().lower()[:1]


def _base_product(product: str) -> str:
    """The product without a trailing parenthesized model or order number."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", product).strip()


def product_keys(product: str) -> tuple[str, str]:
    """The keys a product name is compared by: its compact name, and without a trailing
    parenthesized model or order number."""
    name = normalize_name(product)
    return compact(name), compact(_base_product(name))


Key = tuple[tuple[int, int | str], ...]


def version_key(text: str) -> Key | None:
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


def _prefix(text: str) -> str:
    """The letters before a version's first digit ("FW" of "FW14"), lower case; "v" is none."""
    found = _PREFIX.match(text.strip())
    prefix = found[1].lower().replace("_", "").replace("-", "").replace(" ", "") if found else ""
    return "" if prefix == "v" else prefix


def _keys(version: str, bound: str) -> tuple[Key, Key] | None:
    """The two versions' comparable keys, or None when they cannot be compared: a bound with a
    letter prefix ("< FW14") only speaks of versions with the same prefix ("FW12")."""
    prefix = _prefix(bound)
    if prefix:
        if _prefix(version) != prefix:
            return None
        version, bound = _PREFIX.sub("", version.strip()), _PREFIX.sub("", bound.strip())
    key, other = version_key(version), version_key(bound)
    return None if key is None or other is None else (key, other)


def in_range(version: str, expression: str) -> bool:
    """Is `version` in the range text?

    The constraints are read as the package-url "vers" specification reads them: in version
    order, a lower bound opens an interval and the next upper bound closes it (an upper bound
    with none open starts at the lowest version; a lower bound left open runs to the highest),
    `=` is a single version and `!=` takes one out; the range is the union. A range of one
    interval (">=1.2|<1.4", "< V5.5.0") is thus every constraint at once, and
    "vers:generic/<2|>=3" is two intervals, not none. A bound that cannot be compared with the
    version (no digit, another letter prefix) leaves the range unjudged: no match.
    """
    text = expression.strip()
    if text.lower().startswith("vers:"):
        text = text.split("/", 1)[1] if "/" in text else ""
    if text.strip() in ("*", "") or (
        "all versions" in text.lower() and not _CONSTRAINT.search(text)
    ):
        return True
    constraints = _CONSTRAINT.findall(text)
    if not constraints:
        return False
    bounds: list[tuple[Key, int, str, Key]] = []
    for operator, bound in constraints:
        keys = _keys(version, bound)
        if keys is None:
            return False
        key, other = keys
        if operator == "!=" and key == other:
            return False
        bounds.append((other, 0 if operator in _LOWER else 1, operator, key))
    opened: tuple[str, Key] | None = None
    for other, _, operator, key in sorted(bounds, key=lambda b: (b[0], b[1])):
        if operator == "=":
            if key == other:
                return True
        elif operator in _LOWER:
            opened = opened or (operator, other)
        elif operator != "!=":
            above = opened is None or _HOLDS[opened[0]](key, opened[1])
            if above and _HOLDS[operator](key, other):
                return True
            opened = None
    return opened is not None and _HOLDS[opened[0]](bounds[0][3], opened[1])


@dataclass(frozen=True)
class _Product:
    device: AffectedDevice
    names: tuple[str, str]  # compact product, and compact product without its model number
    cpe: Cpe | None


def _advisory_cpe(text: str | None) -> Cpe | None:
    """An advisory's CPE, or None when it has none or one we cannot read (names still match)."""
    if not text:
        return None
    try:
        return parse_cpe(text)
    except CpeError:
        return None


class DeviceMatcher:
    """Answers "which vulnerabilities affect vendor/product@version" from product entries."""

    def __init__(self, devices: Iterable[AffectedDevice]) -> None:
        self._by_vendor: dict[str, list[_Product]] = {}
        self._by_cpe: dict[tuple[str, str], list[_Product]] = {}
        self._wild_cpes: list[_Product] = []  # advisories whose CPE vendor or product is a pattern
        for device in devices:
            if device.status not in AFFECTED_STATUSES:
                continue
            product = normalize_name(device.product)
            cpe = _advisory_cpe(device.cpe)
            entry = _Product(device, (compact(product), compact(_base_product(product))), cpe)
            self._by_vendor.setdefault(name_key(device.vendor), []).append(entry)
            if cpe is None:
                continue
            if cpe.vendor.is_concrete and cpe.product.is_concrete:
                self._by_cpe.setdefault((cpe.vendor.text, cpe.product.text), []).append(entry)
            else:
                self._wild_cpes.append(entry)

    def answer(self, vendor: str, product: str, version: str, cpe: str | None = None) -> Answer:
        """The advisories naming this device; `cpe` is the device's own CPE, if it has one."""
        own = _own_cpe(cpe)
        if own is not None and own.version.is_concrete:
            version = str(own.version)
        evidence: dict[str, list[dict[str, Any]]] = {}
        for entry, how in self._candidates(vendor, product, own):
            found = _version_evidence(entry, version)
            if found is not None:
                found["matched_by"] = how
                evidence.setdefault(entry.device.vulnerability_id, []).append(found)
        answer = Answer()
        for vulnerability_id, found_list in evidence.items():
            answer.hits.append(Hit(vulnerability_id, tuple(found_list), ()))
        return answer

    def _candidates(
        self, vendor: str, product: str, own: Cpe | None
    ) -> Iterable[tuple[_Product, str]]:
        seen: set[int] = set()
        if own is not None:
            key = (own.vendor.text, own.product.text)
            for entry in (*self._by_cpe.get(key, ()), *self._wild_cpes):
                if entry.cpe is not None and entry.cpe.covers(own):
                    seen.add(id(entry))
                    yield entry, "cpe"
        wanted = name_key(product)
        for entry in self._by_vendor.get(name_key(vendor), ()):
            if wanted in entry.names and id(entry) not in seen:
                yield entry, "name"


def _own_cpe(text: str | None) -> Cpe | None:
    """A device's CPE when it names its product; otherwise its names alone are matched (an
    SBOM may carry a CPE that is malformed or all wildcards: that is no reason to fail)."""
    if not text:
        return None
    try:
        return device_cpe(text)
    except CpeError:
        return None


def _version_evidence(entry: _Product, version: str) -> dict[str, Any] | None:
    """Why this version is affected by this product entry, or None when it is not."""
    device = entry.device
    key = version_key(version)
    listed = any(
        version.strip().lower() == v.strip().lower() or (key is not None and version_key(v) == key)
        for v in device.versions
    )
    ranges = [r for r in device.version_ranges if in_range(version, r)]
    by_cpe = (
        not device.versions
        and not device.version_ranges
        and entry.cpe is not None
        and _cpe_version_covers(entry.cpe.version, version)
    )
    if not (listed or ranges or by_cpe):
        return None
    return {
        "record": device.record,
        "product": device.product,
        "cpe": device.cpe,
        "listed_version": listed,
        "range": ranges[0] if ranges else None,
        "remediations": [
            {"category": r.get("category"), "details": str(r.get("details", ""))[:300]}
            for r in device.remediations[:3]
        ],
    }


def _cpe_version_covers(advisory: CpeValue, version: str) -> bool:
    if advisory.is_any:
        return True
    if advisory.is_concrete:
        key = version_key(advisory.text)
        return key is not None and key == version_key(version)
    return advisory.covers(CpeValue(version.strip().lower()))
