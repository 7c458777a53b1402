"""What triage answers: ranked findings with their decisions, and remediation plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from clearinghouse.matching.schemas import Doubt
from clearinghouse.triage.points import Point


class PointOut(BaseModel):
    name: str
    label: str
    value: str
    source: str
    detail: str
    overridden: bool

    @classmethod
    def of(cls, point: Point) -> PointOut:
        return cls(
            name=point.name,
            label=point.label,
            value=point.value,
            source=point.source,
            detail=point.detail,
            overridden=point.overridden,
        )


class TriagedFinding(BaseModel):
    rank: int  # 1 is first
    finding_id: int | None  # None for a scan's unstored findings
    asset_id: str | None
    asset_name: str | None
    vulnerability_id: str
    vulnerability: str  # the display id
    summary: str | None
    component_name: str
    component_version: str | None
    ecosystem: str | None  # "device" for a device list's or an SBOM's device
    fixed_versions: list[str]
    known_exploited: bool
    epss: float | None
    cvss_score: float | None
    cvss_vector: str | None
    points: list[PointOut]
    bod: str  # CISA BOD 26-04 timeline key: 3DF, 3D, 14D, 60D, FSU
    bod_label: str
    cisa: str  # CISA Coordinator: T, T*, AT, AC
    cisa_label: str
    deployer: str  # CERT/CC Deployer: D, S, O, I
    deployer_label: str
    opened: date
    deadline: date | None  # None: at the next system upgrade
    score: float
    why: str
    product: str | None = None  # a device's vendor and product, as its advisory names them


class UpgradeStep(BaseModel):
    """Upgrade one component, or apply a device vendor's fix: the findings that fixes."""

    kind: Literal["upgrade", "vendor_fix"] = "upgrade"
    asset_id: str | None
    asset_name: str | None
    component_name: str  # a device's label in its device list
    ecosystem: str | None
    product: str | None = None  # a device's vendor and product, as its advisory names them
    from_version: str | None
    to_version: str | None  # None: a vendor's fix that names no version
    instructions: str | None = None  # a vendor's fix: the advisory's words
    url: str | None = None  # a vendor's fix: its link
    fixes: list[str]  # display ids
    finding_ids: list[int]
    known_exploited: int
    score: float  # the highest of the findings it fixes
    deadline: date | None  # the earliest of theirs
    why: str  # the most urgent finding's sentence
    # "Upgrade jinja2 from 2.10 to 3.1.6: fixes 7 (2 known exploited)", "Update the
    # firmware/software of Philips Vue PACS (PACS server) from 12.2.1.5 to 12.2.8.410: fixes 12"
    text: str
    step: int = 1  # 2, 3 … when no single version fixes everything
    of_steps: int = 1


class NotFixable(BaseModel):
    """A finding no known version fixes (yet): what the advisories say to do meanwhile."""

    asset_id: str | None
    asset_name: str | None
    finding_id: int | None
    vulnerability: str
    component_name: str
    component_version: str | None
    known_exploited: bool
    score: float
    deadline: date | None
    why: str
    mitigations: list[str]
    advisories: list[str]


class CannotDecide(BaseModel):
    """An advisory names this device or package, but cannot be evaluated for its version (a
    date or words for a device's; git commits only, or a version its ecosystem cannot order, for
    a package's): not an exposure, so it raises no priority, but shown so that the operator can
    check by hand."""

    asset_id: str
    asset_name: str | None
    finding_id: int
    vulnerability: str  # the display id
    summary: str | None
    component_name: str  # the package's name, or the device's label in its device list
    component_version: str | None
    ecosystem: str | None = None  # "device" for a device
    cannot_decide: Doubt  # the sentence, the advisory's product, ranges and pages


class Plan(BaseModel):
    scope: Literal["asset", "organization"]
    organization_id: str
    organization_name: str
    asset_id: str | None = None
    asset_name: str | None = None
    today: date
    generated_at: datetime
    upgrades: list[UpgradeStep]
    not_fixable: list[NotFixable]
    findings: list[TriagedFinding]
    suppressed_by_vex: int = Field(0, description="open findings a VEX statement sets aside")
    cannot_decide: list[CannotDecide] = Field(
        default_factory=list,
        description="advisories that name a device or package but cannot be decided for its "
        "version; "
        "not counted in the findings or the upgrades",
    )


class OverrideIn(BaseModel):
    vulnerability: str = Field(description="the vulnerability's id or any of its aliases")
    point: str = Field(
        description="exploitation, automatable, technical_impact, exposure, mission_wellbeing"
    )
    value: str
    reason: str = Field(min_length=3, max_length=2000)


class OverrideOut(BaseModel):
    asset_id: str
    vulnerability_id: str
    vulnerability: str
    point: str
    value: str
    reason: str
    set_by: str | None
    set_at: datetime
