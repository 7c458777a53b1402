"""`clearinghouse jobs …`: list job runs, queue a job."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from clearinghouse import console
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.jobs import UnknownJob, registered_jobs
from clearinghouse.system import service
from clearinghouse.system.models import JobStatus

app = typer.Typer(help="Job runs: list them, queue one.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


@app.command("list")
def list_runs(
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many runs.")] = 50,
    status: Annotated[JobStatus | None, typer.Option(help="Only runs with this status.")] = None,
    name: Annotated[str | None, typer.Option(help="Only runs of this job.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Job runs, newest first."""
    with open_runtime() as runtime, runtime.sessions() as session:
        runs = service.list_job_runs(session, limit=limit, status=status, name=name)
    if as_json:
        console.print_json(runs)
        return
    console.print_table(
        "Job runs",
        ["Run", "Job", "Status", "Attempts", "Queued (UTC)", "Finished", "Error"],
        (
            (
                r.id[:8],
                r.name,
                r.status.value,
                r.attempts,
                r.queued_at.strftime("%Y-%m-%d %H:%M:%S"),
                r.finished_at.strftime("%H:%M:%S") if r.finished_at else "",
                (r.error or "")[:80],
            )
            for r in runs
        ),
        empty="No job runs yet.",
    )


@app.command("kinds")
def kinds(as_json: JsonOption = False) -> None:
    """The jobs this installation knows."""
    specs = registered_jobs().values()
    if as_json:
        console.print_json(
            [
                {
                    "name": s.name,
                    "description": s.description,
                    "retries": s.retries,
                    "every_minutes": s.every_minutes,
                }
                for s in specs
            ]
        )
        return
    console.print_table(
        "Jobs",
        ["Name", "Retries", "Runs by itself", "What it does"],
        (
            (
                s.name,
                s.retries,
                f"every {s.every_minutes} min" if s.every_minutes else "",
                s.description,
            )
            for s in specs
        ),
    )


@app.command("enqueue")
def enqueue(
    name: Annotated[str, typer.Argument(help="The job's name (see `jobs kinds`).")],
    arguments: Annotated[str, typer.Option("--args", help="Keyword arguments as JSON.")] = "{}",
    as_json: JsonOption = False,
) -> None:
    """Queue a job; a worker (or `serve`) runs it."""
    try:
        kwargs = json.loads(arguments)
    except json.JSONDecodeError as exc:
        console.fail(f"--args is not JSON: {exc}", console.EXIT_USAGE)
    if not isinstance(kwargs, dict):
        console.fail("--args must be a JSON object", console.EXIT_USAGE)
    with open_runtime() as runtime:
        try:
            run_id = runtime.queue.enqueue(name, **kwargs)
        except (UnknownJob, ValueError) as exc:
            console.fail(str(exc).strip("\"'"), console.EXIT_USAGE)
    if as_json:
        console.print_json({"id": run_id, "name": name})
    else:
        console.stdout.print(f"queued [bold]{name}[/] as run [cyan]{run_id}[/]")
