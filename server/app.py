"""The application factory: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alongside.sync.errors import SyncError
from alongside.sync.revtree import InvalidRevision

from .activities import Activities
from .api_operations import api_routes
from .directory import Directory
from .errors import (
    ApiError,
    api_error_handler,
    client_disconnect_handler,
    http_error_handler,
    invalid_revision_handler,
    sync_error_handler,
    unexpected_error_handler,
)
from .http_protocol import ON_SERVER_STOP
from .learning import Learning
from .longpolls import Longpolls
from .pages import page_routes
from .ratelimit import FailureLimiter
from .security import SecurityHeadersMiddleware
from .settings import Settings
from .settlement import AnswerOnceSettled
from .state import AppState
from .storage import open_store
from .sync_routes import sync_routes
from .validation import envelope_validator


async def healthz(request: Request) -> Response:
    """``{"status": "ok", "storage"}`` while the storage answers (``503`` otherwise); on a CouchDB cluster
    with nodes not answering, also how many answer and a warning in plain words (writes go on, on fewer
    copies: no longer safe against losing another node)."""
    state: AppState = request.app.state.alongside
    await state.store.database_info("directory")
    health: dict[str, object] = {"status": "ok", "storage": state.store.backend}
    nodes = await state.store.cluster_nodes()
    if nodes is not None and nodes[1] < nodes[0]:
        total, answering = nodes
        health["cluster"] = {"nodes": total, "answering": answering}
        health["warning"] = (
            f"Only {answering} of the {total} CouchDB nodes answer. Alongside keeps serving and CouchDB copies "
            "what was written to the others when they are back, but until then writes are kept on fewer "
            "copies than it asks for, and losing another node could lose them."
        )
    return JSONResponse(health)


def create_app(settings: Settings) -> Starlette:
    """Build the ASGI app. Storage is opened in the lifespan and closed at shutdown."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        store = open_store(settings)
        await store.open()
        try:
            directory = Directory(store, access_recheck=settings.access_recheck_seconds())
            await directory.ensure()
            await Activities(store).ensure()
            await Learning(store).ensure()
            longpolls = Longpolls(store, settings.max_longpolls_per_device)
            app.state.alongside = AppState(
                settings=settings,
                store=store,
                directory=directory,
                validate_document=envelope_validator(settings.max_document_bytes),
                limiter=FailureLimiter(
                    settings.failure_limit,
                    settings.failure_window_seconds,
                    max_keys=settings.rate_limit_max_addresses,
                ),
                longpolls=longpolls,
            )
            longpolls.start()
            try:
                # Told to stop, the server ends the open longpolls rather than wait out their timeouts.
                yield {ON_SERVER_STOP: longpolls.end_all}
            finally:
                await longpolls.stop()
        finally:
            await store.close()

    # The router tries routes in order; the sync endpoints carry most requests (several per device per sync
    # cycle), so they come first. The families' paths (/sync/, /api/v1/, the pages) never overlap.
    routes = [
        *sync_routes(),
        Route("/healthz", healthz, methods=["GET"]),
        *api_routes(),
        *page_routes(settings.pwa_dist),
    ]
    middleware = [Middleware(SecurityHeadersMiddleware), Middleware(AnswerOnceSettled)]
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "DELETE"],
                allow_headers=["Authorization", "Content-Type"],
            )
        )
    return Starlette(
        routes=routes,
        middleware=middleware,
        lifespan=lifespan,
        exception_handlers={
            SyncError: sync_error_handler,
            ApiError: api_error_handler,
            ClientDisconnect: client_disconnect_handler,
            InvalidRevision: invalid_revision_handler,
            HTTPException: http_error_handler,
            Exception: unexpected_error_handler,
        },
    )


def create_app_from_environment() -> Starlette:
    """``create_app`` with settings from ``ALONGSIDE_*`` variables: what each process of
    ``alongside serve --workers N`` runs (uvicorn imports it by name in every worker)."""
    return create_app(Settings.from_env())
