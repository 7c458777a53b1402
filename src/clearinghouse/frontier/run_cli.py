"""`clearinghouse frontier run|runs|show`: a model on a suite, and what its runs say."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from sqlalchemy.exc import SQLAlchemyError

from clearinghouse import console
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.frontier.store import CALIBRATION, SUITES, StoreError
from clearinghouse.frontier.tasks import CALIBRATION_VERSION, TaskFormatError
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.sandbox.interface import SandboxError

if TYPE_CHECKING:
    from clearinghouse.frontier.models import FrontierRun
    from clearinghouse.frontier.runs import Display
    from clearinghouse.frontier.service import RunReport

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("runs")(runs)
    app.command("show")(show)


def run(
    model: Annotated[
        str, typer.Option(help="openai-api/NAME/MODEL: any OpenAI-compatible endpoint.")
    ],
    base_url: Annotated[str, typer.Option(help="The endpoint, e.g. http://127.0.0.1:8000/v1.")],
    suite: Annotated[str, typer.Option(help="calibration or designation.")] = CALIBRATION,
    epochs: Annotated[int, typer.Option(help="Attempts per task.")] = 1,
    api_key_env: Annotated[
        str | None,
        typer.Option(help="The variable holding the API key; default: NAME_API_KEY."),
    ] = None,
    message_limit: Annotated[int, typer.Option(help="Messages per attempt.")] = 40,
    sample_minutes: Annotated[int, typer.Option(help="Wall time per attempt.")] = 30,
    max_tokens: Annotated[
        int | None, typer.Option(help="Tokens per generation; default: the endpoint's.")
    ] = None,
    store: Annotated[
        Path | None, typer.Option(help="The suite's store; default: in the data dir.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a model on every task of a suite (Inspect's ReAct agent with bash and python, in
    the sandbox), store each task's result per epoch, and judge the run by the threshold
    policy."""
    from clearinghouse.frontier import service

    if suite not in SUITES:
        console.fail(f"--suite must be one of {', '.join(SUITES)}", console.EXIT_USAGE)
    display: Display = "none" if as_json else ("rich" if sys.stdout.isatty() else "plain")
    spec = service.ModelRunSpec(
        model=model,
        base_url=base_url,
        epochs=epochs,
        api_key_env=api_key_env,
        message_limit=message_limit,
        sample_seconds=sample_minutes * 60,
        max_tokens=max_tokens,
        display=display,
    )
    with open_runtime() as runtime:
        settings = runtime.settings
        try:
            service.check_spec(spec)
            calibration = service.store_path(settings, CALIBRATION)
            if suite == CALIBRATION and store is None and not calibration.exists():
                # The calibration tasks are public: seal them on first use.
                service.seal_suite(settings, CALIBRATION, CALIBRATION_VERSION)
            stored = service.run_suite(
                runtime.sessions, Principal.evaluator_command_line(), settings, spec, suite, store
            )
        except (StoreError, TaskFormatError, AccessDenied, service.RunSetupError) as exc:
            console.fail(str(exc), console.EXIT_USAGE)
        except SandboxError as exc:
            console.fail(str(exc), console.EXIT_PROBLEM)
        with runtime.sessions() as session:
            found = service.get_run(session, Principal.evaluator_command_line(), stored.id)
            result = service.report(found)
            _output(result, as_json)
    if result.run.status != "finished":
        raise typer.Exit(console.EXIT_PROBLEM)


def runs(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: JsonOption = False,
) -> None:
    """List the benchmark's runs, newest first."""
    from clearinghouse.frontier import service

    with open_runtime() as runtime, runtime.sessions() as session:
        found = service.list_runs(session, Principal.evaluator_command_line(), limit)
        if as_json:
            console.print_json([_run_fields(r) for r in found])
            return
        console.print_table(
            "Frontier benchmark runs",
            ["Run", "Model", "Suite", "Epochs", "Started", "Status", "Mean", "Verdict"],
            (
                (
                    r.id[:8],
                    r.model,
                    f"{r.suite} {r.suite_version}",
                    r.epochs,
                    r.started_at.strftime("%Y-%m-%d %H:%M"),
                    r.status,
                    "" if r.mean_success is None else f"{r.mean_success:.3f}",
                    r.verdict or "",
                )
                for r in found
            ),
            empty="no runs yet: `clearinghouse frontier run --model … --base-url …`",
        )


def show(
    run_id: Annotated[str, typer.Argument(help="The run's id, or its first characters.")],
    as_json: JsonOption = False,
) -> None:
    """A run: per-task success, the mean with its interval, pass@k, by category and tier, and
    the verdict of the threshold policy."""
    from clearinghouse.frontier import service

    with open_runtime() as runtime, runtime.sessions() as session:
        try:
            found = service.get_run(session, Principal.evaluator_command_line(), run_id)
        except LookupError as exc:
            console.fail(str(exc).strip("'\""), console.EXIT_USAGE)
        except SQLAlchemyError as exc:
            console.fail(f"cannot read the runs: {exc}", console.EXIT_PROBLEM)
        _output(service.report(found), as_json)


def _run_fields(run: FrontierRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "model": run.model,
        "base_url": run.base_url,
        "suite": run.suite,
        "suite_version": run.suite_version,
        "policy_version": run.policy_version,
        "epochs": run.epochs,
        "status": run.status,
        "started_by": run.started_by,
        "started_at": run.started_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "mean_success": run.mean_success,
        "verdict": run.verdict,
        "log": run.log_path,
        "log_sha256": run.log_sha256,
        "error": run.error,
    }


def report_json(report: RunReport) -> dict[str, Any]:
    run, summary, verdict = report.run, report.summary, report.verdict
    data = _run_fields(run)
    data["results"] = [
        {
            "task": r.task_id,
            "category": r.category,
            "tier": r.tier,
            "epoch": r.epoch,
            "success": r.success,
            "score": r.score,
            "input_tokens": r.input_tokens,
            "output_tokens": r.output_tokens,
            "total_tokens": r.total_tokens,
            "seconds": r.seconds,
            "sample_uuid": r.sample_uuid,
            "error": r.error,
        }
        for r in run.results
    ]
    if summary is not None:
        data["statistics"] = {
            "tasks": len(summary.tasks),
            "mean": summary.mean,
            "confidence": summary.confidence,
            "interval": [summary.interval.low, summary.interval.high],
            "interval_method": summary.interval.method,
            "pass_at_k": {str(k): v for k, v in summary.pass_at_k.items()},
            "per_task": {t.task_id: t.rate for t in summary.tasks},
            "by_category": {
                g.name: {
                    "tasks": g.tasks,
                    "mean": g.mean,
                    "interval": [g.interval.low, g.interval.high],
                }
                for g in summary.by_category
            },
            "by_tier": {
                g.name: {
                    "tasks": g.tasks,
                    "mean": g.mean,
                    "interval": [g.interval.low, g.interval.high],
                }
                for g in summary.by_tier
            },
        }
    if verdict is not None:
        data["judgement"] = {
            "verdict": verdict.outcome.value,
            "policy_version": verdict.policy_version,
            "aggregate": verdict.aggregate,
            "estimate": verdict.estimate,
            "threshold": verdict.threshold,
            "confidence": verdict.confidence,
            "interval": [verdict.low, verdict.high],
            "bound": verdict.bound,
            "reason": verdict.reason,
            "more_tasks": verdict.more_tasks,
        }
    return data


def _output(report: RunReport, as_json: bool) -> None:
    if as_json:
        console.print_json(report_json(report))
        return
    run, summary, verdict = report.run, report.summary, report.verdict
    console.stdout.print(
        f"[bold]Run {run.id}[/]: {run.model} on the {run.suite} suite {run.suite_version}, "
        f"{run.epochs} epoch(s), {run.status}",
        highlight=False,
    )
    if run.error:
        console.stderr.print(f"the run failed: {run.error}", highlight=False)
    if summary is None:
        return
    level = f"{summary.confidence:.0%}"
    console.print_table(
        "Per task",
        ["Task", "Category", "Tier", "Solved", "Tokens", "Seconds"],
        (
            (
                t.task_id,
                t.category,
                t.tier,
                f"{t.successes}/{t.attempts}",
                sum(r.total_tokens for r in run.results if r.task_id == t.task_id),
                f"{sum(r.seconds for r in run.results if r.task_id == t.task_id):.0f}",
            )
            for t in summary.tasks
        ),
    )
    groups = [("category", g) for g in summary.by_category] + [("tier", g) for g in summary.by_tier]
    console.print_table(
        f"Mean success with its {level} task-clustered interval",
        ["Group", "Tasks", "Mean", "Interval"],
        [("all tasks", len(summary.tasks), f"{summary.mean:.3f}", _interval(summary.interval))]
        + [
            (
                f"{kind} {g.name}".replace("tier tier", "tier"),
                g.tasks,
                f"{g.mean:.3f}",
                _interval(g.interval),
            )
            for kind, g in groups
        ],
    )
    passes = ", ".join(f"pass@{k} {v:.3f}" for k, v in summary.pass_at_k.items())
    console.stdout.print(f"{passes}; interval: {summary.interval.method}", highlight=False)
    if verdict is None:
        console.stdout.print(
            f"[yellow]no verdict: the run was judged under policy {run.policy_version}, "
            "which is not the one installed[/]",
            highlight=False,
        )
        return
    colour = {"exceeds": "red", "below": "green", "inconclusive": "yellow"}[verdict.outcome.value]
    console.stdout.print(
        f"Verdict ({'policy ' + verdict.policy_version}, {verdict.aggregate}, threshold "
        f"{verdict.threshold:.2f}): [bold {colour}]{verdict.outcome.value}[/]: {verdict.reason}"
        + ("" if run.suite == "designation" else f" [dim](a {run.suite} run: informational)[/]"),
        highlight=False,
    )


def _interval(interval: Any) -> str:
    return f"[{interval.low:.3f}, {interval.high:.3f}]"
