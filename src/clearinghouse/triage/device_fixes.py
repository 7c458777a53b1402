"""Fixes for devices: the firmware or software version that leaves a device's findings behind.

Device advisories (CISA ICS and medical CSAF, vendors' CSAF, CVE records' CPE products) name a
vendor's product, its affected versions as free-text ranges, and how to fix it in remediations.
For a device finding, the **statements** read are the product entries of every record of the
vulnerability that name the same vendor and product as the one that matched (names compared as
matching compares them). Its **candidate** fixed versions:

- versions of the product listed as `fixed`, `first_fixed`, `recommended` or
  `known_not_affected`, and the lower bounds (`>=X`) of such entries' ranges;
- the exclusive upper bound of an affected range (`<2024.2`, `vers:intdot/<4.2`,
  `All versions < V5.5`): the first version outside it;
- versions a `vendor_fix` remediation names ("updating … to v14.0.4 or later", "versions
  1.9.4.2: Available Q3 2024", "Version: MS_2.7.9973", "released R-SeeNet 2.4.23"), and those
  any other remediation names next to the product's own name ("Welch Allyn Connex Spot
  Monitor: Version 1.52.01"). A version is a word such as "version", "firmware", "FW",
  "release", "to" or a leading "v" followed by numbers with at least one dot, or numbers with a
  dot right after the product's name ("Q3 2024" and phone numbers are no versions).

A candidate **fixes** the finding when it is above the device's version and no affected entry
of the product covers it (listed, or inside one of its ranges): a text that names a version the
advisory's own ranges still call affected does not count. Versions compare as device matching
compares them (matching.devices.version_key: piece by piece, numbers as numbers, a leading "v"
and trailing ".0"s ignored). An affected entry without versions or ranges covers every version.

When no version fixes a finding but the advisories give `vendor_fix` remediations, those are
the action: "apply the vendor's fix", with its words and its link.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from clearinghouse.matching import service as matching

DEVICE = "device"  # the ecosystem of a device finding
FIXED_STATUSES = frozenset({"fixed", "first_fixed", "recommended", "known_not_affected"})
MAX_FIX_TEXT = 500
# "<X" but not "<=X"; the bound is the first version outside the range.
_BELOW = re.compile(r"(?<![<>=!])<(?!=)\s*([A-Za-z]{0,4}[_-]?[vV]?\d[\w.\-+]*)")
_AT_LEAST = re.compile(r"(?:>=|(?<![<>!])=)\s*([A-Za-z]{0,4}[_-]?[vV]?\d[\w.\-+]*)")
# A version after the words that introduce one in a fix: "version 2024.2", "to v14.0.4",
# "Version: MS_2.7.9973", "firmware V3.3", "release 12.2". At least one dot: "Q3 2024" and
# phone numbers are not versions.
_NAMED = re.compile(
    r"(?:\bversions?\b|\bfirmware\b|\bfw\b|\brelease\b|\bto\b|\bupdate\b|(?<![\w.])(?=[vV]\d))"
    r"\s*:?\s*([A-Za-z]{0,4}[_-]?[vV]?\d+(?:\.\d+)+)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ProductStatement:
    """One product entry of one advisory record, as the advisory writes it."""

    record: str  # "csaf:ICSMA-24-200-01#CVE-2020-36518"
    vendor: str
    product: str
    status: str
    versions: tuple[str, ...]
    version_ranges: tuple[str, ...]
    remediations: tuple[Mapping[str, Any], ...]

    def covers(self, version: str) -> bool | None:
        """Is `version` one this (affected) entry names? None: its text cannot say (a date, a
        serial number), as matching's "cannot decide"."""
        if not self.versions and not self.version_ranges:
            return True
        verdicts = [matching.listed_verdict(version, self.versions)] if self.versions else []
        verdicts += [matching.range_verdict(version, r) for r in self.version_ranges]
        return _any(verdicts)


@dataclass(frozen=True)
class VendorFix:
    details: str
    url: str | None


@dataclass(frozen=True)
class DeviceFix:
    """What fixes one device finding."""

    product: str  # "Philips Vue PACS": the vendor and product as the advisory names them
    versions: tuple[str, ...]  # fixed versions above the device's, ascending
    vendor_fixes: tuple[VendorFix, ...]  # the vendor's own words, for when no version is known
    affected: tuple[ProductStatement, ...]

    def still_affected(self, version: str) -> bool | None:
        """None when no statement says so and one cannot say: the plan then trusts only the
        versions the advisory itself calls fixed."""
        return _any([s.covers(version) for s in self.affected])


def _any(verdicts: Sequence[bool | None]) -> bool | None:
    """True if one says yes; else None if one cannot say; else False."""
    return True if True in verdicts else None if None in verdicts else False


def statements_of(
    records: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> tuple[ProductStatement, ...]:
    """The product entries of a vulnerability's records ((source, fields, document) each)."""
    found = []
    for source, fields, _document in records:
        record = f"{source}:{fields.get('record_id')}"
        for product in fields.get("products") or ():
            if not isinstance(product, Mapping):
                continue
            found.append(
                ProductStatement(
                    record,
                    str(product.get("vendor") or ""),
                    str(product.get("product") or ""),
                    str(product.get("status") or "known_affected"),
                    tuple(str(v) for v in product.get("versions") or ()),
                    tuple(str(r) for r in product.get("version_ranges") or ()),
                    tuple(r for r in product.get("remediations") or () if isinstance(r, Mapping)),
                )
            )
    return tuple(found)


def matched_products(evidence: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The (record, product) pairs a device finding's matching evidence names: all that
    `device_fix` reads of it."""
    return tuple(
        (match["record"], match["product"])
        for match in evidence.get("matched") or ()
        if isinstance(match, Mapping)
        and isinstance(match.get("record"), str)
        and isinstance(match.get("product"), str)
    )


def _related(
    evidence: Mapping[str, Any], statements: Sequence[ProductStatement]
) -> list[ProductStatement]:
    """The statements about the product that matched: same vendor, same product."""
    wanted: set[tuple[str, str]] = set()
    for record, product in matched_products(evidence):
        keys = matching.product_keys(product)
        for s in statements:
            if s.record == record and matching.product_keys(s.product) == keys:
                wanted.add((matching.name_key(s.vendor), keys[1]))
    return [
        s
        for s in statements
        if (matching.name_key(s.vendor), matching.product_keys(s.product)[1]) in wanted
    ]


def _text(remediation: Mapping[str, Any]) -> str:
    return " ".join(str(remediation.get("details") or "").split())


def _after_name(product: str) -> re.Pattern[str]:
    """A version right after the product's name: "released R-SeeNet 2.4.23"."""
    name = r"\s+".join(re.escape(word) for word in product.split())
    return re.compile(name + r"\s*:?\s*([vV]?\d+(?:\.\d+)+)", re.IGNORECASE)


def _named_versions(statement: ProductStatement) -> Iterable[str]:
    base = matching.product_keys(statement.product)[1]
    after_name = _after_name(statement.product) if statement.product.strip() else None
    for remediation in statement.remediations:
        if remediation.get("kind", "remediation") != "remediation":
            continue
        text = _text(remediation)
        names_product = base and base in matching.name_key(text)
        if remediation.get("category") == "vendor_fix" or names_product:
            yield from _NAMED.findall(text)
            if after_name is not None:
                yield from after_name.findall(text)


def _candidates(related: Sequence[ProductStatement]) -> Iterable[str]:
    for s in related:
        if s.status in FIXED_STATUSES:
            yield from s.versions
            for text in s.version_ranges:
                yield from _AT_LEAST.findall(text)
        elif s.status in matching.AFFECTED_STATUSES:
            for text in s.version_ranges:
                yield from _BELOW.findall(text)
        yield from _named_versions(s)


def device_fix(
    evidence: Mapping[str, Any], version: str | None, statements: Sequence[ProductStatement]
) -> DeviceFix | None:
    """What fixes a device finding (its matching evidence, the device's version), from the
    vulnerability's product statements; None when no statement is about its product."""
    related = _related(evidence, statements)
    if not related:
        return None
    affected = tuple(s for s in related if s.status in matching.AFFECTED_STATUSES)
    first = affected[0] if affected else related[0]
    vendor, product = " ".join(first.vendor.split()), " ".join(first.product.split())
    if not matching.normalize_name(product).startswith(matching.normalize_name(vendor)):
        product = f"{vendor} {product}"
    current = matching.version_key(version) if version else None
    fixes: dict[tuple[tuple[int, int | str], ...], str] = {}
    if current is not None:
        for candidate in _candidates(related):
            key = matching.version_key(candidate)
            if key is None or key <= current or key in fixes:
                continue
            # Offered only when every statement clears it, not when one cannot say.
            if all(s.covers(candidate) is False for s in affected):
                fixes[key] = _spelled_like(candidate.strip(), version or "")
    vendor_fixes = {
        VendorFix(_text(r)[:MAX_FIX_TEXT], str(r["url"]) if r.get("url") else None): None
        for s in affected
        for r in s.remediations
        if r.get("category") == "vendor_fix" and _text(r)
    }
    return DeviceFix(
        product,
        tuple(fixes[k] for k in sorted(fixes)),
        tuple(vendor_fixes),
        affected,
    )


def _spelled_like(candidate: str, version: str) -> str:
    """ "v14.0.4" for a device at "14.0.3" reads "14.0.4"; "V5.5.2" stays for one at "V5.5.1"."""
    if candidate[:1] in "vV" and candidate[1:2].isdigit() and version[:1] not in "vV":
        return candidate[1:]
    return candidate


def device_order(a: str, b: str) -> int:
    """Device versions in order (unreadable ones by their text, after the readable)."""
    ka, kb = matching.version_key(a), matching.version_key(b)
    if ka is None or kb is None:
        return (ka is None) - (kb is None) or (a > b) - (a < b)
    return (ka > kb) - (ka < kb)
