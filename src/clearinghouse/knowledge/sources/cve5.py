"""CVE JSON 5 records (cvelistV5, CISA's vulnrichment, a CNA's own files): one record per file.

What is taken, and from where:

- **Ids and dates**: `cveMetadata.cveId` is the record id (so the record joins whatever other
  source knows the CVE); `datePublished` and `dateUpdated` are published and modified. A record in
  state REJECTED is withdrawn as of `dateRejected`, else `dateUpdated`, else `datePublished`.
  A record without a `state` (a CNA's publish format, e.g. the Go CNA's files) is published.
- **From the CNA container**: the title (summary) and the English description (details; English
  first, else the first given), CVSS v4.0 / v3.1 / v3.0 / v2.0 vectors (severities labelled with
  the CNA's `shortName`), CWE ids from problem types, references (OSV types from the CVE tags),
  and the affected products.
- **Affected, conservatively**: an entry becomes an OSV package (PyPI, Go, crates.io, npm, Maven)
  only when its `collectionURL` is that registry, it names the `packageName`, and either its
  default status is `unaffected` and every version entry is an `affected` version or range whose
  `versionType` fits the ecosystem and whose versions are valid there (semver for Go, crates.io
  and npm; PEP 440 for PyPI), or its default status is `affected` and it lists no version (every
  version is affected, none fixed). Go entries name packages inside modules: the module is the
  entry's vendor when the package is inside it ("Go standard library" is `stdlib`, "Go
  toolchain" is `toolchain`, as in the Go vulnerability database), and the package and its
  routines go to `ecosystem_specific.imports`. Everything else is an affected *product* (vendor,
  product, CPE) whose versions are kept as text: exact versions, and ranges as `vers:`-like
  strings (`vers:<versionType>/>=1.0|<1.4`, `generic` when the type is absent or `custom`), one
  product for the affected versions and one (`known_not_affected`) for versions listed as
  unaffected, each once per CPE.
- **From the CISA ADP container** (`adp[]` whose `providerMetadata.shortName` is `CISA-ADP`): its
  CVSS vectors (labelled `CISA-ADP`), its CWE ids, its affected products with their CPEs, the SSVC
  decision points of its `ssvc` metric (`SourceRecord.ssvc`, values in lower case as SSVC spells
  them: {"Exploitation": "poc", "Automatable": "no", "Technical Impact": "partial"}), and the KEV
  flag of its `kev` metric. The flag says only that the CVE is in KEV and since when, so it
  becomes `Exploitation(catalog="CISA KEV (ADP)", date_added=…, notes=<CISA's KEV link>)` with no
  due date, required action or ransomware use; the KEV catalog's own record (pipeline `kev`)
  carries those, and wins over the flag when both are known (knowledge.merge).
- `document` is {"cve_record": the record unchanged, "ssvc": {the decisions, with the role,
  version, timestamp and id CISA gives}, "kev": {dateAdded, reference}} (the last two only when
  CISA ADP has them).

Validation: the official CVE 5 JSON schema is not available offline here, so the record's shape
is checked by hand: `dataType` CVE_RECORD, `dataVersion` 5.x, a `cveMetadata.cveId` of the form
CVE-YYYY-NNNN, a known `state`, and a CNA container (with descriptions when published); the rest
is read defensively, and the ADP `kev` content is checked against CISA's schema
(data/cisa-adp-kev-metrics-schema-1.0.json).

The CNA's data is under the CVE Program's terms of use (LicenseRef-CVE-TOU); the CISA ADP
container is CC0-1.0 (see NOTICE).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

import fastjsonschema

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    AffectedPackage,
    AffectedProduct,
    Exploitation,
    Importer,
    RecordRejected,
    Reference,
    Rejected,
    Severity,
    SourceRecord,
)
from clearinghouse.knowledge.sources.osv import load_json_or_yaml
from clearinghouse.knowledge.sources.osv_records import SCHEMA_DIR

CVE_ID = re.compile(r"^CVE-[0-9]{4}-[0-9]{4,19}$")
DATA_VERSION = re.compile(r"^5\.[0-9]+(\.[0-9]+)?$")
CWE_ID = re.compile(r"^CWE-[0-9]+$")
CWE_PREFIX = re.compile(r"^(CWE-[0-9]+)\b")
STATES = ("PUBLISHED", "REJECTED")
CISA_ADP = "CISA-ADP"
KEV_CATALOG = "CISA KEV (ADP)"
SSVC_POINTS = {
    "Exploitation": ("none", "poc", "active"),
    "Automatable": ("no", "yes"),
    "Technical Impact": ("partial", "total"),
}
CVSS = (
    ("cvssV4_0", "CVSS_V4"),
    ("cvssV3_1", "CVSS_V3"),
    ("cvssV3_0", "CVSS_V3"),
    ("cvssV2_0", "CVSS_V2"),
)
# CVE reference tags → OSV reference types, the first tag that has one wins.
REFERENCE_TYPES = {
    "patch": "FIX",
    "vendor-advisory": "ADVISORY",
    "third-party-advisory": "ADVISORY",
    "government-resource": "ADVISORY",
    "exploit": "EVIDENCE",
    "issue-tracking": "REPORT",
    "technical-description": "ARTICLE",
    "research-report": "ARTICLE",
    "x_research-advisory": "ARTICLE",
    "media-coverage": "ARTICLE",
    "signature": "DETECTION",
    "product": "PACKAGE",
}

# Package registries an entry's collectionURL may name, and what their versions must look like.
REGISTRIES = {
    "https://pypi.org": "PyPI",
    "https://pypi.python.org": "PyPI",
    "https://proxy.golang.org": "Go",
    "https://pkg.go.dev": "Go",
    "https://crates.io": "crates.io",
    "https://registry.npmjs.org": "npm",
    "https://www.npmjs.com": "npm",
    "https://npmjs.com": "npm",
    "https://repo.maven.apache.org/maven2": "Maven",
    "https://repo1.maven.org/maven2": "Maven",
}
SEMVER = re.compile(
    r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$"
)
PEP440 = re.compile(
    r"^([1-9][0-9]*!)?(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*"
    r"((a|b|rc)(0|[1-9][0-9]*))?(\.post(0|[1-9][0-9]*))?(\.dev(0|[1-9][0-9]*))?$"
)
MAVEN = re.compile(r"^[0-9][0-9A-Za-z.\-_]*$")


@dataclass(frozen=True)
class Ecosystem:
    name: str  # the OSV ecosystem
    range_type: str  # SEMVER or ECOSYSTEM
    version_types: tuple[str, ...]  # the CVE versionTypes whose versions fit it
    valid: re.Pattern[str]


ECOSYSTEMS = {
    "PyPI": Ecosystem("PyPI", "ECOSYSTEM", ("semver", "pep440", "python"), PEP440),
    "Go": Ecosystem("Go", "SEMVER", ("semver",), SEMVER),
    "crates.io": Ecosystem("crates.io", "SEMVER", ("semver",), SEMVER),
    "npm": Ecosystem("npm", "SEMVER", ("semver",), SEMVER),
    "Maven": Ecosystem("Maven", "ECOSYSTEM", ("maven", "semver"), MAVEN),
}
GO_SPECIAL_MODULES = {"Go standard library": "stdlib", "Go toolchain": "toolchain"}
NO_VERSION = ("", "0", "*", "n/a", "unspecified", "-")


class Cve5Importer(Importer):
    pipeline_id = "cve5"
    # The CNA containers are under the CVE Program's terms of use; CISA's ADP container is CC0.
    licence = "LicenseRef-CVE-TOU AND CC0-1.0"
    description = "CVE JSON 5 records (cvelistV5, CISA vulnrichment with SSVC, CNA files)"
    suffixes = (".json",)

    def parse(self, document: InputDocument) -> Iterator[SourceRecord | Rejected]:
        yield record_from_cve(load_json_or_yaml(document), origin=document.name)


def check_shape(record: Any) -> None:
    """Raise RecordRejected naming the first problem with the record's basic shape."""
    if not isinstance(record, Mapping):
        raise RecordRejected("a CVE record must be a JSON object")
    if record.get("dataType") != "CVE_RECORD":
        raise RecordRejected(
            f"dataType: expected CVE_RECORD, got {record.get('dataType')!r} (not a CVE JSON 5 "
            "record)"
        )
    version = record.get("dataVersion")
    if not isinstance(version, str) or not DATA_VERSION.match(version):
        raise RecordRejected(f"dataVersion: expected 5.x, got {version!r}")
    metadata = record.get("cveMetadata")
    if not isinstance(metadata, Mapping):
        raise RecordRejected("cveMetadata is missing (every CVE record has one)")
    cve = metadata.get("cveId")
    if not isinstance(cve, str) or not CVE_ID.match(cve):
        raise RecordRejected(f"cveMetadata.cveId: {cve!r} is not a CVE id (CVE-YYYY-NNNN)")
    state = metadata.get("state", "PUBLISHED")
    if state not in STATES:
        raise RecordRejected(f"cveMetadata.state: {state!r} is neither PUBLISHED nor REJECTED")
    containers = record.get("containers")
    if not isinstance(containers, Mapping) or not isinstance(containers.get("cna"), Mapping):
        raise RecordRejected("containers.cna is missing (every CVE record has a CNA container)")
    cna = containers["cna"]
    if state == "PUBLISHED" and not _is_list(cna.get("descriptions"), minimum=1):
        raise RecordRejected("containers.cna.descriptions: a published record needs one")
    for name in ("affected", "metrics", "problemTypes", "references", "descriptions"):
        if name in cna and not _is_list(cna[name]):
            raise RecordRejected(f"containers.cna.{name}: expected a list")
    if "adp" in containers and not _is_list(containers["adp"]):
        raise RecordRejected("containers.adp: expected a list")


def _is_list(value: Any, minimum: int = 0) -> bool:
    return isinstance(value, list) and len(value) >= minimum


def _timestamp(value: Any, field: str) -> datetime | None:
    """A CVE timestamp; the schema says one without a zone is UTC."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise RecordRejected(f"{field}: expected a timestamp, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise RecordRejected(f"{field}: {value!r} is not a timestamp") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def record_from_cve(record: Any, *, origin: str) -> SourceRecord:
    check_shape(record)
    metadata = record["cveMetadata"]
    cve = metadata["cveId"]
    containers = record["containers"]
    cna = containers["cna"]
    cna_name = _provider(cna) or metadata.get("assignerShortName")
    published = _timestamp(metadata.get("datePublished"), "cveMetadata.datePublished")
    modified = _timestamp(metadata.get("dateUpdated"), "cveMetadata.dateUpdated")
    withdrawn = None
    if metadata.get("state") == "REJECTED":
        withdrawn = (
            _timestamp(metadata.get("dateRejected"), "cveMetadata.dateRejected")
            or modified
            or published
        )
        if withdrawn is None:
            raise RecordRejected(
                "a REJECTED record needs dateRejected, dateUpdated or datePublished"
            )
    adps = [
        adp
        for adp in containers.get("adp") or ()
        if isinstance(adp, Mapping) and _provider(adp) == CISA_ADP
    ]
    severities = _severities(cna, cna_name)
    cwes = set(_cwes(cna))
    products: list[AffectedProduct] = []
    packages: list[AffectedPackage] = []
    for entry in cna.get("affected") or ():
        if not isinstance(entry, Mapping):
            continue
        package = _package(entry)
        if package is not None:
            packages.append(package)
        else:
            products.extend(_products(entry))
    references = _references(cna.get("references") or ())
    ssvc: dict[str, str] = {}
    extra: dict[str, Any] = {}
    exploitation = None
    for adp in adps:
        severities.extend(_severities(adp, CISA_ADP))
        cwes.update(_cwes(adp))
        for entry in adp.get("affected") or ():
            if isinstance(entry, Mapping):
                products.extend(_products(entry))
        references.extend(_references(adp.get("references") or ()))
        for other in _others(adp):
            kind, content = other.get("type"), other.get("content")
            if kind == "ssvc" and isinstance(content, Mapping):
                ssvc, extra["ssvc"] = _ssvc(content)
            elif kind == "kev" and isinstance(content, Mapping):
                _check_kev(content)
                extra["kev"] = dict(content)
                exploitation = Exploitation(
                    catalog=KEV_CATALOG,
                    date_added=content["dateAdded"],
                    due_date=None,
                    required_action=None,
                    known_ransomware_use=None,
                    notes=content["reference"],
                )
    title = cna.get("title")
    details = _english(cna.get("descriptions") or cna.get("rejectedReasons") or ())
    return SourceRecord(
        source=Cve5Importer.pipeline_id,
        record_id=cve,
        origin=origin,
        summary=title.strip() if isinstance(title, str) and title.strip() else None,
        details=details,
        published=published,
        modified=modified,
        withdrawn=withdrawn,
        severities=tuple(dict.fromkeys(severities)),
        cwes=tuple(sorted(cwes)),
        affected=tuple(packages),
        products=tuple(dict.fromkeys(products)),
        references=tuple({r.url: r for r in references}.values()),
        exploitation=exploitation,
        ssvc=ssvc,
        document={"cve_record": record, **extra},
    )


def _provider(container: Mapping[str, Any]) -> str | None:
    metadata = container.get("providerMetadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("shortName"), str):
        return str(metadata["shortName"])
    return None


def _english(texts: Sequence[Any]) -> str | None:
    """The English text of a CVE `descriptions` list; else the first one."""
    found = [t for t in texts if isinstance(t, Mapping) and isinstance(t.get("value"), str)]
    for text in found:
        lang = str(text.get("lang", "")).lower()
        if lang == "en" or lang.startswith(("en-", "en_")):
            return str(text["value"]).strip() or None
    if not found:
        return None
    return str(found[0]["value"]).strip() or None


def _severities(container: Mapping[str, Any], source: str | None) -> list[Severity]:
    found = []
    for metric in container.get("metrics") or ():
        if not isinstance(metric, Mapping):
            continue
        for key, kind in CVSS:
            cvss = metric.get(key)
            if isinstance(cvss, Mapping) and isinstance(cvss.get("vectorString"), str):
                found.append(Severity(kind, cvss["vectorString"], source))
    return found


def _cwes(container: Mapping[str, Any]) -> list[str]:
    found = []
    for problem in container.get("problemTypes") or ():
        if not isinstance(problem, Mapping):
            continue
        for description in problem.get("descriptions") or ():
            if not isinstance(description, Mapping):
                continue
            cwe = description.get("cweId")
            if isinstance(cwe, str) and CWE_ID.match(cwe):
                found.append(cwe)
                continue
            # Some CNAs (the Go CNA among them) write the id only at the start of the text.
            text = description.get("description")
            match = CWE_PREFIX.match(text) if isinstance(text, str) else None
            if match:
                found.append(match.group(1))
    return found


def _references(items: Sequence[Any]) -> list[Reference]:
    found = []
    for item in items:
        if not isinstance(item, Mapping) or not isinstance(item.get("url"), str):
            continue
        tags = [t for t in item.get("tags") or () if isinstance(t, str)]
        kind = next((REFERENCE_TYPES[t] for t in tags if t in REFERENCE_TYPES), "WEB")
        found.append(Reference(kind, item["url"]))
    return found


def _others(container: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for metric in container.get("metrics") or ():
        if isinstance(metric, Mapping) and isinstance(metric.get("other"), Mapping):
            yield metric["other"]


def _ssvc(content: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, Any]]:
    """CISA's SSVC decisions, and what the document keeps of them (role, version, time)."""
    decisions: dict[str, str] = {}
    for option in content.get("options") or ():
        if not isinstance(option, Mapping):
            continue
        for point, value in option.items():
            if not isinstance(value, str):
                continue
            # CISA mostly writes the values as SSVC spells them ("poc"), sometimes capitalised.
            known = SSVC_POINTS.get(point, ())
            decisions[str(point)] = value.lower() if value.lower() in known else value
    kept = {k: content[k] for k in ("id", "role", "version", "timestamp") if k in content}
    return decisions, {**kept, "decisions": decisions}


@cache
def _kev_validator() -> Callable[[Any], Any]:
    schema = json.loads(
        (SCHEMA_DIR / "cisa-adp-kev-metrics-schema-1.0.json").read_text(encoding="utf-8")
    )
    # Declared draft 2019-09, using only keywords draft 7 has (which the compiler implements).
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return fastjsonschema.compile(schema)


def _check_kev(content: Mapping[str, Any]) -> None:
    try:
        _kev_validator()(dict(content))
    except fastjsonschema.JsonSchemaException as error:
        reason = str(error).removeprefix("data.").removeprefix("data ")
        raise RecordRejected(f"CISA ADP kev metric: {reason}") from None
    if not isinstance(content["dateAdded"], str) or not re.match(
        r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", content["dateAdded"]
    ):
        raise RecordRejected(f"CISA ADP kev metric: dateAdded {content['dateAdded']!r}")


# --- affected entries ---------------------------------------------------------------------


def _registry(entry: Mapping[str, Any]) -> Ecosystem | None:
    url = entry.get("collectionURL")
    name = entry.get("packageName")
    if not isinstance(url, str) or not isinstance(name, str) or not name.strip():
        return None
    url = url.strip().rstrip("/")
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    url = f"{scheme.lower()}://{host.lower()}" + (f"/{path}" if path else "")
    if url == f"https://crates.io/crates/{name}":  # some CNAs name the crate's own page
        url = "https://crates.io"
    ecosystem = REGISTRIES.get(url)
    return ECOSYSTEMS[ecosystem] if ecosystem else None


def _go_module(entry: Mapping[str, Any]) -> str | None:
    """The Go module an entry's package belongs to, when the entry says so plainly."""
    vendor, package = entry.get("vendor"), str(entry["packageName"])
    if not isinstance(vendor, str):
        return None
    if vendor in GO_SPECIAL_MODULES:
        return GO_SPECIAL_MODULES[vendor]
    if " " in vendor or "." not in vendor.split("/")[0]:
        return None
    if package == vendor or package.startswith(vendor + "/"):
        return vendor
    return None


def _package(entry: Mapping[str, Any]) -> AffectedPackage | None:
    """The entry as an OSV package, or None when it cannot be said for certain."""
    ecosystem = _registry(entry)
    if ecosystem is None:
        return None
    versions = entry.get("versions")
    events_list: list[list[dict[str, str]]] = []
    exact: list[str] = []
    if entry.get("defaultStatus") == "affected" and not versions:
        events_list.append([{"introduced": "0"}])  # every version, none fixed
    elif entry.get("defaultStatus") != "unaffected" or not _is_list(versions, minimum=1):
        return None
    for item in versions or ():
        if not isinstance(item, Mapping) or item.get("status") != "affected" or "changes" in item:
            return None
        version = item.get("version")
        if not isinstance(version, str):
            return None
        version = _plain_version(version, ecosystem)
        less, less_equal = item.get("lessThan"), item.get("lessThanOrEqual")
        if less is None and less_equal is None:
            if not ecosystem.valid.match(version):
                return None
            exact.append(version)
            continue
        if item.get("versionType") not in ecosystem.version_types:
            return None
        if version != "0" and not ecosystem.valid.match(version):
            return None
        events = [{"introduced": version}]
        if isinstance(less, str) and less_equal is None:
            less = _plain_version(less, ecosystem)
            if not ecosystem.valid.match(less):
                return None
            events.append({"fixed": less})
        elif isinstance(less_equal, str) and less is None:
            if less_equal != "*":
                less_equal = _plain_version(less_equal, ecosystem)
                if not ecosystem.valid.match(less_equal):
                    return None
                events.append({"last_affected": less_equal})
        else:
            return None
        events_list.append(events)
    name = str(entry["packageName"]).strip()
    specific: dict[str, Any] | None = None
    if ecosystem.name == "Go":
        module = _go_module(entry)
        if module is None:
            return None
        routines = [
            r["name"]
            for r in entry.get("programRoutines") or ()
            if isinstance(r, Mapping) and isinstance(r.get("name"), str)
        ]
        specific = {"imports": [{"path": name, **({"symbols": routines} if routines else {})}]}
        name = module
    elif ecosystem.name == "Maven" and name.count(":") != 1:
        return None
    return AffectedPackage(
        ecosystem=ecosystem.name,
        name=name,
        ranges=tuple({"type": ecosystem.range_type, "events": e} for e in events_list),
        versions=tuple(exact),
        ecosystem_specific=specific,
        database_specific={
            "cve_collection_url": entry.get("collectionURL"),
            "cve_vendor": entry.get("vendor"),
            "cve_product": entry.get("product"),
        },
    )


def _plain_version(version: str, ecosystem: Ecosystem) -> str:
    version = version.strip()
    if ecosystem.range_type == "SEMVER" and version.startswith("v"):
        return version[1:]
    return version


def _products(entry: Mapping[str, Any]) -> list[AffectedProduct]:
    """An affected entry as products: one for the affected versions, one for those said not
    to be; each once per CPE the entry names."""
    vendor = _text(entry.get("vendor")) or "n/a"
    product = _text(entry.get("product")) or _text(entry.get("packageName"))
    if product is None:
        return []
    default = entry.get("defaultStatus")
    exact: dict[str, list[str]] = {"affected": [], "unaffected": []}
    ranges: dict[str, list[str]] = {"affected": [], "unaffected": []}
    listed = False  # the entry lists some version as affected, even an unnamed one ("n/a")
    versions = [v for v in entry.get("versions") or () if isinstance(v, Mapping)]
    for item in versions:
        if not isinstance(item.get("version"), str):
            continue
        status = item.get("status")
        if any(k in item for k in ("lessThan", "lessThanOrEqual", "changes")):
            for wanted in ("affected", "unaffected"):  # a range may change status part-way
                ranges[wanted].extend(_vers(item, wanted))
        elif status in exact:
            listed = listed or status == "affected"
            if item["version"].strip().lower() not in NO_VERSION:
                exact[status].append(item["version"].strip())
    # The default status covers every version not listed. "Affected" by default matters (all
    # but the listed exceptions); "unaffected" by default only when nothing at all is listed.
    if default == "affected" or (default == "unaffected" and not versions):
        ranges[default].append("vers:generic/*")
    statuses = []
    if listed or exact["affected"] or ranges["affected"]:
        statuses.append(("affected", "known_affected"))
    if exact["unaffected"] or ranges["unaffected"]:
        statuses.append(("unaffected", "known_not_affected"))
    if not statuses and not versions:
        statuses.append(("unknown", "unknown"))  # named, with no version and no default status
    cpes: list[str | None] = [c for c in entry.get("cpes") or () if isinstance(c, str)]
    found = []
    for status, label in statuses:
        for cpe in dict.fromkeys(cpes or [None]):
            found.append(
                AffectedProduct(
                    vendor=vendor,
                    product=product,
                    versions=tuple(dict.fromkeys(exact.get(status, ()))),
                    version_ranges=tuple(dict.fromkeys(ranges.get(status, ()))),
                    cpe=cpe,
                    status=label,
                )
            )
    return found


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _vers(item: Mapping[str, Any], wanted: str) -> list[str]:
    """The parts of one CVE version range that have status `wanted`, as a vers-like string."""
    scheme = str(item.get("versionType") or "generic").lower()
    if scheme == "custom":
        scheme = "generic"
    start = item["version"].strip()
    lower = None if start.lower() in NO_VERSION else start
    less, less_equal = item.get("lessThan"), item.get("lessThanOrEqual")
    if isinstance(less, str) and less.strip() not in ("*", ""):
        upper: tuple[str, str] | None = ("<", less.strip())
    elif isinstance(less_equal, str) and less_equal.strip() not in ("*", ""):
        upper = ("<=", less_equal.strip())
    else:
        upper = None
    # The range is cut at each change into pieces, each with its own status.
    pieces: list[tuple[str | None, tuple[str, str] | None, Any]] = []
    status, piece_start = item.get("status"), lower
    for change in item.get("changes") or ():
        if not isinstance(change, Mapping) or not isinstance(change.get("at"), str):
            continue
        pieces.append((piece_start, ("<", change["at"]), status))
        status, piece_start = change.get("status"), change["at"]
    pieces.append((piece_start, upper, status))
    constraints = []
    for low, high, piece_status in pieces:
        if piece_status != wanted or (low is not None and high is not None and low == high[1]):
            continue  # another status, or empty (a change at the range's very end)
        parts = ([f">={low}"] if low else []) + ([f"{high[0]}{high[1]}"] if high else [])
        constraints.append("|".join(parts) or "*")
    if not constraints:
        return []
    if "*" in constraints:
        return [f"vers:{scheme}/*"]
    return [f"vers:{scheme}/{'|'.join(constraints)}"]
