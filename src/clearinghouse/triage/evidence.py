"""What the knowledge base knows about one vulnerability that triage uses, and from where.

Evidence is read from the vulnerability's merged fields (KEV, EPSS, CISA ADP's SSVC values,
severities) and from its source records (references that point at exploit code). Keeping it
apart from the decision points lets the agreement study (triage.agreement) decide from the
evidence alone, without CISA's own SSVC values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from clearinghouse.triage.scores import CvssScore, primary, scores_of

# Sites whose pages are exploit code or a working proof of concept: Exploit-DB and Packet Storm
# publish exploits; huntr publishes each bounty report with its proof of concept.
EXPLOIT_SITES = re.compile(
    r"^https?://(www\.)?(exploit-db\.com|packetstormsecurity\.com|huntr\.(dev|com))/", re.I
)


@dataclass(frozen=True)
class Evidence:
    vulnerability_id: str
    display_id: str
    known_exploited: bool = False
    kev: Mapping[str, Any] | None = None  # the KEV entry (date added, due date, action …)
    epss: float | None = None
    epss_percentile: float | None = None
    cvss: tuple[CvssScore, ...] = ()
    exploit_references: tuple[str, ...] = ()  # URLs of public exploit code or PoCs
    # Proofs of concept the clearinghouse reproduced in its sandbox, each as its provenance
    # reads to the viewer (reports.service.ValidatedPoc.provenance).
    validated_reports: tuple[str, ...] = ()
    # CISA ADP's SSVC values as the CVE record gives them ({"Exploitation": "poc", …}).
    cisa_ssvc: Mapping[str, str] = field(default_factory=dict)
    cisa_ssvc_source: str | None = None

    @property
    def primary_cvss(self) -> CvssScore | None:
        return primary(self.cvss)

    def without_cisa_ssvc(self) -> Evidence:
        return replace(self, cisa_ssvc={}, cisa_ssvc_source=None)


def exploit_references(
    records: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
) -> tuple[str, ...]:
    """URLs of public exploits among the records' references: (source, fields, document) each.

    A reference counts when its source marks it as exploit code (OSV type EVIDENCE, a CVE
    record's `exploit` tag in any container) or when it is on one of EXPLOIT_SITES.
    """
    found: dict[str, None] = {}
    for _source, fields, document in records:
        for reference in fields.get("references") or ():
            url = reference.get("url")
            if isinstance(url, str) and (
                reference.get("type") == "EVIDENCE" or EXPLOIT_SITES.match(url)
            ):
                found[url] = None
        cve_record = document.get("cve_record")
        if isinstance(cve_record, Mapping):
            for url in _tagged_exploits(cve_record):
                found[url] = None
    return tuple(found)


def _tagged_exploits(cve_record: Mapping[str, Any]) -> Iterable[str]:
    containers = cve_record.get("containers")
    if not isinstance(containers, Mapping):
        return
    listed = [containers.get("cna"), *(containers.get("adp") or ())]
    for container in listed:
        if not isinstance(container, Mapping):
            continue
        for reference in container.get("references") or ():
            if not isinstance(reference, Mapping) or not isinstance(reference.get("url"), str):
                continue
            tags = reference.get("tags") or ()
            if "exploit" in tags or EXPLOIT_SITES.match(reference["url"]):
                yield reference["url"]


def evidence_of(
    *,
    vulnerability_id: str,
    display_id: str,
    known_exploited: bool,
    kev: Mapping[str, Any] | None,
    epss: float | None,
    epss_percentile: float | None,
    severities: Iterable[Mapping[str, Any]],
    ssvc: Mapping[str, str],
    ssvc_source: str | None,
    records: Iterable[tuple[str, Mapping[str, Any], Mapping[str, Any]]],
    validated_reports: Iterable[str] = (),
) -> Evidence:
    return Evidence(
        vulnerability_id=vulnerability_id,
        display_id=display_id,
        known_exploited=known_exploited,
        kev=kev,
        epss=epss,
        epss_percentile=epss_percentile,
        cvss=tuple(scores_of(severities)),
        exploit_references=exploit_references(records),
        validated_reports=tuple(validated_reports),
        cisa_ssvc=dict(ssvc),
        cisa_ssvc_source=ssvc_source,
    )
