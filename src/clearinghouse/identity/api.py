"""The identity API: who am I, organizations, members, invitations, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from clearinghouse import db
from clearinghouse.deps import RuntimeDep, SessionDep
from clearinghouse.identity import policy, service
from clearinghouse.identity.authentication import principal_for
from clearinghouse.identity.guard import origin_of, requires
from clearinghouse.identity.models import ApiToken, User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import (
    InvitationCreated,
    InvitationIn,
    InvitationOut,
    MemberOut,
    MemberUpdate,
    MeOut,
    OrganizationIn,
    OrganizationOut,
    OrganizationUpdate,
    TokenOut,
)

router = APIRouter(prefix="/api/v1", tags=["identity"])

Me = Annotated[Principal, Depends(requires("me.read"))]
ListOrganizations = Annotated[Principal, Depends(requires("organizations.list"))]
CreateOrganization = Annotated[Principal, Depends(requires("organizations.create"))]
ReadOrganization = Annotated[Principal, Depends(requires("organization.read"))]
UpdateOrganization = Annotated[Principal, Depends(requires("organization.update"))]
ReadMembers = Annotated[Principal, Depends(requires("members.read"))]
ManageMembers = Annotated[Principal, Depends(requires("members.manage"))]
ManageInvitations = Annotated[Principal, Depends(requires("invitations.manage"))]
ReadTokens = Annotated[Principal, Depends(requires("tokens.read"))]
RevokeTokens = Annotated[Principal, Depends(requires("tokens.revoke"))]


@router.get("/me", summary="Who is asking: user, organization, roles and the token's scopes")
def me(principal: Me, session: SessionDep) -> MeOut:
    user = session.get(User, principal.user_id)
    assert user is not None
    token = session.get(ApiToken, principal.token_id) if principal.token_id else None
    scopes = (
        sorted(principal.scopes)
        if principal.scopes is not None
        else sorted(policy.grantable_scopes(principal_for(user, via="session")))
    )
    return MeOut(
        user_id=user.id,
        email=user.email,
        name=user.name,
        organization=OrganizationOut.model_validate(user.organization),
        role=user.role,
        platform_role=user.platform_role,
        authenticated_via=principal.via,
        scopes=scopes,
        token=TokenOut.model_validate(token) if token else None,
    )


@router.get("/organizations", summary="Your organization; coordinators see all")
def list_organizations(
    principal: ListOrganizations, request: Request, session: SessionDep
) -> list[OrganizationOut]:
    return service.list_organizations(session, principal, origin_of(request))


@router.post("/organizations", status_code=201, summary="Create an organization")
def create_organization(
    principal: CreateOrganization, request: Request, runtime: RuntimeDep, body: OrganizationIn
) -> OrganizationOut:
    with db.transaction(runtime.sessions) as session:
        return service.create_organization(session, principal, origin_of(request), body)


@router.get("/organizations/{organization_id}", summary="One organization's profile")
def get_organization(
    organization_id: str, principal: ReadOrganization, request: Request, session: SessionDep
) -> OrganizationOut:
    return service.get_organization(session, principal, origin_of(request), organization_id)


@router.patch("/organizations/{organization_id}", summary="Change an organization's profile")
def update_organization(
    organization_id: str,
    principal: UpdateOrganization,
    request: Request,
    runtime: RuntimeDep,
    body: OrganizationUpdate,
) -> OrganizationOut:
    with db.transaction(runtime.sessions) as session:
        return service.update_organization(
            session, principal, origin_of(request), organization_id, body
        )


@router.get("/organizations/{organization_id}/members", summary="An organization's members")
def list_members(
    organization_id: str, principal: ReadMembers, request: Request, session: SessionDep
) -> list[MemberOut]:
    return service.list_members(session, principal, origin_of(request), organization_id)


@router.patch(
    "/organizations/{organization_id}/members/{user_id}",
    summary="Change a member's role or deactivate them (never your own)",
)
def update_member(
    organization_id: str,
    user_id: str,
    principal: ManageMembers,
    request: Request,
    runtime: RuntimeDep,
    body: MemberUpdate,
) -> MemberOut:
    with db.transaction(runtime.sessions) as session:
        return service.update_member(
            session, principal, origin_of(request), organization_id, user_id, body
        )


@router.get("/organizations/{organization_id}/invitations", summary="Invitations sent")
def list_invitations(
    organization_id: str, principal: ManageInvitations, request: Request, session: SessionDep
) -> list[InvitationOut]:
    return service.list_invitations(session, principal, origin_of(request), organization_id)


@router.post(
    "/organizations/{organization_id}/invitations",
    status_code=201,
    summary="Invite someone; the link is in the answer, once",
)
def invite(
    organization_id: str,
    principal: ManageInvitations,
    request: Request,
    runtime: RuntimeDep,
    body: InvitationIn,
) -> InvitationCreated:
    with db.transaction(runtime.sessions) as session:
        return service.invite(
            session,
            runtime.settings,
            principal,
            origin_of(request),
            organization_id,
            body.email,
            body.role,
        )


@router.delete(
    "/organizations/{organization_id}/invitations/{invitation_id}",
    summary="Revoke an invitation that has not been used",
)
def revoke_invitation(
    organization_id: str,
    invitation_id: str,
    principal: ManageInvitations,
    request: Request,
    runtime: RuntimeDep,
) -> InvitationOut:
    with db.transaction(runtime.sessions) as session:
        return service.revoke_invitation(
            session, principal, origin_of(request), organization_id, invitation_id
        )


@router.get("/tokens", summary="Your API tokens (never the secrets)")
def list_tokens(principal: ReadTokens, request: Request, session: SessionDep) -> list[TokenOut]:
    return service.list_tokens(session, principal, origin_of(request))


@router.delete("/tokens/{token_id}", summary="Revoke one of your tokens")
def revoke_token(
    token_id: str, principal: RevokeTokens, request: Request, runtime: RuntimeDep
) -> TokenOut:
    with db.transaction(runtime.sessions) as session:
        return service.revoke_token(session, principal, origin_of(request), token_id)
