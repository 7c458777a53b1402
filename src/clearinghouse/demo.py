"""Demo data for `make demo`: each domain adds what it has, and says how to use it."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from clearinghouse import db
from clearinghouse.identity import service as identity
from clearinghouse.identity.models import Organization, User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import OrganizationIn, Origin
from clearinghouse.identity.vocabulary import FinderType, OrgKind, OrgRole, OrgSize, Sector
from clearinghouse.inventory import service as inventory
from clearinghouse.inventory.models import AssetKind, Criticality, Exposure
from clearinghouse.inventory.schemas import AssetIn
from clearinghouse.knowledge import service as knowledge
from clearinghouse.matching import service as matching
from clearinghouse.reports import demo as demo_reports
from clearinghouse.runtime import Runtime

ORIGIN = Origin(request_id="demo", client_address="cli")
COORDINATOR_EMAIL = "coordinator@clearinghouse.example"
DEMO_ADVISORIES = Path(__file__).parent / "demo_data" / "advisories-sample.tar.gz"
DEMO_DEVICE_ADVISORIES = Path(__file__).parent / "demo_data" / "cisa-medical-csaf.tar.gz"
DEMO_INVENTORIES = Path(__file__).parent / "demo_data" / "inventories"
# What triage reads beyond the advisories: KEV entries, CVE records with CISA's SSVC values, and
# the Salt advisories of the hospital's configuration server (see demo_data/README.md).
DEMO_TRIAGE = Path(__file__).parent / "demo_data" / "triage-sample.tar.gz"


@dataclass(frozen=True)
class DemoAccount:
    who: str
    email: str
    organization: OrganizationIn | None  # None: the coordinators' own organization


ACCOUNTS = (
    DemoAccount("Coordinator (platform admin)", COORDINATOR_EMAIL, None),
    DemoAccount(
        "Operator: a rural hospital's IT lead",
        "it@valley-hospital.example",
        OrganizationIn(
            name="Valley County Hospital",
            kinds=[OrgKind.OPERATOR],
            sector=Sector.HEALTHCARE,
            size=OrgSize.SMALL,
            contact_email="it@valley-hospital.example",
        ),
    ),
    DemoAccount(
        "Finder: an AI lab's security team",
        "security@deepscan.example",
        OrganizationIn(
            name="Deep Scan Labs", kinds=[OrgKind.FINDER], finder_type=FinderType.AI_DEVELOPER
        ),
    ),
    DemoAccount(
        "Finder: an independent research group",
        "research@redlantern.example",
        OrganizationIn(
            name="Red Lantern Research",
            kinds=[OrgKind.FINDER],
            finder_type=FinderType.RESEARCH_GROUP,
        ),
    ),
    DemoAccount(
        "Vendor: a medical device maker",
        "psirt@acme-medical.example",
        OrganizationIn(name="Acme Medical Devices", kinds=[OrgKind.VENDOR]),
    ),
)


@dataclass(frozen=True)
class DemoAsset:
    name: str
    kind: AssetKind
    exposure: Exposure
    criticality: Criticality
    inventory: str  # a file in demo_data/inventories
    file_name: str  # the name it is uploaded under


HOSPITAL = "Valley County Hospital"
DEMO_ASSETS = (
    DemoAsset(
        "Patient portal",
        AssetKind.APPLICATION,
        Exposure.INTERNET_FACING,
        Criticality.CRITICAL,
        "patient-portal-requirements.txt",
        "requirements.txt",
    ),
    DemoAsset(
        "Imaging gateway",
        AssetKind.SERVICE,
        Exposure.INTERNAL,
        Criticality.HIGH,
        "imaging-gateway-go.mod",
        "go.mod",
    ),
    DemoAsset(
        "Secure mail bridge",
        AssetKind.SERVICE,
        Exposure.INTERNAL,
        Criticality.HIGH,
        "proton-bridge-v1.8.0.bom.json",
        "bom.json",
    ),
    DemoAsset(
        "Clinical devices",
        AssetKind.DEVICE,
        Exposure.INTERNAL,
        Criticality.CRITICAL,
        "clinical-devices.csv",
        "devices.csv",
    ),
    DemoAsset(
        "Configuration server",
        AssetKind.SERVER,
        Exposure.INTERNAL,
        Criticality.HIGH,
        "config-server-requirements.txt",
        "requirements.txt",
    ),
)


def _one_time_password() -> str:
    # Four groups of five: easy to type from a terminal, about 100 bits.
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(5)) for _ in range(4))


def _ensure_account(runtime: Runtime, account: DemoAccount, password: str) -> None:
    cli = Principal.command_line()
    with db.transaction(runtime.sessions) as session:
        if session.scalar(select(User.id).where(User.email == account.email)):
            identity.set_password(session, ORIGIN, account.email, password)
            return
        if account.organization is None:
            identity.create_coordinator_admin(
                session, ORIGIN, account.email, "Demo Coordinator", password
            )
            return
        organization_id = session.scalar(
            select(Organization.id).where(Organization.name == account.organization.name)
        )
        if organization_id is None:
            organization_id = identity.create_organization(
                session, cli, ORIGIN, account.organization
            ).id
        invitation = identity.invite(
            session, runtime.settings, cli, ORIGIN, organization_id, account.email, OrgRole.ADMIN
        )
    with db.transaction(runtime.sessions) as session:
        identity.accept_invitation(
            session, ORIGIN, invitation.token, account.who.split(": ")[-1].capitalize(), password
        )


def load(runtime: Runtime, progress: Callable[[str], None] | None = None) -> list[str]:
    """Load the demo data (idempotent); return the lines to print for the person at the screen.

    Every start gives each demo account a fresh password, printed once here and stored hashed.
    `progress` is told before a step that takes a while (validating the reports in the sandbox).
    """
    lines = ["Sign in with one of these accounts (new passwords on every `make demo`):"]
    for account in ACCOUNTS:
        password = _one_time_password()
        _ensure_account(runtime, account, password)
        lines.append(f"  {account.who:40} {account.email:36} {password}")
    total = 0
    for source, archive in (("osv", DEMO_ADVISORIES), ("csaf", DEMO_DEVICE_ADVISORIES)):
        run = knowledge.import_feed(runtime.sessions, source, archive)
        total += run.added + run.changed + run.unchanged + run.withdrawn
    lines.append(
        f"Knowledge base: {total} real advisories (PyPI, Go, RustSec, CISA medical devices) "
        "from the bundled sample; try Vulnerabilities → CVE-2022-24713."
    )
    lines.append(_load_triage_data(runtime))
    lines.append(_load_assets(runtime))
    lines.extend(
        demo_reports.load(
            runtime,
            {"deepscan": "security@deepscan.example", "redlantern": "research@redlantern.example"},
            progress,
        )
    )
    run_id = runtime.queue.enqueue("system.optimize_database")
    lines.append(f"A first maintenance job is queued (run {run_id[:8]}): see Status and Jobs.")
    return lines


def _load_triage_data(runtime: Runtime) -> str:
    counts = {}
    for source, include in (("osv", "pypa-salt/*"), ("kev", "kev/*"), ("cve5", "cve5/*")):
        run = knowledge.import_feed(runtime.sessions, source, DEMO_TRIAGE, include=include)
        counts[source] = run.added + run.changed + run.unchanged
    return (
        f"Triage data: {counts['kev']} KEV entries, {counts['cve5']} CVE records with CISA's "
        f"SSVC values, {counts['osv']} Salt advisories."
    )


def _load_assets(runtime: Runtime) -> str:
    """The hospital's assets, each with a real inventory file, and their findings."""
    cli = Principal.command_line()
    with db.transaction(runtime.sessions) as session:
        hospital = session.scalar(select(Organization.id).where(Organization.name == HOSPITAL))
        assert hospital is not None
        existing = {a.name: a.id for a in inventory.list_assets(session, cli, hospital)}
        for demo in DEMO_ASSETS:
            asset_id = existing.get(demo.name)
            if asset_id is None:
                data = AssetIn(
                    name=demo.name,
                    kind=demo.kind,
                    exposure=demo.exposure,
                    criticality=demo.criticality,
                )
                asset_id = inventory.create_asset(session, cli, ORIGIN, hospital, data).id
            if not inventory.list_uploads(session, cli, asset_id):
                content = (DEMO_INVENTORIES / demo.inventory).read_bytes()
                inventory.add_upload(session, cli, ORIGIN, asset_id, demo.file_name, content)
        assets = [a.id for a in inventory.list_assets(session, cli, hospital)]
        matching.refresh_assets(session, assets, cause="demo")
    matching.process_vulnerability_events(runtime.sessions)
    with runtime.sessions() as session:
        findings = matching.list_findings(session, cli, hospital, limit=5000)
    return (
        f"{HOSPITAL}: {len(assets)} assets with real lockfiles, an SBOM and a device list, "
        f"{len(findings)} open findings; sign in as its IT lead and open Plan (or run "
        f'`clearinghouse plan "{HOSPITAL}"`).'
    )
