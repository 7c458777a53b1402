"""API tokens: random, shown once, stored as a hash, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from clearinghouse.config import Settings
from clearinghouse.db import utcnow
from clearinghouse.identity import policy
from clearinghouse.identity.acting import IdentityError, audit, not_found
from clearinghouse.identity.authentication import mint_token, principal_for
from clearinghouse.identity.models import ApiToken, User
from clearinghouse.identity.policy import Principal
from clearinghouse.identity.schemas import Origin, TokenCreated, TokenIn, TokenOut


def create_token(
    session: Session,
    settings: Settings,
    actor: Principal,
    origin: Origin,
    data: TokenIn,
    *,
    user_id: str | None = None,
) -> TokenCreated:
    """A token for the actor (or, from the command line, for `user_id`)."""
    if user_id is not None and actor.via == "cli":
        owner = session.get(User, user_id)
        if owner is None:
            raise not_found("user")
        subject = principal_for(owner, via="session")
    else:
        policy.require(actor, "tokens.manage")
        subject = actor
    grantable = policy.grantable_scopes(subject)
    refused = sorted(s.value for s in set(data.scopes) - grantable)
    if refused:
        raise IdentityError(
            f"{subject.label} may not hold the scope(s) {', '.join(refused)}; "
            f"allowed: {', '.join(sorted(s.value for s in grantable))}"
        )
    token, prefix, token_hash = mint_token()
    days = data.expires_in_days or settings.token_default_days
    record = ApiToken(
        user_id=subject.user_id,
        name=data.name,
        prefix=prefix,
        token_hash=token_hash,
        scopes=sorted(s.value for s in set(data.scopes)),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(record)
    session.flush()
    audit(
        session,
        actor,
        origin,
        "token.create",
        organization_id=subject.organization_id,
        resource_type="api_token",
        resource_id=record.id,
        owner=subject.label,
        scopes=record.scopes,
        expires_at=record.expires_at.isoformat(),
    )
    return TokenCreated(token=token, details=TokenOut.model_validate(record))


def list_tokens(
    session: Session, actor: Principal, origin: Origin, user_id: str | None = None
) -> list[TokenOut]:
    if user_id is None or actor.via != "cli":
        policy.require(actor, "tokens.read")
        user_id = actor.user_id
    tokens = session.scalars(
        select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.created_at.desc())
    )
    return [TokenOut.model_validate(t) for t in tokens]


def revoke_token(session: Session, actor: Principal, origin: Origin, token_id: str) -> TokenOut:
    token = session.get(ApiToken, token_id)
    if actor.via != "cli":
        policy.require(actor, "tokens.revoke")
        if token is None or token.user_id != actor.user_id:
            raise not_found("token")
    elif token is None:
        raise not_found("token")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        audit(
            session,
            actor,
            origin,
            "token.revoke",
            organization_id=token.user.organization_id,
            resource_type="api_token",
            resource_id=token.id,
        )
    return TokenOut.model_validate(token)
