"""The Node.js security working group's legacy advisories (nodejs/security-wg, `vuln/`).

Three kinds of file, one advisory each, named by number:

- `vuln/npm/<n>.json`: an npm package advisory (2014 to 2021, before the GitHub Advisory Database
  took them over). Imported as `NSWG-ECO-<n>` (the upstream naming), ecosystem `npm`, its CVEs
  as aliases. `vulnerable_versions` / `patched_versions` are node-semver ranges; they become
  OSV SEMVER events from `vulnerable_versions`, cross-checked with `patched_versions` (see
  `npm_affected`).
- `vuln/core/<n>.json`: a Node.js runtime advisory, `NSWG-COR-<n>`. Node.js is not an npm
  package, so the record names a product (Node.js, with its NVD CPE) and the affected
  versions as a `vers:semver` range; the SEMVER ranges are also kept in
  `database_specific.node`. A report naming one CVE has it as an alias; a report naming
  several (one release fixing a bundle of distinct flaws, e.g. the eight HTTP/2 CVEs of
  August 2019) lists them as `related`, so that distinct vulnerabilities are not merged.
- `vuln/deps/<n>.json`: a statement that Node.js is *not* affected by a CVE in a bundled
  dependency (OpenSSL, V8, zlib), with a VEX-style justification. Upstream gives these no id;
  we import one record per CVE, with the CVE as its id, naming Node.js as `known_not_affected`.
  The text describes Node.js, not the vulnerability, so it is kept in
  `database_specific.statement` rather than as the summary.

`index.json` in each folder repeats the numbered files and is skipped. Dates are days
(`2016-04-28`) and are read as midnight UTC.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    AffectedProduct,
    Importer,
    RecordRejected,
    SourceRecord,
)
from clearinghouse.knowledge.sources.osv_records import check_osv, record_from_osv
from clearinghouse.knowledge.sources.semver_requirements import (
    Interval,
    RequirementError,
    Version,
    complement,
    difference,
    has_release,
    intersect,
    node_range,
    osv_ranges,
    union,
    vers,
)

ECOSYSTEM = "npm"
KINDS = ("npm", "core", "deps")
NODE_CPE = "cpe:2.3:a:nodejs:node.js:*:*:*:*:*:*:*:*"
_CVE = re.compile(r"^CVE-\d{4}-\d{4,}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CWE = re.compile(r"^(CWE-\d+)\b")


def kind_of(name: str) -> str | None:
    """`npm`, `core` or `deps` for `…/vuln/<kind>/<n>.json`; None for anything else."""
    parts = PurePosixPath(name).parts
    if len(parts) < 3 or parts[-3] != "vuln" or parts[-2] not in KINDS:
        return None
    return parts[-2] if PurePosixPath(name).stem.isdigit() else None


def _load(document: InputDocument) -> dict[str, Any]:
    if document.content is None:
        raise RecordRejected(document.problem or "unreadable")
    try:
        data = json.loads(document.content.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise RecordRejected(f"not UTF-8 text: {exc}") from None
    except json.JSONDecodeError as exc:
        raise RecordRejected(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise RecordRejected("an advisory must be a JSON object")
    return data


def _text(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise RecordRejected(f"{key}: missing")
        return None
    if not isinstance(value, str):
        raise RecordRejected(f"{key}: expected a string, got {type(value).__name__}")
    return value


def _day(data: Mapping[str, Any], key: str) -> str | None:
    value = _text(data, key)
    if value is None:
        return None
    try:
        valid = bool(_DATE.match(value)) and datetime.date.fromisoformat(value) is not None
    except ValueError:
        valid = False
    if not valid:
        raise RecordRejected(f"{key}: {value!r} is not a YYYY-MM-DD date")
    return f"{value}T00:00:00Z"


def _cves(data: Mapping[str, Any], key: str) -> tuple[list[str], list[str]]:
    """The well-formed CVE ids, and the others (kept, not used as ids: `CVE-2014-4671A`)."""
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RecordRejected(f"{key}: expected a list of CVE ids")
    good = [v.strip() for v in value if _CVE.match(v.strip())]
    return list(dict.fromkeys(good)), [v for v in value if not _CVE.match(v.strip())]


def _range(data: Mapping[str, Any], key: str) -> list[Interval] | None:
    text = _text(data, key)
    if text is None:
        return None
    try:
        return node_range(text)
    except RequirementError as exc:
        raise RecordRejected(f"{key}: {exc}") from None


_CVSS_V3_LETTERS = {
    "AV": "NALP", "AC": "LH", "PR": "NLH", "UI": "NR", "S": "UC", "C": "NLH", "I": "NLH",
    "A": "NLH", "E": "XUPFH", "RL": "XOTWU", "RC": "XURC", "CR": "XLMH", "IR": "XLMH",
    "AR": "XLMH", "MAV": "XNALP", "MAC": "XLH", "MPR": "XNLH", "MUI": "XNR", "MS": "XUC",
    "MC": "XNLH", "MI": "XNLH", "MA": "XNLH",
}  # fmt: skip
_CVSS_V3_METRICS = {name: tuple(letters) for name, letters in _CVSS_V3_LETTERS.items()}
_CVSS_V2_METRICS = {
    "AV": ("L", "A", "N"), "AC": ("H", "M", "L"), "Au": ("M", "S", "N"), "C": ("N", "P", "C"),
    "I": ("N", "P", "C"), "A": ("N", "P", "C"), "E": ("U", "POC", "F", "H", "ND"),
    "RL": ("OF", "TF", "W", "U", "ND"), "RC": ("UC", "UR", "C", "ND"),
    "CDP": ("N", "L", "LM", "MH", "H", "ND"), "TD": ("N", "L", "M", "H", "ND"),
    "CR": ("L", "M", "H", "ND"), "IR": ("L", "M", "H", "ND"), "AR": ("L", "M", "H", "ND"),
}  # fmt: skip
_BASE = {"CVSS_V3": ("AV", "AC", "PR", "UI", "S", "C", "I", "A"),
         "CVSS_V2": ("AV", "AC", "Au", "C", "I", "A")}  # fmt: skip


def cvss_problem(kind: str, vector: str) -> str | None:
    """Why a CVSS v2 or v3 vector is malformed, or None when it is well formed."""
    metrics = vector.split("/")
    if kind == "CVSS_V3":
        if metrics[0] not in ("CVSS:3.0", "CVSS:3.1"):
            return f"{vector!r} does not start with CVSS:3.0/ or CVSS:3.1/"
        metrics = metrics[1:]
    allowed: Mapping[str, Sequence[str]] = (
        _CVSS_V3_METRICS if kind == "CVSS_V3" else _CVSS_V2_METRICS
    )
    seen = set()
    for metric in metrics:
        name, _, value = metric.partition(":")
        if name not in allowed or value not in allowed[name] or name in seen:
            return f"{vector!r}: {metric!r} is not a valid {kind} metric"
        seen.add(name)
    missing = [m for m in _BASE[kind] if m not in seen]
    return f"{vector!r} lacks base metrics {', '.join(missing)}" if missing else None


def cvss_severity(vector: str | None) -> tuple[list[dict[str, str]], str | None]:
    """CVSS_V3 for a `CVSS:3.x/…` vector, CVSS_V2 for the rest; and why the vector was left
    out, when it is malformed (the advisory is kept: its other facts are good)."""
    if vector is None or not vector.strip():
        return [], None
    vector = vector.strip()
    if re.match(r"^3\.[01]/", vector):
        vector = "CVSS:" + vector  # core advisories write "3.1/AV:N/…"
    kind = "CVSS_V3" if vector.startswith("CVSS:3") else "CVSS_V2"
    problem = cvss_problem(kind, vector)
    if problem:
        return [], problem
    return [{"type": kind, "score": vector}], None


def reference_type(url: str) -> str:
    if "npmjs.org/package/" in url or "npmjs.com/package/" in url:
        return "PACKAGE"
    if re.search(r"/commit/[0-9a-f]{7,}", url):
        return "FIX"
    if "/issues/" in url or "hackerone.com/reports/" in url:
        return "REPORT"
    if "/advisories/" in url or "/blog/vulnerability/" in url:
        return "ADVISORY"
    return "WEB"


def _references(urls: Sequence[Any]) -> list[dict[str, str]]:
    out = []
    for url in urls:
        if not isinstance(url, str) or not url.strip():
            raise RecordRejected(f"references: {url!r} is not a URL")
        # Upstream texts sometimes carry Markdown leftovers: "https://github.com/x/y/pull/1)".
        cleaned = url.strip().rstrip(")") if url.count("(") < url.count(")") else url.strip()
        if not re.match(r"^https?://\S+$", cleaned):
            raise RecordRejected(f"references: {url!r} is not an http(s) URL")
        out.append({"type": reference_type(cleaned), "url": cleaned})
    return out


def _purl(name: str) -> str:
    if name.startswith("@") and "/" in name:
        scope, _, package = name.partition("/")
        return f"pkg:npm/{quote(scope)}/{quote(package)}"
    return f"pkg:npm/{quote(name)}"


def _one_release(interval: Interval) -> bool:
    """Is the interval a single release, with at most that release's pre-releases before it
    (`[3.0.0, 3.0.0]`, `[0.0.0-0, 0.0.0]`)?"""
    upper = interval.upper
    if upper is None or not interval.upper_inclusive or upper.pre:
        return False
    return interval.lower >= Version(upper.major, upper.minor, upper.patch, ("0",))


def npm_affected(
    vulnerable: list[Interval], patched: list[Interval] | None
) -> tuple[list[Interval], dict[str, list[str]]]:
    """The affected versions of an npm advisory, and where its two ranges disagree.

    `vulnerable_versions` is the statement; `patched_versions` cross-checks it. The two should
    split the versions between them. Where they disagree:

    - versions both claim are taken out of the affected ones: someone published a fix for
      them, and the vulnerable range was written too wide (`<2.0.1 || <1.1.7` with patched
      `^1.1.7 || >= 2.0.1`; `<=6.8.5` with patched `>=5.0.3 <6.0.0 || >=6.8.6`);
    - except when what both claim is one boundary release, an inclusive bound typed on both
      sides (`>= 3.0.0 <=3.0.1` with patched `>=2.5.0 <= 3.0.0`, or patched `<=0.0.0` for
      "none"): that release stays affected, as the vulnerable range says;
    - release versions neither claims (`<=2.1.1` and `>=3.0.0`) stay unaffected.

    Both kinds of disagreement are returned (`both`, `neither`) to be kept with the record.
    """
    if patched is None:
        return vulnerable, {}
    both = intersect(vulnerable, patched)
    slips = [i for i in both if _one_release(i)]
    affected = union([*difference(vulnerable, patched), *slips])
    neither = [i for i in complement(union([*vulnerable, *patched])) if has_release(i)]
    disagreement = {}
    if both:
        disagreement["both"] = [str(i) for i in both]
    if neither:
        disagreement["neither"] = [str(i) for i in neither]
    return affected, disagreement


def _npm(document: InputDocument, data: dict[str, Any]) -> SourceRecord:
    number = data.get("id")
    if not isinstance(number, int) or isinstance(number, bool):
        raise RecordRejected("id: expected the advisory number")
    if str(number) != PurePosixPath(document.name).stem:
        raise RecordRejected(f"id {number} does not match the file name")
    name = _text(data, "module_name", required=True)
    assert name is not None
    vulnerable_text = _text(data, "vulnerable_versions", required=True)
    vulnerable = _range(data, "vulnerable_versions")
    assert vulnerable is not None and vulnerable_text is not None
    patched = _range(data, "patched_versions")
    affected, disagreement = npm_affected(vulnerable, patched)
    if not affected:
        raise RecordRejected(
            f"vulnerable_versions {vulnerable_text!r} minus patched_versions "
            f"{data.get('patched_versions')!r} leaves no version"
        )
    aliases, malformed = _cves(data, "cves")
    range_notes: dict[str, Any] = {
        "vulnerable_versions": vulnerable_text,
        "patched_versions": data.get("patched_versions"),
    }
    if disagreement:
        range_notes["disagreement"] = disagreement
    details = _text(data, "overview") or ""
    recommendation = _text(data, "recommendation")
    if recommendation:
        details = f"{details.rstrip()}\n\n## Recommendation\n\n{recommendation.strip()}".strip()
    specific: dict[str, Any] = {
        "source_file": f"vuln/npm/{number}.json",
        "created_at": data.get("created_at"),
        "cvss_score": data.get("cvss_score"),
        "coordinating_vendor": data.get("coordinating_vendor"),
        "author": data.get("author"),
    }
    if malformed:
        specific["malformed_cves"] = malformed
    severity, cvss_problem_text = cvss_severity(_text(data, "cvss_vector"))
    if cvss_problem_text:
        specific["malformed_cvss_vector"] = cvss_problem_text
    published = _day(data, "publish_date")
    osv: dict[str, Any] = {
        "id": f"NSWG-ECO-{number}",
        "modified": _day(data, "updated_at") or published or _day(data, "created_at"),
        "published": published,
        "aliases": aliases,
        "summary": _text(data, "title"),
        "details": details or None,
        "severity": severity,
        "affected": [
            {
                "package": {"ecosystem": ECOSYSTEM, "name": name, "purl": _purl(name)},
                "ranges": osv_ranges(affected),
                "database_specific": range_notes,
            }
        ],
        "references": _references(data.get("references") or []),
        "database_specific": {k: v for k, v in specific.items() if v is not None},
    }
    if osv["modified"] is None:
        raise RecordRejected("no date: updated_at, publish_date and created_at are all missing")
    osv = {k: v for k, v in osv.items() if v is not None}
    # NSWG is not one of OSV's registered id prefixes; the schema admits such a database's ids
    # as local ones (`x_…`). Everything else is checked as for any OSV record.
    check_osv({**osv, "id": f"x_{osv['id']}"})
    return record_from_osv(osv, source="nswg", origin=document.name, validate=False)


def _node_product(intervals: list[Interval], status: str) -> AffectedProduct:
    return AffectedProduct(
        vendor="Node.js",
        product="Node.js",
        version_ranges=(vers(intervals),) if intervals else (),
        cpe=NODE_CPE,
        status=status,
    )


def _core(document: InputDocument, data: dict[str, Any]) -> SourceRecord:
    number = PurePosixPath(document.name).stem
    vulnerable_text = _text(data, "vulnerable", required=True)
    vulnerable = _range(data, "vulnerable")
    assert vulnerable is not None and vulnerable_text is not None
    patched = _range(data, "patched")
    # `vulnerable` names release lines (`20.x || 22.x`) and `patched` the first fixed release
    # of each (`^20.19.2 || ^22.15.1`): the affected versions are the first minus the second.
    affected = difference(vulnerable, patched) if patched else vulnerable
    if not affected:
        raise RecordRejected(
            f"vulnerable {vulnerable_text!r} minus patched {data.get('patched')!r} "
            "leaves no version"
        )
    cves, malformed = _cves(data, "cve")
    cwe = _CWE.match(_text(data, "type") or "")
    node: dict[str, Any] = {
        "vulnerable": vulnerable_text,
        "patched": data.get("patched"),
        "ranges": osv_ranges(affected),
        "affectedEnvironments": data.get("affectedEnvironments"),
    }
    specific: dict[str, Any] = {
        "source_file": f"vuln/core/{number}.json",
        "node": node,
        "severity": data.get("severity"),
        "cvss_score": data.get("cvss_score"),
        "type": data.get("type"),
        "author": data.get("author"),
        "reported_by": data.get("reported_by"),
        "cwe_ids": [cwe.group(1)] if cwe else None,
        "malformed_cves": malformed or None,
    }
    severity, cvss_problem_text = cvss_severity(_text(data, "cvss"))
    if cvss_problem_text:
        specific["malformed_cvss_vector"] = cvss_problem_text
    published = _day(data, "publish_date")
    osv: dict[str, Any] = {
        "id": f"NSWG-COR-{number}",
        "published": published,
        "modified": published,
        "aliases": cves if len(cves) == 1 else [],
        "related": cves if len(cves) > 1 else [],
        "summary": _text(data, "description"),
        "details": _text(data, "overview"),
        "severity": severity,
        "references": _references([data["ref"]] if data.get("ref") else []),
        "database_specific": {k: v for k, v in specific.items() if v is not None},
    }
    osv = {k: v for k, v in osv.items() if v is not None}
    record = record_from_osv(osv, source="nswg", origin=document.name, validate=False)
    return replace(record, products=(_node_product(affected, "known_affected"),))


def _deps(document: InputDocument, data: dict[str, Any]) -> Iterator[SourceRecord]:
    number = PurePosixPath(document.name).stem
    cves, malformed = _cves(data, "cve")
    if not cves:
        raise RecordRejected(f"cve: no CVE id ({malformed or 'empty'})")
    statement = {
        "source_file": f"vuln/deps/{number}.json",
        "product": "Node.js",
        "status": "known_not_affected",
        "justification": _text(data, "reason"),
        "description": _text(data, "description"),
        "overview": _text(data, "overview"),
        "cves": cves,
    }
    references = _references([data["ref"]] if data.get("ref") else [])
    for cve in cves:
        osv = {
            "id": cve,
            "references": references,
            "database_specific": {
                "statement": {k: v for k, v in statement.items() if v is not None}
            },
        }
        record = record_from_osv(osv, source="nswg", origin=document.name, validate=False)
        yield replace(record, products=(_node_product([], "known_not_affected"),))


class NswgImporter(Importer):
    pipeline_id = "nswg"
    licence = "MIT"
    description = "Node.js security-wg advisories: npm packages (NSWG-ECO), Node.js (NSWG-COR)"
    suffixes = (".json",)

    def read(self, path: Path) -> Iterator[InputDocument]:
        """Only `vuln/{npm,core,deps}/<n>.json`; `index.json` repeats them and is skipped."""
        for document in super().read(path):
            if kind_of(document.name) is not None or document.content is None:
                yield document

    def parse(self, document: InputDocument) -> Iterator[SourceRecord]:
        kind = kind_of(document.name)
        if kind is None:
            raise RecordRejected(document.problem or "not a vuln/{npm,core,deps}/<n>.json file")
        data = _load(document)
        if kind == "npm":
            yield _npm(document, data)
        elif kind == "core":
            yield _core(document, data)
        else:
            yield from _deps(document, data)
