"""The HTTP side of the CouchDB store: one pooled client, bounded retries, CouchDB errors as ``SyncError``.

Credentials given in the URL (``http://user:pass@host:5984``) are sent as HTTP basic auth and kept
out of everything else: the URL this module keeps for messages has no user info, errors are raised
outside ``except`` blocks so they carry no ``__context__`` (a transport exception holds the request and
its ``Authorization`` header), and every reason taken from a response body is scrubbed of the password.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import httpx

from .errors import (
    RETRY_STATUSES,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
    SyncError,
    TooLarge,
    Unauthorized,
    Unavailable,
    error_for_status,
)

logger = logging.getLogger("alongside.sync.couchdb")

UNREACHABLE = "The storage server cannot be reached; try again shortly."
REFUSED = "The storage server refused this server's credentials; the operator must check the CouchDB URL."
CONFLICT_REASON = "Document update conflict."
INCOMPLETE = "The storage server could not complete this request; try again."
DB_MISSING = "Database does not exist."
DB_EXISTS = "The database could not be created, the file already exists."
# httpx's pool looks at every idle connection (a socket check each) for every request it sends, so a
# large pool costs CPU on each call; more than this many calls at once wait for a connection instead.
DEFAULT_CONNECTIONS = 8
# Longpolls hold their connection for up to a minute: they get a pool of their own so that they
# never starve short calls, with few idle connections kept.
LONGPOLL_KEEPALIVE = 4
SLOW_CALL_SECONDS = 1.0  # a call (retries included, longpolls excepted) slower than this is logged


@dataclass(frozen=True, slots=True)
class Response:
    """A CouchDB answer: the status and the decoded JSON body (``None`` for an empty or non-JSON body)."""

    status: int
    body: Any


def split_credentials(url: str) -> tuple[str, httpx.BasicAuth | None, str | None]:
    """``(url without user info, basic auth or None, password or None)`` for a CouchDB URL."""
    try:
        parsed = httpx.URL(url)
        valid = parsed.scheme in ("http", "https") and bool(parsed.host) and 0 < (parsed.port or 80) < 65536
    except Exception:  # the URL's text (and so its password) must not reach the message
        valid = False
    if not valid:
        raise ValueError("The CouchDB URL must be http:// or https:// with a host (and, optionally, user:password@)")
    username = unquote(parsed.username) if parsed.username else ""
    password = unquote(parsed.password) if parsed.password else ""
    safe = str(parsed.copy_with(username=None, password=None)).rstrip("/")
    if not username and not password:
        return safe, None, None
    return safe, httpx.BasicAuth(username, password), password or None


class CouchDBClient:
    """A pooled ``httpx.AsyncClient`` for one CouchDB server, with deadlines and retries.

    Every call has a deadline of ``timeout`` seconds from its start. Idempotent calls are retried
    with exponential backoff on connection failures and 5xx answers until the deadline; other calls
    are retried only when the connection could not be made at all (the request was never sent).
    When the server cannot be reached in time the call raises :class:`Unavailable`. A ``202 Accepted``
    (a cluster stored the write on fewer copies than its write quorum) is a write that was made: it is
    returned as written, and logged as a warning.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 10.0,
        retries: int = 3,
        backoff: float = 0.1,
        max_connections: int | None = None,
    ) -> None:
        self.url, self._auth, self._password = split_credentials(url)
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        connections = max_connections or DEFAULT_CONNECTIONS
        self._limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        self._longpoll_limits = httpx.Limits(max_connections=None, max_keepalive_connections=LONGPOLL_KEEPALIVE)
        self._client: httpx.AsyncClient | None = None
        self._longpoll_client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"CouchDBClient({self.url!r})"

    async def open(self) -> None:
        """Create the connection pools (one for short calls, one for longpolls)."""
        if self._client is None:
            self._client = self._new_client(self._limits)
            self._longpoll_client = self._new_client(self._longpoll_limits)

    def _new_client(self, limits: httpx.Limits) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url, auth=self._auth, timeout=self.timeout, limits=limits, trust_env=False
        )

    async def close(self) -> None:
        """Close every pooled connection."""
        client, self._client = self._client, None
        longpoll_client, self._longpoll_client = self._longpoll_client, None
        for pool in (client, longpoll_client):
            if pool is not None:
                await pool.aclose()

    def scrub(self, text: str) -> str:
        """``text`` with the password (if any) masked."""
        return text.replace(self._password, "***") if self._password else text

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json: Any = None,
        idempotent: bool | None = None,
        ok: tuple[int, ...] = (200, 201, 202),
        expect: tuple[int, ...] = (),
        read_timeout: float | None = None,
        longpoll: bool = False,
    ) -> Response:
        """Send one request; return the response if its status is in ``ok`` or ``expect``, raise otherwise.

        ``idempotent`` defaults to ``True`` for GET and HEAD. Statuses in ``expect`` are returned
        instead of being turned into errors (e.g. 404 when asking whether a database exists).
        ``read_timeout`` replaces the deadline while waiting for the answer, and ``longpoll`` sends the
        call through the longpoll pool.
        """
        client = self._longpoll_client if longpoll else self._client
        if client is None:
            raise RuntimeError("CouchDBStore.open() was not called")
        retry_all = method in ("GET", "HEAD") if idempotent is None else idempotent
        started = time.monotonic()
        deadline = started + self.timeout
        attempt = 0
        while True:
            remaining = max(deadline - time.monotonic(), 0.05)
            timeout = httpx.Timeout(remaining if read_timeout is None else self.timeout, read=read_timeout or remaining)
            # httpx's timeouts bound each step (pool, connect, write, read) separately; the deadline bounds
            # the attempt as a whole, so a full pool followed by a silent CouchDB cannot add the steps up.
            budget = remaining if read_timeout is None else self.timeout + read_timeout
            response, failure, sent = await self._send(client, method, path, params, json, timeout, budget)
            # Errors are raised outside ``except`` blocks: the transport exception (which holds the
            # request and its Authorization header) must not ride along as __context__.
            if response is not None:
                if response.status_code in ok or response.status_code in expect:
                    if response.status_code == 202 and method != "GET":
                        self._log_accepted(method, path)
                    elapsed = time.monotonic() - started
                    if elapsed > SLOW_CALL_SECONDS and not longpoll:
                        logger.warning(
                            "CouchDB at %s took %.1f s to answer %s %s",
                            self.url,
                            elapsed,
                            method,
                            path.split("?", 1)[0],
                        )
                    return Response(response.status_code, _decode(response))
                if not (retry_all and response.status_code in RETRY_STATUSES):
                    raise self.error(response.status_code, _decode(response))
                failure = f"HTTP {response.status_code}"
            elif sent and not retry_all:
                self._log_unreachable(method, path, failure, retried=attempt > 0)
                raise Unavailable(UNREACHABLE)
            delay = self.backoff * (2**attempt)
            attempt += 1
            if attempt > self.retries or time.monotonic() + delay >= deadline:
                self._log_unreachable(method, path, failure, retried=attempt > 1)
                raise Unavailable(UNREACHABLE)
            await asyncio.sleep(delay)

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        path: str,
        params: dict[str, str] | None,
        body: Any,
        timeout: httpx.Timeout,
        budget: float,
    ) -> tuple[httpx.Response | None, str, bool]:
        """``(response or None, failure name, whether the request may have reached the server)``; the whole
        attempt gets ``budget`` seconds."""
        headers = {"Accept": "application/json"}
        try:
            async with asyncio.timeout(budget):
                response = await client.request(
                    method, path, params=params, json=body, headers=headers, timeout=timeout
                )
        except TimeoutError:
            return None, "deadline", True
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            return None, type(exc).__name__, False
        except httpx.TransportError as exc:
            return None, type(exc).__name__, True
        return response, "", True

    async def longpoll(self, path: str, params: dict[str, str], wait: float) -> Response | None:
        """A ``GET`` that may legitimately take ``wait`` seconds; ``None`` if no answer came by then.

        Connecting still has the usual deadline and retries; only the wait for the answer is longer.
        The client enforces ``wait`` itself, besides CouchDB's own ``timeout``: nothing between here and
        CouchDB can hold the caller longer.
        """
        try:
            async with asyncio.timeout(wait):
                return await self.request("GET", path, params=params, read_timeout=wait + self.timeout, longpoll=True)
        except TimeoutError:
            return None

    def _log_accepted(self, method: str, path: str) -> None:
        """A write CouchDB stored on fewer copies than its write quorum (``202 Accepted``: a cluster that has
        lost nodes). The write is kept, and CouchDB copies it to the other nodes when they are back; the
        operator should know the cluster is running without its margin."""
        logger.warning(
            "CouchDB at %s accepted %s %s on fewer copies than its write quorum (202): nodes of the cluster are down",
            self.url,
            method,
            path.split("?", 1)[0],
        )

    def _log_unreachable(self, method: str, path: str, failure: str, *, retried: bool) -> None:
        logger.warning(
            "CouchDB at %s did not answer %s %s (%s%s)",
            self.url,
            method,
            path.split("?", 1)[0],
            failure,
            ", after retries" if retried else "",
        )

    def error(self, status: int, body: Any) -> SyncError:
        """The :class:`SyncError` for a CouchDB error answer (never carrying credentials).

        The status goes through :func:`~alongside.sync.errors.error_for_status`, the map every client
        shares; then what CouchDB says about this server's own requests is told as a storage problem:
        a refused login (401/403) is the operator's to fix, so devices get 503, not a 401 about their own
        credentials; a 5xx is logged and kept vague; reasons become the SQLite store's."""
        error = body.get("error") if isinstance(body, dict) else None
        raw_reason = body.get("reason") if isinstance(body, dict) else None
        reason = self.scrub(str(raw_reason)) if raw_reason else ""
        if status >= 500:
            logger.warning("CouchDB at %s answered HTTP %s (%s)", self.url, status, self.scrub(str(error)))
            return error_for_status(status, UNREACHABLE if status in (502, 503, 504) else INCOMPLETE)
        mapped = error_for_status(status, reason or f"The storage server answered HTTP {status}")
        if isinstance(mapped, Unauthorized | Forbidden):
            logger.error("CouchDB at %s refused this server's credentials (HTTP %s)", self.url, status)
            return Unavailable(REFUSED)
        if isinstance(mapped, NotFound):
            if reason in ("no_db_file", DB_MISSING, "Database does not exist"):
                return NotFound(DB_MISSING)
            return NotFound(reason if reason in ("missing", "deleted") else "missing")
        if isinstance(mapped, Conflict):
            return Conflict(CONFLICT_REASON)
        if isinstance(mapped, PreconditionFailed):
            exists = error == "file_exists"
            return PreconditionFailed(DB_EXISTS) if exists else BadRequest(reason or "Precondition failed")
        if isinstance(mapped, BadRequest) and not reason:
            return BadRequest("Bad request")
        if isinstance(mapped, TooLarge) and not reason:
            return TooLarge("Request is too large for the storage server")
        if type(mapped) is SyncError:  # a status this server never expects of CouchDB: its own failure
            return SyncError(mapped.reason)
        return mapped


def _decode(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
