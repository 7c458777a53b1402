"""GitHub Security Advisories as GitHub's GraphQL API returns them (`securityAdvisory` objects).

One advisory per `.json` file, or a JSON list of them (a `{"data": {"securityAdvisory": …}}`
response is unwrapped). We convert each to the OSV record the OSV project's GHSA converter
(ossf/osv-schema `tools/ghsa`) makes and import that through the shared OSV checks; tests
compare the conversion with the converter's own expected outputs, field by field.

The rules, as that converter's test data shows them:

- `id` the ghsaId; `aliases` the other identifiers; `summary`, `details` (the description),
  `published`, `modified`, `withdrawn` (only when set) as given; `schema_version` 1.5.0.
- References: a `github.com/advisories/` or `nvd.nist.gov/vuln/detail/` page is an ADVISORY,
  anything else WEB. No `severity`: the converter leaves the CVSS data out.
- One `affected` entry per (ecosystem, package), in order of first appearance; its
  `database_specific` holds the permalink (`ghsa`) and the CWE nodes as given. npm and Go get a
  SEMVER range, other ecosystems an ECOSYSTEM range; PyPI names are normalized (PEP 503).
- All the package's vulnerable ranges become the events of one range, in order:
  `>= A` introduces A; `< B` fixes B; `<= B` is fixed by firstPatchedVersion when there is one
  and otherwise says nothing (no `last_affected`: the converter's test data, which we follow,
  predates its `last_affected` support); no upper bound is fixed by firstPatchedVersion; no
  lower bound puts `introduced: "0"` first. `= V` is an explicit version, or `introduced V,
  fixed <first patched>` when a patch is named. A range with no events is left out.
- `> A`: the converter asks the package registry for the next released version. Offline we can
  only do that where the ordering itself defines a least successor: SemVer (npm, Go), where the
  next version after 2.1.0 is 2.1.1-0 and after 2.1.0-rc.1 is 2.1.0-rc.1.0. Elsewhere the
  advisory is rejected, as the converter rejects it for an ecosystem it has no helper for.
- Ecosystems: the converter's map (NPM, GO, MAVEN, PIP, RUBYGEMS, NUGET, COMPOSER, RUST,
  ACTIONS) plus the names GitHub's own OSV export uses for the ones it lacks (PUB → Pub,
  ERLANG → Hex, SWIFT → SwiftURL). Any other is rejected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from clearinghouse.knowledge.sources.inputs import InputDocument
from clearinghouse.knowledge.sources.interface import (
    Importer,
    RecordRejected,
    Rejected,
    SourceRecord,
)
from clearinghouse.knowledge.sources.osv_records import record_from_osv

SCHEMA_VERSION = "1.5.0"

ECOSYSTEMS = {
    "NPM": "npm",
    "GO": "Go",
    "MAVEN": "Maven",
    "PIP": "PyPI",
    "RUBYGEMS": "RubyGems",
    "NUGET": "NuGet",
    "COMPOSER": "Packagist",
    "RUST": "crates.io",
    "ACTIONS": "GitHub Actions",
    "PUB": "Pub",
    "ERLANG": "Hex",
    "SWIFT": "SwiftURL",
}
SEMVER_ECOSYSTEMS = frozenset({"npm", "Go"})

_SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$"
)
_OPERATORS = ("=", ">=", ">", "<=", "<")


def pypi_name(name: str) -> str:
    """PEP 503 normalized name: runs of `-`, `_`, `.` become one `-`, lower case."""
    return re.sub(r"[-_.]+", "-", name).lower()


def next_semver(version: str) -> str:
    """The least SemVer version greater than `version` (build metadata does not order)."""
    match = _SEMVER.match(version)
    if match is None:
        raise ValueError(f"{version!r} is not a SemVer version")
    major, minor, patch, prerelease = match.groups()
    if prerelease is not None:
        return f"{major}.{minor}.{patch}-{prerelease}.0"
    return f"{major}.{minor}.{int(patch) + 1}-0"


@dataclass(frozen=True)
class VersionRange:
    """A `vulnerableVersionRange`: an exact version, or optional lower and upper bounds."""

    exact: str | None = None
    lower: tuple[str, str] | None = None  # (operator, version)
    upper: tuple[str, str] | None = None


def parse_range(text: str) -> VersionRange:
    """`= 1.0`, `<= 1.2.3`, `< 2`, `>= 4.3.0, < 4.3.5`, `> 1.0`: comma-separated bounds."""
    exact: str | None = None
    lower: tuple[str, str] | None = None
    upper: tuple[str, str] | None = None
    for part in text.split(","):
        words = part.split()
        if len(words) != 2 or words[0] not in _OPERATORS:
            raise ValueError(f"{text!r}: expected '<operator> <version>' parts, got {part!r}")
        operator, version = words
        if operator == "=":
            exact = version
        elif operator.startswith(">"):
            lower = (operator, version)
        else:
            upper = (operator, version)
    if exact is not None and (lower or upper):
        raise ValueError(f"{text!r}: an exact version cannot have bounds too")
    return VersionRange(exact, lower, upper)


def _field(data: Mapping[str, Any], key: str, kind: type, where: str = "") -> Any:
    value = data.get(key)
    if not isinstance(value, kind):
        raise RecordRejected(f"{where}{key}: missing or not a {kind.__name__}")
    return value


def _nodes(data: Mapping[str, Any], key: str) -> list[Any]:
    """`{key: {"nodes": [...]}}`, the GraphQL connection shape; absent or null means none."""
    connection = data.get(key)
    if connection is None:
        return []
    nodes = connection.get("nodes") if isinstance(connection, dict) else None
    if not isinstance(nodes, list):
        raise RecordRejected(f"{key}.nodes: expected a list")
    return nodes


def reference_type(url: str) -> str:
    if "github.com/advisories/" in url or "nvd.nist.gov/vuln/detail/" in url:
        return "ADVISORY"
    return "WEB"


def _package(node: Any, where: str) -> tuple[str, str]:
    if not isinstance(node, dict) or not isinstance(node.get("package"), dict):
        raise RecordRejected(f"{where}.package: missing or not an object")
    package = node["package"]
    ecosystem = package.get("ecosystem")
    if ecosystem not in ECOSYSTEMS:
        raise RecordRejected(
            f"{where}.package.ecosystem: unknown ecosystem {ecosystem!r} "
            f"(known: {', '.join(ECOSYSTEMS)})"
        )
    name = _field(package, "name", str, f"{where}.package.")
    if not name:
        raise RecordRejected(f"{where}.package.name: empty")
    return ECOSYSTEMS[ecosystem], name


def _first_patched(node: Mapping[str, Any], where: str) -> str | None:
    patched = node.get("firstPatchedVersion")
    if patched is None:
        return None
    if not isinstance(patched, dict) or not isinstance(patched.get("identifier"), str):
        raise RecordRejected(f"{where}.firstPatchedVersion: expected {{identifier: string}}")
    return patched["identifier"] or None


def _add_vulnerability(
    affected: dict[str, Any], events: list[dict[str, str]], node: Mapping[str, Any], where: str
) -> bool:
    """Add one vulnerable range's events (or version); True when it has no lower bound."""
    text = _field(node, "vulnerableVersionRange", str, f"{where}.")
    try:
        bounds = parse_range(text)
    except ValueError as exc:
        raise RecordRejected(f"{where}.vulnerableVersionRange: {exc}") from None
    patched = _first_patched(node, where)
    if bounds.exact is not None:
        if patched:
            events += [{"introduced": bounds.exact}, {"fixed": patched}]
        else:
            affected["versions"].append(bounds.exact)
        return False
    if bounds.lower is not None:
        operator, version = bounds.lower
        if operator == ">" and affected["package"]["ecosystem"] not in SEMVER_ECOSYSTEMS:
            raise RecordRejected(
                f"{where}.vulnerableVersionRange: {text!r}: a '>' bound needs the next "
                f"released version, which only the registry knows for "
                f"{affected['package']['ecosystem']}"
            )
        if operator == ">":
            try:
                version = next_semver(version)
            except ValueError as exc:
                raise RecordRejected(f"{where}.vulnerableVersionRange: {exc}") from None
        events.append({"introduced": version})
    if bounds.upper is not None:
        operator, version = bounds.upper
        if operator == "<":
            events.append({"fixed": version})
        elif patched:  # `<=` without a patch says nothing more (see the module notes)
            events.append({"fixed": patched})
    elif patched:
        events.append({"fixed": patched})
    return bounds.lower is None


def _affected(advisory: Mapping[str, Any]) -> list[dict[str, Any]]:
    permalink = _field(advisory, "permalink", str)
    cwes = _nodes(advisory, "cwes")
    grouped: dict[tuple[str, str], list[tuple[str, Any]]] = {}
    for index, node in enumerate(_nodes(advisory, "vulnerabilities")):
        where = f"vulnerabilities.nodes[{index}]"
        grouped.setdefault(_package(node, where), []).append((where, node))
    result = []
    for (ecosystem, name), nodes in grouped.items():
        entry: dict[str, Any] = {
            "package": {
                "ecosystem": ecosystem,
                "name": pypi_name(name) if ecosystem == "PyPI" else name,
            },
            "ranges": [],
            "versions": [],
            "database_specific": {"ghsa": permalink, "cwes": cwes},
        }
        events: list[dict[str, str]] = []
        from_start = False
        for where, node in nodes:
            from_start |= _add_vulnerability(entry, events, node, where)
        if from_start:
            events.insert(0, {"introduced": "0"})
        if events:
            kind = "SEMVER" if ecosystem in SEMVER_ECOSYSTEMS else "ECOSYSTEM"
            entry["ranges"].append({"type": kind, "events": events})
        result.append(entry)
    return result


def advisory_to_osv(advisory: Any) -> dict[str, Any]:
    """The OSV document for one `securityAdvisory` object."""
    if not isinstance(advisory, dict):
        raise RecordRejected("an advisory must be a JSON object")
    ghsa_id = _field(advisory, "ghsaId", str)
    if not ghsa_id:
        raise RecordRejected("ghsaId: empty")
    identifiers = advisory.get("identifiers") or []
    references = advisory.get("references") or []
    if not isinstance(identifiers, list) or not all(
        isinstance(i, dict) and isinstance(i.get("value"), str) for i in identifiers
    ):
        raise RecordRejected("identifiers: expected a list of {value: string}")
    if not isinstance(references, list) or not all(
        isinstance(r, dict) and isinstance(r.get("url"), str) for r in references
    ):
        raise RecordRejected("references: expected a list of {url: string}")
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "id": ghsa_id,
        "aliases": [i["value"] for i in identifiers if i["value"] != ghsa_id],
        "published": _field(advisory, "publishedAt", str),
        "modified": _field(advisory, "updatedAt", str),
    }
    withdrawn = advisory.get("withdrawnAt")
    if withdrawn:
        document["withdrawn"] = withdrawn
    document |= {
        "summary": _field(advisory, "summary", str),
        "details": _field(advisory, "description", str),
        "references": [{"type": reference_type(r["url"]), "url": r["url"]} for r in references],
        "affected": _affected(advisory),
    }
    return document


def _advisories(data: Any) -> Any:
    """A GraphQL response's advisory, or the payload as it is."""
    if isinstance(data, dict) and "ghsaId" not in data:
        inner = data.get("data", data)
        if isinstance(inner, dict) and "securityAdvisory" in inner:
            return inner["securityAdvisory"]
    return data


class GhsaImporter(Importer):
    pipeline_id = "ghsa"
    licence = "CC-BY-4.0"  # GitHub Advisory Database
    description = "GitHub Security Advisories (GraphQL securityAdvisory JSON), as OSV"
    suffixes = (".json",)

    def parse(self, document: InputDocument) -> Iterator[SourceRecord | Rejected]:
        if document.content is None:
            raise RecordRejected(document.problem or "unreadable")
        try:
            data = json.loads(document.content.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise RecordRejected(f"not UTF-8 text: {exc}") from None
        except json.JSONDecodeError as exc:
            raise RecordRejected(f"not valid JSON: {exc}") from None
        data = _advisories(data)
        if not isinstance(data, list):
            osv = advisory_to_osv(data)
            yield record_from_osv(osv, source=self.pipeline_id, origin=document.name)
            return
        for index, item in enumerate(data):
            try:
                osv = advisory_to_osv(item)
                yield record_from_osv(osv, source=self.pipeline_id, origin=document.name)
            except RecordRejected as exc:
                yield Rejected(f"[{index}]", str(exc))
