"""`clearinghouse reports …`: submit a report for a finder account, list and show reports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from clearinghouse import console, db
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.identity import service as identity_service
from clearinghouse.identity.acting import audit_refusal
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.reports import dedupe_eval, scorecards, service, triage
from clearinghouse.reports.schemas import ReportIn, ReportOut, ReportStatus
from clearinghouse.reports.scorecards import ScorecardRow
from clearinghouse.runtime import Runtime

app = typer.Typer(
    help="Finder reports: submit, list, show; scorecards, triage, dedupe quality.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
AsOption = Annotated[
    str | None,
    typer.Option("--as", help="Act as this account (a member of a finder organization)."),
]
CLI_ORIGIN = Origin(request_id=None, client_address="cli")


def _actor(runtime: Runtime, email: str | None) -> Principal:
    if email is None:
        return Principal.command_line()
    with runtime.sessions() as session:
        try:
            user = identity_service.find_user(session, email)
        except (identity_service.NotFound, identity_service.IdentityError) as exc:
            console.fail(str(exc), console.EXIT_USAGE)
        if not user.is_active:
            console.fail(f"the account {user.email} is deactivated", console.EXIT_USAGE)
        return principal_for(user, via="cli")


def _refused(runtime: Runtime, actor: Principal, refused: AccessDenied) -> NoReturn:
    """Record the refusal, as the web does, and stop with its reason."""
    with db.transaction(runtime.sessions) as session:
        audit_refusal(session, actor, CLI_ORIGIN, refused)
    console.fail(str(refused))


def _table(reports: list[ReportOut]) -> None:
    console.print_table(
        "Reports",
        ["Id", "Submitted", "Status", "Verdict", "Title"],
        (
            (r.id, f"{r.created_at:%Y-%m-%d %H:%M}", r.status, r.verdict or "", r.title)
            for r in reports
        ),
    )


@app.command("submit")
def submit(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    as_email: AsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit FILE (a report in the JSON format of docs/reports.md) for a finder account."""
    if as_email is None:
        console.fail("say which finder account submits: --as EMAIL", console.EXIT_USAGE)
    with open_runtime() as runtime:
        actor = _actor(runtime, as_email)
        try:
            outcome = service.intake(runtime, actor, CLI_ORIGIN, file.read_bytes())
        except service.ReportRejected as exc:
            if as_json:
                console.print_json({"errors": [e.as_dict() for e in exc.errors]})
            for error in exc.errors:
                console.stderr.print(
                    f"{file}: {error.location}: {error.message}", highlight=False, soft_wrap=True
                )
            raise typer.Exit(console.EXIT_PROBLEM) from None
        except (service.QuotaExceeded, AccessDenied) as exc:
            console.fail(str(exc))
    if as_json:
        console.print_json(outcome)
        return
    verb = "submitted" if outcome.created else "already submitted (same content)"
    console.stdout.print(f"{outcome.report.id} {verb}: {outcome.report.status}", highlight=False)


@app.command("list")
def list_reports(
    as_email: AsOption = None,
    status: Annotated[ReportStatus | None, typer.Option(help="Only reports in this state.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Reports, newest first (with --as: that account's organization's)."""
    with open_runtime() as runtime:
        actor = _actor(runtime, as_email)
        try:
            with db.transaction(runtime.sessions) as session:
                reports = service.list_reports(session, actor, CLI_ORIGIN, status=status)
        except AccessDenied as exc:
            _refused(runtime, actor, exc)
    if as_json:
        console.print_json(reports)
    else:
        _table(reports)


@app.command("show")
def show(report_id: str, as_email: AsOption = None, as_json: JsonOption = False) -> None:
    """One report: its status, verdict, grounding and validation evidence (--json: all of it)."""
    with open_runtime() as runtime:
        actor = _actor(runtime, as_email)
        try:
            with db.transaction(runtime.sessions) as session:
                report = service.get_report(session, actor, CLI_ORIGIN, report_id)
        except AccessDenied as exc:
            _refused(runtime, actor, exc)
    if as_json:
        console.print_json(report)
        return
    details = report.verdict_details or {}
    validation = details.get("validation")
    console.print_table(
        report.title,
        ["Field", "Value"],
        [
            ("Id", report.id),
            ("Status", report.status),
            ("Verdict", report.verdict or "none yet"),
            ("Why", validation.get("reason", "") if isinstance(validation, dict) else ""),
            ("Submitted", f"{report.created_at:%Y-%m-%d %H:%M} UTC by {report.submitted_by}"),
            ("Content hash", report.content_hash),
        ],
    )
    if isinstance(validation, dict) and validation.get("versions"):
        _validation_tables(validation)


def _validation_tables(validation: dict[str, Any]) -> None:
    console.print_table(
        "Runs",
        ["Version", "Role", "Run", "Oracle", "Observed", "Exit", "Limit", "Wall s"],
        (
            (
                version["version"],
                version["role"],
                number,
                "holds" if run["triggered"] else "does not hold",
                run["observed"],
                run["exit_code"] if run["exit_code"] is not None else f"signal {run['signal']}",
                run["limit"] or "",
                f"{run['wall_seconds']:.2f}",
            )
            for version in validation["versions"]
            for number, run in enumerate(version["runs"], 1)
        ),
    )
    timings = validation.get("timings", {})
    console.print_table(
        "Where the time went (seconds)",
        ["Prepare", "Install", "Sandbox", "PoC", "Total"],
        [
            [
                f"{timings.get(k, 0):.2f}"
                for k in (
                    "prepare_seconds",
                    "install_seconds",
                    "sandbox_seconds",
                    "poc_seconds",
                    "total_seconds",
                )
            ]
        ],
    )
    for version in validation["versions"]:
        for built in version.get("environment", {}).get("built_from_sdist") or ():
            console.stdout.print(
                f"{built['requirement']}: no wheel; built from {built['file']} "
                f"{built.get('built', 'in the sandbox')}",
                highlight=False,
                soft_wrap=True,
            )
    flaky = [v["version"] for v in validation["versions"] if v.get("flaky")]
    if flaky:
        console.stdout.print(f"flaky (runs differed) on {', '.join(flaky)}", highlight=False)
    console.stdout.print(
        "inputs: "
        + ", ".join(
            f"{f['path']} sha256:{f['sha256'][:16]}…" for f in validation["inputs"]["poc_files"]
        ),
        highlight=False,
        soft_wrap=True,
    )


@app.command("schema")
def schema() -> None:
    """Print the report format's JSON Schema."""
    console.print_json(report_json_schema())


def report_json_schema() -> dict[str, object]:
    generated = ReportIn.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "urn:clearinghouse:schema:report:1.0",
        **generated,
    }


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _hours(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def _scorecard_table(title: str, rows: list[ScorecardRow]) -> None:
    console.print_table(
        title,
        [
            "",
            "Submitted",
            "Reproduced",
            "Duplicates",
            "Ungrounded",
            "Not reproduced",
            "Invalid",
            "Pending",
            "Errors",
            "Precision",
            "Median to verdict",
        ],
        (
            (
                r.label,
                r.submitted,
                r.reproduced,
                r.duplicates,
                r.ungrounded,
                r.not_reproduced,
                r.invalid,
                r.pending,
                r.errors,
                _percent(r.precision),
                _hours(r.median_hours_to_verdict),
            )
            for r in rows
        ),
    )


@app.command("scorecard")
def scorecard(
    as_email: AsOption = None,
    organization: Annotated[
        str | None, typer.Option(help="Only this finder organization (its id).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Finder scorecards per organization and per declared AI model (with --as: that finder's)."""
    with open_runtime() as runtime:
        actor = _actor(runtime, as_email)
        try:
            with db.transaction(runtime.sessions) as session:
                cards = scorecards.scorecards(session, actor, CLI_ORIGIN, organization)
        except AccessDenied as exc:
            _refused(runtime, actor, exc)
    if as_json:
        console.print_json(cards)
        return
    _scorecard_table("By finder organization", cards.by_organization)
    _scorecard_table("By declared AI model", cards.by_model)


@app.command("triage")
def triage_queue(
    group: Annotated[str | None, typer.Option(help="Only this group, e.g. reproduced.")] = None,
    as_json: JsonOption = False,
) -> None:
    """The coordinators' triage queue, highest priority first."""
    with open_runtime() as runtime:
        try:
            with db.transaction(runtime.sessions) as session:
                items = triage.queue(session, Principal.command_line(), CLI_ORIGIN, group=group)
        except ValueError as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    if as_json:
        console.print_json(items)
        return
    console.print_table(
        "Triage queue",
        ["Group", "Severity", "Id", "Title", "Finder", "Target", "Waiting", "Duplicate of"],
        (
            (
                i.group_label,
                i.severity,
                i.id,
                i.title,
                i.finder,
                i.target,
                f"{i.waiting_days} d",
                i.duplicate_of
                or (f"likely {i.likely_duplicate_of}" if i.likely_duplicate_of else ""),
            )
            for i in items
        ),
    )


@app.command("dedupe-eval")
def dedupe_eval_command(
    data: Annotated[
        Path,
        typer.Option(help="A folder laid out as the shared data sets (e.g. tests/data/shared)."),
    ],
    corpus: Annotated[
        Path | None, typer.Option(help="The validation corpus, measured apart (paraphrased).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Measure deduplication's precision and recall on the labelled set (docs/reports.md)."""
    try:
        with console.stderr.status("Building the labelled set from the archives…"):
            labelled = dedupe_eval.build_from(data, corpus)
    except FileNotFoundError as exc:
        console.fail(str(exc), console.EXIT_USAGE)
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
    )
    with Progress(*columns, console=console.stderr, transient=True, disable=as_json) as bar:
        task = bar.add_task("deduplicating", total=len(labelled.queries))
        result = dedupe_eval.evaluate(labelled, progress=lambda: bar.advance(task))
    if as_json:
        console.print_json(result.as_dict())
        return
    console.print_table(
        "Deduplication against the knowledge base",
        [
            "Set",
            "Queries",
            "Right",
            "Wrong",
            "Missed",
            "New-package runs",
            "False +",
            "Precision",
            "Recall",
            "Top-1 right",
            "Likely right",
        ],
        (
            (
                name,
                t.queries,
                t.right,
                t.wrong,
                t.missed,
                t.new_queries,
                t.new_named,
                f"{t.precision:.3f}",
                f"{t.recall:.3f}",
                t.top_right,
                t.likely_right,
            )
            for name, t in sorted(result.tallies.items())
        ),
    )
