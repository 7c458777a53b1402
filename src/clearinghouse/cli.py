"""The `clearinghouse` command: serve, demo, db, jobs, audit, feeds, scan, plan, sandbox, …"""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from clearinghouse import __version__, console, db
from clearinghouse.cli_runtime import fail_unusable_database, open_runtime, settings_or_exit
from clearinghouse.frontier import cli as frontier_cli
from clearinghouse.identity import cli as identity_cli
from clearinghouse.identity.audit import cli as audit_cli
from clearinghouse.knowledge import cli as knowledge_cli
from clearinghouse.matching import cli as matching_cli
from clearinghouse.reports import cli as reports_cli
from clearinghouse.runtime import Runtime
from clearinghouse.sandbox import cli as sandbox_cli
from clearinghouse.system import cli as system_cli
from clearinghouse.triage import cli as triage_cli

app = typer.Typer(
    name="clearinghouse",
    help="Clearinghouse: validate, prioritize and distribute vulnerability fixes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The database schema: upgrade it, see where it is.", no_args_is_help=True)
config_app = typer.Typer(help="The effective settings.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(system_cli.app, name="jobs")
app.add_typer(audit_cli.app, name="audit")
app.add_typer(identity_cli.admin_app, name="admin")
app.add_typer(identity_cli.orgs_app, name="orgs")
app.add_typer(identity_cli.tokens_app, name="tokens")
app.add_typer(knowledge_cli.feeds_app, name="feeds")
app.add_typer(knowledge_cli.vulns_app, name="vulns")
app.add_typer(sandbox_cli.app, name="sandbox")
app.add_typer(reports_cli.app, name="reports")
app.add_typer(frontier_cli.app, name="frontier")
app.command("scan")(matching_cli.scan_command)
app.command("plan")(triage_cli.plan_command)
app.add_typer(triage_cli.app, name="triage")

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _version(value: bool) -> None:
    if value:
        console.stdout.print(f"clearinghouse {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Clearinghouse: validate, prioritize and distribute vulnerability fixes."""


HostOption = Annotated[str, typer.Option(help="Address to listen on.")]
PortOption = Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")]


@app.command()
def serve(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Run the web server (and, by default, a job consumer inside it)."""
    from clearinghouse.app import create_app

    with open_runtime() as runtime:
        console.stderr.print(
            f"Clearinghouse {__version__} on http://{host}:{port}/", highlight=False
        )
        uvicorn.run(
            create_app(runtime=runtime), host=host, port=port, log_config=None, proxy_headers=False
        )


@app.command()
def worker(
    workers: Annotated[int, typer.Option(min=1, max=64, help="How many consumers.")] = 2,
    processes: Annotated[bool, typer.Option(help="Use processes instead of threads.")] = False,
) -> None:
    """Run job consumers in this process, apart from the web server."""
    from clearinghouse.sandbox import service as sandbox_service

    with open_runtime() as runtime:
        # A worker killed earlier may have left sandbox runs (validations) behind.
        swept = sandbox_service.sweep(runtime.settings)
        if swept.runs:
            console.stderr.print(f"worker: cleared {len(swept.runs)} abandoned sandbox run(s)")
        console.stderr.print(
            f"worker: {workers} {'processes' if processes else 'threads'} on the "
            f"{runtime.queue.backend} queue; Ctrl-C stops",
            highlight=False,
        )
        runtime.queue.consumer(workers, "process" if processes else "thread").run()


@app.command()
def demo(host: HostOption = "127.0.0.1", port: PortOption = 8000) -> None:
    """Set up the embedded database with demo data, print how to sign in, and serve."""
    from clearinghouse import demo as demo_data
    from clearinghouse.app import create_app

    with open_runtime() as runtime:
        lines = demo_data.load(runtime)
        url = f"http://{host}:{port}/"
        console.stdout.rule("[bold]Clearinghouse demo")
        console.stdout.print(f"Open [bold cyan]{url}[/]")
        for line in lines:
            console.stdout.print(line, highlight=False, soft_wrap=True)
        console.stdout.print(
            f"Stop with Ctrl-C. Data stays in {runtime.settings.data_dir.resolve()}.",
            highlight=False,
        )
        console.stdout.rule()
        uvicorn.run(create_app(runtime=runtime), host=host, port=port, log_config=None)


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the migrations (safe to run again)."""
    with open_runtime(check_database=False) as runtime:
        before = _current_or_fail(runtime)
        try:
            db.upgrade(runtime.engine, revision)
        except SQLAlchemyError as exc:
            console.fail(f"migration failed: {exc}")
        after = db.current_revision(runtime.engine)
    if before == after:
        console.stdout.print(f"already at {after}")
    else:
        console.stdout.print(f"upgraded {before or 'empty database'} → {after}")


@db_app.command("current")
def db_current(as_json: JsonOption = False) -> None:
    """Which schema revision the database is at, and which this code expects."""
    with open_runtime(check_database=False) as runtime:
        current = _current_or_fail(runtime)
        shown = runtime.settings.database.render_as_string(hide_password=True)
    head = db.head_revision()
    if as_json:
        console.print_json(
            {"database": shown, "current": current, "head": head, "up_to_date": current == head}
        )
        return
    state = "[green]up to date[/]" if current == head else "[yellow]needs `db upgrade`[/]"
    console.stdout.print(
        f"{shown}: {current or 'empty'} (code expects {head}) {state}", highlight=False
    )


def _current_or_fail(runtime: Runtime) -> str | None:
    try:
        return db.current_revision(runtime.engine)
    except SQLAlchemyError as exc:
        fail_unusable_database(runtime, exc)


@config_app.command("show")
def config_show(as_json: JsonOption = False) -> None:
    """The effective settings, secrets masked."""
    shown = settings_or_exit().masked()
    if as_json:
        console.print_json(shown)
        return
    console.print_table(
        "Effective settings",
        ["Setting", "Value"],
        ((f"CLEARINGHOUSE_{k.upper()}", v) for k, v in shown.items()),
    )


def main() -> None:
    app()
