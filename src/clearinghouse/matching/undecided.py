"""What an operator reads about an advisory that names their device or package but cannot be
decided.

"ICSA-20-303-01 names your product (MELSEC Q Q03 UDECPU), but its affected versions are written
as '<=the_first_5_digits_of_serial_number_22081', which we cannot compare with your version
'22074'; check with the vendor." The advisory's pages go beside it. For a package: "PYSEC-2023-74
names requests, but your version 'latest-dev' is not a PyPI version we can compare; check it by
hand."
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from clearinghouse.knowledge.service import AdvisoryPage
from clearinghouse.matching.schemas import Doubt, FindingOut

# An undecided finding's asset, component name, version, ecosystem and evidence.
UndecidedRow = tuple[str, str, str | None, str | None, Mapping[str, Any] | None]
FoldKey = tuple[str, str, str | None, str | None]
SHOWN_RANGES = 3
SHOWN_ADVISORIES = 3


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
    urls = [u for r in records_of(evidence) if r in pages for u in pages[r].urls]
    if any(e.get("why") for e in entries):
        return _package_doubt(entries, list(records), version, list(dict.fromkeys(urls)))
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
    return Doubt(
        text=text,
        product=products[0] if products else None,
        ranges=ranges,
        advisories=list(dict.fromkeys(urls)),
    )


def fold_unreadable_versions(findings: Sequence[FindingOut]) -> list[FindingOut]:
    """One item per package whose own version cannot be read, however many advisories name it.

    The fault is the version the operator gave ("^2.25", "master"), not the advisories: a
    tensorflow given as ">=2.4" is named by some 300 of them, and one line that says "give its
    exact version" serves better than 300 that each say the same. The findings stay one per
    advisory (each opens or closes on its own once the version is exact); only what is shown is
    folded, in the order the first of each group came.
    """
    groups: dict[FoldKey, list[FindingOut]] = {}
    shown: list[FindingOut | FoldKey] = []
    for finding in findings:
        key = _fold_key(
            finding.asset_id,
            finding.component_name,
            finding.component_version,
            finding.ecosystem,
            finding.evidence if finding.cannot_decide is not None else None,
        )
        if key is None:
            shown.append(finding)
            continue
        if key not in groups:
            groups[key] = []
            shown.append(key)
        groups[key].append(finding)
    return [item if isinstance(item, FindingOut) else _folded(groups[item]) for item in shown]


def shown_per_asset(rows: Iterable[UndecidedRow]) -> Counter[str]:
    """How many cannot-decide items each asset shows, folded as `fold_unreadable_versions`
    folds them: (asset, component, version, ecosystem, evidence) rows of undecided findings."""
    shown: Counter[str] = Counter()
    folded: set[FoldKey] = set()
    for row in rows:
        key = _fold_key(*row)
        if key in folded:
            continue
        if key is not None:
            folded.add(key)
        shown[row[0]] += 1
    return shown


def _fold_key(
    asset_id: str,
    name: str,
    version: str | None,
    ecosystem: str | None,
    evidence: Mapping[str, Any] | None,
) -> FoldKey | None:
    """The group an undecided finding folds into: its package, when the fault is the version
    the operator gave; None when it stands alone (a device's, an advisory's own doubt)."""
    if evidence is None or _why(evidence) != "version":
        return None
    return (asset_id, name, version, ecosystem)


def _folded(group: Sequence[FindingOut]) -> FindingOut:
    first = group[0]
    if len(group) == 1 or first.cannot_decide is None:
        return first
    ids = list(dict.fromkeys(f.vulnerability for f in group))
    named = ", ".join(ids[:SHOWN_ADVISORIES]) + (
        f" and {len(ids) - SHOWN_ADVISORIES} more" if len(ids) > SHOWN_ADVISORIES else ""
    )
    entry = next(e for e in first.evidence.get("cannot_decide") or () if e.get("why"))
    text = (
        f"{len(ids)} advisories ({named}) name {entry.get('package')}, but your version "
        f"'{first.component_version or ''}' is not a {entry.get('ecosystem')} version we can "
        "compare; give its exact version, or check them by hand."
    )
    urls = [u for f in group if f.cannot_decide for u in f.cannot_decide.advisories]
    doubt = first.cannot_decide.model_copy(
        update={
            "text": text,
            "advisories": list(dict.fromkeys(urls))[:SHOWN_ADVISORIES],
            "vulnerabilities": ids,
        }
    )
    return first.model_copy(update={"cannot_decide": doubt})


def _why(evidence: Mapping[str, Any]) -> str | None:
    """A package doubt's reason (version, range, git); None for a device's."""
    for entry in evidence.get("cannot_decide") or ():
        if isinstance(entry, Mapping) and entry.get("why"):
            return str(entry["why"])
    return None


def _package_doubt(
    entries: Sequence[Mapping[str, Any]],
    records: Sequence[str],
    version: str | None,
    urls: list[str],
) -> Doubt:
    """Why a package advisory cannot be evaluated: the first entry's reason speaks for all (the
    records of one vulnerability rarely disagree on it)."""
    first = next(e for e in entries if e.get("why"))
    package, ecosystem = str(first.get("package") or ""), str(first.get("ecosystem") or "")
    advisory = " and ".join(r for r in records if r) or "An advisory"
    names = "names" if len(records) < 2 else "name"
    why, detail = str(first.get("why")), str(first.get("detail") or "")
    repos = [str(r) for r in first.get("repos") or ()]
    if why == "version":
        reason = f"your version '{version or ''}' is not a {ecosystem} version we can compare"
        shown = [detail] if detail else []
    elif why == "git":
        where = f" of {' and '.join(repos)}" if repos else ""
        reason = (
            f"it gives its affected versions only as git commits{where}, which we cannot "
            f"compare with your version '{version or ''}'"
        )
        shown = repos
    else:
        reason = f"its affected versions cannot be read ({detail})"
        shown = [detail]
    return Doubt(
        text=f"{advisory} {names} {package}, but {reason}; check it by hand.",
        product=package or None,
        ranges=shown,
        advisories=urls,
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
