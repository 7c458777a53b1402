"""`clearinghouse audit …`: verify the log, sign a checkpoint, show the public key, list."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from clearinghouse import console
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.config import ConfigError
from clearinghouse.db import transaction
from clearinghouse.identity.audit import service
from clearinghouse.identity.audit.schemas import AuditOutcome
from clearinghouse.identity.audit.signing import (
    load_or_create_signing_key,
    load_public_key,
    public_key_pem,
)
from clearinghouse.runtime import Runtime

app = typer.Typer(
    help="The tamper-evident audit log: verify it, sign it, read it.", no_args_is_help=True
)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _signing_key(runtime: Runtime) -> Ed25519PrivateKey:
    try:
        return load_or_create_signing_key(runtime.settings)
    except ConfigError as exc:
        console.fail(str(exc), console.EXIT_USAGE)


@app.command("verify")
def verify(
    public_key: Annotated[
        Path | None,
        typer.Option(
            "--public-key",
            help="Check checkpoint signatures with this PEM public key (default: the key "
            "this installation signs with).",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Walk the whole chain; exit 0 if intact, 1 naming the first bad entry."""
    with open_runtime() as runtime:
        if public_key is not None:
            try:
                key = load_public_key(public_key)
            except ValueError as exc:
                console.fail(f"--public-key: {exc}", console.EXIT_USAGE)
        else:
            key = _signing_key(runtime).public_key()
        with runtime.sessions() as session:
            report = service.verify(session, key)
    if as_json:
        console.print_json(report)
    elif report.ok:
        console.stdout.print(
            f"[green]audit log intact:[/] {report.entries_checked} entries and "
            f"{report.checkpoints_checked} checkpoints checked (key {report.key_id})",
            highlight=False,
        )
    else:
        where = f"entry {report.first_bad_seq}" if report.first_bad_seq else "the log"
        console.stdout.print(
            f"[bold red]audit log tampered with at {where}:[/] {report.problem}",
            highlight=False,
            soft_wrap=True,
        )
    if not report.ok:
        raise typer.Exit(console.EXIT_PROBLEM)


@app.command("checkpoint")
def checkpoint(as_json: JsonOption = False) -> None:
    """Sign the head of the chain now (nothing to do if no entry was added since)."""
    with open_runtime() as runtime:
        key = _signing_key(runtime)
        try:
            with transaction(runtime.sessions) as session:
                signed = service.write_checkpoint(session, key)
        except service.AuditChainBroken as exc:
            console.fail(f"not signed: {exc.message}")
        with runtime.sessions() as session:
            latest = service.latest_checkpoint(session)
    if as_json:
        console.print_json({"signed": signed is not None, "checkpoint": signed or latest})
    elif signed is not None:
        console.stdout.print(
            f"signed checkpoint at seq {signed.seq} with key {signed.key_id}", highlight=False
        )
    elif latest is not None:
        console.stdout.print(f"nothing new to sign: the last checkpoint covers seq {latest.seq}")
    else:
        console.stdout.print("nothing to sign: the audit log is empty")


@app.command("public-key")
def public_key() -> None:
    """Print the public key that verifies checkpoints (PEM); keep a copy somewhere else."""
    with open_runtime() as runtime:
        key = _signing_key(runtime)
    typer.echo(public_key_pem(key), nl=False)


@app.command("list")
def list_entries(
    actor: Annotated[str | None, typer.Option(help="Only entries by this actor.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only actions starting with this, e.g. 'token.'.")
    ] = None,
    organization: Annotated[
        str | None, typer.Option(help="Only entries about this organization id.")
    ] = None,
    outcome: Annotated[AuditOutcome | None, typer.Option(help="Only this outcome.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many entries.")] = 50,
    before_seq: Annotated[
        int | None, typer.Option(help="Only entries before this seq (the next page).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Audit entries, newest first."""
    with open_runtime() as runtime, runtime.sessions() as session:
        entries = service.search(
            session,
            actor=actor,
            action=action,
            organization_id=organization,
            outcome=outcome.value if outcome else None,
            limit=limit,
            before_seq=before_seq,
        )
    if as_json:
        console.print_json(entries)
        return
    console.print_table(
        "Audit log",
        ["Seq", "When (UTC)", "Actor", "Action", "Outcome", "Resource", "Organization"],
        (
            (
                e.seq,
                e.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
                e.actor,
                e.action,
                e.outcome.value,
                f"{e.resource_type}:{e.resource_id}" if e.resource_type else "",
                e.organization_id,
            )
            for e in entries
        ),
        empty="No audit entries.",
    )
