"""How well does dedupe find the known vulnerability a report repeats? A labelled set, real data.

The set (docs/reports.md, "How well it works"):

- **Known vulnerabilities**: the PyPA advisory database (PYSEC, OSV in YAML) and the Go
  vulnerability database (GO, OSV JSON), as the knowledge base would hold them: each record's
  package, ranges, summary and details.
- **Report-like inputs**: CVE JSON 5 records of the same vulnerabilities written by someone
  else — CISA's vulnrichment sample (the CVE records of many CNAs, mostly GitHub's) for PyPI,
  the Go CNA's CVE records for Go. From each we take only what a finder's report would carry:
  title and description (the report's text), the CWE, the affected version (the highest
  version of the package's known releases inside the record's ranges; no version when none
  reads) and the first version outside them (the "fixed version"). Aliases, ids, references
  and URLs are not used; any vulnerability id quoted in a description is removed by the
  tokenizer. The package is the one the record names for Go; for PyPI (CVE records name
  vendor products, not PyPI packages) it is the PyPA record's package — the package a finder
  tests is never in doubt.
- **Truth**: the CVE id is an alias of the PYSEC/GO record. That is the only use of aliases.

Every query is run twice: against all the package's known vulnerabilities (the right answer
is the aliased record; naming another is a false positive, naming none a false negative), and
against them **without** the aliased record (a new vulnerability of a known package: naming
any is a false positive). Precision = right / all named; recall = right / queries.
The thresholds were chosen on the queries whose `sha256(cve id)` starts with an even hex digit
(`split == "tune"`); the others (`"check"`) are the held-out half.
"""

from __future__ import annotations

import hashlib
import json
import re
import tarfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cmp_to_key
from pathlib import Path
from typing import Any

import yaml

from clearinghouse.knowledge.versions import InvalidVersion, UnknownEcosystem, compare
from clearinghouse.reports.dedupe import (
    AffectedRange,
    KnownVulnerability,
    Outcome,
    ReportFacts,
    against_knowledge,
)

_PEP503 = re.compile(r"[-_.]+")
_BOUND = re.compile(r"(<=|>=|<|>|=)?\s*v?(\d[0-9A-Za-z.+!_-]*)")
_CWE = re.compile(r"CWE[- ](\d{1,5})")
Key = tuple[str, str]  # (ecosystem, package lookup name)
ALIAS_SET = "alias-set"  # PyPI and Go together: the figure the targets apply to
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C build when there is one


def _yaml(raw: bytes) -> Any:
    return yaml.load(raw, Loader=_SAFE_LOADER)  # noqa: S506 (a safe loader)


@dataclass(frozen=True)
class Query:
    cve: str
    ecosystem: str
    facts: ReportFacts
    truth: frozenset[str]

    @property
    def split(self) -> str:
        return (
            "tune"
            if int(hashlib.sha256(self.cve.encode()).hexdigest()[0], 16) % 2 == 0
            else "check"
        )


@dataclass
class LabelledSet:
    known: dict[Key, list[KnownVulnerability]]
    queries: list[Query]
    unpaired: int = 0  # CVE records whose package the known records do not name


@dataclass
class Tally:
    queries: int = 0
    right: int = 0
    wrong: int = 0  # named another vulnerability of the package
    missed: int = 0
    new_queries: int = 0  # runs without the aliased record
    new_named: int = 0  # ... that still named one (false positives)
    top_right: int = 0  # the aliased record was the best candidate (the evidence shown)
    likely_right: int = 0  # named decisively or as "likely"
    likely_new_named: int = 0  # runs without the aliased record that named one as likely
    positive_pairs: int = 0
    negative_pairs: int = 0

    @property
    def precision(self) -> float:
        named = self.right + self.wrong + self.new_named
        return self.right / named if named else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.queries if self.queries else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "queries": self.queries,
            "right": self.right,
            "wrong": self.wrong,
            "missed": self.missed,
            "new_package_queries": self.new_queries,
            "new_package_named": self.new_named,
            "positive_pairs": self.positive_pairs,
            "negative_pairs": self.negative_pairs,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "top_candidate_right": self.top_right,
            "likely_or_decisive_right": self.likely_right,
            "likely_false_alarms": self.likely_new_named,
        }


@dataclass
class Evaluation:
    tallies: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    mistakes: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {name: t.as_dict() for name, t in sorted(self.tallies.items())}


def _lookup(ecosystem: str, name: str) -> str:
    return _PEP503.sub("-", name).lower() if ecosystem == "PyPI" else name


def _tar_members(path: Path, prefix: str, suffix: str) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(path) as archive:
        for member in archive:
            if member.isfile() and member.name.startswith(prefix) and member.name.endswith(suffix):
                handle = archive.extractfile(member)
                if handle is not None:
                    yield member.name, handle.read()


def _known(record: dict[str, Any], ecosystem: str) -> dict[Key, KnownVulnerability]:
    text = "\n".join(filter(None, [record.get("summary"), record.get("details")]))
    cwes = tuple((record.get("database_specific") or {}).get("cwe_ids") or ())
    by_package: dict[Key, list[AffectedRange]] = defaultdict(list)
    for entry in record.get("affected", []):
        package = entry.get("package", {})
        if package.get("ecosystem") != ecosystem:
            continue
        key = (ecosystem, _lookup(ecosystem, package["name"]))
        by_package[key].append(AffectedRange(entry.get("ranges", []), entry.get("versions", [])))
    return {
        key: KnownVulnerability(record["id"], record["id"], tuple(ranges), cwes, text)
        for key, ranges in by_package.items()
    }


def load_known(
    pysec_archive: Path, go_archive: Path
) -> tuple[dict[Key, list[KnownVulnerability]], dict[str, set[tuple[Key, str]]]]:
    """Known vulnerabilities by package, and for each alias the (package, record) it names."""
    known: dict[Key, list[KnownVulnerability]] = defaultdict(list)
    aliases: dict[str, set[tuple[Key, str]]] = defaultdict(set)
    sources: list[tuple[str, Iterable[tuple[str, bytes]]]] = [
        ("PyPI", _tar_members(pysec_archive, "vulns/", ".yaml")),
        ("Go", _tar_members(go_archive, "data/osv/", ".json")),
    ]
    for ecosystem, members in sources:
        for name, raw in members:
            record = _yaml(raw) if name.endswith(".yaml") else json.loads(raw)
            if record.get("withdrawn"):
                continue
            for key, vulnerability in _known(record, ecosystem).items():
                known[key].append(vulnerability)
                for alias in record.get("aliases") or ():
                    aliases[alias].add((key, record["id"]))
    return known, aliases


def _catalog(ecosystem: str, known: list[KnownVulnerability]) -> list[str]:
    """The package's releases as its advisories name them (a stand-in for the index's list)."""
    seen: set[str] = set()
    for vulnerability in known:
        for entry in vulnerability.affected:
            seen.update(entry.versions)
            for rng in entry.ranges:
                for event in rng.get("events", []):
                    seen.update(v for k, v in event.items() if k != "limit" and v != "0")
    readable: list[str] = []
    for version in seen:
        try:
            compare(ecosystem, version, version)
        except (InvalidVersion, UnknownEcosystem):
            continue
        readable.append(version)

    def order(a: str, b: str) -> int:
        return compare(ecosystem, a, b)

    return sorted(readable, key=cmp_to_key(order))


Bound = tuple[str, str]  # (operator, version)


def _ranges_of(versions: list[dict[str, Any]]) -> list[list[Bound]]:
    """The CVE record's affected versions as lists of bounds, each list one interval."""
    out: list[list[Bound]] = []
    for item in versions:
        if item.get("status") != "affected":
            continue
        start = str(item.get("version", "")).strip()
        upper = item.get("lessThan") or item.get("lessThanOrEqual")
        if upper:
            bounds: list[Bound] = [("<" if "lessThan" in item else "<=", str(upper))]
            if start and start not in ("0", "*", "n/a", "unspecified"):
                bounds.append((">=", start))
            out.append(bounds)
            continue
        parsed = [(op or "=", v) for op, v in _BOUND.findall(start)]
        if parsed and (len(parsed) == 1 or all(op != "=" for op, _ in parsed)):
            out.append(parsed)
    return out


def _satisfies(ecosystem: str, version: str, bounds: list[Bound]) -> bool:
    for op, bound in bounds:
        try:
            order = compare(ecosystem, version, bound)
        except (InvalidVersion, UnknownEcosystem):
            return False
        ok = {
            "<": order < 0,
            "<=": order <= 0,
            ">": order > 0,
            ">=": order >= 0,
            "=": order == 0,
        }[op]
        if not ok:
            return False
    return True


def _report_versions(
    ecosystem: str, catalog: list[str], intervals: list[list[Bound]]
) -> tuple[tuple[str, ...], str | None]:
    """The highest known release inside the record's ranges, and the bound above it."""
    for version in reversed(catalog):
        for bounds in intervals:
            if _satisfies(ecosystem, version, bounds):
                fixed = next((b for op, b in bounds if op == "<"), None)
                return (version,), fixed
    return (), None


def _cwe(cve: dict[str, Any]) -> str | None:
    containers = [cve["containers"].get("cna", {}), *cve["containers"].get("adp", [])]
    for container in containers:
        for problem in container.get("problemTypes", []):
            for description in problem.get("descriptions", []):
                found = _CWE.search(description.get("cweId") or description.get("description", ""))
                if found:
                    return f"CWE-{found.group(1)}"
    return None


def _text(cna: dict[str, Any]) -> str:
    descriptions = [
        d["value"] for d in cna.get("descriptions", []) if d.get("lang", "en")[:2] == "en"
    ]
    return "\n".join(filter(None, [cna.get("title"), *descriptions[:1]]))


def _query(
    cve: dict[str, Any],
    ecosystem: str,
    known: dict[Key, list[KnownVulnerability]],
    aliases: dict[str, set[tuple[Key, str]]],
) -> Query | None:
    cve_id = cve["cveMetadata"]["cveId"]
    named = aliases.get(cve_id, set())
    packages = sorted({key for key, _ in named if key[0] == ecosystem})
    if not packages:
        return None
    cna = cve["containers"]["cna"]
    affected = cna.get("affected", [])
    if ecosystem == "Go":
        # The Go CNA names the package (import path); advisories name its module, a prefix.
        entry: dict[str, Any] = next((a for a in affected if a.get("packageName")), {})
        path = str(entry.get("packageName", ""))
        modules = [
            k for k in known if k[0] == "Go" and (path == k[1] or path.startswith(f"{k[1]}/"))
        ]
        key = max(modules, key=lambda k: len(k[1])) if modules else None
    else:
        products = {_lookup("PyPI", a.get("product", "")): a for a in affected}
        key = next((k for k in packages if k[1] in products), packages[0])
        entry = products.get(key[1], affected[0] if affected else {})
    if key is None or key not in packages:
        return None
    intervals = _ranges_of(entry.get("versions", []))
    versions, fixed = _report_versions(ecosystem, _catalog(ecosystem, known[key]), intervals)
    facts = ReportFacts(ecosystem, key[1], versions, fixed, _cwe(cve), _text(cna))
    truth = frozenset(record for k, record in named if k == key)
    return Query(cve_id, ecosystem, facts, truth)


def paraphrased(corpus: Path) -> list[Query]:
    """The validation corpus's reports of known advisories: text we wrote ourselves.

    `reproduced/PYSEC-….json` is that advisory; `bogus/duplicate-of-PYSEC-….json` repeats it.
    """
    from clearinghouse.reports.dedupe_service import report_facts
    from clearinghouse.reports.schemas import ReportIn

    queries: list[Query] = []
    for path in sorted(corpus.glob("*/*.json")):
        truth = path.stem.removeprefix("duplicate-of-")
        if not truth.startswith("PYSEC-"):
            continue
        report = ReportIn.model_validate(json.loads(path.read_text()))
        queries.append(
            Query(
                f"{path.parent.name}/{path.stem}",
                "paraphrased",
                report_facts(report),
                frozenset({truth}),
            )
        )
    return queries


def build(
    pysec_archive: Path, vulnrichment_archive: Path, go_archive: Path, corpus: Path | None = None
) -> LabelledSet:
    """The labelled set from the three archives (see the module's docstring)."""
    known, aliases = load_known(pysec_archive, go_archive)
    queries: list[Query] = []
    unpaired = 0
    inputs: list[tuple[str, Iterable[tuple[str, bytes]]]] = [
        ("PyPI", _tar_members(vulnrichment_archive, "", ".json")),
        ("Go", _tar_members(go_archive, "data/cve/v5/", ".json")),
    ]
    for ecosystem, members in inputs:
        for _, raw in members:
            cve = json.loads(raw)
            if "containers" not in cve or cve["cveMetadata"]["cveId"] not in aliases:
                continue
            query = _query(cve, ecosystem, known, aliases)
            if query is None:
                if any(k[0] == ecosystem for k, _ in aliases[cve["cveMetadata"]["cveId"]]):
                    unpaired += 1
                continue
            queries.append(query)
    queries.sort(key=lambda q: q.cve)
    if corpus is not None:
        queries += paraphrased(corpus)
    return LabelledSet(dict(known), queries, unpaired)


def evaluate(
    labelled: LabelledSet,
    limit: int | None = None,
    progress: Callable[[], None] | None = None,
    text_only: bool = False,
) -> Evaluation:
    """Run dedupe on every query (the first `limit`), tallied per ecosystem, split and in all.

    `text_only` is the baseline: the same decision with the report's versions, fixed version
    and weakness withheld, so that only the words count.
    """
    result = Evaluation()
    for query in labelled.queries[:limit]:
        if text_only:
            facts = replace(query.facts, versions=(), fixed_version=None, cwe=None)
            query = replace(query, facts=facts)
        ecosystem = query.facts.ecosystem or query.ecosystem
        candidates = labelled.known.get((ecosystem, query.facts.package), [])
        with_truth = against_knowledge(query.facts, candidates)
        others = [k for k in candidates if k.id not in query.truth]
        without = against_knowledge(query.facts, others) if others else None
        names = [query.ecosystem, f"{query.ecosystem}/{query.split}"]
        if query.ecosystem != "paraphrased":
            names += [ALIAS_SET, f"{ALIAS_SET}/{query.split}"]
        for name in names:
            _tally(result.tallies[name], query, with_truth, without, len(candidates))
        _note_mistake(result, query, with_truth, without)
        if progress is not None:
            progress()
    return result


def _tally(
    tally: Tally, query: Query, with_truth: Outcome, without: Outcome | None, candidates: int
) -> None:
    tally.queries += 1
    tally.positive_pairs += len(query.truth)
    tally.negative_pairs += candidates - len(query.truth)
    if with_truth.original is None:
        tally.missed += 1
    elif with_truth.original.id in query.truth:
        tally.right += 1
    else:
        tally.wrong += 1
    if with_truth.candidates and with_truth.candidates[0].id in query.truth:
        tally.top_right += 1
    named = with_truth.original or with_truth.likely
    tally.likely_right += named is not None and named.id in query.truth
    if without is not None:
        tally.new_queries += 1
        tally.new_named += without.duplicate
        tally.likely_new_named += without.likely is not None


def _note_mistake(
    result: Evaluation, query: Query, with_truth: Outcome, without: Outcome | None
) -> None:
    named = with_truth.original.id if with_truth.original else None
    if named in query.truth and not (without and without.duplicate):
        return
    result.mistakes.append(
        {
            "cve": query.cve,
            "package": query.facts.package,
            "truth": sorted(query.truth),
            "named": named,
            "named_without_truth": without.original.id if without and without.original else None,
            "reason": with_truth.reason,
            "top": [c.as_dict() for c in with_truth.candidates[:2]],
        }
    )


PYSEC_ARCHIVE = "osv-pypi-pysec/pypa-advisory-database.tar.gz"
VULNRICHMENT_ARCHIVE = "cve-vulnrichment-sample/vulnrichment-sample.tar.gz"
GO_ARCHIVE = "osv-go-vulndb/golang-vulndb-data.tar.gz"


def build_from(data_dir: Path, corpus: Path | None = None) -> LabelledSet:
    """The set from a folder laid out as the shared data sets (`tests/data/shared`)."""
    paths = [data_dir / PYSEC_ARCHIVE, data_dir / VULNRICHMENT_ARCHIVE, data_dir / GO_ARCHIVE]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise FileNotFoundError(f"missing: {', '.join(missing)}")
    return build(paths[0], paths[1], paths[2], corpus=corpus)
