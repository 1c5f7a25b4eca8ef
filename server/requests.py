"""Reading requests safely: bounded bodies read in bounded time, strict JSON, typed query parameters.

Every limit here answers a 4xx in the route family's error shape (server/errors.py), never a 500:

- a body larger than its limit is ``413``; one that arrives too slowly (under ``body_timeout_seconds``
  plus one second per ``body_min_bytes_per_second`` bytes received, as Apache's mod_reqtimeout counts)
  is ``408``; a client that goes away mid-body ends the request without a traceback;
- JSON is strict (RFC 8259 without ``NaN``/``Infinity``) and interoperable (I-JSON, RFC 7493): UTF-8,
  no lone surrogates, integers within ±(2^53 - 1) (what a JavaScript client can send exactly), finite
  numbers, at most ``max_json_depth`` levels of nesting and ``max_json_values`` values. The value count
  is checked on the raw bytes before anything is parsed, so an oversized body costs no memory;
- large bodies are parsed on a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio.to_thread
import orjson
from starlette.requests import ClientDisconnect, Request

from alongside.sync.errors import BadRequest, SyncError, TooLarge

from .settings import Settings

MAX_JSON_INTEGER = 2**53 - 1
MAX_INTEGER_DIGITS = len(str(MAX_JSON_INTEGER))
OFF_LOOP_BYTES = 256 * 1024  # bodies larger than this are parsed on a worker thread
INTEGER = re.compile(r"-?[0-9]+")
# A JSON escape of a UTF-16 surrogate: only then can a parsed string hold a lone one.
SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestTimeout(SyncError):
    """The request body did not arrive in time (``408``)."""

    status = 408
    error = "request_timeout"


class ClientGone(SyncError):
    """The client closed the connection before its request arrived; nobody reads the answer."""

    status = 400
    error = "bad_request"


@dataclass(frozen=True, slots=True)
class JsonLimits:
    """How deep and how large a JSON value may be."""

    max_depth: int
    max_values: int

    @classmethod
    def of(cls, settings: Settings) -> JsonLimits:
        return cls(settings.max_json_depth, settings.max_json_values)


DEFAULT_SETTINGS = Settings()
DEFAULT_LIMITS = JsonLimits.of(DEFAULT_SETTINGS)


def _settings(request: Request) -> Settings:
    state = getattr(request.app.state, "alongside", None)
    settings = getattr(state, "settings", None)
    return settings if isinstance(settings, Settings) else DEFAULT_SETTINGS


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refusing more than ``limit`` bytes before reading them all, or a body that
    arrives too slowly (:class:`RequestTimeout`)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        digits = declared.strip()
        if not digits.isascii() or not digits.isdigit():
            raise BadRequest("Content-Length must be a number")
        if len(digits) > MAX_INTEGER_DIGITS or int(digits) > limit:
            raise TooLarge(f"Request body is larger than the limit of {limit} bytes")
    settings = _settings(request)
    started = time.monotonic()
    chunks: list[bytes] = []
    received = 0
    stream = request.stream()
    while True:
        allowed = settings.body_timeout_seconds + received / max(settings.body_min_bytes_per_second, 1)
        remaining = started + allowed - time.monotonic()
        try:
            async with asyncio.timeout(max(remaining, 0)):
                chunk = await anext(stream)
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise RequestTimeout("The request body arrived too slowly; try again.") from None
        except ClientDisconnect:
            raise ClientGone("The connection closed before the request arrived.") from None
        received += len(chunk)
        if received > limit:
            raise TooLarge(f"Request body is larger than the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _OutOfRange(Exception):
    """A JSON number outside what this server accepts (raised through the JSON parser)."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise _OutOfRange
    number = int(text)
    if abs(number) > MAX_JSON_INTEGER:
        raise _OutOfRange
    return number


def _number(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise _OutOfRange
    return number


def estimated_values(raw: bytes) -> int:
    """An upper bound on the values (array elements and object members) in the JSON text ``raw``,
    counted without parsing it: a non-empty array or object has one more element than commas."""
    return raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1


def parse_json(raw: bytes, limits: JsonLimits = DEFAULT_LIMITS) -> Any:
    """Strict, interoperable JSON within ``limits`` (see the module's docstring), or ``BadRequest``/``TooLarge``.

    orjson parses first: it refuses what is not strict UTF-8 JSON (lone surrogates, ``NaN``, numbers too large
    for a double) and is several times faster than the standard library. Its value is taken only when a walk
    finds it within the limits and holding no floating-point number (orjson reads an integer over 64 bits as a
    float); anything else, including each refusal, is decided by the standard library's parser with hooks, so
    what is accepted and each error's words do not depend on which parser ran.
    """
    if estimated_values(raw) > limits.max_values:
        raise TooLarge(f"JSON with more than {limits.max_values} values is not accepted")
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    else:
        if _plain_within(value, limits.max_depth):
            return value
    return _parse_json_strictly(raw, limits)


def _plain_within(value: Any, max_depth: int) -> bool:
    """Whether ``value`` (from orjson) nests at most ``max_depth`` levels and holds no float and no integer
    beyond ±(2^53 - 1): then the strict parser would accept it as it is."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind is int:
            if not -MAX_JSON_INTEGER <= node <= MAX_JSON_INTEGER:
                return False
        elif kind is float:
            return False
        elif kind is dict or kind is list:
            if depth > max_depth:
                return False
            for item in node.values() if kind is dict else node:
                stack.append((item, depth + 1))
    return True


def _parse_json_strictly(raw: bytes, limits: JsonLimits) -> Any:
    try:
        value = json.loads(
            raw.decode("utf-8"), parse_constant=_reject_constant, parse_int=_integer, parse_float=_number
        )
    except RecursionError:
        raise BadRequest(f"JSON may be nested at most {limits.max_depth} levels deep") from None
    except _OutOfRange:
        raise BadRequest(f"JSON numbers must be finite, and integers within ±{MAX_JSON_INTEGER}") from None
    except (UnicodeDecodeError, ValueError):
        raise BadRequest("invalid UTF-8 JSON") from None
    check_json_value(value, limits.max_depth, surrogates=SURROGATE_ESCAPE.search(raw) is not None)
    return value


def check_json_value(value: Any, max_depth: int, *, surrogates: bool = True) -> None:
    """Refuse nesting deeper than ``max_depth`` and (if ``surrogates``) strings with a lone surrogate."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            if surrogates and LONE_SURROGATE.search(node):
                raise BadRequest("JSON strings must be valid Unicode: a lone surrogate (\\ud800-\\udfff) is not")
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > max_depth:
            raise BadRequest(f"JSON may be nested at most {max_depth} levels deep")
        items: list[Any] = node if isinstance(node, list) else [*node.keys(), *node.values()]
        for item in items:
            kind = type(item)
            if kind is dict or kind is list or (surrogates and kind is str):
                stack.append((item, depth + 1))


async def parse_json_off_loop(raw: bytes, limits: JsonLimits) -> Any:
    """:func:`parse_json`, on a worker thread when ``raw`` is large."""
    if len(raw) <= OFF_LOOP_BYTES:
        return parse_json(raw, limits)
    return await anyio.to_thread.run_sync(partial(parse_json, raw, limits))


async def read_json_object(
    request: Request, limit: int, *, max_values: int | None = None, allow_empty: bool = False
) -> dict[str, Any]:
    """A JSON object body, or ``BadRequest``/``TooLarge``/``RequestTimeout``; ``max_values`` lowers the
    settings' cap for a request whose shape bounds its values (checked before parsing). With ``allow_empty``,
    an empty body is ``{}``."""
    limits = JsonLimits.of(_settings(request))
    if max_values is not None:
        limits = JsonLimits(limits.max_depth, min(limits.max_values, max_values))
    raw = await read_body(request, limit)
    if allow_empty and not raw.strip():
        return {}
    body = await parse_json_off_loop(raw, limits)
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


def query_int(
    request: Request, name: str, default: int | None = None, *, minimum: int = 0, maximum: int = MAX_JSON_INTEGER
) -> int | None:
    """An integer query parameter within ``minimum`` … ``maximum`` (ASCII digits only), or ``BadRequest``."""
    value = request.query_params.get(name)
    if value is None or value == "":
        return default
    if not INTEGER.fullmatch(value) or len(value.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BadRequest(f"Query parameter `{name}` must be an integer from {minimum} to {maximum}")
    number = int(value)
    if not minimum <= number <= maximum:
        raise BadRequest(f"Query parameter `{name}` must be an integer from {minimum} to {maximum}")
    return number


def query_json(request: Request, name: str) -> Any:
    """A JSON-encoded query parameter (CouchDB encodes keys and ``open_revs`` this way), within the JSON limits."""
    value = request.query_params.get(name)
    if value is None:
        return None
    try:
        return parse_json(value.encode("utf-8", "surrogatepass"), JsonLimits.of(_settings(request)))
    except SyncError as exc:
        raise BadRequest(f"Query parameter `{name}` must be JSON: {exc.reason}") from None


def query_key(request: Request, *names: str) -> str | None:
    """A document-id key (``startkey``/``start_key``…): JSON-encoded string."""
    for name in names:
        value = query_json(request, name)
        if value is not None:
            if not isinstance(value, str):
                raise BadRequest(f"Query parameter `{name}` must be a JSON string")
            return value
    return None
