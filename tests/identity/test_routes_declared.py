"""Every route of the app declares its policy action: a new route without one fails here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.routing import APIRoute
from starlette.routing import Mount, Route

from clearinghouse.app import create_app
from clearinghouse.identity import policy
from clearinghouse.identity.guard import declared_action
from clearinghouse.runtime import Runtime

# Routes FastAPI and Starlette add themselves; all serve public, static material.
FRAMEWORK_ROUTES = {"/api/openapi.json", "/api/docs", "/docs/oauth2-redirect", "/static"}


def all_routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from all_routes(included.routes)
        else:
            yield route


def dependency_calls(dependant: Any) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from dependency_calls(dependency)


def route_actions(runtime: Runtime) -> dict[tuple[str, str], str | None]:
    app = create_app(runtime=runtime, start_consumer=False)
    found: dict[tuple[str, str], str | None] = {}
    for route in all_routes(app.routes):
        if isinstance(route, APIRoute):
            action = declared_action(list(dependency_calls(route.dependant)))
            for method in route.methods:
                found[(method, route.path)] = action
        else:
            assert isinstance(route, Route | Mount)
            assert route.path in FRAMEWORK_ROUTES, f"unexpected non-API route {route.path}"
    return found


def test_every_route_declares_an_action(runtime: Runtime):
    actions = route_actions(runtime)
    assert len(actions) > 20
    undeclared = sorted(f"{m} {p}" for (m, p), a in actions.items() if a is None)
    assert undeclared == []
    for action in actions.values():
        policy.rule_for(str(action))


def test_public_routes_are_exactly_these(runtime: Runtime):
    public = sorted(f"{m} {p}" for (m, p), a in route_actions(runtime).items() if a == "public")
    assert public == [
        "GET /healthz",
        "GET /invitations/{token}",
        "GET /login",
        "GET /readyz",
        "POST /invitations/{token}",
        "POST /login",
    ]
