"""Templates and static files of the server-rendered UI (Jinja2 + htmx, no build step)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from clearinghouse import __version__
from clearinghouse.web.navigation import nav_items

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
HTMX_FILE = "htmx-2.0.11.min.js"

templates = Jinja2Templates(directory=WEB_DIR / "templates")
templates.env.globals.update(version=__version__, htmx_file=HTMX_FILE, nav_items=nav_items)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    """Render a page; htmx requests get the same template, which may skip the layout."""
    context.setdefault("is_htmx", request.headers.get("hx-request") == "true")
    return templates.TemplateResponse(request, template, context, status_code=status_code)
