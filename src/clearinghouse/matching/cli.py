"""`clearinghouse scan PATH…`: which of these files' packages are vulnerable, offline.

Exit codes, as osv-scanner's: 0 nothing found, 1 vulnerabilities found, 2 bad input (a path
that does not exist, a file that cannot be read, nothing to scan).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from clearinghouse import console, db
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.identity.vocabulary import Sector
from clearinghouse.inventory.models import Criticality, Exposure
from clearinghouse.matching import outputs
from clearinghouse.matching.scan import ScanReport, scan
from clearinghouse.triage import service as triage
from clearinghouse.triage.cli import print_findings
from clearinghouse.triage.schemas import TriagedFinding

CLI_ORIGIN = Origin(request_id=None, client_address="cli")

EXIT_FOUND = 1
EXIT_BAD_INPUT = 2
Priorities = dict[triage.ScanKey, TriagedFinding]


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    SARIF = "sarif"
    CYCLONEDX_VEX = "cyclonedx-vex"


def scan_command(
    paths: Annotated[
        list[Path], typer.Argument(help="Files or folders: SBOMs, lockfiles, package databases.")
    ],
    output: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="How to print the results.")
    ] = OutputFormat.TABLE,
    as_json: Annotated[bool, typer.Option("--json", help="The same as --format json.")] = False,
    prioritize: Annotated[
        bool,
        typer.Option(
            "--prioritize",
            help="Rank the findings with SSVC decisions and deadlines (CISA BOD 26-04).",
        ),
    ] = False,
    exposure: Annotated[
        Exposure | None,
        typer.Option(help="How reachable the scanned system is (implies --prioritize)."),
    ] = None,
    sector: Annotated[
        Sector | None,
        typer.Option(help="The operator's sector, for human impact (implies --prioritize)."),
    ] = None,
    criticality: Annotated[
        Criticality | None,
        typer.Option(help="How critical the scanned system is (implies --prioritize)."),
    ] = None,
) -> None:
    """Scan inventory files against the local knowledge base (no network)."""
    chosen = OutputFormat.JSON if as_json else output
    prioritize = prioritize or any(v is not None for v in (exposure, sector, criticality))
    priorities: Priorities = {}
    with open_runtime() as runtime, db.transaction(runtime.sessions) as session:
        report = scan(session, paths)
        if prioritize:
            priorities = triage.prioritize_scan(
                session,
                report,
                exposure=exposure or Exposure.INTERNAL,
                criticality=criticality or Criticality.MEDIUM,
                sector=sector,
                viewer=(Principal.command_line(), CLI_ORIGIN),
            )
    if chosen is OutputFormat.TABLE and prioritize:
        _print_priorities(report, priorities)
    elif chosen is OutputFormat.TABLE:
        _print_tables(report)
    else:
        document = {
            OutputFormat.JSON: outputs.to_json,
            OutputFormat.SARIF: outputs.to_sarif,
            OutputFormat.CYCLONEDX_VEX: outputs.to_cyclonedx_vex,
        }[chosen](report)
        if prioritize:
            _add_priorities(chosen, document, report, priorities)
        console.print_json(document)
    for path, reason in report.errors:
        console.stderr.print(f"[red]{path}[/]: {reason}", highlight=False, soft_wrap=True)
    if not report.results and not report.errors:
        console.fail("no inventory files found in the paths given", EXIT_BAD_INPUT)
    if report.errors:
        raise typer.Exit(EXIT_BAD_INPUT)
    if report.vulnerable:
        raise typer.Exit(EXIT_FOUND)


def _print_tables(report: ScanReport) -> None:
    """One table per scanned file, so that long paths do not squeeze the columns."""
    found = 0
    for source in report.results:
        rows = []
        for package in source.packages:
            c = package.component
            for finding in package.findings:
                fixed = ", ".join(finding.hit.fixed_versions[:3]) or "no fix yet"
                rows.append(
                    (
                        finding.brief.display_id,
                        c.name,
                        c.version or "",
                        fixed,
                        "[red]yes[/]" if finding.brief.known_exploited else "",
                        f"{finding.vex.status}" if finding.vex else "",
                    )
                )
        found += len(rows)
        if rows:
            console.print_table(
                f"{source.path} ({source.format_id}): {len(rows)} vulnerable",
                ["Vulnerability", "Package", "Version", "Fixed in", "KEV", "VEX"],
                rows,
            )
    undecided = _print_undecided(report)
    summary = f"Scanned {len(report.results)} file(s), {report.package_count} package(s): "
    summary += f"{found} finding(s)." if found else "no known vulnerabilities."
    if undecided:
        summary += f" {undecided} advisory match(es) cannot be decided: check them by hand."
    console.stderr.print(summary, highlight=False)
    for source in report.results:
        for warning in source.warnings[:5]:
            console.stderr.print(
                f"[yellow]{source.path}[/]: {warning}", highlight=False, soft_wrap=True
            )


def _print_undecided(report: ScanReport) -> int:
    """The advisories that cannot be decided, in one table; how many."""
    rows = [
        (
            item.brief.display_id,
            f"{package.component.name} {package.component.version or ''}".strip(),
            item.doubt.text,
            "\n".join(item.doubt.advisories[:2]) or "no link given",
        )
        for source in report.results
        for package in source.packages
        for item in package.undecided
    ]
    if rows:
        console.print_table(
            "Cannot decide: advisories that name your devices or packages (check by hand)",
            ["Vulnerability", "Device or package", "What we could not decide", "Advisory"],
            rows,
        )
    return len(rows)


def _print_priorities(report: ScanReport, priorities: Priorities) -> None:
    """One ranked table over every file: what to fix first, by when and why."""
    ranked = sorted(priorities.values(), key=lambda f: f.rank)
    print_findings(ranked, f"{len(ranked)} finding(s), most urgent first")
    undecided = _print_undecided(report)
    console.stderr.print(
        f"Scanned {len(report.results)} file(s), {report.package_count} package(s)."
        + (f" {undecided} advisory match(es) cannot be decided." if undecided else ""),
        highlight=False,
    )


def _add_priorities(
    chosen: OutputFormat, document: dict[str, Any], report: ScanReport, priorities: Priorities
) -> None:
    """The JSON output, with a `triage` object beside each vulnerability it decided."""
    if chosen is not OutputFormat.JSON:
        return
    for source, out_source in zip(report.results, document["results"], strict=True):
        for package, out_package in zip(source.packages, out_source["packages"], strict=True):
            for item, out in zip(package.findings, out_package["vulnerabilities"], strict=True):
                decided = priorities.get(triage.scan_key(source.path, package, item))
                if decided is not None:
                    out["triage"] = decided.model_dump(
                        mode="json",
                        include={
                            "rank",
                            "bod",
                            "bod_label",
                            "cisa",
                            "cisa_label",
                            "deployer",
                            "deployer_label",
                            "deadline",
                            "score",
                            "why",
                            "points",
                        },
                    )
