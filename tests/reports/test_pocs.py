"""Which known vulnerability a reproduced PoC proves, on the whole validation corpus.

Every reproduced report of the corpus is run through the tie rules (reports.pocs) against all
of its package's real PyPA advisories, with the sandbox results the corpus's hand checks
recorded (validation-corpus/README.md: the oracle holds on the affected version and not on the
fixed one; py has no fix). A report may stay untied — never tied to another advisory.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports.dedupe_service import known_vulnerabilities, report_facts
from clearinghouse.reports.pocs import proved_by_rules
from clearinghouse.reports.schemas import ReportIn
from clearinghouse.runtime import Runtime
from tests.reports.conftest import CORPUS
from tests.shared_data import import_pypa_packages

EXPECTED: dict[str, dict[str, str]] = json.loads((CORPUS / "expected.json").read_text())["reports"]


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'clearinghouse.db'}"  # pure rules over one imported corpus


def _sandbox(report: ReportIn, verdict: str) -> dict[str, Any]:
    assert report.target.kind == "package"
    runs = [
        {"version": v, "role": "affected", "reproduces": True}
        for v in report.target.affected_versions
    ]
    if verdict == "reproduced":
        assert report.fixed_version is not None
        runs.append({"version": report.fixed_version, "role": "fixed", "reproduces": False})
    return {"validation": {"verdict": verdict, "versions": runs}}


def test_every_reproduced_corpus_report_is_tied_to_its_advisory_or_to_none(
    runtime: Runtime,
) -> None:
    reproduced = {k: v for k, v in EXPECTED.items() if k.startswith("reproduced/")}
    documents = {k: ReportIn.model_validate_json((CORPUS / k).read_text()) for k in reproduced}
    packages = sorted({d.target.purl.removeprefix("pkg:pypi/") for d in documents.values()})  # type: ignore[union-attr]
    import_pypa_packages(runtime, *packages)
    tied, untied = [], []
    with runtime.sessions() as session:
        for name, report in sorted(documents.items()):
            truth = knowledge.find_vulnerability(session, Path(name).stem)
            assert truth is not None
            known = known_vulnerabilities(session, report_facts(report))
            assert len(known) >= 1
            sandbox = _sandbox(report, reproduced[name]["validation"])
            proved = proved_by_rules(report, sandbox, known)
            assert proved in (None, truth.id), f"{name} tied to the wrong advisory"
            (tied if proved else untied).append(name)
    assert len(packages) >= 10
    # Sandbox and ranges single out most; where one release fixed two of a package's
    # advisories (ecdsa 0.13.3, werkzeug 2.2.3, waitress 1.4.0), the words decide.
    assert tied == sorted(documents), untied

    # Had the sqlparse PoC only stopped working at 0.4.4, both sqlparse ReDoS advisories would
    # fit the sandbox, and the words do not favour one enough: no tie.
    report = documents["reproduced/PYSEC-2021-333.json"]
    stopped_late = _sandbox(report.model_copy(update={"fixed_version": "0.4.4"}), "reproduced")
    with runtime.sessions() as session:
        known = known_vulnerabilities(session, report_facts(report))
    assert len(known) == 2
    assert proved_by_rules(report, stopped_late, known) is None
