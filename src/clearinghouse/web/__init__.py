"""Templates and static files of the server-rendered UI (Jinja2 + htmx, no build step)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from clearinghouse import __version__
from clearinghouse.web import csrf
from clearinghouse.web.navigation import NavItem, nav_items

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
HTMX_FILE = "htmx-2.0.11.min.js"

templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.globals.update(version=__version__, htmx_file=HTMX_FILE)

NavFilter = Callable[[Request, NavItem], bool]


def visible_nav(request: Request) -> list[NavItem]:
    """The menu entries this visitor may open (the app decides, through the policy)."""
    allowed: NavFilter | None = getattr(request.app.state, "nav_filter", None)
    return [item for item in nav_items() if allowed is None or allowed(request, item)]


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render a page with the layout's needs: menu, visitor, CSRF token for its forms."""
    context.setdefault("principal", getattr(request.state, "principal", None))
    context["nav"] = visible_nav(request)
    context["csrf_field"] = csrf.hidden_field(request)
    context["csrf_token"] = csrf.token(request)
    response = templates.TemplateResponse(request, template, context, status_code=status_code)
    csrf.set_cookie_if_new(request, response)
    return response
