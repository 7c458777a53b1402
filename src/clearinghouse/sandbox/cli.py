"""`clearinghouse sandbox …`: check this host's isolation, run a command for diagnostics."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from clearinghouse import console
from clearinghouse.cli_runtime import settings_or_exit
from clearinghouse.sandbox import service
from clearinghouse.sandbox.interface import (
    InvalidRequest,
    Limits,
    NetworkMode,
    RunRequest,
    RunResult,
    SandboxError,
    SandboxUnavailable,
)

app = typer.Typer(
    help="The sandbox for untrusted code: check this host, run a command.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
# --limits names → Limits fields; sizes take K, M or G suffixes.
_LIMIT_NAMES = {
    "wall": "wall_seconds",
    "cpu": "cpu_seconds",
    "memory": "memory_bytes",
    "processes": "processes",
    "cpus": "cpus",
    "fsize": "file_size_bytes",
    "nofile": "open_files",
    "output": "output_bytes",
    "disk": "disk_bytes",
}
_SIZE = re.compile(r"^(\d+)([KMG]?)i?B?$", re.IGNORECASE)


def parse_limits(text: str) -> Limits:
    """`wall=5,cpu=2,memory=256M,processes=32` → Limits; InvalidRequest names the bad part."""
    values: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, _, raw = part.partition("=")
        field = _LIMIT_NAMES.get(name.strip())
        if field is None or not raw:
            known = ", ".join(_LIMIT_NAMES)
            raise InvalidRequest(f"--limits: {part!r} is not NAME=VALUE with NAME in {known}")
        values[field] = _parse_value(field, raw.strip())
    return Limits(**values)


def _parse_value(field: str, raw: str) -> float | int:
    try:
        if field.endswith("_seconds") or field == "cpus":
            return float(raw)
        if field.endswith("_bytes"):
            match = _SIZE.match(raw)
            if match is None:
                raise ValueError(raw)
            power = " KMG".index((match[2] or " ").upper())
            return int(match[1]) << (10 * power)
        return int(raw)
    except ValueError:
        raise InvalidRequest(f"--limits: bad value {raw!r} for {field}") from None


@app.command("check")
def check(as_json: JsonOption = False) -> None:
    """Each isolation feature of this host; exits 1 when a required one is missing."""
    report = service.check(settings_or_exit())
    if as_json:
        console.print_json(
            {
                "backend": report.backend,
                "usable": report.usable,
                "features": [dataclasses.asdict(f) for f in report.features],
            }
        )
    else:
        console.print_table(
            f"Sandbox ({report.backend}) on this host",
            ["Feature", "Status", "Required", "Detail"],
            (
                (
                    f.name,
                    "[green]ok[/]" if f.available else "[red]missing[/]",
                    "yes" if f.required else "no",
                    f.detail,
                )
                for f in report.features
            ),
        )
    if not report.usable:
        names = ", ".join(f.name for f in report.missing)
        console.fail(f"untrusted code will not run on this host: missing {names}")
    if not as_json:
        console.stdout.print("[green]every required isolation feature works[/]")


@app.command("sweep")
def sweep(as_json: JsonOption = False) -> None:
    """Clear what runs of killed processes left behind (processes, cgroups, mounts, folders);
    runs of live processes are left alone. `frontier run` and `frontier controls` do this
    first by themselves."""
    report = service.sweep(settings_or_exit())
    if as_json:
        console.print_json(dataclasses.asdict(report))
    else:
        console.stdout.print(
            f"cleared {len(report.runs)} abandoned run(s): {report.killed} process(es) killed, "
            f"{report.unmounted} work dir(s) unmounted",
            highlight=False,
        )
    for failure in report.failures:
        console.stderr.print(f"could not clear {failure}", highlight=False)
    if report.failures:
        raise typer.Exit(console.EXIT_PROBLEM)


@app.command(
    "run", context_settings={"allow_interspersed_args": False, "ignore_unknown_options": True}
)
def run(
    command: Annotated[list[str], typer.Argument(help="The command, after `--`.")],
    net: Annotated[NetworkMode, typer.Option("--net", help="Network mode.")] = NetworkMode.NONE,
    limits: Annotated[
        str, typer.Option(help="e.g. wall=5,cpu=2,memory=256M,processes=32,output=1M,disk=64M")
    ] = "",
    file: Annotated[
        list[str] | None,
        typer.Option("--file", help="LOCAL[:WORKPATH], copied into the work dir; repeatable."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a command in the sandbox (diagnostics); exits with its status."""
    settings = settings_or_exit()
    try:
        request = RunRequest(
            command=tuple(command),
            limits=parse_limits(limits),
            network=net,
            files=_read_files(file or []),
        )
        result = service.run(settings, request)
    except SandboxUnavailable as exc:
        console.fail(str(exc), console.EXIT_USAGE)
    except InvalidRequest as exc:
        console.fail(str(exc), console.EXIT_USAGE)
    except SandboxError as exc:
        console.fail(str(exc))
    if as_json:
        console.print_json(_as_json(result))
    else:
        sys.stdout.buffer.write(result.stdout)
        sys.stdout.flush()
        sys.stderr.buffer.write(result.stderr)
        console.stderr.print(_summary(result), highlight=False, soft_wrap=True)
    if result.exit_code is not None:
        raise typer.Exit(result.exit_code)
    raise typer.Exit(128 + (result.signal or 0))


def _read_files(specs: list[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for spec in specs:
        local, _, inside = spec.partition(":")
        path = Path(local)
        if not path.is_file():
            raise InvalidRequest(f"--file {spec}: {local} is not a file")
        files[inside or path.name] = path.read_bytes()
    return files


def _summary(result: RunResult) -> str:
    usage = result.usage
    if result.limit is not None:
        ended = f"stopped by the {result.limit.value} limit"
    elif result.signal is not None:
        ended = f"killed by signal {result.signal}"
    else:
        ended = f"exit {result.exit_code}"
    parts = [
        f"sandbox: {ended}",
        f"{usage.wall_seconds:.3f}s wall",
        f"{usage.cpu_seconds:.3f}s CPU",
        f"peak {usage.peak_memory_bytes / 2**20:.1f} MiB",
        f"{usage.peak_processes} processes",
    ]
    if result.stdout_truncated or result.stderr_truncated:
        parts.append("output truncated")
    if result.process_limit_hit:
        parts.append("process limit reached")
    return ", ".join(parts)


def _as_json(result: RunResult) -> dict[str, Any]:
    shown = dataclasses.asdict(result)
    shown["stdout"] = result.stdout.decode(errors="replace")
    shown["stderr"] = result.stderr.decode(errors="replace")
    shown["limit"] = result.limit.value if result.limit else None
    return shown
