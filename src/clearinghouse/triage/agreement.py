"""How often our evidence rules give CISA's own SSVC values, on CVE records CISA enriched.

For each CVE JSON 5 record whose CISA ADP container has an SSVC assessment, the record is read
as the importer reads it, CISA's SSVC values are set aside, and Exploitation, Automatable and
Technical Impact are decided from the rest alone (KEV listing, exploit references, CVSS
vectors, including the vectors CISA ADP added) by the rules of triage.points. The answer is
compared with CISA's value.
"""

from __future__ import annotations

import json
import tarfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearinghouse.knowledge.records import fields_of
from clearinghouse.knowledge.sources.cve5 import record_from_cve
from clearinghouse.knowledge.sources.interface import RecordRejected, SourceRecord
from clearinghouse.triage import points
from clearinghouse.triage.evidence import Evidence, evidence_of

POINTS = ("exploitation", "automatable", "technical_impact")


@dataclass
class PointAgreement:
    name: str
    compared: int = 0
    agreed: int = 0
    # Of those, decided from a CVSS vector or other evidence (not assumed for want of one).
    compared_with_evidence: int = 0
    agreed_with_evidence: int = 0
    confusion: Counter[tuple[str, str]] = field(default_factory=Counter)  # (CISA, ours)

    @property
    def percent(self) -> float:
        return 100 * self.agreed / self.compared if self.compared else 0.0

    @property
    def percent_with_evidence(self) -> float:
        if not self.compared_with_evidence:
            return 0.0
        return 100 * self.agreed_with_evidence / self.compared_with_evidence

    def as_json(self) -> dict[str, Any]:
        return {
            "point": self.name,
            "compared": self.compared,
            "agreed": self.agreed,
            "percent": round(self.percent, 1),
            "compared_with_evidence": self.compared_with_evidence,
            "agreed_with_evidence": self.agreed_with_evidence,
            "percent_with_evidence": round(self.percent_with_evidence, 1),
            "confusion": [
                {"cisa": cisa, "ours": ours, "count": count}
                for (cisa, ours), count in sorted(self.confusion.items())
            ],
        }


@dataclass
class Agreement:
    records: int = 0  # CVE records read
    assessed: int = 0  # of those, with a CISA SSVC assessment
    rejected: int = 0
    points: dict[str, PointAgreement] = field(
        default_factory=lambda: {name: PointAgreement(name) for name in POINTS}
    )

    def as_json(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "assessed": self.assessed,
            "rejected": self.rejected,
            "points": [p.as_json() for p in self.points.values()],
        }


def records_in(path: Path) -> Iterator[tuple[str, Any]]:
    """(name, JSON) of each CVE record in a .tar.gz archive or a folder of .json files."""
    if path.is_dir():
        for file in sorted(path.rglob("*.json")):
            yield str(file.relative_to(path)), json.loads(file.read_bytes())
        return
    with tarfile.open(path) as archive:
        for member in archive:
            if member.isfile() and member.name.endswith(".json"):
                handle = archive.extractfile(member)
                if handle is not None:
                    yield member.name, json.loads(handle.read())


def evidence_without_cisa_ssvc(record: SourceRecord) -> Evidence:
    fields = fields_of(record)
    exploitation = fields.get("exploitation")
    return evidence_of(
        vulnerability_id=record.record_id,
        display_id=record.record_id,
        known_exploited=exploitation is not None,
        kev=exploitation,
        epss=None,
        epss_percentile=None,
        severities=fields.get("severities") or (),
        ssvc={},
        ssvc_source=None,
        records=[(record.source, fields, record.document)],
    )


def measure(path: Path) -> Agreement:
    result = Agreement()
    for name, document in records_in(path):
        if not isinstance(document, dict) or document.get("dataType") != "CVE_RECORD":
            continue  # the archive's schema file
        result.records += 1
        try:
            record = record_from_cve(document, origin=name)
        except RecordRejected:
            result.rejected += 1
            continue
        cisa = {k: v.lower() for k, v in record.ssvc.items()}
        if not cisa:
            continue
        result.assessed += 1
        evidence = evidence_without_cisa_ssvc(record)
        ours = {
            "exploitation": points.exploitation(evidence),
            "automatable": points.automatable(evidence),
            "technical_impact": points.technical_impact(evidence),
        }
        for point_name, point in ours.items():
            theirs = cisa.get(points.CISA_NAMES[point_name])
            if theirs is None:
                continue
            tally = result.points[point_name]
            tally.compared += 1
            tally.agreed += theirs == point.value
            tally.confusion[(theirs, point.value)] += 1
            if point.source != "assumed":
                tally.compared_with_evidence += 1
                tally.agreed_with_evidence += theirs == point.value
    return result
