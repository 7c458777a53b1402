"""Decision points from evidence, the sentence of why, the deadline and the fewest upgrades."""

from __future__ import annotations

from datetime import date, timedelta

from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory.models import Criticality, Exposure
from clearinghouse.knowledge.versions import AffectedRanges
from clearinghouse.triage import points
from clearinghouse.triage.decisions import decide
from clearinghouse.triage.evidence import Evidence, exploit_references
from clearinghouse.triage.points import Override
from clearinghouse.triage.schemas import TriagedFinding
from clearinghouse.triage.scores import parse_vector, scores_of
from clearinghouse.triage.upgrades import Advice, build

CRITICAL_V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
LOCAL_V31 = "CVSS:3.1/AV:L/AC:H/PR:L/UI:R/S:U/C:L/I:N/A:N"
NETWORK_V40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def evidence(**given: object) -> Evidence:
    return Evidence(vulnerability_id="v1", display_id="CVE-2099-0001", **given)  # type: ignore[arg-type]


def test_cvss_scores_with_the_cvss_package() -> None:
    score = parse_vector(CRITICAL_V31, "NVD")
    assert (score.version, score.base_score, score.severity) == ("3.1", 9.8, "Critical")
    v4 = parse_vector(NETWORK_V40)
    assert (v4.version, v4.base_score, v4.severity) == ("4.0", 9.3, "Critical")
    # Unreadable vectors are skipped, not fatal; the newest version is the primary one.
    found = scores_of(
        [
            {"type": "CVSS_V3", "score": "CVSS:3.1/AV:X"},
            {"type": "CVSS_V3", "score": LOCAL_V31},
            {"type": "CVSS_V4", "score": NETWORK_V40},
            {"type": "Ubuntu", "score": "high"},
        ]
    )
    assert [s.version for s in found] == ["3.1", "4.0"]
    assert evidence(cvss=tuple(found)).primary_cvss == found[1]


def test_exploitation_from_evidence_and_cisa() -> None:
    assert points.exploitation(evidence()).value == "none"
    refs = exploit_references(
        [
            (
                "cve5",
                {"references": [{"type": "WEB", "url": "https://www.exploit-db.com/exploits/1"}]},
                {},
            )
        ]
    )
    assert refs == ("https://www.exploit-db.com/exploits/1",)
    poc = points.exploitation(evidence(exploit_references=refs))
    assert (poc.value, poc.source) == ("poc", "exploit reference")
    kev = points.exploitation(evidence(known_exploited=True, kev={"date_added": "2024-01-02"}))
    assert (kev.value, kev.source) == ("active", "CISA KEV")
    # CISA's value counts when it is higher; a later KEV listing beats an older assessment.
    cisa = points.exploitation(evidence(cisa_ssvc={"Exploitation": "poc"}))
    assert (cisa.value, cisa.source) == ("poc", "CISA ADP")
    both = points.exploitation(evidence(known_exploited=True, cisa_ssvc={"Exploitation": "poc"}))
    assert both.source == "CISA KEV"


def test_automatable_and_impact_from_the_vector_unless_cisa_says() -> None:
    network = evidence(cvss=(parse_vector(CRITICAL_V31),))
    assert points.automatable(network).value == "yes"
    assert points.technical_impact(network).value == "total"
    local = evidence(cvss=(parse_vector(LOCAL_V31),))
    assert points.automatable(local).value == "no"
    assert points.technical_impact(local).value == "partial"
    v4 = evidence(cvss=(parse_vector(NETWORK_V40),))
    assert points.automatable(v4).value == "yes"
    assert points.technical_impact(v4).value == "total"
    told = evidence(
        cvss=(parse_vector(CRITICAL_V31),),
        cisa_ssvc={"Automatable": "no", "Technical Impact": "partial"},
    )
    assert points.automatable(told).source == "CISA ADP"
    assert points.technical_impact(told).value == "partial"
    assert points.automatable(evidence()).source == "assumed"


def test_human_impact_from_sector_and_criticality_through_dt_hi() -> None:
    clinical = points.human_impact(Sector.HEALTHCARE, Criticality.HIGH)
    assert clinical.value == "high"
    assert points.mission_wellbeing(clinical).value == "high"
    assert points.human_impact(Sector.FINANCE, Criticality.HIGH).value == "medium"
    assert points.human_impact(Sector.HEALTHCARE, Criticality.CRITICAL).value == "very high"
    assert points.human_impact(None, Criticality.LOW).value == "low"


def test_known_exploited_internet_facing_sentence_and_deadline() -> None:
    known = evidence(known_exploited=True, kev={"date_added": "2026-12-01"})
    decision = decide(
        known,
        exposure=Exposure.INTERNET_FACING,
        criticality=Criticality.MEDIUM,
        sector=Sector.HEALTHCARE,
        opened=date(2026, 11, 20),
    )
    # KEV, publicly exposed, not automatable, partial: BOD 26-04 says 14 days, counted from
    # the listing (later than the finding).
    assert decision.bod.key == "14D"
    assert decision.deadline == date(2026, 12, 15)
    assert decision.why == "Known exploited and internet-facing: patch by 15 Dec 2026"
    internal = decide(
        known,
        exposure=Exposure.INTERNAL,
        criticality=Criticality.MEDIUM,
        sector=Sector.HEALTHCARE,
        opened=date(2026, 11, 20),
    )
    assert internal.score < decision.score
    overridden = decide(
        known,
        exposure=Exposure.INTERNET_FACING,
        criticality=Criticality.MEDIUM,
        sector=Sector.HEALTHCARE,
        opened=date(2026, 11, 20),
        overrides={"exploitation": Override("none", "vendor says the exploit needs a debug build")},
    )
    assert overridden.bod.key == "60D"
    assert overridden.point("exploitation").overridden


def test_no_fix_sentence() -> None:
    decision = decide(
        evidence(cvss=(parse_vector(LOCAL_V31),)),
        exposure=Exposure.ISOLATED,
        criticality=Criticality.LOW,
        sector=None,
        opened=date(2026, 1, 1),
        fixable=False,
    )
    assert decision.deadline is None
    assert decision.why == "No known exploit and isolated: no fix yet; watch for one"


def finding(name: str, fixed: list[str], rank: int, version: str = "1.0.0") -> TriagedFinding:
    return TriagedFinding(
        rank=rank,
        finding_id=rank,
        asset_id="a",
        asset_name="A",
        vulnerability_id=name,
        vulnerability=name,
        summary=None,
        component_name="lib",
        component_version=version,
        ecosystem="crates.io",
        fixed_versions=fixed,
        known_exploited=False,
        epss=None,
        cvss_score=None,
        cvss_vector=None,
        points=[],
        bod="60D",
        bod_label="60 days",
        cisa="T",
        cisa_label="Track",
        deployer="S",
        deployer_label="Scheduled",
        opened=date(2026, 1, 1),
        deadline=date(2026, 1, 1) + timedelta(days=rank),
        score=50.0 - rank,
        why="…",
    )


def test_fewest_steps_when_no_single_version_fixes_everything() -> None:
    # A is fixed on 1.x only (2.x re-introduced it and has no fix); B only from 2.1.0.
    ranges = {
        "A": AffectedRanges(
            "crates.io",
            [
                {"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.0"}]},
                {"type": "SEMVER", "events": [{"introduced": "2.0.0"}]},
            ],
        ),
        "B": AffectedRanges(
            "crates.io", [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.1.0"}]}]
        ),
        "C": AffectedRanges(
            "crates.io", [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.1.0"}]}]
        ),
    }
    found = [finding("A", ["1.2.0"], 1), finding("B", ["2.1.0"], 2), finding("C", ["1.1.0"], 3)]

    def still(f: TriagedFinding, version: str) -> bool:
        return ranges[f.vulnerability].evaluate(version).affected

    steps, stuck = build(found, still, {})
    assert [(u.to_version, sorted(u.fixes), u.step, u.of_steps) for u in steps] == [
        ("1.2.0", ["A", "C"], 1, 2),
        ("2.1.0", ["B"], 2, 2),
    ]
    assert stuck == []
    # With B fixed on 1.x as well, one version does it all: the smallest one.
    ranges["B"] = ranges["C"]
    steps, _ = build([*found[:1], finding("B", ["1.1.0"], 2)], still, {})
    assert [(u.to_version, u.of_steps) for u in steps] == [("1.2.0", 1)]


def test_unfixable_findings_carry_the_advice() -> None:
    advice = {"A": Advice(("Block port 4505",), ("https://example.org/advisory",))}
    steps, stuck = build([finding("A", [], 1)], lambda f, v: None, advice)
    assert steps == []
    assert stuck[0].mitigations == ["Block port 4505"]
    assert stuck[0].advisories == ["https://example.org/advisory"]


def test_known_exploitation_outranks_a_bare_critical_score() -> None:
    """The same BOD timeline: the KEV entry without a vector comes before an unexploited 9.8."""
    common = {
        "exposure": Exposure.INTERNET_FACING,
        "criticality": Criticality.MEDIUM,
        "sector": Sector.HEALTHCARE,
        "opened": date(2026, 11, 26),
    }
    exploited = decide(evidence(known_exploited=True), **common)  # type: ignore[arg-type]
    critical = decide(
        evidence(cvss=(parse_vector("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H"),)),
        **common,  # type: ignore[arg-type]
    )
    assert exploited.bod.key == critical.bod.key == "14D"
    assert exploited.score > critical.score


def test_a_go_module_is_told_its_target_as_go_spells_it() -> None:
    # OSV's Go database writes fixed versions without the "v" that go.mod and `go get` need.
    ranges = AffectedRanges(
        "Go", [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.9.1"}]}]
    )
    module = finding("GO-2023-1737", ["1.9.1"], 1).model_copy(
        update={
            "ecosystem": "Go",
            "component_name": "github.com/gin-gonic/gin",
            "component_version": "v1.4.0",
        }
    )
    stdlib = module.model_copy(update={"component_name": "stdlib", "component_version": "1.8"})

    def still(f: TriagedFinding, version: str) -> bool:
        return ranges.evaluate(version).affected

    (step,), _ = build([module], still, {})
    assert (step.from_version, step.to_version) == ("v1.4.0", "v1.9.1")
    assert step.text.startswith("Upgrade github.com/gin-gonic/gin from v1.4.0 to v1.9.1:")
    (step,), _ = build([stdlib], still, {})
    assert step.to_version == "1.9.1"
