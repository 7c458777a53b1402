"""The web application: API, pages and probes, with the in-process job consumer."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

from clearinghouse import __version__
from clearinghouse.config import Settings, load_settings
from clearinghouse.identity import api as identity_api
from clearinghouse.identity import hashing, policy
from clearinghouse.identity import ui as identity_ui
from clearinghouse.identity.audit import api as audit_api
from clearinghouse.identity.audit import ui as audit_ui
from clearinghouse.identity.guard import current_principal
from clearinghouse.identity.http_errors import install_identity_handlers
from clearinghouse.inventory import api as inventory_api
from clearinghouse.inventory import ui as inventory_ui
from clearinghouse.knowledge import api as knowledge_api
from clearinghouse.knowledge import ui as knowledge_ui
from clearinghouse.logs import request_id_var
from clearinghouse.matching import api as matching_api
from clearinghouse.middleware import RequestIdMiddleware
from clearinghouse.problems import install_problem_handlers
from clearinghouse.reports import api as reports_api
from clearinghouse.reports import review_api as reports_review_api
from clearinghouse.reports import review_ui as reports_review_ui
from clearinghouse.reports import ui as reports_ui
from clearinghouse.runtime import Runtime
from clearinghouse.system import api as system_api
from clearinghouse.system import ui as system_ui
from clearinghouse.triage import api as triage_api
from clearinghouse.triage import ui as triage_ui
from clearinghouse.web import STATIC_DIR, csrf, render
from clearinghouse.web.navigation import NavItem

log = logging.getLogger(__name__)


def _html_error(request: Request, status: int, title: str, detail: str) -> Response:
    return render(
        request,
        "error.html",
        status_code=status,
        status=status,
        title=title,
        detail=detail,
        request_id=request_id_var.get(),
    )


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    start_consumer: bool | None = None,
) -> FastAPI:
    """Build the app. `start_consumer` defaults to the `in_process_worker` setting."""
    settings = settings or (runtime.settings if runtime else load_settings())
    runtime = runtime or Runtime.create(settings)
    run_consumer = settings.in_process_worker if start_consumer is None else start_consumer
    # Made now, so that the first sign-in to an unknown account is no slower than the next.
    hashing.dummy_hash()
    if hashing.TEST_ONLY_HASHING:
        log.warning(
            "%s=1: new passwords are hashed with test-only argon2 parameters",
            hashing.FAST_HASHING_VARIABLE,
        )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        consumer = None
        if run_consumer:
            consumer = runtime.queue.start_embedded_consumer(settings.worker_threads)
            log.info(
                "in-process job consumer started (%s queue, %d threads)",
                runtime.queue.backend,
                settings.worker_threads,
            )
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
            runtime.close()

    app = FastAPI(
        # Every unsafe request to a page must carry its form's CSRF token.
        dependencies=[Depends(csrf.verify)],
        title="Clearinghouse",
        version=__version__,
        summary="Validate, prioritize and distribute vulnerability fixes.",
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.nav_filter = _nav_filter
    app.add_middleware(RequestIdMiddleware)
    install_problem_handlers(app, html_page=_html_error)
    install_identity_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for router in ROUTERS:
        app.include_router(router)
    return app


ROUTERS = (
    system_api.probes,
    system_api.router,
    identity_api.router,
    knowledge_api.router,
    reports_review_api.router,  # before the reports router: /reports/scorecards is no report id
    reports_api.router,
    inventory_api.router,
    matching_api.router,
    triage_api.router,
    audit_api.router,
    system_ui.router,
    identity_ui.router,
    knowledge_ui.router,
    reports_review_ui.router,  # before the reports pages: /reports/triage is no report id
    reports_ui.router,
    inventory_ui.router,
    triage_ui.router,
    audit_ui.router,
)


def _nav_filter(request: Request, item: NavItem) -> bool:
    return policy.allowed(current_principal(request), item.action)
