"""One finding's decision: SSVC outcomes, a deadline, a priority score and one sentence of why.

Three CERT/CC and CISA tables are evaluated over the finding's decision points (triage.points):

- **CISA BOD 26-04** (DT_BOD2604: in KEV, publicly exposed, automatable, technical impact) gives
  the remediation timeline: 3 days (and a forensic check), 14 days, 60 days, or at the next
  system upgrade. The **deadline** counts those days from the day the finding opened or, for a
  vulnerability in KEV, from the day it was listed if that is later.
- **CISA Coordinator 2.0.3** (DT_CO: exploitation, automatable, technical impact, mission and
  well-being) gives Track, Track*, Attend or Act.
- **CERT/CC Deployer** (DT_DP: exploitation, system exposure, automatable, human impact) gives
  Defer, Scheduled, Out-of-Cycle or Immediate.

The **priority score** (0-100, higher first) is

    30 * BOD level / 4  +  10 * CISA level / 3  +  20 * exploitation / 2
    +  15 * EPSS  +  1.5 * CVSS base  +  10 * exposure

with BOD levels fix-on-upgrade 0, 60 days 1, 14 days 2, 3 days 3, 3 days & forensics 4; CISA
levels Track 0, Track* 1, Attend 2, Act 3; exploitation none 0, poc 1, active 2; EPSS the
probability (0 when unknown); CVSS the primary vector's base score (0 when none); exposure open
1, controlled 0.5, small 0. The decisions weigh 60 of the 100 points, exploitation a third of
them: two findings the tables treat alike are told apart by exploitation first (a known exploited
vulnerability without a CVSS vector still comes before a critical score nobody exploits), then by
likelihood and severity. Findings are ranked by score, then by deadline, then by id.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, timedelta

from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory.models import Criticality, Exposure
from clearinghouse.triage import points, ssvc
from clearinghouse.triage.evidence import Evidence
from clearinghouse.triage.points import Override, Point

BOD_DAYS: dict[str, int | None] = {"3DF": 3, "3D": 3, "14D": 14, "60D": 60, "FSU": None}
BOD_LEVEL = {"FSU": 0, "60D": 1, "14D": 2, "3D": 3, "3DF": 4}
CISA_LEVEL = {"T": 0, "T*": 1, "AT": 2, "AC": 3}
EXPLOITATION_LEVEL = {"none": 0, "poc": 1, "active": 2}
EXPOSURE_WEIGHT = {"open": 1.0, "controlled": 0.5, "small": 0.0}
# Exploitation's words by its value, or by its value and source where the source says more.
EXPLOITATION_TEXT: dict[tuple[str, str | None], str] = {
    ("active", None): "Known exploited",
    ("poc", None): "Public exploit code",
    ("poc", points.VALIDATED_POC): "Proof of concept validated",
    ("none", None): "No known exploit",
}
EXPOSURE_TEXT = {"open": "internet-facing", "controlled": "internal", "small": "isolated"}


@dataclass(frozen=True)
class Outcome:
    table: str  # DT_BOD2604, DT_CO, DT_DP
    key: str  # the outcome's value key ("14D")
    name: str  # its name ("14 days")


@dataclass(frozen=True)
class Decision:
    points: tuple[Point, ...]
    bod: Outcome
    cisa: Outcome
    deployer: Outcome
    deadline: date | None  # None: at the next system upgrade
    score: float
    why: str

    def point(self, name: str) -> Point:
        return next(p for p in self.points if p.name == name)


def _outcome(table_key: str, inputs: Mapping[str, str]) -> Outcome:
    table = ssvc.table(table_key)
    key = table.evaluate(inputs)
    return Outcome(table_key, key, table.outcome_point.value(key).name)


def decide(
    evidence: Evidence,
    *,
    exposure: Exposure,
    criticality: Criticality,
    sector: Sector | None,
    opened: date,
    fixable: bool = True,
    overrides: Mapping[str, Override] | None = None,
) -> Decision:
    given = overrides or {}
    exploitation = points.overridden(points.exploitation(evidence), given.get("exploitation"))
    automatable = points.overridden(points.automatable(evidence), given.get("automatable"))
    impact = points.overridden(points.technical_impact(evidence), given.get("technical_impact"))
    system = points.overridden(points.exposure(exposure), given.get("exposure"))
    public = points.public_exposure(system)
    human = points.human_impact(sector, criticality)
    mission = points.mission_wellbeing(human)
    if "mission_wellbeing" in given:
        # The operator's level sets both: human impact uses the same word.
        mission = points.overridden(mission, given["mission_wellbeing"])
        human = Point("human_impact", mission.value, mission.source, mission.detail, True)
    # In KEV is the catalog's fact, unless the operator has overridden exploitation.
    listed = exploitation.value == "active" if exploitation.overridden else evidence.known_exploited
    in_kev = "yes" if listed else "no"
    key = points.word_key
    bod = _outcome(
        "DT_BOD2604",
        {
            "cisa:KEV:1.0.0": key("cisa:KEV:1.0.0", in_kev),
            "cisa:PE:1.0.0": key("cisa:PE:1.0.0", public.value),
            "ssvc:A:2.0.0": key("ssvc:A:2.0.0", automatable.value),
            "ssvc:TI:1.0.0": key("ssvc:TI:1.0.0", impact.value),
        },
    )
    cisa = _outcome(
        "DT_CO",
        {
            "ssvc:E:1.1.0": key("ssvc:E:1.1.0", exploitation.value),
            "ssvc:A:2.0.0": key("ssvc:A:2.0.0", automatable.value),
            "ssvc:TI:1.0.0": key("ssvc:TI:1.0.0", impact.value),
            "ssvc:MWI:1.0.0": key("ssvc:MWI:1.0.0", mission.value),
        },
    )
    deployer = _outcome(
        "DT_DP",
        {
            "ssvc:E:1.1.0": key("ssvc:E:1.1.0", exploitation.value),
            "ssvc:EXP:1.0.1": key("ssvc:EXP:1.0.1", system.value),
            "ssvc:A:2.0.0": key("ssvc:A:2.0.0", automatable.value),
            "ssvc:HI:2.0.2": key("ssvc:HI:2.0.2", human.value),
        },
    )
    deadline = _deadline(bod.key, opened, evidence)
    primary = evidence.primary_cvss
    score = (
        30 * BOD_LEVEL[bod.key] / 4
        + 10 * CISA_LEVEL[cisa.key] / 3
        + 20 * EXPLOITATION_LEVEL[exploitation.value] / 2
        + 15 * (evidence.epss or 0.0)
        + 1.5 * (primary.base_score if primary else 0.0)
        + 10 * EXPOSURE_WEIGHT[system.value]
    )
    chosen = (exploitation, automatable, impact, system, public, human, mission)
    return Decision(
        points=chosen,
        bod=bod,
        cisa=cisa,
        deployer=deployer,
        deadline=deadline,
        score=round(score, 1),
        why=why(exploitation, system, automatable, impact, deadline, fixable),
    )


def _deadline(bod: str, opened: date, evidence: Evidence) -> date | None:
    days = BOD_DAYS[bod]
    if days is None:
        return None
    start = opened
    added = (evidence.kev or {}).get("date_added")
    if evidence.known_exploited and isinstance(added, str):
        # A malformed date in the catalog: count from the finding.
        with suppress(ValueError):
            start = max(start, date.fromisoformat(added[:10]))
    return start + timedelta(days=days)


def day_text(day: date) -> str:
    """10 Dec 2026"""
    return f"{day.day} {day:%b %Y}"


def why(
    exploitation: Point,
    exposure: Point,
    automatable: Point,
    impact: Point,
    deadline: date | None,
    fixable: bool,
) -> str:
    """One plain sentence: "Known exploited and internet-facing: patch by 10 Dec 2026"."""
    told = EXPLOITATION_TEXT.get((exploitation.value, exploitation.source))
    told = told or EXPLOITATION_TEXT[exploitation.value, None]
    reasons = [told, EXPOSURE_TEXT[exposure.value]]
    if automatable.value == "yes":
        reasons.append("attacks can be automated")
    if impact.value == "total":
        reasons.append("gives full control")
    text = ", ".join(reasons[:-1]) + " and " + reasons[-1]
    if deadline is None:
        action = "fix at the next system upgrade" if fixable else "no fix yet; watch for one"
    elif fixable:
        action = f"patch by {day_text(deadline)}"
    else:
        action = f"no fix yet: apply the mitigations by {day_text(deadline)}"
    return f"{text}: {action}"
