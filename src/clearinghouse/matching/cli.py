"""`clearinghouse scan PATH…`: which of these files' packages are vulnerable, offline.

Exit codes, as osv-scanner's: 0 nothing found, 1 vulnerabilities found, 2 bad input (a path
that does not exist, a file that cannot be read, nothing to scan).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from clearinghouse import console
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.matching import outputs
from clearinghouse.matching.scan import ScanReport, scan

EXIT_FOUND = 1
EXIT_BAD_INPUT = 2


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
) -> None:
    """Scan inventory files against the local knowledge base (no network)."""
    chosen = OutputFormat.JSON if as_json else output
    with open_runtime() as runtime, runtime.sessions() as session:
        report = scan(session, paths)
    if chosen is OutputFormat.TABLE:
        _print_tables(report)
    else:
        document = {
            OutputFormat.JSON: outputs.to_json,
            OutputFormat.SARIF: outputs.to_sarif,
            OutputFormat.CYCLONEDX_VEX: outputs.to_cyclonedx_vex,
        }[chosen](report)
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
    summary = f"Scanned {len(report.results)} file(s), {report.package_count} package(s): "
    summary += f"{found} finding(s)." if found else "no known vulnerabilities."
    console.stderr.print(summary, highlight=False)
    for source in report.results:
        for warning in source.warnings[:5]:
            console.stderr.print(
                f"[yellow]{source.path}[/]: {warning}", highlight=False, soft_wrap=True
            )
