"""Routes declare their action here: authenticate, authorize with the policy, rate-limit.

    @router.get("/things", dependencies=[Depends(requires("things.read"))])
    def things(principal: Annotated[Principal, Depends(requires("things.read"))]): ...

A test walks every route of the app and fails if one lacks such a declaration.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from clearinghouse import db
from clearinghouse.deps import get_runtime
from clearinghouse.identity import policy
from clearinghouse.identity.authentication import (
    AuthenticationFailed,
    token_principal,
    web_session_principal,
)
from clearinghouse.identity.policy import AccessDenied, Decision, Principal
from clearinghouse.identity.ratelimit import hit, parse_limits
from clearinghouse.identity.schemas import Origin
from clearinghouse.logs import request_id_var
from clearinghouse.problems import Problem
from clearinghouse.runtime import Runtime

SESSION_COOKIE = "ch_session"
POLICY_ACTION_ATTRIBUTE = "__policy_action__"


class InvalidCredentials(Exception):
    """A bearer token was presented and is not good (401 with the reason)."""


def origin_of(request: Request) -> Origin:
    return Origin(
        request_id=request_id_var.get(),
        client_address=request.client.host if request.client else None,
    )


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise InvalidCredentials("use the header 'Authorization: Bearer <token>'")
    return value.strip()


def _authenticate(request: Request, runtime: Runtime) -> Principal:
    """Establish the principal once per request; count it against the rate limits."""
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    api = request.url.path.startswith("/api/")
    bearer = _bearer(request) if api else None
    cookie = None if api else request.cookies.get(SESSION_COOKIE)
    principal = Principal.anonymous()
    if bearer is not None or cookie:
        with db.transaction(runtime.sessions) as session:
            organization_limits: str | None = None
            if bearer is not None:
                try:
                    principal, token = token_principal(session, bearer)
                except AuthenticationFailed as exc:
                    raise InvalidCredentials(str(exc)) from None
                organization_limits = token.user.organization.rate_limits
            else:
                found = web_session_principal(session, runtime.settings, cookie or "")
                if found is not None:
                    principal, web_session = found
                    organization_limits = web_session.user.organization.rate_limits
            if principal.authenticated:
                _count(session, runtime, principal, organization_limits)
    request.state.principal = principal
    return principal


def _count(
    session: Session, runtime: Runtime, principal: Principal, organization_limits: str | None
) -> None:
    settings = runtime.settings
    own_key = f"token:{principal.token_id}" if principal.token_id else f"user:{principal.user_id}"
    checks = [
        (own_key, parse_limits(settings.rate_limit_token)),
        (
            f"org:{principal.organization_id}",
            parse_limits(organization_limits or settings.rate_limit_organization),
        ),
    ]
    for key, limits in checks:
        exceeded = hit(session, key, limits)
        if exceeded is not None:
            raise Problem(
                429,
                f"rate limit {exceeded.limit} exceeded for this "
                f"{key.split(':')[0]}; retry in {exceeded.retry_after} s",
                title="Too many requests",
                headers={"Retry-After": str(exceeded.retry_after)},
            )


def current_principal(request: Request) -> Principal:
    """The principal established for this request (anonymous if none)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    return principal or Principal.anonymous()


def requires(action: str) -> Callable[..., Principal]:
    """The dependency that declares and enforces a route's action."""
    policy.rule_for(action)  # an unknown action fails at import, not at request time

    def dependency(
        request: Request, runtime: Annotated[Runtime, Depends(get_runtime)]
    ) -> Principal:
        if policy.rule_for(action).public:
            return current_principal(request)
        principal = _authenticate(request, runtime)
        policy.require(principal, action)
        return principal

    setattr(dependency, POLICY_ACTION_ATTRIBUTE, action)
    dependency.__name__ = f"requires_{action.replace('.', '_')}"
    return dependency


def declared_action(route_dependencies: list[object]) -> str | None:
    """The action a route declared, found among its dependency callables."""
    for call in route_dependencies:
        action = getattr(call, POLICY_ACTION_ATTRIBUTE, None)
        if action is not None:
            return str(action)
    return None


__all__ = ["AccessDenied", "Decision", "InvalidCredentials", "Principal", "requires"]
