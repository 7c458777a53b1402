"""`clearinghouse feeds …` (importers and their runs) and `clearinghouse vulns …` (look-ups)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from clearinghouse import console
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.knowledge import service
from clearinghouse.knowledge.pipeline import Progress as ImportProgress
from clearinghouse.knowledge.schemas import ImportRunOut, VulnerabilityOut, VulnerabilitySummary
from clearinghouse.knowledge.sources.inputs import InputError
from clearinghouse.plain_text import clip

feeds_app = typer.Typer(help="Advisory feeds: import them, see past runs.", no_args_is_help=True)
vulns_app = typer.Typer(help="Vulnerabilities in the knowledge base.", no_args_is_help=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


@feeds_app.command("sources")
def sources(as_json: JsonOption = False) -> None:
    """The importers this installation has."""
    rows = [
        {
            "id": cls.pipeline_id,
            "licence": cls.licence,
            "description": cls.description,
            "reads": ", ".join(cls.suffixes),
        }
        for cls in service.IMPORTERS.values()
    ]
    if as_json:
        console.print_json(rows)
        return
    console.print_table(
        "Importers",
        ["Source", "Reads", "What", "Data licence"],
        ((r["id"], r["reads"], r["description"], r["licence"]) for r in rows),
    )


def _print_run(run: ImportRunOut, shown: int | None = 10) -> None:
    state = "[green]succeeded[/]" if run.status == "succeeded" else f"[red]{run.status}[/]"
    console.print_table(
        f"Import run {run.id} ({run.pipeline_id})",
        ["Documents", "Added", "Changed", "Unchanged", "Withdrawn", "Rejected"],
        [(run.documents, run.added, run.changed, run.unchanged, run.withdrawn, run.rejected)],
    )
    seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
    console.stdout.print(f"{state} in {seconds:.1f} s", highlight=False)
    if run.failure:
        console.stderr.print(f"[red]{run.failure}[/]", highlight=False)
    if not run.errors:
        return
    listed = run.errors if shown is None else run.errors[:shown]
    title = f"Rejected ({run.rejected})"
    if len(listed) < len(run.errors):
        title = f"Rejected ({run.rejected}; first {len(listed)} shown)"
    console.print_table(title, ["File", "Reason"], ((e["file"], e["reason"]) for e in listed))
    if len(listed) < len(run.errors):
        console.stdout.print(
            f"[dim]all of them: clearinghouse feeds run {run.id}[/]", highlight=False
        )


@feeds_app.command("import")
def import_feed(
    source: Annotated[str, typer.Argument(help="The importer (see `feeds sources`).")],
    path: Annotated[Path, typer.Argument(help="A file, a folder, a .zip or a .tar.gz.")],
    include: Annotated[
        str | None,
        typer.Option(
            help="Only documents whose path inside the input matches this glob, e.g. 'data/osv/*'."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Import advisories; unchanged ones are skipped, rejected ones listed with the reason."""
    if source not in service.IMPORTERS:
        console.fail(
            f"no importer named {source!r}; known: {', '.join(service.IMPORTERS)}",
            console.EXIT_USAGE,
        )
    with open_runtime() as runtime:
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console.stderr, transient=True, disable=as_json) as bar:
            task = bar.add_task(f"importing {path.name}", total=None, status="")

            def advance(progress: ImportProgress) -> None:
                bar.update(
                    task,
                    status=f"{progress.documents:,} documents, "
                    f"{progress.records:,} records, "
                    f"{progress.rejected:,} rejected",
                )

            try:
                run = service.import_feed(runtime.sessions, source, path, advance, include)
            except InputError as exc:
                console.fail(str(exc), console.EXIT_USAGE)
    if as_json:
        console.print_json(run)
    else:
        _print_run(run)
    if run.status != "succeeded":
        raise typer.Exit(console.EXIT_PROBLEM)


@feeds_app.command("run")
def run(
    run_id: Annotated[int, typer.Argument(help="The run's number (see `feeds runs`).")],
    as_json: JsonOption = False,
) -> None:
    """One import run: its counts and every document or record it rejected, with the reason."""
    with open_runtime() as runtime, runtime.sessions() as session:
        found = service.get_run(session, run_id)
    if found is None:
        console.fail(f"no import run {run_id}")
    if as_json:
        console.print_json(found)
        return
    console.stdout.print(
        escape(f"{found.pipeline_id} from {found.input} (data licence {found.licence})"),
        highlight=False,
    )
    _print_run(found, shown=None)
    if found.status != "succeeded":
        raise typer.Exit(console.EXIT_PROBLEM)


@feeds_app.command("runs")
def runs(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20, as_json: JsonOption = False
) -> None:
    """Past import runs, newest first."""
    with open_runtime() as runtime, runtime.sessions() as session:
        found = service.list_runs(session, limit)
    if as_json:
        console.print_json(found)
        return
    console.print_table(
        "Import runs",
        [
            "Run",
            "Source",
            "Input",
            "Status",
            "Started (UTC)",
            "Added",
            "Changed",
            "Unchanged",
            "Withdrawn",
            "Rejected",
        ],
        (
            (
                r.id,
                r.pipeline_id,
                Path(r.input).name,
                r.status,
                f"{r.started_at:%Y-%m-%d %H:%M:%S}",
                r.added,
                r.changed,
                r.unchanged,
                r.withdrawn,
                r.rejected,
            )
            for r in found
        ),
        empty="No import runs yet.",
    )


@vulns_app.command("show")
def show(
    identifier: Annotated[str, typer.Argument(help="Any id: CVE, GHSA, PYSEC, GO …")],
    as_json: JsonOption = False,
) -> None:
    """One vulnerability with every record it is made of."""
    with open_runtime() as runtime, runtime.sessions() as session:
        found, covered = service.look_up(session, identifier)
    if found is None and covered:
        _print_advisory(identifier, covered, as_json)
        return
    if found is None:
        console.fail(f"no vulnerability known as {identifier!r}")
    if as_json:
        console.print_json(found)
        return
    _print_vulnerability(found)


def _print_advisory(identifier: str, covered: list[VulnerabilitySummary], as_json: bool) -> None:
    """An advisory id names the document, not one vulnerability: list what it covers."""
    if as_json:
        console.print_json({"advisory": identifier, "vulnerabilities": covered})
        return
    console.print_table(
        f"{identifier} is an advisory about {len(covered)} vulnerabilities; show one by its id",
        ["Id", "Summary", "Published"],
        (
            (
                v.display_id + (" (known exploited)" if v.known_exploited else ""),
                clip(v.summary, 90),
                f"{v.published:%Y-%m-%d}" if v.published else "",
            )
            for v in covered
        ),
    )


def _print_vulnerability(found: VulnerabilityOut) -> None:
    """The same facts as the vulnerability page, for a terminal."""
    out = console.stdout
    out.print(
        f"[bold]{escape(found.display_id)}[/]  {escape(found.summary or '')}", highlight=False
    )
    ids = [a for a in found.aliases if "#" not in a]
    if ids:
        out.print(escape(f"also known as {', '.join(ids)}"), highlight=False)
    if found.advisories:
        out.print(escape(f"in advisories {', '.join(found.advisories)}"), highlight=False)
    if found.withdrawn:
        out.print(f"[red]withdrawn {found.withdrawn:%Y-%m-%d}[/]")
    for line in _facts(found):
        out.print(line, highlight=False)
    if found.details:
        out.print()
        out.print(found.details, highlight=False, markup=False)
        out.print()
    console.print_table(
        "Affected packages",
        ["Ecosystem", "Package", "Ranges", "From"],
        (
            (a.ecosystem, a.name, _ranges(a.ranges, a.versions), f"{a.source}:{a.record_id}")
            for a in found.affected
        ),
        empty="No affected packages.",
    )
    if found.products:
        console.print_table(
            "Affected products",
            ["Vendor", "Product", "Status", "Versions", "From"],
            (
                (
                    p.vendor,
                    p.product,
                    p.status.replace("_", " "),
                    ", ".join(p.versions + p.version_ranges),
                    f"{p.source}:{p.record_id}",
                )
                for p in found.products
            ),
        )
    console.print_table(
        "Records",
        ["Source", "Id", "Modified", "Gives"],
        (
            (
                r.source,
                r.record_id,
                f"{r.modified:%Y-%m-%d}" if r.modified else "",
                ", ".join(
                    field
                    for field, key in found.field_sources.items()
                    if key == f"{r.source}:{r.record_id}"
                ),
            )
            for r in found.records
        ),
    )


def _facts(found: VulnerabilityOut) -> list[str]:
    """One line per known fact: exploitation, severity, weakness, EPSS, SSVC."""
    lines = []
    kev = found.kev
    if found.known_exploited and kev:
        ransomware = kev.get("known_ransomware_use")
        lines.append(
            "[red bold]known exploited[/] "
            + escape(
                f"since {kev.get('date_added')}; due {kev.get('due_date')}"
                + (f"; ransomware use: {ransomware}" if ransomware else "")
            )
        )
        if kev.get("required_action"):
            lines.append(escape(f"required action: {kev['required_action']}"))
    elif found.known_exploited:
        lines.append("[red bold]known exploited[/]")
    lines.extend(escape(f"severity: {s.get('type')} {s.get('score')}") for s in found.severities)
    if found.cwes:
        lines.append(escape(f"weakness: {', '.join(found.cwes)}"))
    if found.epss_score is not None:
        percentile = found.epss_percentile
        lines.append(
            f"EPSS: {found.epss_score:.1%} chance of exploitation in 30 days"
            + (f" (percentile {percentile:.2f})" if percentile is not None else "")
        )
    if found.ssvc:
        lines.append(escape("SSVC: " + "; ".join(f"{k} {v}" for k, v in found.ssvc.items())))
    return lines


def _ranges(ranges: list[dict[str, object]], versions: list[str]) -> str:
    parts = []
    for range_ in ranges:
        events = range_.get("events")
        if isinstance(events, list):
            parts.append(" ".join(f"{k} {v}" for e in events for k, v in e.items()))
    if versions and not parts:
        parts.append(f"{len(versions)} listed versions")
    return "; ".join(parts)


@vulns_app.command("search")
def search(
    ecosystem: Annotated[str, typer.Option(help="PyPI, npm, Go, crates.io …")],
    package: Annotated[str, typer.Option(help="The package name.")],
    as_json: JsonOption = False,
) -> None:
    """Vulnerabilities that name a package."""
    with open_runtime() as runtime, runtime.sessions() as session:
        try:
            ecosystem = service.ecosystem_named(ecosystem)
        except service.UnknownEcosystemName as exc:
            console.fail(str(exc), console.EXIT_USAGE)
        found = service.search_package(session, ecosystem, package)
    if as_json:
        console.print_json(found)
        return
    console.print_table(
        f"{ecosystem} {package}",
        ["Id", "Summary", "Ranges"],
        ((m.display_id, clip(m.summary, 70), _ranges(m.ranges, m.versions)) for m in found),
        empty="Nothing known for this package.",
    )
