"""`clearinghouse plan ASSET|ORG` and `clearinghouse triage …` (overrides, the agreement study)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import typer

from clearinghouse import console, db
from clearinghouse.cli_runtime import open_runtime
from clearinghouse.identity.acting import IdentityError
from clearinghouse.identity.policy import AccessDenied, Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.triage import agreement, exports, service
from clearinghouse.triage.decisions import day_text
from clearinghouse.triage.points import OVERRIDABLE
from clearinghouse.triage.schemas import OverrideIn, Plan, TriagedFinding

app = typer.Typer(
    help="Triage: decision point overrides, and how our rules agree with CISA's.",
    no_args_is_help=True,
)
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]
CLI_ORIGIN = Origin(request_id=None, client_address="cli")
# BOD 26-04 timelines, most urgent first, as the summary line says them.
DUE = {
    "3DF": "within 3 days (with a forensic check)",
    "3D": "within 3 days",
    "14D": "within 14 days",
    "60D": "within 60 days",
    "FSU": "at the next system upgrade",
}


def deadline_text(finding: TriagedFinding) -> str:
    if finding.deadline is None:
        return "next upgrade"
    return day_text(finding.deadline)


def print_findings(findings: list[TriagedFinding], title: str) -> None:
    console.print_table(
        title,
        ["#", "Vulnerability", "Component", "BOD 26-04", "CISA", "Deadline", "Why"],
        (
            (
                f.rank,
                f.vulnerability + (" [red]KEV[/]" if f.known_exploited else ""),
                f"{f.component_name} {f.component_version or ''}".strip()
                + (f" ({f.asset_name})" if f.asset_name else ""),
                f.bod_label,
                f.cisa_label,
                deadline_text(f),
                f.why,
            )
            for f in findings
        ),
        empty="no open findings",
    )


def print_plan(plan: Plan, with_findings: bool) -> None:
    where = f"{plan.organization_name}" + (f" / {plan.asset_name}" if plan.asset_name else "")
    console.print_table(
        f"Remediation plan for {where}: upgrades, most urgent first",
        ["#", "Asset", "Upgrade", "Deadline", "Why"],
        (
            (
                n,
                u.asset_name,
                u.text + (f" (step {u.step} of {u.of_steps})" if u.of_steps > 1 else ""),
                day_text(u.deadline) if u.deadline else "next upgrade",
                u.why,
            )
            for n, u in enumerate(plan.upgrades, start=1)
        ),
        empty="no upgrades to make",
    )
    if plan.not_fixable:
        console.print_table(
            "No fix yet: what the advisories say to do meanwhile",
            ["Asset", "Vulnerability", "Component", "Deadline", "Mitigation"],
            (
                (
                    s.asset_name,
                    s.vulnerability + (" [red]KEV[/]" if s.known_exploited else ""),
                    f"{s.component_name} {s.component_version or ''}".strip(),
                    day_text(s.deadline) if s.deadline else "next upgrade",
                    "\n".join(s.mitigations or s.advisories[:1]) or "none published yet",
                )
                for s in plan.not_fixable
            ),
        )
    if plan.cannot_decide:
        console.print_table(
            "Cannot decide: advisories that name your devices or packages (check by hand; "
            "not counted below)",
            ["Asset", "Device or package", "Vulnerability", "What we could not decide", "Advisory"],
            (
                (
                    c.asset_name,
                    f"{c.component_name} {c.component_version or ''}".strip(),
                    c.vulnerability,
                    c.cannot_decide.text,
                    "\n".join(c.cannot_decide.advisories[:2]) or "no link given",
                )
                for c in plan.cannot_decide
            ),
        )
    if with_findings:
        print_findings(plan.findings, "Every open finding, ranked")
    counts = Counter(f.bod for f in plan.findings)
    summary = ", ".join(f"{counts[k]} {text}" for k, text in DUE.items() if counts[k]) or "none"
    exploited = sum(f.known_exploited for f in plan.findings)
    console.stderr.print(
        f"{len(plan.findings)} open finding(s), {exploited} known exploited; "
        f"due {summary}."
        + (f" {plan.suppressed_by_vex} set aside by VEX." if plan.suppressed_by_vex else "")
        + (
            f" {len(plan.cannot_decide)} advisory match(es) cannot be decided: check with "
            "the vendor."
            if plan.cannot_decide
            else ""
        ),
        highlight=False,
    )


def plan_command(
    target: Annotated[
        str, typer.Argument(help="An asset (id or name) or an organization (id or name).")
    ],
    as_json: JsonOption = False,
    as_csv: Annotated[
        bool, typer.Option("--csv", help="Print CSV: one row per finding, ranked.")
    ] = False,
    findings: Annotated[
        bool, typer.Option("--findings", help="Also list every open finding, ranked.")
    ] = False,
) -> None:
    """The remediation plan of an asset or an organization: what to upgrade, by when, and why."""
    if as_json and as_csv:
        console.fail("choose one of --json and --csv", console.EXIT_USAGE)
    cli = Principal.command_line()
    with open_runtime() as runtime, db.transaction(runtime.sessions) as session:
        try:
            kind, identifier = service.resolve_target(session, cli, target)
            if kind == "asset":
                plan = service.plan_for_asset(session, cli, CLI_ORIGIN, identifier)
            else:
                plan = service.plan_for_organization(session, cli, CLI_ORIGIN, identifier)
        except (IdentityError, AccessDenied) as error:
            console.fail(str(error))
    if as_json:
        console.print_json(exports.to_json(plan))
    elif as_csv:
        console.stdout.file.write(exports.to_csv(plan))
    else:
        print_plan(plan, findings)


@app.command("override")
def override(
    asset: Annotated[str, typer.Argument(help="The asset (id or name).")],
    vulnerability: Annotated[str, typer.Argument(help="The vulnerability (any of its ids).")],
    point: Annotated[str, typer.Argument(help=", ".join(OVERRIDABLE))],
    value: Annotated[str, typer.Argument(help="The value to use, e.g. none, small, high.")],
    reason: Annotated[str, typer.Option("--reason", help="Why: kept and audited.")],
) -> None:
    """Set an operator's value for one decision point of a vulnerability on an asset."""
    with open_runtime() as runtime, db.transaction(runtime.sessions) as session:
        try:
            kind, asset_id = service.resolve_target(session, Principal.command_line(), asset)
            if kind != "asset":
                console.fail(f"{asset!r} is an organization; name an asset")
            out = service.set_override(
                session,
                Principal.command_line(),
                CLI_ORIGIN,
                asset_id,
                OverrideIn(vulnerability=vulnerability, point=point, value=value, reason=reason),
            )
        except (IdentityError, AccessDenied, ValueError) as error:
            console.fail(str(error))
    console.stdout.print(
        f"{out.vulnerability} on this asset: {out.point} = {out.value} ({out.reason})",
        highlight=False,
    )


@app.command("agreement")
def agreement_command(
    path: Annotated[
        Path,
        typer.Argument(
            help="CVE JSON 5 records with CISA ADP: a .tar.gz (vulnrichment) or a folder."
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """How often our evidence rules give CISA's own SSVC values (Exploitation, Automatable,
    Technical Impact), deciding without CISA's values."""
    if not path.exists():
        console.fail(f"{path}: no such file or folder", console.EXIT_USAGE)
    result = agreement.measure(path)
    if as_json:
        console.print_json(result.as_json())
        return
    console.print_table(
        f"Agreement with CISA's SSVC values ({result.assessed} of {result.records} records "
        "assessed by CISA)",
        ["Decision point", "Agreed", "Compared", "Agreement", "With evidence"],
        (
            (
                p.name,
                p.agreed,
                p.compared,
                f"{p.percent:.1f} %",
                f"{p.percent_with_evidence:.1f} % of {p.compared_with_evidence}",
            )
            for p in result.points.values()
        ),
    )
