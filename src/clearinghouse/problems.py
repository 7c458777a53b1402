"""Errors as RFC 9457 problem details (`application/problem+json`), for every API error."""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from clearinghouse.logs import request_id_var

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class Problem(Exception):
    """Raise from a route to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(status).phrase
        self.type = type_
        self.headers = headers or {}
        self.extensions = extensions


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "request_id": request_id_var.get(),
    }
    body.update(extensions)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, rest = parts[0], parts[1:]
        return f"{where}: {'.'.join(rest)}" if rest else where
    return ".".join(parts)


HtmlErrorPage = Callable[[Request, int, str, str], Response]


def wants_html(request: Request) -> bool:
    """A browser asking for a page (not the API) gets an HTML error page instead of JSON."""
    path = request.url.path
    if path.startswith("/api/") or path in ("/healthz", "/readyz"):
        return False
    return "text/html" in request.headers.get("accept", "")


def answer(
    request: Request,
    status: int,
    detail: str,
    *,
    title: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """A problem document, or the app's HTML error page when a browser asked for a page."""
    html_page: HtmlErrorPage | None = getattr(request.app.state, "html_error_page", None)
    if html_page is not None and wants_html(request):
        page = html_page(request, status, title or HTTPStatus(status).phrase, detail)
        page.headers.update(headers or {})
        return page
    return problem_response(request, status, detail, title=title, headers=headers, **extra)


def install_problem_handlers(app: FastAPI, html_page: HtmlErrorPage | None = None) -> None:
    app.state.html_error_page = html_page

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return answer(
            request,
            exc.status,
            exc.detail,
            title=exc.title,
            type_=exc.type,
            headers=exc.headers,
            **exc.extensions,
        )

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return answer(request, exc.status_code, detail, headers=dict(exc.headers or {}))

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {"location": _location(err.get("loc", ())), "message": err.get("msg", "")}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"location": "request", "message": "invalid"}
        return problem_response(
            request,
            422,
            f"{first['location']}: {first['message']}",
            title="Invalid request",
            errors=errors,
        )

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return answer(
            request, 500, "An unexpected error occurred; it has been logged with this request id."
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_unexpected)


def one_line(exc: Exception) -> str:
    """A person-readable line for an error, naming the field of a validation error."""
    errors = getattr(exc, "errors", None)
    if callable(errors):
        details = errors()
        if details:
            first = details[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            message = str(first.get("msg", "")).removeprefix("Value error, ")
            return f"{where}: {message}" if where else message
    return str(exc)
