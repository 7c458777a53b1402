"""Pages: sign in and out, organizations and members, invitations, API tokens."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import RedirectResponse, Response

from clearinghouse import db
from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity import policy, service
from clearinghouse.identity.guard import SESSION_COOKIE, origin_of, requires
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.ratelimit import hit, parse_limits
from clearinghouse.identity.schemas import (
    MemberUpdate,
    OrganizationIn,
    OrganizationUpdate,
    TokenIn,
)
from clearinghouse.identity.vocabulary import (
    SCOPE_DESCRIPTIONS,
    FinderType,
    OrgKind,
    OrgRole,
    OrgSize,
    Scope,
    Sector,
)
from clearinghouse.problems import one_line
from clearinghouse.runtime import Runtime
from clearinghouse.web import render
from clearinghouse.web.navigation import add_nav_item

router = APIRouter(include_in_schema=False)
add_nav_item("organization", "Organization", "/organization", order=10, action="organization.read")
add_nav_item(
    "organizations", "Organizations", "/organizations", order=20, action="organizations.browse"
)
add_nav_item("tokens", "API tokens", "/tokens", order=80, action="tokens.read")

Public = Annotated[Principal, Depends(requires("public"))]
SignedIn = Annotated[Principal, Depends(requires("session.manage"))]
ReadOrganization = Annotated[Principal, Depends(requires("organization.read"))]
BrowseOrganizations = Annotated[Principal, Depends(requires("organizations.browse"))]
CreateOrganization = Annotated[Principal, Depends(requires("organizations.create"))]
UpdateOrganization = Annotated[Principal, Depends(requires("organization.update"))]
ManageMembers = Annotated[Principal, Depends(requires("members.manage"))]
ManageInvitations = Annotated[Principal, Depends(requires("invitations.manage"))]
ReadTokens = Annotated[Principal, Depends(requires("tokens.read"))]
ManageTokens = Annotated[Principal, Depends(requires("tokens.manage"))]
RevokeTokens = Annotated[Principal, Depends(requires("tokens.revoke"))]

CHOICES: dict[str, Any] = {
    "kinds": list(OrgKind),
    "sectors": list(Sector),
    "sizes": list(OrgSize),
    "finder_types": list(FinderType),
    "roles": list(OrgRole),
}


def _local_path(target: str | None) -> str:
    """Only redirect to a path of this site (never //evil.example or https://…)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


# --- signing in and out ----------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, principal: Public, next: str = "/") -> Response:
    return render(request, "identity/login.html", next=_local_path(next))


@router.post("/login")
def login(
    request: Request,
    principal: Public,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    origin = origin_of(request)
    with db.transaction(runtime.sessions) as session:
        exceeded = hit(
            session,
            f"login:{origin.client_address}",
            parse_limits(runtime.settings.rate_limit_login),
        )
    if exceeded is not None:
        response = render(
            request,
            "identity/login.html",
            status_code=429,
            next=next,
            email=email,
            error=f"Too many sign-in attempts from here. Try again "
            f"in {exceeded.retry_after} seconds.",
        )
        response.headers["Retry-After"] = str(exceeded.retry_after)
        return response
    with db.transaction(runtime.sessions) as session:
        result = service.sign_in(session, runtime.settings, origin, email, password)
    if result.session_cookie is None:
        return render(
            request,
            "identity/login.html",
            status_code=401,
            next=next,
            email=email,
            error=result.refusal,
        )
    return _with_session(_see_other(_local_path(next)), runtime, result.session_cookie)


def _with_session(response: Response, runtime: Runtime, cookie: str) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=runtime.settings.cookie_secure,
        max_age=runtime.settings.session_hours * 3600,
        path="/",
    )
    return response


@router.post("/logout")
def logout(request: Request, principal: SignedIn, runtime: RuntimeDep) -> Response:
    with db.transaction(runtime.sessions) as session:
        service.sign_out(
            session, principal, origin_of(request), request.cookies.get(SESSION_COOKIE, "")
        )
    response = _see_other("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- organizations and members ---------------------------------------------------------------


@router.get("/organization")
def own_organization(principal: ReadOrganization) -> Response:
    return _see_other(f"/organizations/{principal.organization_id}")


@router.get("/organizations")
def organizations_page(
    request: Request, principal: BrowseOrganizations, session: SessionDep
) -> Response:
    organizations = service.list_organizations(session, principal, origin_of(request))
    return render(
        request,
        "identity/organizations.html",
        organizations=organizations,
        can_create=policy.allowed(principal, "organizations.create"),
        active_nav="organizations",
        **CHOICES,
    )


@router.post("/organizations")
def create_organization(
    request: Request,
    principal: CreateOrganization,
    runtime: RuntimeDep,
    name: Annotated[str, Form()],
    kinds: Annotated[list[str], Form()],
    sector: Annotated[str, Form()] = "",
    size: Annotated[str, Form()] = "",
    finder_type: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = OrganizationIn.model_validate(
            {
                "name": name,
                "kinds": kinds,
                "sector": sector or None,
                "size": size or None,
                "finder_type": finder_type or None,
                "contact_email": contact_email or None,
            }
        )
        with db.transaction(runtime.sessions) as session:
            created = service.create_organization(session, principal, origin_of(request), data)
    except (ValueError, service.IdentityError) as exc:
        with runtime.sessions() as session:
            organizations = service.list_organizations(session, principal, origin_of(request))
        return render(
            request,
            "identity/organizations.html",
            status_code=422,
            organizations=organizations,
            can_create=True,
            error=one_line(exc),
            active_nav="organizations",
            **CHOICES,
        )
    return _see_other(f"/organizations/{created.id}")


def _organization_page(
    request: Request,
    principal: Principal,
    organization_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    runtime = request.app.state.runtime
    origin = origin_of(request)
    with runtime.sessions() as session:
        organization = service.get_organization(session, principal, origin, organization_id)
        members = service.list_members(session, principal, origin, organization_id)
    return render(
        request,
        "identity/organization.html",
        status_code=status_code,
        organization=organization,
        members=members,
        can_edit=policy.allowed(principal, "organization.update", organization_id),
        can_manage=policy.allowed(principal, "members.manage", organization_id),
        can_invite=policy.allowed(principal, "invitations.manage", organization_id),
        active_nav="organization"
        if organization_id == principal.organization_id
        else "organizations",
        **CHOICES,
        **extra,
    )


@router.get("/organizations/{organization_id}")
def organization_page(
    request: Request, organization_id: str, principal: ReadOrganization
) -> Response:
    return _organization_page(request, principal, organization_id)


@router.post("/organizations/{organization_id}")
def update_organization(
    request: Request,
    organization_id: str,
    principal: UpdateOrganization,
    runtime: RuntimeDep,
    name: Annotated[str, Form()],
    sector: Annotated[str, Form()] = "",
    size: Annotated[str, Form()] = "",
    contact_email: Annotated[str, Form()] = "",
) -> Response:
    try:
        # A blank choice keeps the current value; a blank contact email removes it.
        fields = {"name": name, "sector": sector, "size": size}
        data = OrganizationUpdate.model_validate(
            {**{k: v for k, v in fields.items() if v}, "contact_email": contact_email or None}
        )
        with db.transaction(runtime.sessions) as session:
            service.update_organization(
                session, principal, origin_of(request), organization_id, data
            )
    except (ValueError, service.IdentityError) as exc:
        return _organization_page(request, principal, organization_id, 422, error=one_line(exc))
    return _organization_page(request, principal, organization_id, notice="Profile saved.")


@router.post("/organizations/{organization_id}/members/{user_id}")
def update_member(
    request: Request,
    organization_id: str,
    user_id: str,
    principal: ManageMembers,
    runtime: RuntimeDep,
    role: Annotated[str, Form()] = "",
    active: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = MemberUpdate.model_validate(
            {"role": role or None, "is_active": {"yes": True, "no": False}.get(active)}
        )
        with db.transaction(runtime.sessions) as session:
            service.update_member(
                session, principal, origin_of(request), organization_id, user_id, data
            )
    except (ValueError, service.IdentityError) as exc:
        return _organization_page(request, principal, organization_id, 422, error=one_line(exc))
    return _organization_page(request, principal, organization_id, notice="Member updated.")


# --- invitations -----------------------------------------------------------------------------


def _invitations_page(
    request: Request,
    principal: Principal,
    organization_id: str,
    status_code: int = 200,
    **extra: Any,
) -> Response:
    runtime = request.app.state.runtime
    with runtime.sessions() as session:
        organization = service.get_organization(
            session, principal, origin_of(request), organization_id
        )
        invitations = service.list_invitations(
            session, principal, origin_of(request), organization_id
        )
    return render(
        request,
        "identity/invitations.html",
        status_code=status_code,
        organization=organization,
        invitations=invitations,
        roles=list(OrgRole),
        active_nav="organization",
        **extra,
    )


@router.get("/organizations/{organization_id}/invitations")
def invitations_page(
    request: Request, organization_id: str, principal: ManageInvitations
) -> Response:
    return _invitations_page(request, principal, organization_id)


@router.post("/organizations/{organization_id}/invitations")
def invite(
    request: Request,
    organization_id: str,
    principal: ManageInvitations,
    runtime: RuntimeDep,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[OrgRole, Form()] = OrgRole.MEMBER,
) -> Response:
    try:
        with db.transaction(runtime.sessions) as session:
            created = service.invite(
                session,
                runtime.settings,
                principal,
                origin_of(request),
                organization_id,
                email,
                role,
            )
    except service.IdentityError as exc:
        return _invitations_page(request, principal, organization_id, 422, error=str(exc))
    link = str(request.base_url).rstrip("/") + created.path
    return _invitations_page(
        request, principal, organization_id, created_link=link, created_for=created.invitation.email
    )


@router.post("/organizations/{organization_id}/invitations/{invitation_id}/revoke")
def revoke_invitation(
    request: Request,
    organization_id: str,
    invitation_id: str,
    principal: ManageInvitations,
    runtime: RuntimeDep,
) -> Response:
    with db.transaction(runtime.sessions) as session:
        service.revoke_invitation(
            session, principal, origin_of(request), organization_id, invitation_id
        )
    return _invitations_page(request, principal, organization_id, notice="Invitation revoked.")


@router.get("/invitations/{token}")
def invitation_page(
    request: Request, token: str, principal: Public, session: SessionDep
) -> Response:
    try:
        invitation = service.pending_invitation(session, token)
    except service.NotFound as exc:
        return render(
            request,
            "error.html",
            status_code=404,
            status=404,
            title="Invitation not valid",
            detail=str(exc),
            request_id="",
        )
    return render(
        request,
        "identity/invitation_accept.html",
        invitation=invitation,
        organization_name=invitation.organization.name,
    )


@router.post("/invitations/{token}")
def accept_invitation(
    request: Request,
    token: str,
    principal: Public,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    password_again: Annotated[str, Form(max_length=1024)],
) -> Response:
    origin = origin_of(request)
    try:
        if password != password_again:
            raise service.IdentityError("the two passwords differ")
        with db.transaction(runtime.sessions) as session:
            user = service.accept_invitation(session, origin, token, name, password)
        with db.transaction(runtime.sessions) as session:
            signed_in = service.sign_in(session, runtime.settings, origin, user.email, password)
    except service.NotFound as exc:
        return render(
            request,
            "error.html",
            status_code=404,
            status=404,
            title="Invitation not valid",
            detail=str(exc),
            request_id="",
        )
    except service.IdentityError as exc:
        with runtime.sessions() as session:
            invitation = service.pending_invitation(session, token)
            organization_name = invitation.organization.name
        return render(
            request,
            "identity/invitation_accept.html",
            status_code=422,
            invitation=invitation,
            organization_name=organization_name,
            error=str(exc),
            name=name,
        )
    assert signed_in.session_cookie is not None
    return _with_session(_see_other("/organization"), runtime, signed_in.session_cookie)


# --- API tokens ------------------------------------------------------------------------------


def _tokens_page(
    request: Request, principal: Principal, status_code: int = 200, **extra: Any
) -> Response:
    runtime = request.app.state.runtime
    with runtime.sessions() as session:
        tokens = service.list_tokens(session, principal, origin_of(request))
    grantable = sorted(policy.grantable_scopes(principal))
    return render(
        request,
        "identity/tokens.html",
        status_code=status_code,
        tokens=tokens,
        scopes=[(s, SCOPE_DESCRIPTIONS[s]) for s in grantable],
        default_days=runtime.settings.token_default_days,
        active_nav="tokens",
        **extra,
    )


@router.get("/tokens")
def tokens_page(request: Request, principal: ReadTokens) -> Response:
    return _tokens_page(request, principal)


@router.post("/tokens")
def create_token(
    request: Request,
    principal: ManageTokens,
    runtime: RuntimeDep,
    name: Annotated[str, Form(max_length=100)],
    scopes: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI form default)
    expires_in_days: Annotated[int | None, Form(ge=1, le=366)] = None,
) -> Response:
    try:
        data = TokenIn.model_validate(
            {"name": name, "scopes": [Scope(s) for s in scopes], "expires_in_days": expires_in_days}
        )
        with db.transaction(runtime.sessions) as session:
            created = service.create_token(
                session, runtime.settings, principal, origin_of(request), data
            )
    except (ValueError, service.IdentityError) as exc:
        return _tokens_page(request, principal, 422, error=one_line(exc))
    return _tokens_page(request, principal, created=created)


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, token_id: str, principal: RevokeTokens, runtime: RuntimeDep
) -> Response:
    with db.transaction(runtime.sessions) as session:
        service.revoke_token(session, principal, origin_of(request), token_id)
    return _tokens_page(request, principal, notice="Token revoked.")
