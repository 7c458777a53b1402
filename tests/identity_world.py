"""A small world of tenants and people, made through the product's own services."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi.testclient import TestClient

from clearinghouse import db
from clearinghouse.identity import service
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import OrganizationIn, Origin, TokenIn
from clearinghouse.identity.vocabulary import (
    FinderType,
    OrgKind,
    OrgRole,
    OrgSize,
    PlatformRole,
    Scope,
    Sector,
)
from clearinghouse.runtime import Runtime

PASSWORD = "correct horse battery staple"
ORIGIN = Origin(request_id="test", client_address="127.0.0.1")


@dataclass
class World:
    runtime: Runtime
    organizations: dict[str, str] = field(default_factory=dict)  # key -> id
    users: dict[str, str] = field(default_factory=dict)  # key -> email
    user_ids: dict[str, str] = field(default_factory=dict)

    def token(self, user: str, *scopes: Scope, days: int | None = None) -> str:
        with db.transaction(self.runtime.sessions) as session:
            owner = service.find_user(session, self.users[user])
            created = service.create_token(
                session,
                self.runtime.settings,
                Principal.command_line(),
                ORIGIN,
                TokenIn(
                    name=f"{user} test",
                    scopes=list(scopes) or [Scope.ORG_READ],
                    expires_in_days=days,
                ),
                user_id=owner.id,
            )
        return created.token

    def bearer(self, user: str, *scopes: Scope) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user, *scopes)}"}


def make_user(runtime: Runtime, organization_id: str, email: str, role: OrgRole) -> str:
    """Invite and accept, as a person would."""
    with db.transaction(runtime.sessions) as session:
        invitation = service.invite(
            session,
            runtime.settings,
            Principal.command_line(),
            ORIGIN,
            organization_id,
            email,
            role,
        )
    with db.transaction(runtime.sessions) as session:
        user = service.accept_invitation(
            session, ORIGIN, invitation.token, email.split("@")[0], PASSWORD
        )
        return user.id


def build_world(runtime: Runtime) -> World:
    world = World(runtime)
    cli = Principal.command_line()
    with db.transaction(runtime.sessions) as session:
        admin = service.create_coordinator_admin(
            session, ORIGIN, "chief@coord.example", "Chief", PASSWORD
        )
        world.organizations["coordination"] = admin.organization_id
        world.users["coordinator_admin"] = admin.email
        world.user_ids["coordinator_admin"] = admin.id
        evaluator = service.create_coordinator_admin(
            session, ORIGIN, "eval@coord.example", "Eval", PASSWORD, PlatformRole.EVALUATOR
        )
        world.users["evaluator"] = evaluator.email
        world.user_ids["evaluator"] = evaluator.id
        for key, data in {
            "hospital": OrganizationIn(
                name="Valley County Hospital",
                kinds=[OrgKind.OPERATOR],
                sector=Sector.HEALTHCARE,
                size=OrgSize.SMALL,
            ),
            "bank": OrganizationIn(
                name="First Prairie Bank",
                kinds=[OrgKind.OPERATOR],
                sector=Sector.FINANCE,
                size=OrgSize.SMALL,
            ),
            "finder": OrganizationIn(
                name="Deep Scan Labs", kinds=[OrgKind.FINDER], finder_type=FinderType.AI_DEVELOPER
            ),
        }.items():
            world.organizations[key] = service.create_organization(session, cli, ORIGIN, data).id
    people = {
        "coordinator": ("coordination", "analyst@coord.example", OrgRole.MEMBER),
        "hospital_admin": ("hospital", "it@valley.example", OrgRole.ADMIN),
        "hospital_member": ("hospital", "nurse@valley.example", OrgRole.MEMBER),
        "hospital_viewer": ("hospital", "board@valley.example", OrgRole.VIEWER),
        "bank_admin": ("bank", "it@prairie.example", OrgRole.ADMIN),
        "finder_admin": ("finder", "lead@deepscan.example", OrgRole.ADMIN),
    }
    for key, (org, email, role) in people.items():
        world.user_ids[key] = make_user(runtime, world.organizations[org], email, role)
        world.users[key] = email
    # The analyst gets the platform-wide coordinator role (there is no API for that: by design).
    from clearinghouse.identity.models import User

    with db.transaction(runtime.sessions) as session:
        analyst = session.get(User, world.user_ids["coordinator"])
        assert analyst is not None
        analyst.platform_role = PlatformRole.COORDINATOR
    return world


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign a test client in through the real form, CSRF token and all."""
    page = client.get("/login")
    token = csrf_from(page.text)
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]
