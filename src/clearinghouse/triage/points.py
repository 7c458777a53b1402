"""SSVC decision points for one finding, each with where its value came from.

The rules (docs/triage.md tells them to users):

- **Exploitation**: in CISA's KEV catalog → active; a proof of concept the clearinghouse
  validated (a finder's report reproduced in the sandbox and tied to this vulnerability, see
  reports.pocs) or a public exploit reference → poc; else none. When CISA ADP gives a value,
  the higher of CISA's and ours counts: exploitation only ever grows, and CISA's assessment may
  predate a KEV listing (or know of a PoC we do not).
- **Automatable**: CISA ADP's value; else yes when the CVSS vector says network attack, low
  complexity, no privileges and no user interaction (v4: and no attack requirements), i.e.
  nothing stops a script from doing steps 1-4 of the kill chain; else no.
- **Technical impact**: CISA ADP's value; else total when the vector says high confidentiality
  and high integrity impact (v4: on the vulnerable system), i.e. total disclosure and total
  control; else partial.
- Without a CVSS vector, automatable is assumed no and technical impact partial, and the point
  says so: the operator may override it.
- **System exposure**: the asset's (internet-facing → open, internal → controlled, isolated →
  small); BOD 26-04's *publicly exposed* is yes for internet-facing assets only.
- **Human impact** and **mission and well-being** from the operator's sector and the asset's
  criticality: safety impact from SAFETY_IMPACT, mission impact from MISSION_IMPACT, human
  impact from CERT/CC's Human Impact table (DT_HI) over the two, and mission and well-being is
  human impact on CISA's three levels (very high → high).

An operator's override replaces a point's value; it is shown as such, with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory.models import Criticality, Exposure
from clearinghouse.triage import ssvc
from clearinghouse.triage.evidence import Evidence
from clearinghouse.triage.scores import CvssScore

# The points an operator may override, and the values each takes.
OVERRIDABLE: dict[str, tuple[str, ...]] = {
    "exploitation": ("none", "poc", "active"),
    "automatable": ("no", "yes"),
    "technical_impact": ("partial", "total"),
    "exposure": ("small", "controlled", "open"),
    "mission_wellbeing": ("low", "medium", "high"),
}
LABELS = {
    "exploitation": "Exploitation",
    "automatable": "Automatable",
    "technical_impact": "Technical impact",
    "exposure": "System exposure",
    "public_exposure": "Publicly exposed",
    "human_impact": "Human impact",
    "mission_wellbeing": "Mission and well-being",
}
# CISA ADP's names for the points it assesses.
CISA_NAMES = {
    "exploitation": "Exploitation",
    "automatable": "Automatable",
    "technical_impact": "Technical Impact",
}
EXPOSURE = {
    Exposure.INTERNET_FACING: "open",
    Exposure.INTERNAL: "controlled",
    Exposure.ISOLATED: "small",
}
# Sectors where a failing system can hurt people: a hospital's clinical systems, water, power.
SAFETY_SECTORS = frozenset({Sector.HEALTHCARE, Sector.WATER, Sector.ENERGY})
SAFETY_IMPACT = {
    True: {  # safety-relevant sector
        Criticality.LOW: "negligible",
        Criticality.MEDIUM: "marginal",
        Criticality.HIGH: "critical",
        Criticality.CRITICAL: "catastrophic",
    },
    False: {
        Criticality.LOW: "negligible",
        Criticality.MEDIUM: "negligible",
        Criticality.HIGH: "marginal",
        Criticality.CRITICAL: "marginal",
    },
}
MISSION_IMPACT = {
    Criticality.LOW: "degraded",
    Criticality.MEDIUM: "mef support crippled",
    Criticality.HIGH: "mef failure",
    Criticality.CRITICAL: "mission failure",
}
EXPLOITATION_ORDER = ("none", "poc", "active")
VALIDATED_POC = "validated PoC"  # the source of an exploitation point a validated PoC set


@dataclass(frozen=True)
class Point:
    name: str  # exploitation, automatable, …
    value: str  # the SSVC value in lower case: none/poc/active, yes/no, …
    source: str  # "CISA KEV", "CISA ADP", "CVSS rule", "asset", "sector and criticality", …
    detail: str  # one plain sentence: why this value
    overridden: bool = False

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class Override:
    value: str
    reason: str
    by: str | None = None


def exploitation(evidence: Evidence) -> Point:
    if evidence.known_exploited:
        added = (evidence.kev or {}).get("date_added")
        since = f" since {added}" if added else ""
        ours = Point("exploitation", "active", "CISA KEV", f"in CISA's KEV catalog{since}")
    elif evidence.validated_reports:
        more = len(evidence.validated_reports) - 1
        ours = Point(
            "exploitation",
            "poc",
            VALIDATED_POC,
            evidence.validated_reports[0] + (f" (and {more} more)" if more else ""),
        )
    elif evidence.exploit_references:
        ours = Point(
            "exploitation", "poc", "exploit reference", evidence.exploit_references[0][:300]
        )
    else:
        ours = Point("exploitation", "none", "no evidence", "no exploit known to the clearinghouse")
    cisa = _cisa(evidence, "exploitation")
    if cisa is not None and EXPLOITATION_ORDER.index(cisa.value) > EXPLOITATION_ORDER.index(
        ours.value
    ):
        return cisa
    return ours


def automatable(evidence: Evidence) -> Point:
    cisa = _cisa(evidence, "automatable")
    if cisa is not None:
        return cisa
    score = evidence.primary_cvss
    if score is None:
        return Point("automatable", "no", "assumed", "no CVSS vector: assumed not automatable")
    wanted = {"AV": "N", "AC": "L", "PR": "N", "UI": "N"}
    if score.version == "4.0":
        wanted["AT"] = "N"
    value = "yes" if all(score.metrics.get(k) == v for k, v in wanted.items()) else "no"
    return Point("automatable", value, "CVSS rule", _vector_detail(score, wanted))


def technical_impact(evidence: Evidence) -> Point:
    cisa = _cisa(evidence, "technical_impact")
    if cisa is not None:
        return cisa
    score = evidence.primary_cvss
    if score is None:
        return Point(
            "technical_impact", "partial", "assumed", "no CVSS vector: assumed partial impact"
        )
    wanted = {"VC": "H", "VI": "H"} if score.version == "4.0" else {"C": "H", "I": "H"}
    value = "total" if all(score.metrics.get(k) == v for k, v in wanted.items()) else "partial"
    return Point("technical_impact", value, "CVSS rule", _vector_detail(score, wanted))


def _vector_detail(score: CvssScore, wanted: Mapping[str, str]) -> str:
    given = "/".join(f"{k}:{score.metrics.get(k, '?')}" for k in wanted)
    return f"CVSS {score.version} ({score.source or 'unknown source'}): {given}"


def _cisa(evidence: Evidence, name: str) -> Point | None:
    value = evidence.cisa_ssvc.get(CISA_NAMES[name])
    if value is None or value.lower() not in OVERRIDABLE[name]:
        return None
    source = evidence.cisa_ssvc_source
    detail = "CISA's SSVC assessment" + (f" ({source})" if source else "")
    return Point(name, value.lower(), "CISA ADP", detail)


def exposure(asset_exposure: Exposure) -> Point:
    return Point(
        "exposure", EXPOSURE[asset_exposure], "asset", f"the asset is {asset_exposure.value}"
    )


def public_exposure(exposure_point: Point) -> Point:
    value = "yes" if exposure_point.value == "open" else "no"
    return Point("public_exposure", value, exposure_point.source, exposure_point.detail)


def human_impact(sector: Sector | None, criticality: Criticality) -> Point:
    safety_relevant = sector in SAFETY_SECTORS
    safety = SAFETY_IMPACT[safety_relevant][criticality]
    mission = MISSION_IMPACT[criticality]
    table = ssvc.table("DT_HI")
    inputs = {
        "ssvc:SI:2.0.1": table.points["ssvc:SI:2.0.1"].key_for_name(safety),
        "ssvc:MI:2.0.0": table.points["ssvc:MI:2.0.0"].key_for_name(mission),
    }
    value = table.outcome_point.value(table.evaluate(inputs)).name.lower()
    sector_text = sector.value if sector else "no sector given"
    return Point(
        "human_impact",
        value,
        "sector and criticality",
        f"{criticality.value} criticality ({sector_text}): safety impact {safety}, "
        f"mission impact {mission}",
    )


def mission_wellbeing(human: Point) -> Point:
    value = "high" if human.value in ("high", "very high") else human.value
    return Point("mission_wellbeing", value, human.source, human.detail, human.overridden)


def overridden(point: Point, override: Override | None) -> Point:
    if override is None:
        return point
    by = f" by {override.by}" if override.by else ""
    return Point(
        point.name, override.value, "operator override", f"set{by}: {override.reason}", True
    )


def word_key(point_id: str, word: str) -> str:
    """The SSVC value key of one of our words for a decision point ("poc" → "P")."""
    if point_id.startswith("ssvc:E:"):
        word = {"poc": "public poc"}.get(word, word)
    return ssvc.decision_points()[point_id].key_for_name(word)
