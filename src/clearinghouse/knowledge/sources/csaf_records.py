"""One CSAF document → one source record per `vulnerabilities[]` entry.

- **record_id** is `<tracking.id>#<CVE>`, or `<tracking.id>#<index>` for a vulnerability without
  a CVE (its position in `vulnerabilities[]`: CSAF gives such a vulnerability no id of its own;
  `ids[]` is optional and not unique). The document's id is part of it because a CVE is told by
  many documents — a vendor's advisory, a coordinator's, a VEX statement per product — and
  records of one source are keyed by record_id: with the bare CVE, each document would replace
  the last one's products (in the CISA ICS corpus, 575 CVEs are in two or more advisories).
- **aliases**: the CVE, and each `ids[]` entry as `<system_name>:<text>` (the text alone when it
  is itself a CVE or GHSA id) unless another vulnerability of the same document carries it too,
  which makes it a group's id, not this vulnerability's. The document's `tracking.id` is never
  an alias: a document tells of several vulnerabilities. It is in the record id, the packages'
  `database_specific`, the ADVISORY references (the document's `self` links) and `document`.
- **products**: one row per product id in each `product_status` list, with the statements that
  name it — remediations, VEX justification flags, threats — in `remediations`, each tagged with
  `kind`. A relationship's product is shown as its component; its platform gets a row of its own.
- **affected packages**: see csaf_packages.affected_packages.
- **document**: the CSAF document cut down to this vulnerability and the products it names; it
  is itself a valid CSAF 2.0 document, so it can be exported as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from clearinghouse.knowledge.sources.csaf_packages import affected_packages
from clearinghouse.knowledge.sources.csaf_products import (
    ProductInfo,
    product_groups,
    product_ids,
    product_map,
    relevant_document,
)
from clearinghouse.knowledge.sources.interface import (
    AffectedProduct,
    RecordRejected,
    Reference,
    Severity,
    SourceRecord,
)
from clearinghouse.plain_text import clip

STATUSES = (
    "known_affected",
    "first_affected",
    "last_affected",
    "fixed",
    "first_fixed",
    "recommended",
    "known_not_affected",
    "under_investigation",
)
_GLOBAL_ID = re.compile(r"CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}")


def _when(value: Any, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise RecordRejected(f"{field}: {value!r} is not an RFC 3339 time") from None


def _statements(
    vulnerability: Mapping[str, Any], groups: Mapping[str, tuple[str, ...]]
) -> dict[str, list[dict[str, Any]]]:
    """product id -> what the vulnerability says about it besides its status."""
    by_product: dict[str, list[dict[str, Any]]] = {}
    for kind, key in (("remediation", "remediations"), ("flag", "flags"), ("threat", "threats")):
        for item in vulnerability.get(key) or ():
            # The product lists are left out: a row names its product, and Red Hat's lists run
            # to thousands of ids, which every row would otherwise repeat.
            statement = {"kind": kind} | {
                k: v for k, v in item.items() if k not in ("product_ids", "group_ids")
            }
            for product_id in product_ids(item, groups):
                by_product.setdefault(product_id, []).append(statement)
    return by_product


def _fits(value: str | None, limit: int) -> str | None:
    """An identifier that fits its column, or None: a cut CPE or purl would name another thing
    (the whole one stays in `document`)."""
    return value if value is None or len(value) <= limit else None


def _row(info: ProductInfo, status: str, statements: list[dict[str, Any]]) -> AffectedProduct:
    return AffectedProduct(
        vendor=info.vendor,
        product=info.product,
        versions=info.versions,
        version_ranges=info.version_ranges,
        cpe=_fits(info.cpe, 500),
        purl=_fits(info.purl, 500),
        status=status,
        product_id=info.product_id[:300],
        remediations=tuple(statements),
    )


def _products(
    vulnerability: Mapping[str, Any],
    products: Mapping[str, ProductInfo],
    statements: Mapping[str, list[dict[str, Any]]],
) -> list[AffectedProduct]:
    rows: dict[tuple[str, str, str, str], AffectedProduct] = {}
    for status in STATUSES:
        for product_id in vulnerability.get("product_status", {}).get(status) or ():
            info = products.get(str(product_id))
            if info is None:  # mandatory test 6.1.1 rejected such a document before
                raise RecordRejected(f"product_status.{status}: undefined product {product_id!r}")
            row = _row(info, status, statements.get(info.product_id, []))
            rows.setdefault((info.product_id, status, info.vendor, info.product), row)
            # The platform a component belongs to (or is installed on) has this status too,
            # through it: a VEX statement is about the vendor's product, not only the library.
            platform = info.platform
            while platform is not None:
                key = (platform.product_id, status, platform.vendor, platform.product)
                rows.setdefault(key, _row(platform, status, []))
                platform = platform.platform
    return list(rows.values())


def _aliases(vulnerability: Mapping[str, Any], shared: set[tuple[str, str]]) -> tuple[str, ...]:
    aliases = [str(vulnerability["cve"])] if vulnerability.get("cve") else []
    for entry in vulnerability.get("ids") or ():
        system, text = str(entry["system_name"]).strip(), str(entry["text"]).strip()
        if (system, text) in shared:
            continue
        aliases.append(text if _GLOBAL_ID.fullmatch(text) else f"{system}:{text}"[:200])
    return tuple(dict.fromkeys(aliases))


def _texts(vulnerability: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """Summary: the title, else the first sentence of the first `summary` note. Details: the
    `description` notes and the `summary` notes, whole."""
    notes = vulnerability.get("notes") or ()
    summaries = [str(n["text"]).strip() for n in notes if n.get("category") == "summary"]
    descriptions = [str(n["text"]).strip() for n in notes if n.get("category") == "description"]
    summary = str(vulnerability.get("title") or "").strip() or None
    if summary is None and summaries:
        summary = headline(summaries[0])
    details = "\n\n".join(t for t in (*descriptions, *summaries) if t and t != summary)
    return summary, details or None


# A sentence ends at . ! or ? before a space or a capital letter (CISA's notes often run
# "…code execution.CVE-2021-44228 has been assigned…" together).
_SENTENCE_END = re.compile(r"[.!?](?=\s|[A-Z]|$)")
HEADLINE_LIMIT = 200


def headline(text: str) -> str:
    """A note's first sentence, as a one-line summary: an advisory's summary notes are
    paragraphs, shown under every finding. Sentences shorter than 20 characters ("U.S.",
    "Inc.") are not taken as the end; past HEADLINE_LIMIT the text is cut at a word."""
    flat = " ".join(text.split())
    for end in _SENTENCE_END.finditer(flat):
        if end.end() >= 20:
            return clip(flat[: end.end()], HEADLINE_LIMIT)
    return clip(flat, HEADLINE_LIMIT)


def _references(data: Mapping[str, Any], vulnerability: Mapping[str, Any]) -> tuple[Reference, ...]:
    found: dict[str, str] = {}
    for reference in data["document"].get("references") or ():
        if reference.get("category") == "self":  # the advisory itself: its tracking id's page
            found.setdefault(str(reference["url"]), "ADVISORY")
    for reference in vulnerability.get("references") or ():
        kind = "ADVISORY" if reference.get("category") == "self" else "WEB"
        found.setdefault(str(reference["url"]), kind)
    for remediation in vulnerability.get("remediations") or ():
        if remediation.get("url") and remediation.get("category") == "vendor_fix":
            found.setdefault(str(remediation["url"]), "FIX")
    return tuple(Reference(kind, url) for url, kind in found.items())


def _severities(vulnerability: Mapping[str, Any], publisher: str) -> tuple[Severity, ...]:
    found: dict[tuple[str, str], Severity] = {}
    for score in vulnerability.get("scores") or ():
        for key, kind in (("cvss_v3", "CVSS_V3"), ("cvss_v2", "CVSS_V2")):
            vector = (score.get(key) or {}).get("vectorString")
            if vector:
                found.setdefault((kind, vector), Severity(kind, str(vector), publisher or None))
    return tuple(found.values())


def records_from_csaf(
    data: Mapping[str, Any], *, source: str, origin: str
) -> Iterator[SourceRecord]:
    """The records of a schema-valid CSAF 2.0 document (none for one without vulnerabilities)."""
    meta = data["document"]
    tracking = meta["tracking"]
    tracking_id = str(tracking["id"])
    publisher = str(meta["publisher"].get("name") or "")
    tree = data.get("product_tree")
    products = product_map(tree)
    groups = product_groups(tree)
    vulnerabilities = list(data.get("vulnerabilities") or ())
    # An ids[] entry several vulnerabilities carry names a group (a vendor bug, an advisory).
    seen: dict[tuple[str, str], int] = {}
    for vulnerability in vulnerabilities:
        for pair in {
            (str(e["system_name"]).strip(), str(e["text"]).strip())
            for e in vulnerability.get("ids") or ()
        }:
            seen[pair] = seen.get(pair, 0) + 1
    shared = {pair for pair, count in seen.items() if count > 1}
    published = _when(tracking.get("initial_release_date"), "tracking.initial_release_date")
    modified = _when(tracking.get("current_release_date"), "tracking.current_release_date")
    if len(tracking_id) > 180:
        raise RecordRejected(f"document.tracking.id is {len(tracking_id)} characters; at most 180")
    for index, vulnerability in enumerate(vulnerabilities):
        cve = vulnerability.get("cve")
        summary, details = _texts(vulnerability)
        cwe = (vulnerability.get("cwe") or {}).get("id")
        yield SourceRecord(
            source=source,
            record_id=f"{tracking_id}#{cve or index}",
            origin=origin,
            aliases=_aliases(vulnerability, shared),
            summary=summary,
            details=details,
            published=published,
            modified=modified,
            severities=_severities(vulnerability, publisher),
            cwes=(str(cwe),) if cwe else (),
            affected=tuple(affected_packages(vulnerability, products, tracking_id)),
            products=tuple(_products(vulnerability, products, _statements(vulnerability, groups))),
            references=_references(data, vulnerability),
            document=relevant_document(data, vulnerability),
        )
