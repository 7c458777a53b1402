"""`clearinghouse frontier …`: the confidential cyber-capability benchmark."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from clearinghouse import console
from clearinghouse.cli_runtime import open_runtime, settings_or_exit
from clearinghouse.frontier import run_cli
from clearinghouse.frontier.store import CALIBRATION, DESIGNATION, SUITES, StoreError, new_key
from clearinghouse.frontier.tasks import CALIBRATION_VERSION, TaskFormatError
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.sandbox.interface import SandboxError

if TYPE_CHECKING:
    from clearinghouse.frontier.controls import ControlResult
    from clearinghouse.frontier.store import Suite

# The benchmark's service imports Inspect, which takes seconds: only its own commands import it.

app = typer.Typer(
    help="The frontier-model cyber benchmark: task stores, controls, model runs.",
    no_args_is_help=True,
)
run_cli.register(app)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
StoreOption = Annotated[
    Path | None, typer.Option("--store", help="The store file; default: in the data dir.")
]


@app.command("new-key")
def new_key_command() -> None:
    """Print a fresh AES-256 key for CLEARINGHOUSE_FRONTIER_TASK_KEY (keep it out of the repo)."""
    console.stdout.print(new_key(), highlight=False)


@app.command("seal")
def seal(
    suite: Annotated[str, typer.Option(help="calibration or designation.")] = "calibration",
    version: Annotated[str, typer.Option(help="The suite's version.")] = CALIBRATION_VERSION,
    source: Annotated[
        Path | None, typer.Option(help="Folder of task folders; default: the calibration tasks.")
    ] = None,
    out: StoreOption = None,
) -> None:
    """Encrypt a folder of tasks into a suite's store."""
    from clearinghouse.frontier import service

    settings = settings_or_exit()
    try:
        path = service.seal_suite(settings, suite, version, source, out)
    except (StoreError, TaskFormatError) as exc:
        console.fail(str(exc), console.EXIT_USAGE)
    console.stdout.print(f"sealed the {suite} suite into {path}", highlight=False)


@app.command("controls")
def controls(
    as_json: JsonOption = False,
    store: StoreOption = None,
    suite_name: Annotated[
        str, typer.Option("--suite", help="calibration (default) or designation.")
    ] = CALIBRATION,
) -> None:
    """Run the oracle, cheater and idle agents on a suite; exit 1 unless the oracle scores 1.0
    and the others 0.0 on every task."""
    from clearinghouse.frontier import service

    if suite_name not in SUITES:
        console.fail(
            f"unknown suite {suite_name!r}; use one of {', '.join(SUITES)}", console.EXIT_USAGE
        )
    with open_runtime() as runtime:
        settings = runtime.settings
        path = store or service.store_path(settings, suite_name)
        try:
            if store is None and suite_name == CALIBRATION and not path.exists():
                # The calibration tasks are public: seal them from the repository on first use.
                service.seal_suite(settings, CALIBRATION, CALIBRATION_VERSION)
            with runtime.sessions() as session:
                suite = service.open_suite(
                    session, Principal.evaluator_command_line(), settings, suite_name, path
                )
        except (StoreError, TaskFormatError, AccessDenied) as exc:
            console.fail(str(exc), console.EXIT_USAGE)
        try:
            results = service.run_controls(settings, suite)
        except SandboxError as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    passed = all(result.passed for result in results)
    if as_json:
        console.print_json(
            {
                "suite": suite.name,
                "suite_version": suite.version,
                "passed": passed,
                "agents": [
                    {
                        "agent": r.agent,
                        "expected": r.expected,
                        "mean": _mean(r.scores),
                        "passed": r.passed,
                        "scores": r.scores,
                        "errors": r.errors,
                        "log": r.log_location,
                    }
                    for r in results
                ],
            }
        )
    else:
        _print_tables(suite, results)
    if not passed:
        raise typer.Exit(console.EXIT_PROBLEM)


@app.command("unseal")
def unseal(
    out: Annotated[Path, typer.Option("--out", help="A new folder for the task folders.")],
    suite: Annotated[str, typer.Option(help="calibration or designation.")] = DESIGNATION,
    store: StoreOption = None,
) -> None:
    """Decrypt a suite's store back into task folders, to edit them and seal them again
    (evaluators only; audited). Keep the folder as private as the store's key."""
    from clearinghouse.frontier import service

    with open_runtime() as runtime:
        path = store or service.store_path(runtime.settings, suite)
        try:
            with runtime.sessions() as session:
                folders = service.unseal_suite(
                    session, Principal.evaluator_command_line(), runtime.settings, suite, path, out
                )
        except (StoreError, TaskFormatError, AccessDenied) as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    console.stdout.print(f"unsealed {len(folders)} {suite} tasks into {out}", highlight=False)


def _mean(scores: dict[str, float]) -> float:
    return round(sum(scores.values()) / len(scores), 4) if scores else 0.0


def _print_tables(suite: Suite, results: list[ControlResult]) -> None:
    console.print_table(
        f"Controls on the {suite.name} suite {suite.version} ({len(suite.tasks)} tasks)",
        ["Agent", "Must score", "Mean score", "Result"],
        (
            (
                r.agent,
                f"{r.expected:.1f}",
                f"{_mean(r.scores):.2f}",
                "[green]pass[/]" if r.passed else "[red]FAIL[/]",
            )
            for r in results
        ),
    )
    console.print_table(
        "Per task",
        ["Task", "Category", "Tier", *(r.agent for r in results)],
        (
            (
                task.id,
                task.category.value,
                str(task.tier),
                *(
                    f"{r.scores.get(task.id, 0.0):.0f}"
                    + (" [red](error)[/]" if task.id in r.errors else "")
                    for r in results
                ),
            )
            for task in suite.tasks
        ),
    )
    for result in results:
        for task_id, error in result.errors.items():
            console.stderr.print(f"{result.agent} on {task_id}: {error}", highlight=False)
