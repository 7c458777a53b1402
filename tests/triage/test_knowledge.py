"""Evidence and advice read from the knowledge base: a real CVE record and its KEV entry."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from clearinghouse.knowledge import service as knowledge
from clearinghouse.runtime import Runtime
from clearinghouse.triage import points, service
from tests.shared_data import shared_file

CVE = "CVE-2024-9465"  # Palo Alto Expedition: in KEV, with workarounds and exploit references


def test_evidence_and_mitigations_of_a_known_exploited_cve(
    runtime: Runtime, tmp_path: Path
) -> None:
    records = tmp_path / "cve5"
    records.mkdir()
    with tarfile.open(shared_file("cve-vulnrichment-sample/vulnrichment-sample.tar.gz")) as tar:
        member = next(m for m in tar if m.name.endswith(f"/{CVE}.json"))
        handle = tar.extractfile(member)
        assert handle is not None
        document = json.loads(handle.read())
    (records / f"{CVE}.json").write_text(json.dumps(document))
    catalog = json.loads(shared_file("cisa-kev/known_exploited_vulnerabilities.json").read_text())
    entry = next(v for v in catalog["vulnerabilities"] if v["cveID"] == CVE)
    kev = tmp_path / "kev" / "known_exploited_vulnerabilities.json"
    kev.parent.mkdir()
    kev.write_text(json.dumps({**catalog, "count": 1, "vulnerabilities": [entry]}))
    for source, path in (("cve5", records), ("kev", kev.parent)):
        assert knowledge.import_feed(runtime.sessions, source, path).status == "succeeded"
    with runtime.sessions() as session:
        found = knowledge.find_vulnerability(session, CVE)
        assert found is not None
        known = service.knowledge_of(session, {found.id}, None)[found.id]
    cna = document["containers"]["cna"]
    tagged = [r["url"] for r in cna["references"] if "exploit" in (r.get("tags") or [])]
    assert tagged and set(tagged) <= set(known.evidence.exploit_references)
    assert known.evidence.known_exploited
    assert known.evidence.kev and known.evidence.kev["date_added"] == entry["dateAdded"]
    # CISA's SSVC values reach the evidence, with the record they came from.
    assert known.evidence.cisa_ssvc and known.evidence.cisa_ssvc_source == f"cve5:{CVE}"
    assert points.automatable(known.evidence).source == "CISA ADP"
    exploitation = points.exploitation(known.evidence)
    assert (exploitation.value, exploitation.source) == ("active", "CISA KEV")
    assert known.evidence.primary_cvss is not None
    # Mitigations: CISA's required action, then the CNA's workarounds.
    assert known.advice.mitigations[0] == f"CISA: {entry['requiredAction']}"
    workaround = " ".join(cna["workarounds"][0]["value"].split())
    assert any(m.startswith(workaround[:60]) for m in known.advice.mitigations)
