"""`clearinghouse admin|orgs|tokens …`: the first coordinator admin, organizations, API tokens."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from clearinghouse import console, db
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.identity import service
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.schemas import OrganizationIn, Origin, TokenIn
from clearinghouse.identity.vocabulary import (
    FinderType,
    OrgKind,
    OrgSize,
    PlatformRole,
    Scope,
    Sector,
)
from clearinghouse.problems import one_line

admin_app = typer.Typer(help="Coordinator admin accounts.", no_args_is_help=True)
orgs_app = typer.Typer(help="Organizations.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
CLI_ORIGIN = Origin(request_id=None, client_address="cli")


def _read_password(confirm: bool = True) -> str:
    """From stdin when piped (one line), else a hidden prompt."""
    if not sys.stdin.isatty():
        piped = sys.stdin.readline().rstrip("\r\n")
        if not piped:
            console.fail("no password on standard input", console.EXIT_USAGE)
        return piped
    typed: str = typer.prompt("Password", hide_input=True, confirmation_prompt=confirm)
    return typed


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="The admin's email (their sign-in name).")],
    name: Annotated[str, typer.Option(help="The admin's name.")] = "",
    role: Annotated[
        str,
        typer.Option(help="coordinator_admin, or evaluator (runs the frontier benchmark)."),
    ] = PlatformRole.COORDINATOR_ADMIN.value,
    as_json: JsonOption = False,
) -> None:
    """Make a coordinator admin (the first account) or an evaluator. The password comes from
    stdin or a prompt."""
    if role not in (PlatformRole.COORDINATOR_ADMIN, PlatformRole.EVALUATOR):
        console.fail("--role must be coordinator_admin or evaluator", console.EXIT_USAGE)
    password = _read_password()
    with open_runtime() as runtime:
        try:
            with db.transaction(runtime.sessions) as session:
                user = service.create_coordinator_admin(
                    session, CLI_ORIGIN, email, name, password, PlatformRole(role)
                )
                result = {
                    "id": user.id,
                    "email": user.email,
                    "platform_role": role,
                    "organization": service.COORDINATOR_ORGANIZATION,
                }
        except service.IdentityError as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    if as_json:
        console.print_json(result)
    else:
        console.stdout.print(
            f"created {str(result['platform_role']).replace('_', ' ')} [bold]{result['email']}[/] "
            f"in {result['organization']}",
            highlight=False,
        )


@orgs_app.command("create")
def orgs_create(
    name: Annotated[str, typer.Option(help="The organization's name.")],
    kind: Annotated[list[OrgKind], typer.Option(help="One or more kinds.")],
    sector: Annotated[Sector | None, typer.Option(help="For operators.")] = None,
    size: Annotated[OrgSize | None, typer.Option(help="For operators.")] = None,
    finder_type: Annotated[FinderType | None, typer.Option(help="For finders.")] = None,
    contact_email: Annotated[str | None, typer.Option(help="Where to reach them.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Register an organization."""
    try:
        data = OrganizationIn(
            name=name,
            kinds=kind,
            sector=sector,
            size=size,
            finder_type=finder_type,
            contact_email=contact_email,
        )
    except ValueError as exc:
        console.fail(one_line(exc), console.EXIT_USAGE)
    with open_runtime() as runtime:
        try:
            with db.transaction(runtime.sessions) as session:
                created = service.create_organization(
                    session, Principal.command_line(), CLI_ORIGIN, data
                )
        except service.IdentityError as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    if as_json:
        console.print_json(created)
    else:
        console.stdout.print(f"created [bold]{created.name}[/] ({created.id})", highlight=False)


@orgs_app.command("list")
def orgs_list(as_json: JsonOption = False) -> None:
    """Every organization."""
    with open_runtime() as runtime, runtime.sessions() as session:
        organizations = service.list_organizations(session, Principal.command_line(), CLI_ORIGIN)
    if as_json:
        console.print_json(organizations)
        return
    console.print_table(
        "Organizations",
        ["Name", "Kinds", "Sector", "Size", "Id"],
        (
            (
                o.name,
                ", ".join(k.value for k in o.kinds),
                o.sector.value if o.sector else "",
                o.size.value if o.size else "",
                o.id,
            )
            for o in organizations
        ),
        empty="No organizations yet.",
    )


@tokens_app.command("create")
def tokens_create(
    email: Annotated[str, typer.Option(help="Whose token it is.")],
    scope: Annotated[list[Scope], typer.Option(help="One or more scopes.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "command line",
    expires_in_days: Annotated[int | None, typer.Option(min=1, max=366)] = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API token and print it once."""
    with open_runtime() as runtime:
        try:
            with db.transaction(runtime.sessions) as session:
                user = service.find_user(session, email)
                created = service.create_token(
                    session,
                    runtime.settings,
                    Principal.command_line(),
                    CLI_ORIGIN,
                    TokenIn(name=name, scopes=scope, expires_in_days=expires_in_days),
                    user_id=user.id,
                )
        except (service.IdentityError, service.NotFound, AccessDenied) as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    if as_json:
        console.print_json(created)
        return
    console.stderr.print(
        f"Token for {email} with {', '.join(created.details.scopes)}, expires "
        f"{created.details.expires_at:%Y-%m-%d}. Shown once:",
        highlight=False,
    )
    sys.stdout.write(created.token + "\n")


@tokens_app.command("list")
def tokens_list(
    email: Annotated[str, typer.Option(help="Whose tokens.")],
    as_json: JsonOption = False,
) -> None:
    """A user's tokens (never the secrets)."""
    with open_runtime() as runtime, runtime.sessions() as session:
        try:
            user = service.find_user(session, email)
        except (service.IdentityError, service.NotFound) as exc:
            console.fail(str(exc), console.EXIT_USAGE)
        tokens = service.list_tokens(session, Principal.command_line(), CLI_ORIGIN, user_id=user.id)
    if as_json:
        console.print_json(tokens)
        return
    console.print_table(
        f"Tokens of {email}",
        ["Id", "Name", "Scopes", "Expires", "Last used", "Status"],
        (
            (
                t.id,
                t.name,
                ", ".join(t.scopes),
                f"{t.expires_at:%Y-%m-%d}",
                f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never",
                "revoked" if t.revoked_at else "active",
            )
            for t in tokens
        ),
        empty="No tokens.",
    )


@tokens_app.command("revoke")
def tokens_revoke(token_id: Annotated[str, typer.Argument(help="The token's id.")]) -> None:
    """Revoke a token at once."""
    with open_runtime() as runtime:
        try:
            with db.transaction(runtime.sessions) as session:
                revoked = service.revoke_token(
                    session, Principal.command_line(), CLI_ORIGIN, token_id
                )
        except AccessDenied as exc:
            console.fail(str(exc), console.EXIT_USAGE)
    console.stdout.print(f"revoked token {revoked.name} ({revoked.id})", highlight=False)
