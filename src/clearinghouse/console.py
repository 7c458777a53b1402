"""CLI output: rich tables for people, JSON for machines, one-line errors on stderr."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table

stdout = Console()
stderr = Console(stderr=True)

# Exit codes: 1 = the command ran and found a problem; 2 = bad usage or configuration.
EXIT_PROBLEM = 1
EXIT_USAGE = 2


def fail(message: str, code: int = EXIT_PROBLEM) -> NoReturn:
    """Stop with one line on stderr."""
    stderr.print(f"[bold red]clearinghouse:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(_plain(value), indent=2, ensure_ascii=False, default=str) + "\n")


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    empty: str = "nothing to show",
) -> None:
    materialized = [["" if cell is None else str(cell) for cell in row] for row in rows]
    if not materialized:
        stdout.print(f"[dim]{empty}[/]")
        return
    table = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in materialized:
        table.add_row(*row)
    stdout.print(table)
