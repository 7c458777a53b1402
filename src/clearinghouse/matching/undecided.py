"""What an operator reads about an advisory that names their device but cannot be decided.

"ICSA-20-303-01 names your product (MELSEC Q Q03 UDECPU), but its affected versions are written
as '<=the_first_5_digits_of_serial_number_22081', which we cannot compare with your version
'22074'; check with the vendor." The advisory's pages go beside it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from clearinghouse.knowledge.service import AdvisoryPage
from clearinghouse.matching.schemas import Doubt

SHOWN_RANGES = 3


def records_of(evidence: Mapping[str, Any]) -> list[str]:
    """The source records ("csaf:ICSA-…") an undecided finding's evidence names."""
    return [
        str(e["record"])
        for e in evidence.get("cannot_decide") or ()
        if isinstance(e, Mapping) and e.get("record")
    ]


def doubt_of(
    evidence: Mapping[str, Any], version: str | None, pages: Mapping[str, AdvisoryPage]
) -> Doubt:
    """Why an undecided finding cannot be decided, from its stored evidence; `pages` give the
    advisories' links and their products as they write them."""
    entries = [e for e in evidence.get("cannot_decide") or () if isinstance(e, Mapping)]
    records = dict.fromkeys(_advisory_name(str(e.get("record") or "")) for e in entries)
    products = [p for p in dict.fromkeys(_written(e, pages) for e in entries) if p]
    ranges = list(dict.fromkeys(str(r) for e in entries for r in e.get("cannot_compare") or ()))
    advisory = " and ".join(r for r in records if r) or "An advisory"
    names = "names" if len(records) < 2 else "name"
    product = f" ({', '.join(products)})" if products else ""
    text = (
        f"{advisory} {names} your product{product}, but its affected versions are written as "
        f"{_quoted(ranges) if ranges else 'nothing we can read'}, which we cannot compare with "
        f"your version '{version or ''}'; check with the vendor."
    )
    urls = [u for r in records_of(evidence) if r in pages for u in pages[r].urls]
    return Doubt(
        text=text,
        product=products[0] if products else None,
        ranges=ranges,
        advisories=list(dict.fromkeys(urls)),
    )


def _quoted(texts: Sequence[str]) -> str:
    shown = [f"'{' '.join(t.split())}'" for t in texts[:SHOWN_RANGES]]
    more = len(texts) - len(shown)
    return " or ".join(shown) + (f" (and {more} more)" if more else "")


def _advisory_name(record: str) -> str:
    """ "csaf:ICSA-20-303-01#CVE-2020-5652" is advisory ICSA-20-303-01."""
    return record.split(":", 1)[-1].split("#", 1)[0]


def _written(entry: Mapping[str, Any], pages: Mapping[str, AdvisoryPage]) -> str:
    """The entry's product as its advisory writes it (the knowledge base keys it lower case)."""
    stored = str(entry.get("product") or "")
    page = pages.get(str(entry.get("record") or ""))
    return page.products.get(stored, stored) if page is not None else stored
