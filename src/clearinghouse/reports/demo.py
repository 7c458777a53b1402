"""The demo's finder reports: real and bogus ones, put through the real pipeline steps.

Two finder organizations file reports from the validation corpus (our own, on sqlparse 0.4.1):
the real ReDoS of PYSEC-2021-333 in the finder's own words; the same finding again from
another lab; a lazy copy of the advisory's own text; a report citing a method that does not
exist; a "denial of service" that is only a huge input. Each is grounded against the shipped
sdist (no network) and deduplicated against the knowledge base and earlier reports — the
verdicts are what those steps decide. Validation (the sandbox run) comes after, as a job.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.models import User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.jobs import JobContext
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports import scorecards, service
from clearinghouse.reports.models import Report
from clearinghouse.reports.schemas import ReportIn
from clearinghouse.reports.tasks import ground_report
from clearinghouse.runtime import Runtime

DATA = Path(__file__).resolve().parents[1] / "demo_data"
ADVISORIES = DATA / "advisories-sqlparse.tar.gz"
SDISTS = DATA / "sdists"
REPORTS = DATA / "reports"
ORIGIN = Origin(request_id="demo", client_address="cli")


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REPORTS / name).read_text())
    return document


def _with_model(document: dict[str, Any], model: str, version: str, tool: str) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    changed["provenance"].update(model=model, model_version=version, tool=tool)
    return changed


def _plan(advisory_text: str) -> list[tuple[str, dict[str, Any]]]:
    """(who files it, the report), in the order they arrive."""
    real = _with_model(_document("PYSEC-2021-333.json"), "deepscan-coder", "2026-10", "deepscan")
    again = _with_model(real, "lantern", "1.2", "lantern-agent")
    again["title"] = "Catastrophic backtracking when stripping SQL comments"
    lazy = _with_model(real, "deepscan-coder", "2026-10", "deepscan")
    lazy["title"] = "Regular expression DoS in sqlparse"
    lazy["description"] = advisory_text  # the advisory, pasted
    return [
        ("deepscan", real),
        ("redlantern", again),
        ("deepscan", lazy),
        ("deepscan", _document("nonexistent-symbol.json")),
        ("redlantern", _document("absurd-input-size.json")),
    ]


def load(runtime: Runtime, finders: dict[str, str]) -> str:
    """File the demo reports for the finder accounts (`finders`: key → email), once."""
    knowledge.import_feed(runtime.sessions, "osv", ADVISORIES)
    with runtime.sessions() as session:
        advisory = knowledge.find_vulnerability(session, "PYSEC-2021-333")
        already = session.scalar(select(Report.id).limit(1))
    if advisory is None or not advisory.details:
        return "Reports: the sqlparse advisories did not import; no demo reports."
    if already is None:
        # Grounding reads the shipped sdist: the demo needs no network.
        settings = runtime.settings.model_copy(
            update={"source_index": SDISTS, "source_index_url": None}
        )
        context = JobContext(settings, runtime.sessions, "demo")
        for finder, document in _plan(advisory.details):
            actor = _principal(runtime, finders[finder])
            report = ReportIn.model_validate(document)
            with db.transaction(runtime.sessions) as session:
                stored = service.submit(session, runtime.settings, actor, ORIGIN, report)
            ground_report(context, report_id=stored.report.id)
    with runtime.sessions() as session:
        verdicts = [r.verdict or r.status for r in session.scalars(select(Report))]
        cards = scorecards.scorecards(session, Principal.command_line())
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in sorted(set(verdicts)))
    return (
        f"Reports: {len(verdicts)} finder reports ({counts}) from {len(cards.by_organization)} "
        "finders; coordinators: Triage and Scorecards."
    )


def _principal(runtime: Runtime, email: str) -> Principal:
    with runtime.sessions() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        return principal_for(user, via="cli")
