"""The `clearinghouse` command: serve, demo, db, jobs, audit, feeds, scan, plan, sandbox, …

Each domain's commands are imported when they run (see cli_lazy), so that a command starts
without importing every other domain, the web framework and the benchmark first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from clearinghouse import __version__, console
from clearinghouse.cli_lazy import Lazy, lazy_group

if TYPE_CHECKING:
    from clearinghouse.runtime import Runtime

# Every command in the order help lists them; None for those defined in this module.
COMMANDS: dict[str, Lazy | None] = {
    "scan": Lazy("clearinghouse.matching.cli:scan_command"),
    "plan": Lazy("clearinghouse.triage.cli:plan_command"),
    "serve": None,
    "worker": None,
    "demo": None,
    "db": None,
    "config": None,
    "jobs": Lazy("clearinghouse.system.cli:app"),
    "audit": Lazy("clearinghouse.identity.audit.cli:app"),
    "admin": Lazy("clearinghouse.identity.cli:admin_app"),
    "orgs": Lazy("clearinghouse.identity.cli:orgs_app"),
    "tokens": Lazy("clearinghouse.identity.cli:tokens_app"),
    "feeds": Lazy("clearinghouse.knowledge.cli:feeds_app"),
    "vulns": Lazy("clearinghouse.knowledge.cli:vulns_app"),
    "sandbox": Lazy("clearinghouse.sandbox.cli:app"),
    "reports": Lazy("clearinghouse.reports.cli:app"),
    "frontier": Lazy("clearinghouse.frontier.cli:app"),
    "triage": Lazy("clearinghouse.triage.cli:app"),
}

app = typer.Typer(
    name="clearinghouse",
    help="Clearinghouse: validate, prioritize and distribute vulnerability fixes.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=lazy_group(COMMANDS),
)
db_app = typer.Typer(help="The database schema: upgrade it, see where it is.", no_args_is_help=True)
config_app = typer.Typer(help="The effective settings.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")

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
    import uvicorn

    from clearinghouse.app import create_app
    from clearinghouse.cli_runtime import open_runtime

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
    from clearinghouse.cli_runtime import open_runtime
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
    import uvicorn

    from clearinghouse import demo as demo_data
    from clearinghouse.app import create_app
    from clearinghouse.cli_runtime import open_runtime

    with open_runtime() as runtime:
        lines = demo_data.load(
            runtime, progress=lambda line: console.stderr.print(line, highlight=False)
        )
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
    from sqlalchemy.exc import SQLAlchemyError

    from clearinghouse import db
    from clearinghouse.cli_runtime import open_runtime

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
    from clearinghouse import db
    from clearinghouse.cli_runtime import open_runtime

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
    from sqlalchemy.exc import SQLAlchemyError

    from clearinghouse import db
    from clearinghouse.cli_runtime import fail_unusable_database

    try:
        return db.current_revision(runtime.engine)
    except SQLAlchemyError as exc:
        fail_unusable_database(runtime, exc)


@config_app.command("show")
def config_show(as_json: JsonOption = False) -> None:
    """The effective settings, secrets masked."""
    from clearinghouse.cli_runtime import settings_or_exit

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
