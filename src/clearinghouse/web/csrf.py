"""CSRF protection for every form: a signed double-submit token.

Each browser gets a random `ch_csrf` cookie (HttpOnly, SameSite=Strict); every form carries
HMAC(secret key, cookie) in a hidden `csrf_token` field (htmx sends it as `X-CSRF-Token`). An
unsafe request to a page without a matching token is refused. The API is exempt: it accepts
only bearer tokens, which a browser never sends by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from markupsafe import Markup
from starlette.responses import Response

from clearinghouse.problems import Problem

COOKIE = "ch_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _secret(request: Request) -> str:
    key: str = request.app.state.runtime.secret_key
    return key


def _sign(request: Request, cookie: str) -> str:
    return hmac.new(
        _secret(request).encode(), f"csrf:{cookie}".encode(), hashlib.sha256
    ).hexdigest()


def token(request: Request) -> str:
    """The token for this browser's forms; makes the cookie if the browser has none yet."""
    cookie = request.cookies.get(COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not cookie or len(cookie) > 100:
        cookie = secrets.token_urlsafe(32)
        request.state.new_csrf_cookie = cookie
    return _sign(request, cookie)


def hidden_field(request: Request) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token(request))


def set_cookie_if_new(request: Request, response: Response) -> None:
    cookie = getattr(request.state, "new_csrf_cookie", None)
    if cookie:
        secure: bool = request.app.state.runtime.settings.cookie_secure
        response.set_cookie(
            COOKIE, cookie, httponly=True, samesite="strict", secure=secure, path="/"
        )


def is_exempt(request: Request) -> bool:
    return request.method not in UNSAFE_METHODS or request.url.path.startswith("/api/")


async def verify(request: Request) -> None:
    """App-wide dependency: every unsafe request to a page must carry the form's token."""
    if is_exempt(request):
        return
    cookie = request.cookies.get(COOKIE, "")
    offered = request.headers.get(HEADER, "")
    if not offered and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(FIELD)
        offered = value if isinstance(value, str) else ""
    if not cookie or not offered or not hmac.compare_digest(offered, _sign(request, cookie)):
        raise Problem(
            403,
            "This form has expired or did not come from this site. Reload the page and try again.",
            title="Form check failed",
        )
