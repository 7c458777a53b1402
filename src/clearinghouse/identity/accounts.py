"""Accounts: signing in and out, and accounts made from the command line."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.config import Settings
from clearinghouse.identity import hashing
from clearinghouse.identity.acting import IdentityError, NotFound, audit
from clearinghouse.identity.authentication import (
    check_password_login,
    end_all_web_sessions,
    end_web_session,
    normalize_email,
    principal_for,
    start_web_session,
)
from clearinghouse.identity.models import Organization, User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin
from clearinghouse.identity.vocabulary import OrgKind, OrgRole, PlatformRole

COORDINATOR_ORGANIZATION = "Clearinghouse coordination"


@dataclass(frozen=True)
class SignIn:
    """The result of a sign-in: a session cookie, or why not (for the person signing in)."""

    session_cookie: str | None
    refusal: str | None = None


def sign_in(
    session: Session, settings: Settings, origin: Origin, email: str, password: str
) -> SignIn:
    """Check the password and open a session.

    A refusal is returned, not raised, so that the caller commits what it recorded (the
    failure count towards lockout and the audit entry). Refusals say as little as possible:
    "locked" is only told once the account is locked.
    """
    outcome = check_password_login(session, settings, email, password)
    user = outcome.user
    anonymous = Principal(via="anonymous", email=(user.email if user else email[:320]))
    if outcome.result != "ok" or user is None:
        audit(
            session,
            anonymous,
            origin,
            "session.login",
            outcome="denied",
            organization_id=user.organization_id if user else None,
            resource_type="user",
            resource_id=user.id if user else None,
            reason=outcome.result,
        )
        if outcome.result == "locked" and outcome.locked_until is not None:
            return SignIn(
                None,
                "Too many failed sign-ins: the account is locked until "
                f"{outcome.locked_until:%H:%M} UTC.",
            )
        return SignIn(None, "Wrong email or password.")
    raw = start_web_session(session, settings, user, origin.client_address)
    audit(
        session,
        principal_for(user, via="session"),
        origin,
        "session.login",
        resource_type="user",
        resource_id=user.id,
    )
    return SignIn(raw)


def sign_out(session: Session, actor: Principal, origin: Origin, raw_session: str) -> None:
    end_web_session(session, raw_session)
    audit(session, actor, origin, "session.logout", resource_type="user", resource_id=actor.user_id)


# --- accounts from the command line ----------------------------------------------------------


def create_coordinator_admin(
    session: Session,
    origin: Origin,
    email: str,
    name: str,
    password: str,
    platform_role: PlatformRole = PlatformRole.COORDINATOR_ADMIN,
) -> User:
    """The first coordinator admin (or another one), or an evaluator, in the coordinators'
    organization. An evaluator is only a member there: it manages no one."""
    try:
        email = normalize_email(email)
        hashing.check_password_rules(password, email=email)
    except ValueError as exc:
        raise IdentityError(str(exc)) from None
    if session.scalar(select(User.id).where(User.email == email)):
        raise IdentityError(f"{email} has an account already")
    organization = session.scalar(
        select(Organization).where(Organization.name == COORDINATOR_ORGANIZATION)
    )
    if organization is None:
        organization = Organization(
            name=COORDINATOR_ORGANIZATION, kinds=[OrgKind.COORDINATOR.value]
        )
        session.add(organization)
        session.flush()
    user = User(
        email=email,
        name=name or email.split("@")[0],
        organization_id=organization.id,
        role=OrgRole.ADMIN if platform_role is PlatformRole.COORDINATOR_ADMIN else OrgRole.MEMBER,
        platform_role=platform_role,
        password_hash=hashing.hash_password(password),
    )
    session.add(user)
    session.flush()
    audit(
        session,
        Principal.command_line(),
        origin,
        "user.create",
        organization_id=organization.id,
        resource_type="user",
        resource_id=user.id,
        email=email,
        platform_role=platform_role.value,
    )
    return user


def find_user(session: Session, email: str) -> User:
    try:
        email = normalize_email(email)
    except ValueError as exc:
        raise IdentityError(str(exc)) from None
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise NotFound(f"no account with the email {email}")
    return user


def set_password(session: Session, origin: Origin, email: str, password: str) -> User:
    """Give an account a new password (from the command line), unlock it, end its sessions."""
    user = find_user(session, email)
    try:
        hashing.check_password_rules(password, email=user.email)
    except hashing.WeakPassword as exc:
        raise IdentityError(str(exc)) from None
    user.password_hash = hashing.hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    end_all_web_sessions(session, user.id)
    audit(
        session,
        Principal.command_line(),
        origin,
        "user.set_password",
        organization_id=user.organization_id,
        resource_type="user",
        resource_id=user.id,
    )
    return user
