"""Reading requests safely: bounded bodies, strict JSON, typed query parameters."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from alongside.sync.errors import BadRequest, TooLarge


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise BadRequest("Content-Length must be a number") from None
        if size > limit:
            raise TooLarge(f"Request body is larger than the limit of {limit} bytes")
    chunks: list[bytes] = []
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise TooLarge(f"Request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Strict JSON (no NaN or Infinity), or ``BadRequest``."""
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("invalid UTF-8 JSON") from None


async def read_json_object(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body, or ``BadRequest``/``TooLarge``."""
    body = parse_json(await read_body(request, limit))
    if not isinstance(body, dict):
        raise BadRequest("Request body must be a JSON object")
    return body


def query_bool(request: Request, name: str, default: bool = False) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value in ("true", "1"):
        return True
    if value in ("false", "0"):
        return False
    raise BadRequest(f"Query parameter `{name}` must be true or false")


def query_int(request: Request, name: str, default: int | None = None, *, minimum: int = 0) -> int | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise BadRequest(f"Query parameter `{name}` must be an integer") from None
    if number < minimum:
        raise BadRequest(f"Query parameter `{name}` must be at least {minimum}")
    return number


def query_json(request: Request, name: str) -> Any:
    """A JSON-encoded query parameter (CouchDB encodes keys and ``open_revs`` this way)."""
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return json.loads(value, parse_constant=_reject_constant)
    except ValueError:
        raise BadRequest(f"Query parameter `{name}` must be JSON") from None


def query_key(request: Request, *names: str) -> str | None:
    """A document-id key (``startkey``/``start_key``…): JSON-encoded string."""
    for name in names:
        value = query_json(request, name)
        if value is not None:
            if not isinstance(value, str):
                raise BadRequest(f"Query parameter `{name}` must be a JSON string")
            return value
    return None
