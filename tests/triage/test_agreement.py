"""The agreement study: our evidence rules against CISA's SSVC values, and the figures in docs."""

from __future__ import annotations

import copy
import json
import re
import tarfile

from typer.testing import CliRunner

from clearinghouse.cli import app
from clearinghouse.knowledge.sources.cve5 import record_from_cve
from clearinghouse.triage import agreement, points
from tests.shared_data import REPO, shared_file

SAMPLE = "cve-vulnrichment-sample/vulnrichment-sample.tar.gz"


def test_agreement_on_the_vulnrichment_sample_is_what_the_docs_say() -> None:
    result = agreement.measure(shared_file(SAMPLE))
    assert result.records == 2000 and result.rejected == 0
    assert result.assessed > 1900
    docs = (REPO / "docs" / "triage.md").read_text(encoding="utf-8")
    for point in result.points.values():
        # Every record CISA assessed is compared, and the tallies add up.
        assert point.compared == result.assessed
        assert sum(point.confusion.values()) == point.compared
        assert point.agreed == sum(n for (cisa, ours), n in point.confusion.items() if cisa == ours)
        # The documented figure is the computed one.
        row = re.search(
            rf"^\| {point.name} \| ([0-9,]+) of ([0-9,]+) \| ([0-9.]+) % \|", docs, re.M
        )
        assert row, f"docs/triage.md has no agreement row for {point.name}"
        agreed, compared, percent = row.groups()
        assert int(agreed.replace(",", "")) == point.agreed
        assert int(compared.replace(",", "")) == point.compared
        assert percent == f"{point.percent:.1f}"


def test_the_study_does_not_read_cisas_values() -> None:
    """Our answers for a record are the same when its SSVC assessment is cut out of it."""
    with tarfile.open(shared_file(SAMPLE)) as archive:
        members = [m for m in archive if m.isfile() and m.name.endswith(".json")][:400]
        documents = [json.loads(archive.extractfile(m).read()) for m in members]  # type: ignore[union-attr]
    compared = 0
    for document in documents:
        if document.get("dataType") != "CVE_RECORD":
            continue
        record = record_from_cve(document, origin="sample")
        if not record.ssvc:
            continue
        stripped = copy.deepcopy(document)
        for adp in stripped["containers"].get("adp", []):
            adp["metrics"] = [
                m for m in adp.get("metrics", []) if m.get("other", {}).get("type") != "ssvc"
            ]
        bare = record_from_cve(stripped, origin="sample")
        assert not bare.ssvc
        ours = agreement.evidence_without_cisa_ssvc(record)
        theirs_removed = agreement.evidence_without_cisa_ssvc(bare)
        for rule in (points.exploitation, points.automatable, points.technical_impact):
            assert rule(ours) == rule(theirs_removed)
        compared += 1
    assert compared > 300


def test_agreement_command_prints_the_same_figures() -> None:
    result = CliRunner().invoke(
        app, ["triage", "agreement", str(shared_file(SAMPLE)), "--json"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert '"point": "exploitation"' in result.output
    measured = agreement.measure(shared_file(SAMPLE)).as_json()
    assert json.loads(result.output) == measured
