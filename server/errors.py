"""One error shape per surface: ``{"error", "reason"}`` on ``/sync``, ``{"error", "detail"}`` elsewhere."""

from __future__ import annotations

import json
import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alongside.sync.errors import SyncError

logger = logging.getLogger("alongside.server")

HTTP_ERROR_NAMES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    409: "conflict",
    410: "gone",
    413: "too_large",
    415: "bad_content_type",
    429: "too_many_requests",
    431: "headers_too_large",
    500: "internal_server_error",
    503: "service_unavailable",
}


class ApiError(Exception):
    """An error of the ``/api`` layer itself (not of the document stores, whose errors are ``SyncError``):
    answered as ``{"error", "detail"}`` with :attr:`status`, and ``Retry-After`` when :attr:`retry_after` is set."""

    status = 400
    error = "bad_request"
    retry_after: int | None = None

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def is_sync_path(path: str) -> bool:
    """Whether ``path`` is under ``/sync``, whose errors are CouchDB's ``{"error", "reason"}``."""
    return path.startswith("/sync/") or path == "/sync"


def _is_sync(request: Request) -> bool:
    return is_sync_path(request.url.path)


def error_body(path: str, error: str, message: str) -> bytes:
    """An error body in the shape of ``path``'s route family (for answers given before routing)."""
    return json.dumps({"error": error, "reason" if is_sync_path(path) else "detail": message}).encode()


def error_response(
    request: Request, status: int, error: str, message: str, *, retry_after: int | None = None
) -> Response:
    key = "reason" if _is_sync(request) else "detail"
    headers: dict[str, str] = {"Cache-Control": "no-store"}  # also for a 500, which skips the middleware
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="alongside"'
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse({"error": error, key: message}, status_code=status, headers=headers)


async def sync_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SyncError)
    return error_response(request, exc.status, exc.error, exc.reason)


async def api_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(request, exc.status, exc.error, exc.detail, retry_after=exc.retry_after)


async def invalid_revision_handler(request: Request, exc: Exception) -> Response:
    return error_response(request, 400, "bad_request", str(exc) or "Invalid rev format")


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = HTTP_ERROR_NAMES.get(exc.status_code, "error")
    detail = exc.detail if isinstance(exc.detail, str) else name
    if exc.status_code == 404:
        detail = "missing" if _is_sync(request) else "Not found"
    return error_response(request, exc.status_code, name, detail)


def logged_path(path: str) -> str:
    """``path`` as it may be logged: a fact set's id is never written down (docs/security.md, "Learning without
    control"), so ``/api/v1/learning/facts/<set>`` is logged as ``/api/v1/learning/facts/{set}``."""
    if path.startswith("/api/v1/learning/facts/"):
        return "/api/v1/learning/facts/{set}"
    return path


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    path = logged_path(request.url.path)
    if path != request.url.path:  # no traceback either: its messages could hold the set's id
        logger.error("unexpected error on %s %s: %s", request.method, path, type(exc).__name__)
    else:
        logger.exception("unexpected error on %s %s", request.method, path)
    return error_response(
        request, 500, "internal_server_error", "The server could not complete this request; try again."
    )


async def client_disconnect_handler(request: Request, exc: Exception) -> Response:
    """The client went away mid-request: nobody reads the answer, and it is not the server's fault (no log)."""
    return error_response(request, 400, "bad_request", "The connection closed before the request arrived.")
