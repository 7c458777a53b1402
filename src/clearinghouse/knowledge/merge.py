"""How one vulnerability is told from its records: the precedence rules.

- **Ids**: the display id is the lowest-numbered CVE among all ids, else the best-ranked source's
  own id. Every id of every record finds the vulnerability.
- **Summary and details**: from the best-ranked source that has them. Package databases know
  the package best (OSV databases and RustSec first, then the npm security-wg, CSAF vendor
  advisories, CVE records, KEV). Ties go to the most recently modified record.
- **Dates**: published is the earliest any source gives; modified the latest; withdrawn only when
  every record is withdrawn (then the latest withdrawal).
- **Severities and CWEs**: the union of all sources, each severity labelled with its source.
- **Exploitation** (KEV), **EPSS** and **SSVC** (CISA ADP in CVE records): from the source that
  owns them (`kev`, `epss`, `cve5`); the newest record wins if a source has several. Only when
  the owner has nothing does another record's value count, best-ranked first: a CVE record whose
  CISA ADP container flags the CVE as in KEV gives `known_exploited` before the catalog itself
  is imported, and the catalog's entry (with its due date) replaces it once it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

SOURCE_RANK = {"osv": 0, "rustsec": 0, "nswg": 1, "csaf": 2, "cve5": 3, "kev": 4, "epss": 5}
UNRANKED = 9


@dataclass(frozen=True)
class StoredRecord:
    source: str
    record_id: str
    fields: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.source}:{self.record_id}"

    @property
    def rank(self) -> tuple[int, float]:
        # Lower is better; among equals, the most recently modified.
        modified = self.fields.get("modified")
        stamp = datetime.fromisoformat(modified).timestamp() if modified else 0.0
        return SOURCE_RANK.get(self.source, UNRANKED), -stamp


def _cve_key(identifier: str) -> tuple[int, int]:
    _, year, number = identifier.split("-", 2)
    return int(year), int(number) if number.isdigit() else 0


def display_id(records: list[StoredRecord]) -> str:
    ids = {r.record_id for r in records} | {a for r in records for a in r.fields["aliases"]}
    cves = sorted((i for i in ids if _is_cve(i)), key=_cve_key)
    if cves:
        return cves[0]
    return min(records, key=lambda r: (r.rank, r.record_id)).record_id


def _is_cve(identifier: str) -> bool:
    parts = identifier.split("-")
    return len(parts) == 3 and parts[0] == "CVE" and parts[1].isdigit()


def _first(records: Iterable[StoredRecord], field: str) -> tuple[Any, str | None]:
    for record in sorted(records, key=lambda r: r.rank):
        value = record.fields.get(field)
        if value:
            return value, record.key
    return None, None


# The source that owns an enrichment field; its value wins over any other record's.
OWNER = {"exploitation": "kev", "prediction": "epss", "ssvc": "cve5"}


def _owned(records: list[StoredRecord], field: str) -> tuple[Any, str | None]:
    value, key = _first((r for r in records if r.source == OWNER[field]), field)
    return (value, key) if value else _first(records, field)


def merged_fields(records: list[StoredRecord]) -> dict[str, Any]:
    """The vulnerability's own fields, and `field_sources` naming where each came from."""
    sources: dict[str, str] = {}
    out: dict[str, Any] = {"display_id": display_id(records)}
    for field in ("summary", "details"):
        value, key = _first(records, field)
        out[field] = value
        if key:
            sources[field] = key
    published = [(r.fields["published"], r.key) for r in records if r.fields.get("published")]
    if published:
        out["published"], sources["published"] = min(published)
    else:
        out["published"] = None
    modified = [(r.fields["modified"], r.key) for r in records if r.fields.get("modified")]
    if modified:
        out["modified"], sources["modified"] = max(modified)
    else:
        out["modified"] = None
    withdrawn = [r.fields.get("withdrawn") for r in records]
    out["withdrawn"] = max(withdrawn) if all(withdrawn) else None  # type: ignore[type-var]
    severities: dict[tuple[str, str], dict[str, Any]] = {}
    for record in sorted(records, key=lambda r: r.rank):
        for severity in record.fields.get("severities") or ():
            pair = (severity["type"], severity["score"])
            severities.setdefault(
                pair, {**severity, "source": severity.get("source") or record.key}
            )
    out["severities"] = list(severities.values())
    out["cwes"] = sorted({c for r in records for c in r.fields.get("cwes") or ()})
    for field, target in (("exploitation", "kev"), ("prediction", "epss"), ("ssvc", "ssvc")):
        value, key = _owned(records, field)
        out[target] = value
        if key:
            sources[target] = key
    out["known_exploited"] = out["kev"] is not None
    prediction = out.pop("epss")
    out["epss_score"] = prediction["score"] if prediction else None
    out["epss_percentile"] = prediction["percentile"] if prediction else None
    out["ssvc"] = out["ssvc"] or {}
    out["field_sources"] = sources
    return out
