"""CVSS vectors read with the `cvss` package: base score, severity and metrics.

A vulnerability often carries several vectors (the CNA's, CISA ADP's, a package database's).
The one triage uses is the newest CVSS version given, and among vectors of that version the
highest base score: when sources disagree, the cautious reading.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cvss import CVSS3, CVSS4
from cvss.exceptions import CVSSError

# Newest first: the order in which versions are preferred.
VERSIONS = ("4.0", "3.1", "3.0")


class InvalidVector(ValueError):
    pass


@dataclass(frozen=True)
class CvssScore:
    version: str  # "4.0", "3.1", "3.0"
    vector: str
    base_score: float
    severity: str  # None, Low, Medium, High, Critical
    source: str | None
    metrics: Mapping[str, str]  # the base metrics as the vector gives them: {"AV": "N", …}


def parse_vector(vector: str, source: str | None = None) -> CvssScore:
    """Score one CVSS 3.x or 4.0 vector; InvalidVector says why one cannot be read."""
    text = vector.strip()
    try:
        if text.startswith("CVSS:4.0/"):
            v4 = CVSS4(text)
            score, severity, version = float(v4.base_score), str(v4.severity), "4.0"
        elif text.startswith(("CVSS:3.1/", "CVSS:3.0/")):
            v3 = CVSS3(text)
            score, severity = float(v3.base_score), str(v3.severities()[0])
            version = text[5:8]
        else:
            raise InvalidVector(f"{text[:60]!r} is not a CVSS 3.x or 4.0 vector")
    except CVSSError as error:
        raise InvalidVector(f"{text[:60]!r}: {error}") from None
    given = dict(part.split(":", 1) for part in text.split("/")[1:] if ":" in part)
    return CvssScore(version, text, score, severity, source, given)


def scores_of(severities: Iterable[Mapping[str, Any]]) -> list[CvssScore]:
    """The readable CVSS 3.x/4.0 vectors among a vulnerability's severities (others skipped)."""
    found = []
    for severity in severities:
        score = severity.get("score")
        if severity.get("type") not in ("CVSS_V3", "CVSS_V4") or not isinstance(score, str):
            continue
        try:
            found.append(parse_vector(score, severity.get("source")))
        except InvalidVector:
            continue  # a malformed vector in one advisory must not hide the others
    return found


def primary(scores: Iterable[CvssScore]) -> CvssScore | None:
    """The newest version's highest-scoring vector."""
    ranked = sorted(scores, key=lambda s: (VERSIONS.index(s.version), -s.base_score))
    return ranked[0] if ranked else None
