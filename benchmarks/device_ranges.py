"""How many device version ranges of the CISA ICS advisories we can decide, and how many not.

Reads every CSAF advisory of ../shared/data/csaf-cisa-ics/*.tar.gz, takes each product an
advisory's vulnerabilities call affected (known, first or last affected), and sorts the version
text of its product tree leaf:

- a range (`product_version_range`) is "comparable" when a version written the way the range
  writes its own bounds gets a verdict from `range_verdict` (so "<=VDS R7.50 | <=FCN R4.20",
  whose bounds no single version can share, is not; nor is "< V3.X.17"); "any version" for
  "*" and "All versions";
  otherwise "cannot decide", further sorted by what the text looks like (a date, a serial
  number, other words);
- a listed version (`product_version`) is "any version" ("vers:all/*"), comparable (it has a
  digit) or cannot decide (words such as "TCP").

Counts are per advisory product entry, and per distinct text. The baselines, measured on the same
entries: the ranges comparable without the letter-prefix reading ("< FW14", ">=R9.01") and
without the bare-version-list reading ("1.1 | 1.2"). Prints the counts; asserts nothing.

    PYTHONPATH=src .venv/bin/python benchmarks/device_ranges.py
"""

from __future__ import annotations

import json
import re
import tarfile
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from clearinghouse.knowledge.sources.csaf_products import product_map
from clearinghouse.matching.firmware_ranges import (
    constraints,
    means_any_version,
    prefix_of,
    range_verdict,
    version_key,
)

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
AFFECTED = ("known_affected", "first_affected", "last_affected")
_MONTH = r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
_WILDCARD = re.compile(r"[._\-][xX]$")
_DATE = re.compile(rf"\b({_MONTH})[a-z]*\b|\b\d{{4}}-\d{{2}}-\d{{2}}\b|/(19|20)\d\d\b", re.I)


def documents() -> Iterator[Mapping[str, Any]]:
    for archive_path in sorted((SHARED / "csaf-cisa-ics").glob("*.tar.gz")):
        with tarfile.open(archive_path) as archive:
            for member in archive:
                handle = archive.extractfile(member) if member.name.endswith(".json") else None
                if handle is None:
                    continue
                data = json.loads(handle.read())
                if isinstance(data, dict) and isinstance(data.get("document"), dict):
                    yield data


def affected_leaves(document: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """("range" or "listed", text) of each product the document's vulnerabilities affect."""
    products = product_map(document.get("product_tree"))
    ids: set[str] = set()
    for vulnerability in document.get("vulnerabilities") or ():
        status = vulnerability.get("product_status") or {}
        for name in AFFECTED:
            ids.update(str(i) for i in status.get(name) or ())
    for product_id in sorted(ids):
        info = products.get(product_id)
        if info is None:
            continue
        yield from (("range", text) for text in info.version_ranges)
        yield from (("listed", text) for text in info.versions)


def range_class(text: str) -> str:
    if means_any_version(text):
        return "any version"
    found = constraints(text)
    if found and any(range_verdict(bound, text) is not None for _, bound in found):
        if any(prefix_of(bound) for _, bound in found):
            return "comparable: letter-prefixed bounds"
        if any(_WILDCARD.search(bound.strip()) for _, bound in found):
            return "comparable: wildcard bounds (<= 5.x)"
        if all(op == "=" for op, _ in found) and "=" not in text:
            return "comparable: bare version list"
        return "comparable"
    if found:
        return "cannot decide: bounds no one version meets (mixed prefixes, 3.x.17)"
    if "serial" in text.lower():
        return "cannot decide: a serial number"
    if _DATE.search(text):
        return "cannot decide: a date"
    return "cannot decide: other words"


def listed_class(text: str) -> str:
    if text.strip() and means_any_version(text):
        return "any version"
    return "comparable" if version_key(text) is not None else "cannot decide: no digit"


def main() -> None:
    entries: Counter[str] = Counter()
    distinct: dict[str, set[str]] = {}
    advisories = 0
    for document in documents():
        advisories += 1
        for kind, text in affected_leaves(document):
            label = f"{kind}: " + (range_class(text) if kind == "range" else listed_class(text))
            entries[label] += 1
            distinct.setdefault(label, set()).add(text)
    print(f"{advisories} advisories; device version text of the products they call affected:")
    for label in sorted(entries):
        print(f"  {entries[label]:6d} entries  {len(distinct[label]):5d} distinct  {label}")
    ranges = sum(n for label, n in entries.items() if label.startswith("range"))
    decided = sum(
        n for label, n in entries.items() if label.startswith(("range: comparable", "range: any"))
    )
    prefixed = entries["range: comparable: letter-prefixed bounds"]
    bare = entries["range: comparable: bare version list"]
    print(
        f"ranges decidable: {decided} of {ranges} ({decided / ranges:.1%}); "
        f"without the letter-prefix reading {decided - prefixed} "
        f"(x{decided / (decided - prefixed):.3f} now); "
        f"without the bare-list reading {decided - bare} (x{decided / (decided - bare):.3f} now)"
    )


if __name__ == "__main__":
    main()
