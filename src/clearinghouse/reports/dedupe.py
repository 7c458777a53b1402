"""Is a report a duplicate? Against the knowledge base, and against earlier reports.

Pure decisions over plain facts; `dedupe_service` reads them from the database and stores the
outcome. docs/reports.md ("Deduplication") explains the signals and the thresholds, and
`clearinghouse reports dedupe-eval` measures them on a labelled set built from real advisories.

**Against a known vulnerability** of the same package (the knowledge base's affected entries):

- `versions`: a version the report names is affected by one of the vulnerability's ranges
  (evaluated with the knowledge base's own OSV range rules and version order). A report whose
  every version lies outside them is not a duplicate of it, whatever its text says.
- `fixed_version`: the version the finder believes fixes it is a `fixed` event of those ranges.
- `weakness`: the report's CWE is one the vulnerability carries.
- `text`: TF-IDF cosine of the report's title, description and impact against the advisory's
  summary and details, weighed over all of the package's advisories (see `similarity`).

**Decisive** (verdict `duplicate`): no version of the report lies outside the vulnerability's
ranges, its score — the text's cosine, plus `FIX_BONUS` when the fixed version matches and
`WEAKNESS_BONUS` when the CWE does — is at least `KB_THRESHOLD`, and it is ahead of the next
candidate by `KB_MARGIN` (two advisories a report fits equally well are for a coordinator).

**Likely** (evidence for the coordinator, no verdict): versions and fixed version match, the
weakness does not contradict, and the text points at it (`≥ LIKELY_MIN_TEXT`, and
`LIKELY_RATIO` times the next candidate). Finders who rewrite an advisory in their own words
land here: the words share little, the facts agree. Making this decisive would cost precision
(a release that fixes two vulnerabilities fits both): about 0.90 on the labelled set, when the
thresholds were tuned.

**Against an earlier report** on the same target: the same crash state (exception type and top
three frames in the target's code, `crash_state`) decides; so does near-identical text
(cosine ≥ `NEAR_IDENTICAL`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from clearinghouse.knowledge.versions import InvalidRange, InvalidVersion, UnknownEcosystem
from clearinghouse.knowledge.versions import compare as compare_versions
from clearinghouse.knowledge.versions import evaluate as evaluate_range
from clearinghouse.reports.similarity import Corpus, features

# Tuned on the even half of the labelled set (dedupe_eval), measured on the odd half.
KB_THRESHOLD = 0.85
KB_MARGIN = 0.05
WEAKNESS_BONUS = 0.10
FIX_BONUS = 0.10
LIKELY_MIN_TEXT = 0.08
LIKELY_RATIO = 2.0
NEAR_IDENTICAL = 0.90
SHOWN = 5  # candidates kept as evidence


@dataclass(frozen=True)
class ReportFacts:
    """What dedupe reads from a report."""

    ecosystem: str | None  # OSV ecosystem of a package target; None for a repository
    package: str  # the knowledge base's lookup name, or the repository URL
    versions: tuple[str, ...]
    fixed_version: str | None
    cwe: str | None
    text: str


@dataclass(frozen=True)
class AffectedRange:
    ranges: list[dict[str, Any]]
    versions: list[str]


@dataclass(frozen=True)
class KnownVulnerability:
    """A knowledge-base vulnerability of the report's package, as dedupe compares it."""

    id: str
    display_id: str
    affected: tuple[AffectedRange, ...]
    cwes: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class EarlierReport:
    id: str
    finder_organization_id: str
    text: str
    crash_signature: str | None  # CrashState.signature of its validation run, when known


@dataclass(frozen=True)
class Signal:
    name: str
    matched: bool | None  # None: could not be told (nothing to compare)
    score: float | None = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"signal": self.name, "matched": self.matched}
        if self.score is not None:
            data["score"] = round(self.score, 3)
        if self.detail:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True)
class Candidate:
    kind: str  # "vulnerability" or "report"
    id: str
    label: str  # display id of a vulnerability, or the report id
    score: float
    signals: tuple[Signal, ...]
    finder_organization_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "kind": self.kind,
            "id": self.id,
            "label": self.label,
            "score": round(self.score, 3),
            "signals": [s.as_dict() for s in self.signals],
        }
        if self.finder_organization_id is not None:
            data["finder_organization_id"] = self.finder_organization_id
        return data


@dataclass
class Outcome:
    """The decision, the candidate it names, and the runners-up as evidence."""

    original: Candidate | None = None
    candidates: list[Candidate] = field(default_factory=list)
    reason: str = ""
    likely: Candidate | None = None  # not decisive: shown to the coordinator to confirm

    @property
    def duplicate(self) -> bool:
        return self.original is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "duplicate": self.duplicate,
            "original": None if self.original is None else self.original.as_dict(),
            "likely": None if self.likely is None else self.likely.as_dict(),
            "reason": self.reason,
            "candidates": [c.as_dict() for c in self.candidates[:SHOWN]],
        }


def _version_signal(facts: ReportFacts, known: KnownVulnerability) -> Signal:
    if not facts.versions or facts.ecosystem is None:
        return Signal("versions", None, detail="the report names no version")
    hit: list[str] = []
    unreadable = False
    for version in facts.versions:
        for entry in known.affected:
            try:
                if evaluate_range(facts.ecosystem, version, entry.ranges, entry.versions).affected:
                    hit.append(version)
                    break
            except (InvalidVersion, InvalidRange, UnknownEcosystem):
                unreadable = True
    if hit:
        return Signal("versions", True, detail=f"affected: {', '.join(hit)}")
    if unreadable:
        return Signal("versions", None, detail="the ranges could not be evaluated")
    return Signal("versions", False, detail=f"{', '.join(facts.versions)} outside its ranges")


def _fixed_signal(facts: ReportFacts, known: KnownVulnerability) -> Signal:
    if facts.fixed_version is None or facts.ecosystem is None:
        return Signal("fixed_version", None)
    fixes = {
        event["fixed"]
        for entry in known.affected
        for rng in entry.ranges
        for event in rng.get("events", [])
        if "fixed" in event
    }
    for fix in fixes:
        try:
            if compare_versions(facts.ecosystem, facts.fixed_version, fix) == 0:
                return Signal("fixed_version", True, detail=f"fixed in {fix}")
        except (InvalidVersion, UnknownEcosystem):
            continue
    return Signal("fixed_version", False if fixes else None)


def _weakness_signal(facts: ReportFacts, known: KnownVulnerability) -> Signal:
    if facts.cwe is None or not known.cwes:
        return Signal("weakness", None)
    return Signal("weakness", facts.cwe in known.cwes, detail=", ".join(known.cwes))


def _score(facts: ReportFacts, known: KnownVulnerability, text: float) -> Candidate:
    fixed = _fixed_signal(facts, known)
    weakness = _weakness_signal(facts, known)
    signals = (_version_signal(facts, known), fixed, weakness, Signal("text", None, text))
    score = (
        text + (FIX_BONUS if fixed.matched else 0.0) + (WEAKNESS_BONUS if weakness.matched else 0.0)
    )
    return Candidate("vulnerability", known.id, known.display_id, score, signals)


def _signal(candidate: Candidate, name: str) -> bool | None:
    return next(s.matched for s in candidate.signals if s.name == name)


def _text(candidate: Candidate) -> float:
    return next(s.score or 0.0 for s in candidate.signals if s.name == "text")


def _likely(eligible: list[Candidate]) -> Candidate | None:
    """The one candidate that fits the versions, the fix and the weakness, and whose words
    point at it at least LIKELY_RATIO times more than at any other."""
    best = max(eligible, key=_text)
    runner_up = max((_text(c) for c in eligible if c is not best), default=0.0)
    fits = (
        _signal(best, "versions") is True
        and _signal(best, "fixed_version") is True
        and _signal(best, "weakness") is not False
    )
    text = _text(best)
    if fits and text >= LIKELY_MIN_TEXT and text >= LIKELY_RATIO * runner_up:
        return best
    return None


def against_knowledge(facts: ReportFacts, known: Sequence[KnownVulnerability]) -> Outcome:
    """The known vulnerability this report duplicates, if one is decisively it."""
    if not known:
        return Outcome(reason="the knowledge base holds no vulnerability of this package")
    corpus = Corpus([features(facts.text), *(features(k.text) for k in known)])
    candidates = sorted(
        (_score(facts, k, corpus.cosine(0, i + 1)) for i, k in enumerate(known)),
        key=lambda c: (-c.score, c.label),
    )
    # A version outside a vulnerability's ranges rules it out, whatever the words say.
    eligible = [c for c in candidates if _signal(c, "versions") is not False]
    if not eligible:
        return Outcome(candidates=candidates, reason="no known vulnerability affects its versions")
    best = eligible[0]
    runner_up = eligible[1].score if len(eligible) > 1 else 0.0
    if best.score >= KB_THRESHOLD and best.score - runner_up >= KB_MARGIN:
        return Outcome(best, candidates, f"the same as {best.label}")
    likely = _likely(eligible)
    if likely is not None:
        return Outcome(
            None,
            candidates,
            f"probably {likely.label} (same versions and fix); a coordinator confirms",
            likely,
        )
    if best.score >= KB_THRESHOLD:
        return Outcome(
            candidates=candidates,
            reason=f"{best.label} and {eligible[1].label} fit about equally; a coordinator decides",
        )
    return Outcome(candidates=candidates, reason="no known vulnerability is close enough")


def against_reports(
    text: str, crash_signature: str | None, earlier: Sequence[EarlierReport]
) -> Outcome:
    """The earlier report this one duplicates: the same crash state, or near-identical text."""
    if not earlier:
        return Outcome(reason="no earlier report on this target")
    corpus = Corpus([features(text), *(features(r.text) for r in earlier)])
    candidates: list[Candidate] = []
    decisive: Candidate | None = None
    for index, report in enumerate(earlier):
        similarity = corpus.cosine(0, index + 1)
        same_crash: bool | None = None
        if crash_signature is not None and report.crash_signature is not None:
            same_crash = crash_signature == report.crash_signature
        signals = (
            Signal("crash_state", same_crash, detail=crash_signature or ""),
            Signal("text", similarity >= NEAR_IDENTICAL, similarity),
        )
        candidate = Candidate(
            "report",
            report.id,
            report.id,
            1.0 if same_crash else similarity,
            signals,
            report.finder_organization_id,
        )
        candidates.append(candidate)
        if decisive is None and (same_crash or similarity >= NEAR_IDENTICAL):
            decisive = candidate  # `earlier` is oldest first: the first filed is the original
    candidates.sort(key=lambda c: -c.score)
    if decisive is None:
        return Outcome(candidates=candidates, reason="no earlier report is the same")
    why = "the same crash state" if decisive.signals[0].matched else "near-identical text"
    return Outcome(decisive, candidates, f"{why} as an earlier report")
