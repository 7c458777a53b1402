"""The demo's finder reports: real and bogus ones, put through the real pipeline steps.

Two finder organizations file reports from the validation corpus (our own, on sqlparse 0.4.1):
the real ReDoS of PYSEC-2021-333 in the finder's own words; the same finding again from
another lab; a lazy copy of the advisory's own text; a report citing a method that does not
exist; a "denial of service" that is only a huge input. Each is grounded against the shipped
sdist and deduplicated against the knowledge base and earlier reports; the two left are then
validated in the sandbox, with the shipped wheels of sqlparse 0.4.1 and its fix 0.4.2 put in
the wheelhouse first. No step needs a network, and every verdict is what the real job decides.

Validation needs a usable sandbox (`clearinghouse sandbox check`). Without one the demo still
starts, says why, and the reports wait; the next `make demo` on a fixed host validates them.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse import db
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.models import User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.jobs import JobContext
from clearinghouse.knowledge import service as knowledge
from clearinghouse.reports import scorecards, service, validation
from clearinghouse.reports.models import Report
from clearinghouse.reports.schemas import PackageTarget, ReportIn, ReportStatus
from clearinghouse.reports.tasks import fixed_version, ground_report, validate_report
from clearinghouse.runtime import Runtime
from clearinghouse.sandbox import service as sandbox_service
from clearinghouse.sandbox.interface import SandboxError
from clearinghouse.sandbox.local_wheels import fill_wheelhouse

DATA = Path(__file__).resolve().parents[1] / "demo_data"
ADVISORIES = DATA / "advisories-sqlparse.tar.gz"
SDISTS = DATA / "sdists"
WHEELS = DATA / "wheels"
DEMO_RUNS = 2
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


def load(
    runtime: Runtime, finders: dict[str, str], progress: Callable[[str], None] | None = None
) -> list[str]:
    """File the demo reports for the finder accounts (`finders`: key → email), once, and
    validate those still waiting; `progress` hears of the long step before it starts."""
    knowledge.import_feed(runtime.sessions, "osv", ADVISORIES)
    with runtime.sessions() as session:
        advisory = knowledge.find_vulnerability(session, "PYSEC-2021-333")
        already = session.scalar(select(Report.id).limit(1))
    if advisory is None or not advisory.details:
        return ["Reports: the sqlparse advisories did not import; no demo reports."]
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
    why_not = _validate_waiting(runtime, progress or (lambda _line: None))
    with runtime.sessions() as session:
        verdicts = [r.verdict or r.status for r in session.scalars(select(Report))]
        cards = scorecards.scorecards(session, Principal.command_line(), ORIGIN)
    counts = ", ".join(f"{verdicts.count(v)} {v}" for v in sorted(set(verdicts)))
    lines = [
        f"Reports: {len(verdicts)} finder reports ({counts}) from {len(cards.by_organization)} "
        "finders; coordinators: Triage and Scorecards."
    ]
    if why_not:
        lines.append(why_not)
    lines.append("Scorecards: " + "; ".join(_card(row) for row in cards.by_organization) + ".")
    return lines


def _card(row: scorecards.ScorecardRow) -> str:
    precision = "no verdict yet" if row.precision is None else f"precision {row.precision:.0%}"
    return f"{row.label} {row.reproduced} of {row.submitted} reproduced ({precision})"


def _validate_waiting(runtime: Runtime, progress: Callable[[str], None]) -> str | None:
    """Validate the grounded reports that wait for it (none on a second start); the line to
    print when they must keep waiting, else None."""
    with runtime.sessions() as session:
        rows = session.execute(
            select(Report.id, Report.title)
            .where(Report.status == ReportStatus.GROUNDED.value)
            .order_by(Report.created_at, Report.id)
        )
        titles = {row.id: row.title for row in rows}
        waiting = list(titles)
        needed = {pins for report_id in waiting for pins in _environments(session, report_id)}
    if not waiting:
        return None
    plural = "report waits" if len(waiting) == 1 else "reports wait"
    box = sandbox_service.sandbox(runtime.settings)
    host = box.check()
    if not host.usable:
        missing = "; ".join(f"{f.name}: {f.detail}" for f in host.missing)
        return (
            f"Validation: {len(waiting)} {plural} for the sandbox, which cannot run here "
            f"({missing}). Fix that (`clearinghouse sandbox check` lists what works), then "
            "run the demo again."
        )
    try:
        for pins in sorted(needed):
            fill_wheelhouse(box.root / "wheelhouse", pins, WHEELS)
    except SandboxError as exc:
        return f"Validation: {len(waiting)} {plural}: the demo's wheels are incomplete ({exc})."
    progress(f"Validating {len(waiting)} reports in the sandbox (once; about a minute)…")
    # Two runs per version still show flakiness; the PoCs' 10 s alarms make each run long.
    runs = min(runtime.settings.validation_runs, DEMO_RUNS)
    settings = runtime.settings.model_copy(update={"validation_runs": runs})
    context = JobContext(settings, runtime.sessions, "demo")
    for position, report_id in enumerate(waiting):
        try:
            done = validate_report(context, report_id=report_id)
        except (validation.InfrastructureError, SandboxError) as exc:
            # Recorded as an attempt; the next start (or a worker) tries again.
            left = len(waiting) - position
            return (
                f"Validation: {left} report{'s' if left > 1 else ''} still waiting: the sandbox "
                f"failed ({exc}); `clearinghouse sandbox check` shows what works."
            )
        progress(f"  {done.get('verdict') or done.get('status')}: {titles[report_id]}")
    return None


def _environments(session: Session, report_id: str) -> list[tuple[str, ...]]:
    """The pins of each environment validation will build for the report: one per affected
    version, one for the fixed version (the report's, else the knowledge base's)."""
    stored = session.get(Report, report_id)
    assert stored is not None
    report = ReportIn.model_validate(stored.content)
    assert isinstance(report.target, PackageTarget)
    name = validation.package_name(report)
    versions = list(report.target.affected_versions)
    fixed = fixed_version(session, report)
    if fixed is not None:
        versions.append(fixed.version)
    extra = tuple(report.proof_of_concept.environment.dependencies)
    return [(f"{name}=={version}", *extra) for version in versions]


def _principal(runtime: Runtime, email: str) -> Principal:
    with runtime.sessions() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        return principal_for(user, via="cli")
