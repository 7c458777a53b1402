"""How refusals look: problem+json for the API, a sign-in redirect or error page for browsers.

Every refusal of a signed-in principal is written to the audit log here, in its own
transaction, because the request's unit of work has been rolled back.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from starlette.responses import RedirectResponse, Response

from clearinghouse import db
from clearinghouse.identity.acting import IdentityError, NotFound, audit_refusal
from clearinghouse.identity.guard import InvalidCredentials, current_principal, origin_of
from clearinghouse.identity.policy import AccessDenied
from clearinghouse.problems import answer
from clearinghouse.runtime import Runtime

TITLES = {401: "Authentication required", 403: "Forbidden", 404: "Not Found"}


def _audit_refusal(request: Request, exc: AccessDenied) -> None:
    principal = current_principal(request)
    if not principal.authenticated:
        return
    runtime: Runtime = request.app.state.runtime
    with db.transaction(runtime.sessions) as session:
        audit_refusal(
            session,
            principal,
            origin_of(request),
            exc,
            method=request.method,
            path=request.url.path,
        )


async def on_denied(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AccessDenied)
    decision = exc.decision
    _audit_refusal(request, exc)
    if decision.status == 401 and not request.url.path.startswith("/api/"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    headers = {}
    if decision.status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="clearinghouse"'
    elif decision.status == 403 and "scope" in decision.reason:
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    detail = decision.reason if decision.status != 404 else "Not found."
    return answer(
        request, decision.status, detail, title=TITLES.get(decision.status), headers=headers
    )


async def on_bad_credentials(request: Request, exc: Exception) -> Response:
    return answer(
        request,
        401,
        str(exc),
        title="Invalid credentials",
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{exc}"'},
    )


async def on_identity_error(request: Request, exc: Exception) -> Response:
    return answer(request, 404 if isinstance(exc, NotFound) else 422, str(exc))


def install_identity_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AccessDenied, on_denied)
    app.add_exception_handler(InvalidCredentials, on_bad_credentials)
    app.add_exception_handler(IdentityError, on_identity_error)
    app.add_exception_handler(NotFound, on_identity_error)
