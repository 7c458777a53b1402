"""Who is asking: passwords with lockout, browser sessions and API tokens."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.config import Settings
from clearinghouse.db import utcnow
from clearinghouse.identity import hashing
from clearinghouse.identity.models import ApiToken, User, WebSession
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.vocabulary import OrgKind, OrgRole, PlatformRole, Scope

TOKEN_PREFIX = "chk_"  # noqa: S105 (a marker that makes leaked tokens easy to scan for)
_TOKEN_SHAPE = re.compile(r"^chk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
LAST_USED_RESOLUTION = timedelta(minutes=1)  # spare a write on every request


class AuthenticationFailed(Exception):
    """The credentials presented are not good; the message says why, for the caller."""


def principal_for(
    user: User, *, via: str, scopes: frozenset[Scope] | None = None, token_id: str | None = None
) -> Principal:
    return Principal(
        via=via,  # type: ignore[arg-type]
        user_id=user.id,
        email=user.email,
        organization_id=user.organization_id,
        organization_kinds=frozenset(OrgKind(k) for k in user.organization.kinds),
        role=OrgRole(user.role),
        platform_role=PlatformRole(user.platform_role) if user.platform_role else None,
        scopes=scopes,
        token_id=token_id,
    )


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email) or len(email) > 320:
        raise ValueError(f"{email!r} is not an email address")
    return email


# --- passwords -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    # "ok", "bad_credentials", "locked" or "inactive"
    result: str
    locked_until: datetime | None = None


def check_password_login(
    session: Session, settings: Settings, email: str, password: str
) -> LoginOutcome:
    """Check a password; count failures and lock the account after too many in a row.

    Unknown accounts take as long as known ones, and answer the same "bad credentials".
    """
    try:
        email = normalize_email(email)
    except ValueError:
        hashing.verify_password(None, password)
        return LoginOutcome(None, "bad_credentials")
    user = session.scalar(select(User).where(User.email == email))
    now = utcnow()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        return LoginOutcome(user, "locked", user.locked_until)
    if not hashing.verify_password(user.password_hash if user else None, password):
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= settings.login_lockout_attempts:
                user.locked_until = now + timedelta(minutes=settings.login_lockout_minutes)
                user.failed_logins = 0
                return LoginOutcome(user, "locked", user.locked_until)
        return LoginOutcome(user, "bad_credentials")
    assert user is not None and user.password_hash is not None
    if not user.is_active:
        return LoginOutcome(user, "inactive")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if hashing.password_needs_rehash(user.password_hash):
        user.password_hash = hashing.hash_password(password)
    return LoginOutcome(user, "ok")


# --- browser sessions ------------------------------------------------------------------------


def start_web_session(
    session: Session, settings: Settings, user: User, client_address: str | None
) -> str:
    """Create a session; return the cookie value (only its hash is stored)."""
    raw = hashing.random_secret()
    now = utcnow()
    session.add(
        WebSession(
            id_hash=hashing.sha256_hex(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.session_hours),
            client_address=client_address,
        )
    )
    return raw


def web_session_principal(
    session: Session, settings: Settings, raw: str
) -> tuple[Principal, WebSession] | None:
    """The principal of a session cookie, or None if it is unknown, ended, expired or idle."""
    if not raw or len(raw) > 100:
        return None
    record = session.get(WebSession, hashing.sha256_hex(raw))
    now = utcnow()
    if record is None or record.revoked_at is not None or record.expires_at <= now:
        return None
    if record.last_seen_at + timedelta(minutes=settings.session_idle_minutes) <= now:
        return None
    user = record.user
    if not user.is_active:
        return None
    if now - record.last_seen_at >= LAST_USED_RESOLUTION:
        record.last_seen_at = now
    return principal_for(user, via="session"), record


def end_web_session(session: Session, raw: str) -> None:
    record = session.get(WebSession, hashing.sha256_hex(raw)) if raw else None
    if record is not None and record.revoked_at is None:
        record.revoked_at = utcnow()


def end_all_web_sessions(session: Session, user_id: str) -> None:
    now = utcnow()
    for record in session.scalars(
        select(WebSession).where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
    ):
        record.revoked_at = now


# --- API tokens ------------------------------------------------------------------------------


def mint_token() -> tuple[str, str, str]:
    """A new token: (the token to show once, its lookup prefix, its stored hash)."""
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{hashing.random_secret(32)}"
    return token, prefix, hashing.sha256_hex(token)


def token_principal(session: Session, raw: str) -> tuple[Principal, ApiToken]:
    """Check a bearer token; raise AuthenticationFailed saying what is wrong with it."""
    match = _TOKEN_SHAPE.match(raw)
    if not match:
        raise AuthenticationFailed("malformed API token")
    token = session.scalar(select(ApiToken).where(ApiToken.prefix == match.group(1)))
    if token is None or not hashing.same(token.token_hash, hashing.sha256_hex(raw)):
        raise AuthenticationFailed("unknown API token")
    now = utcnow()
    if token.revoked_at is not None:
        raise AuthenticationFailed("this API token was revoked")
    if token.expires_at <= now:
        raise AuthenticationFailed("this API token has expired")
    if not token.user.is_active:
        raise AuthenticationFailed("the account of this API token is deactivated")
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
    scopes = frozenset(Scope(s) for s in token.scopes if s in Scope._value2member_map_)
    return principal_for(token.user, via="token", scopes=scopes, token_id=token.id), token
