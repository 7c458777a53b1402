"""Which known vulnerability a validated proof of concept proves, for triage's Exploitation.

A finder's report whose PoC the sandbox reproduced is evidence that the vulnerability can be
exploited — but only of the vulnerability it is really about. A report names a package, its
versions, a weakness and its own words; it is tied to a known vulnerability V by these rules,
re-checked against the knowledge base as it stands whenever they are read:

1. the report's verdict is `reproduced` or `reproduced_unfixed` (validation ran it);
2. **the sandbox agrees with V's ranges**: V affects every version the PoC reproduced on, and
   not the version validation ran as the fix where it did not reproduce (a PoC that stops
   working exactly where V's fix lies);
3. **the weakness does not contradict**: V carries the report's CWE, or none;
4. **V is the only one**: no other vulnerability of the package meets 2 and 3 — or, when
   several do (one release fixing two of them), the report's words point at V at least
   `LIKELY_RATIO` times more than at any of the others (dedupe's text similarity);
5. **the words do not point elsewhere**: no vulnerability of the package that its versions do
   not rule out draws `LIKELY_RATIO` times more of the report's words than V;
6. when validation ran no fixed version (no fix is known), rule 2 only says "V affects it":
   the words must then point at V as dedupe's "likely" test requires (`LIKELY_MIN_TEXT`, and
   `LIKELY_RATIO` times any other candidate).

A coordinator's word overrules the rules: a report the coordinator marked a duplicate of V
after validation reproduced it proves V; a report whose decisive match V a coordinator rejected
(`not_duplicate`) never proves V. Anything ambiguous proves nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from packageurl import PackageURL
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from clearinghouse.identity import policy
from clearinghouse.identity.policy import Principal
from clearinghouse.knowledge import service as knowledge
from clearinghouse.knowledge.versions import InvalidRange, InvalidVersion, UnknownEcosystem
from clearinghouse.knowledge.versions import evaluate as evaluate_range
from clearinghouse.reports.dedupe import (
    LIKELY_MIN_TEXT,
    LIKELY_RATIO,
    KnownVulnerability,
    ReportFacts,
    against_knowledge,
)
from clearinghouse.reports.dedupe_service import known_vulnerabilities, package_of, report_facts
from clearinghouse.reports.models import Report
from clearinghouse.reports.schemas import ReportIn, ReportStatus

PROVING_VERDICTS = ("reproduced", "reproduced_unfixed")


@dataclass(frozen=True)
class ValidatedPoc:
    """A report whose PoC the sandbox reproduced, tied to the known vulnerability it proves."""

    vulnerability_id: str
    report_id: str
    title: str
    verdict: str
    validated_at: datetime
    finder_organization_id: str
    tied_by: str  # "the rules" or "a coordinator"

    @property
    def id(self) -> str:
        """The report's id (as `service.record_reads` names what a view showed)."""
        return self.report_id

    def shows_report(self, viewer: Principal | None) -> bool:
        """Does `provenance` name the report to `viewer`? Only where the policy lets them
        read it (its finder, coordinators); a door that shows it records the read."""
        return viewer is not None and policy.allowed(
            viewer, "reports.read", self.finder_organization_id
        )

    def provenance(self, viewer: Principal | None) -> str:
        """One sentence for the decision's "why": the report itself only for those the policy
        lets read it; for anyone else the bare fact and its date."""
        day = f"{self.validated_at.day} {self.validated_at:%b %Y}"
        if self.shows_report(viewer):
            how = "reproduced" if self.verdict == "reproduced" else "reproduced, no fix stops it"
            return (
                f"report {self.report_id[:8]} “{self.title}”: {how} in the sandbox on {day} "
                f"(tied to this vulnerability by {self.tied_by})"
            )
        return f"a proof of concept validated by the clearinghouse on {day}"


class Runs(NamedTuple):
    """From validation's evidence: versions it reproduced on, the fix it ran where it did not,
    and the fix it ran where it still did."""

    reproduced: tuple[str, ...]
    stopped: tuple[str, ...]
    still: tuple[str, ...]


def _versions_run(details: Mapping[str, Any]) -> Runs:
    reproduced: list[str] = []
    stopped: list[str] = []
    still: list[str] = []
    for record in (details.get("validation") or {}).get("versions") or ():
        version, role, hit = record.get("version"), record.get("role"), record.get("reproduces")
        if not isinstance(version, str):
            continue
        if hit:
            (still if role == "fixed" else reproduced).append(version)
        elif role == "fixed":
            stopped.append(version)
    return Runs(tuple(reproduced), tuple(stopped), tuple(still))


def _affects(ecosystem: str, known: KnownVulnerability, version: str) -> bool | None:
    try:
        return any(
            evaluate_range(ecosystem, version, entry.ranges, entry.versions).affected
            for entry in known.affected
        )
    except (InvalidVersion, InvalidRange, UnknownEcosystem):
        return None


def _agrees_with_sandbox(ecosystem: str, known: KnownVulnerability, runs: Runs) -> bool:
    if not runs.reproduced:
        return False
    must_affect = [*runs.reproduced, *runs.still]
    return all(_affects(ecosystem, known, v) is True for v in must_affect) and all(
        _affects(ecosystem, known, v) is False for v in runs.stopped
    )


def _text_scores(facts: ReportFacts, known: Sequence[KnownVulnerability]) -> dict[str, float]:
    """Each candidate's text similarity, for those the report's versions do not rule out."""
    outcome = against_knowledge(facts, known)
    scores: dict[str, float] = {}
    for candidate in outcome.candidates:
        signals = {s.name: s for s in candidate.signals}
        if signals["versions"].matched is False:
            continue
        scores[candidate.id] = signals["text"].score or 0.0
    return scores


def _points_at(target: str, scores: Mapping[str, float], among: Iterable[str]) -> bool:
    mine = scores.get(target, 0.0)
    return all(mine >= LIKELY_RATIO * scores.get(other, 0.0) for other in among if other != target)


def proved_by_rules(
    report: ReportIn, details: Mapping[str, Any], known: Sequence[KnownVulnerability]
) -> str | None:
    """The id of the one known vulnerability the rules tie this reproduced report to, if any."""
    return _tied(report_facts(report), _versions_run(details), known)


def _tied(facts: ReportFacts, runs: Runs, known: Sequence[KnownVulnerability]) -> str | None:
    if facts.ecosystem is None or not known:
        return None
    ecosystem = facts.ecosystem
    fitting = [
        k
        for k in known
        if _agrees_with_sandbox(ecosystem, k, runs) and (not k.cwes or facts.cwe in k.cwes)
    ]
    if not fitting:
        return None
    scores = _text_scores(facts, known)
    ids = [k.id for k in fitting]
    if len(fitting) == 1:
        chosen = ids[0]
    else:
        best = max(ids, key=lambda i: scores.get(i, 0.0))
        chosen = best if _points_at(best, scores, ids) else ""
    mine = scores.get(chosen, 0.0)
    if not chosen or any(
        score > 0.0 and score >= LIKELY_RATIO * mine
        for other, score in scores.items()
        if other != chosen
    ):
        return None
    if not runs.stopped and not (mine >= LIKELY_MIN_TEXT and _points_at(chosen, scores, scores)):
        return None
    return chosen


def _coordinator(details: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(the vulnerability a coordinator named the original, the one a coordinator rejected)."""
    dedupe = details.get("dedupe") or {}
    override = dedupe.get("override") or {}
    if override.get("decision") == "duplicate":
        original = dedupe.get("original") or {}
        if original.get("kind") == "vulnerability":
            return str(original.get("id")), None
    if override.get("decision") == "not_duplicate":
        rejected = (dedupe.get("knowledge") or {}).get("original") or {}
        return None, rejected.get("id")
    return None, None


def _package_key(target_key: str) -> tuple[str, str] | None:
    """The knowledge base's (ecosystem, lookup name) of a report's target key ("pypi/jinja2")."""
    try:
        ecosystem, name = package_of(PackageURL.from_string(f"pkg:{target_key}"))
    except ValueError:
        return None  # a repository URL
    return (ecosystem, name) if ecosystem is not None else None


def _proving_reports() -> Any:
    validation_verdict = Report.verdict_details[("validation", "verdict")].as_string()
    override = Report.verdict_details[("dedupe", "override", "decision")].as_string()
    return or_(
        and_(Report.status == ReportStatus.VALIDATED.value, Report.verdict.in_(PROVING_VERDICTS)),
        and_(
            Report.verdict == "duplicate",
            validation_verdict.in_(PROVING_VERDICTS),
            override == "duplicate",
        ),
    )


def _validated_at(report: Report) -> datetime:
    stamp = ((report.verdict_details or {}).get("validation") or {}).get("validated_at")
    if isinstance(stamp, str):
        try:
            return datetime.fromisoformat(stamp)
        except ValueError:
            pass
    return report.updated_at


def validated_pocs_for(
    session: Session, vulnerability_ids: Collection[str]
) -> dict[str, list[ValidatedPoc]]:
    """The validated PoCs that prove each of these vulnerabilities, oldest first.

    Reads as the clearinghouse: the caller shows each through `ValidatedPoc.provenance` with
    its viewer, so that a finder's report stays the finder's and the coordinators'.
    """
    wanted = set(vulnerability_ids)
    if not wanted:
        return {}
    # Few reports are validated (each one is a sandbox run): read them all at once, and only
    # then ask which packages these vulnerabilities affect.
    rows = session.scalars(
        select(Report).where(_proving_reports()).order_by(Report.created_at, Report.id)
    ).all()
    packages = {t: _package_key(t) for t in {row.target_key for row in rows}}
    held = knowledge.packages_of(session, wanted) if any(packages.values()) else set()
    found: dict[str, list[ValidatedPoc]] = {}
    known_by_package: dict[tuple[str, str], list[KnownVulnerability]] = {}
    for row in rows:
        package = packages[row.target_key]
        if package is None or package not in held:
            continue
        details = row.verdict_details or {}
        named, rejected = _coordinator(details)
        tied_by = "a coordinator"
        proved: str | None = None
        if named is not None:
            resolved = knowledge.find_vulnerability(session, named)
            proved = resolved.id if resolved is not None else None
        elif row.verdict in PROVING_VERDICTS:
            facts = report_facts(ReportIn.model_validate(row.content))
            if package not in known_by_package:
                known_by_package[package] = known_vulnerabilities(session, facts)
            proved = _tied(facts, _versions_run(details), known_by_package[package])
            tied_by = "the rules"
        if proved is None or proved == rejected or proved not in wanted:
            continue
        verdict = row.verdict
        if verdict not in PROVING_VERDICTS:  # a duplicate now: what validation said before
            verdict = details["validation"]["verdict"]
        found.setdefault(proved, []).append(
            ValidatedPoc(
                proved,
                row.id,
                row.title,
                str(verdict),
                _validated_at(row),
                row.finder_organization_id,
                tied_by,
            )
        )
    return found
