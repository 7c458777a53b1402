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
- the version is one the advisory lists, or in one of its ranges (`*` and "all versions" match
  any version; see `clearinghouse.matching.firmware_ranges`).

When vendor and product match but no listed version or range decides either way (a range
written as a date or in words, a bound behind another prefix, a version without a digit), the
advisory is answered as undecided: the operator is told it names the device, and why we cannot
tell whether it applies, instead of being told nothing.
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
from clearinghouse.matching.firmware_ranges import listed_verdict, range_verdict, version_key
from clearinghouse.matching.packages import Answer, Hit

AFFECTED_STATUSES = {"known_affected", "first_affected", "last_affected"}
MAX_RANGE_TEXT = 300  # characters of a range we cannot compare, as the finding keeps it
MAX_RANGES_KEPT = 10
_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|ltd|limited|gmbh|ag|se|sa|s\.a|co|corp|corporation|company|"
    r"plc|bv|b\.v|nv|oy|ab|as|kg|spa|s\.p\.a|srl|pty|kk)\b\.?"
)


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
        affected: dict[str, list[dict[str, Any]]] = {}
        undecided: dict[str, list[dict[str, Any]]] = {}
        for entry, how in self._candidates(vendor, product, own):
            verdict, found = _version_evidence(entry, version)
            if verdict is not False:
                found["matched_by"] = how
                chosen = affected if verdict else undecided
                chosen.setdefault(entry.device.vulnerability_id, []).append(found)
        answer = Answer()
        for vulnerability_id, found_list in affected.items():
            answer.hits.append(Hit(vulnerability_id, tuple(found_list), ()))
        for vulnerability_id, found_list in undecided.items():
            # Another of the advisory's entries may decide: then it is a finding, not a doubt.
            if vulnerability_id not in affected:
                answer.undecided.append(Hit(vulnerability_id, tuple(found_list), ()))
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


def _version_evidence(entry: _Product, version: str) -> tuple[bool | None, dict[str, Any]]:
    """Whether this version is affected by this product entry (None: cannot decide), and the
    evidence: the range that matched, or the listed versions and ranges that could not be
    compared with it."""
    device = entry.device
    listed = listed_verdict(version, device.versions)
    verdicts = [(r, range_verdict(version, r)) for r in device.version_ranges]
    ranges = [r for r, verdict in verdicts if verdict]
    by_cpe = (
        not device.versions
        and not device.version_ranges
        and entry.cpe is not None
        and _cpe_version_covers(entry.cpe.version, version)
    )
    found: dict[str, Any] = {"record": device.record, "product": device.product, "cpe": device.cpe}
    remediations = [
        {"category": r.get("category"), "details": str(r.get("details", ""))[:300]}
        for r in device.remediations[:3]
    ]
    if listed or ranges or by_cpe:
        found |= {
            "listed_version": bool(listed),
            "range": ranges[0] if ranges else None,
            "remediations": remediations,
        }
        return True, found
    unreadable = [r for r, verdict in verdicts if verdict is None]
    if listed is None:
        own = version_key(version) is None
        unreadable += [v for v in device.versions if (version_key(v) is None) != own]
    if not unreadable:
        return False, found
    # The advisory author's text, kept short: it is shown, not parsed again.
    shown = [text[:MAX_RANGE_TEXT] for text in unreadable[:MAX_RANGES_KEPT]]
    return None, found | {"cannot_compare": shown, "remediations": remediations}


def _cpe_version_covers(advisory: CpeValue, version: str) -> bool:
    if advisory.is_any:
        return True
    if advisory.is_concrete:
        key = version_key(advisory.text)
        return key is not None and key == version_key(version)
    return advisory.covers(CpeValue(version.strip().lower()))
