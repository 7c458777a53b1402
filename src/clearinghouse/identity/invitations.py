"""Invitations: links that let one person join an organization, once, before they expire."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.config import Settings
from clearinghouse.db import utcnow
from clearinghouse.identity import hashing
from clearinghouse.identity.acting import IdentityError, NotFound, audit, not_found
from clearinghouse.identity.authentication import normalize_email, principal_for
from clearinghouse.identity.models import Invitation, User
from clearinghouse.identity.organizations import organization_for
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import InvitationCreated, InvitationOut, Origin
from clearinghouse.identity.vocabulary import OrgRole


def _invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at:
        return "accepted"
    if invitation.revoked_at:
        return "revoked"
    return "expired" if invitation.expires_at <= utcnow() else "pending"


def _invitation_out(invitation: Invitation) -> InvitationOut:
    return InvitationOut.model_validate(
        {
            **{c: getattr(invitation, c) for c in InvitationOut.model_fields if c != "status"},
            "status": _invitation_status(invitation),
        }
    )


def invite(
    session: Session,
    settings: Settings,
    actor: Principal,
    origin: Origin,
    organization_id: str,
    email: str,
    role: OrgRole,
) -> InvitationCreated:
    organization = organization_for(session, actor, origin, "invitations.manage", organization_id)
    try:
        email = normalize_email(email)
    except ValueError as exc:
        raise IdentityError(str(exc)) from None
    if session.scalar(select(User.id).where(User.email == email)):
        raise IdentityError(f"{email} has an account already")
    token = hashing.random_secret()
    invitation = Invitation(
        organization_id=organization.id,
        email=email,
        role=role,
        token_hash=hashing.sha256_hex(token),
        invited_by=actor.user_id,
        expires_at=utcnow() + timedelta(days=settings.invitation_days),
    )
    session.add(invitation)
    session.flush()
    audit(
        session,
        actor,
        origin,
        "invitation.create",
        organization_id=organization.id,
        resource_type="invitation",
        resource_id=invitation.id,
        email=email,
        role=role,
    )
    return InvitationCreated(
        invitation=_invitation_out(invitation), token=token, path=f"/invitations/{token}"
    )


def list_invitations(
    session: Session, actor: Principal, origin: Origin, organization_id: str
) -> list[InvitationOut]:
    organization = organization_for(session, actor, origin, "invitations.manage", organization_id)
    invitations = session.scalars(
        select(Invitation)
        .where(Invitation.organization_id == organization.id)
        .order_by(Invitation.created_at.desc())
    )
    return [_invitation_out(i) for i in invitations]


def revoke_invitation(
    session: Session, actor: Principal, origin: Origin, organization_id: str, invitation_id: str
) -> InvitationOut:
    organization = organization_for(session, actor, origin, "invitations.manage", organization_id)
    invitation = session.get(Invitation, invitation_id)
    if invitation is None or invitation.organization_id != organization.id:
        raise not_found("invitation")
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = utcnow()
        audit(
            session,
            actor,
            origin,
            "invitation.revoke",
            organization_id=organization.id,
            resource_type="invitation",
            resource_id=invitation.id,
        )
    return _invitation_out(invitation)


def pending_invitation(session: Session, token: str) -> Invitation:
    """The invitation behind a link, if it can still be used; else NotFound."""
    invitation = (
        session.scalar(select(Invitation).where(Invitation.token_hash == hashing.sha256_hex(token)))
        if token
        else None
    )
    if invitation is None or _invitation_status(invitation) != "pending":
        raise NotFound(
            "this invitation link is not valid: it may have expired, been used or been revoked"
        )
    return invitation


def accept_invitation(
    session: Session, origin: Origin, token: str, name: str, password: str
) -> User:
    invitation = pending_invitation(session, token)
    name = name.strip()
    if not name:
        raise IdentityError("please give your name")
    try:
        hashing.check_password_rules(password, email=invitation.email)
    except hashing.WeakPassword as exc:
        raise IdentityError(str(exc)) from None
    if session.scalar(select(User.id).where(User.email == invitation.email)):
        raise IdentityError(f"{invitation.email} has an account already")
    user = User(
        email=invitation.email,
        name=name[:200],
        organization_id=invitation.organization_id,
        role=invitation.role,
        password_hash=hashing.hash_password(password),
    )
    session.add(user)
    invitation.accepted_at = utcnow()
    session.flush()
    audit(
        session,
        principal_for(user, via="session"),
        origin,
        "invitation.accept",
        organization_id=invitation.organization_id,
        resource_type="invitation",
        resource_id=invitation.id,
    )
    return user
