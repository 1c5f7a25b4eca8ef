"""``GET|POST /sync/{plan_id}/_changes``: the normal and longpoll feeds, as PouchDB's HTTP adapter uses them.

Access is checked when the request arrives and again **after** the changes to send were read and before
they are sent, so nothing written after a member's removal reaches their devices. A longpoll waits in
:class:`~alongside.server.longpolls.Longpolls`, which wakes it when the directory changes its access;
it then checks again and ends. How it ends:

- before anything was sent: the usual error answer, ``403``/``401`` ``{"error", "reason"}``;
- after ``heartbeat`` newlines were sent (the status, ``200``, is on the wire already): a last line
  ``{"error": "forbidden", "reason": "…"}`` instead of the changes, and the response ends. PouchDB then
  fails the request and its replication stops, or retries and gets the ``403``.

Query parameters are checked before anything is read: ``since`` (``now``, an integer from 0 to 2^53 - 1,
or a sequence this server issued), ``limit``, ``timeout`` and ``seq_interval`` within 0 (1) … 2^53 - 1,
``timeout`` capped at ``longpoll_max_seconds``, ``heartbeat`` at least ``min_heartbeat_ms``, and at most
``max_docs_per_request`` ``doc_ids``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import time
from collections.abc import AsyncGenerator, Awaitable
from typing import Protocol

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from alongside.sync.errors import BadRequest, SyncError, TooLarge
from alongside.sync.store import ChangesRequest, Json, Seq

from .directory_access import SyncAccess
from .errors import error_response
from .json_response import OrjsonResponse
from .requests import MAX_JSON_INTEGER, query_bool, query_int, query_json, read_json_object
from .settings import Settings
from .state import AppState

logger = logging.getLogger("alongside.server")

HEARTBEAT = b"\n"
# A longpoll woken with nothing new to send from where it waits (on a CouchDB cluster, the copy that woke it
# can be ahead of the copies the feed then reads, for as long as CouchDB takes to copy a write across) waits
# this long before it asks again, rather than asking in a loop.
NOTHING_NEW_PAUSE = 0.05
MAX_SEQ_LENGTH = 4096
# A sequence as a CouchDB server issues it: an integer, or an integer, a dash and opaque printable ASCII.
SEQ_TEXT = re.compile(r"([0-9]{1,16})(-[!-~]*)?")


class Recheck(Protocol):
    """Check the request's access again (``Directory.authorise_sync``; ``fresh``: ask the directory now)."""

    def __call__(self, *, fresh: bool = False) -> Awaitable[None]: ...


def parse_since(raw: str) -> Seq:
    """``since``: ``now``, an integer from 0 to 2^53 - 1, or a sequence string (JSON-encoded or not)."""
    if raw == "now":
        return "now"
    text = raw
    if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = None
        if not isinstance(decoded, str):
            raise BadRequest("since must be now, 0 or a sequence this server issued")
        text = decoded
    match = SEQ_TEXT.fullmatch(text) if len(text) <= MAX_SEQ_LENGTH else None
    if match is None or int(match.group(1)) > MAX_JSON_INTEGER:
        raise BadRequest("since must be now, 0 or a sequence this server issued")
    return int(text) if match.group(2) is None else text


def _changes_request(request: Request, body: Json | None, settings: Settings) -> tuple[ChangesRequest, int | None]:
    since = parse_since(request.query_params.get("since", "0"))
    style = request.query_params.get("style", "main_only")
    if style not in ("main_only", "all_docs"):
        raise BadRequest("style must be main_only or all_docs")
    doc_ids: list[str] | None = None
    filter_name = request.query_params.get("filter")
    if filter_name is not None:
        if filter_name != "_doc_ids":
            raise BadRequest("Only the _doc_ids filter is supported")
        raw_ids = (body or {}).get("doc_ids", query_json(request, "doc_ids"))
        if not isinstance(raw_ids, list) or not all(isinstance(i, str) for i in raw_ids):
            raise BadRequest("doc_ids must be a list of document ids")
        if len(raw_ids) > settings.max_docs_per_request:
            raise TooLarge(f"At most {settings.max_docs_per_request} doc_ids per request")
        doc_ids = raw_ids
    seq_interval = query_int(request, "seq_interval", minimum=1)
    return (
        ChangesRequest(
            since=since,
            limit=query_int(request, "limit", minimum=0),
            include_docs=query_bool(request, "include_docs"),
            all_leaves=style == "all_docs",
            conflicts=query_bool(request, "conflicts"),
            descending=query_bool(request, "descending"),
            doc_ids=doc_ids,
        ),
        seq_interval,
    )


def _apply_seq_interval(result: Json, interval: int | None) -> Json:
    if interval is None:
        return result
    rows = result["results"]
    for index, row in enumerate(rows):
        if (index + 1) % interval != 0 and index != len(rows) - 1:
            row["seq"] = None
    return result


async def changes(request: Request) -> Response:
    state: AppState = request.app.state.alongside
    settings = state.settings
    authorization = request.headers.get("authorization")
    plan_id = request.path_params["plan_id"]
    access = await state.directory.authorise_sync(authorization, plan_id, write=False)

    async def recheck(*, fresh: bool = False) -> None:
        await state.directory.authorise_sync(authorization, plan_id, write=False, fresh=fresh)

    body = await read_json_object(request, settings.max_request_bytes) if request.method == "POST" else None
    changes_request, seq_interval = _changes_request(request, body, settings)
    feed = request.query_params.get("feed", "normal")
    if feed not in ("normal", "longpoll"):
        raise BadRequest("feed must be normal or longpoll")
    timeout = min((query_int(request, "timeout", 60_000) or 0) / 1000, settings.longpoll_max_seconds)
    heartbeat_ms = query_int(request, "heartbeat", minimum=settings.min_heartbeat_ms)
    heartbeat = heartbeat_ms / 1000 if heartbeat_ms else None
    if changes_request.since == "now":
        changes_request.since = (await state.store.database_info(access.database))["update_seq"]
    first = await state.store.changes(access.database, changes_request)
    if feed == "normal" or first["results"] or timeout <= 0:
        await recheck()  # what was read is sent only if the access still holds after reading it
        return OrjsonResponse(_apply_seq_interval(first, seq_interval))
    waiting = _wait_for_changes(state, access, recheck, changes_request, timeout, heartbeat)
    return WaitingChanges(request, waiting, seq_interval)


async def _wait_for_changes(
    state: AppState,
    access: SyncAccess,
    recheck: Recheck,
    changes_request: ChangesRequest,
    timeout: float,
    heartbeat: float | None,
) -> AsyncGenerator[bytes | Json, None]:
    """A longpoll: :data:`HEARTBEAT` every ``heartbeat`` seconds while nothing changes, then the changes
    (empty at the timeout, when a newer longpoll of the device replaced this one, or when the server stops).
    Raises the ``SyncError`` of a refused access as soon as the directory changes it."""
    store = state.store
    db = access.database
    deadline = time.monotonic() + timeout
    async with state.longpolls.open(access) as poll:
        # From here on a change of access wakes this longpoll; one made before is seen by asking the directory now
        # (not by a read sent before the registration, which may have vouched for the access a moment ago).
        await recheck(fresh=True)
        store_wait: asyncio.Task[bool] | None = None
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                if store_wait is None:
                    store_wait = asyncio.ensure_future(store.wait_for_change(db, changes_request.since, remaining))
                woken = asyncio.ensure_future(poll.woken.wait())
                try:
                    done, _ = await asyncio.wait(
                        {store_wait, woken},
                        timeout=min(remaining, heartbeat or remaining),
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                finally:
                    woken.cancel()
                if poll.woken.is_set():
                    poll.woken.clear()
                    if poll.ended:
                        break
                    await recheck(fresh=True)  # woken by a directory change: ask the directory, not memory
                    continue
                if store_wait in done:
                    changed = store_wait.result()
                    store_wait = None
                    if changed:
                        # Answer once there is something to send: a change outside a doc_ids filter (or a
                        # wake-up with nothing new) keeps the request waiting, as CouchDB's longpoll does,
                        # from where that read of the feed got to. Never from the database's update_seq: on
                        # a CouchDB cluster it can name shard copies holding a document the read's copies
                        # lack yet, and the device would never be sent it.
                        result = await store.changes(db, changes_request)
                        if not result["results"]:
                            if result["last_seq"] == changes_request.since:
                                await asyncio.sleep(min(NOTHING_NEW_PAUSE, max(deadline - time.monotonic(), 0)))
                            changes_request.since = result["last_seq"]
                            continue
                        await recheck()
                        yield result
                        return
                    continue
                if heartbeat is not None and deadline - time.monotonic() > 0:
                    yield HEARTBEAT
        finally:
            if store_wait is not None:
                store_wait.cancel()
                with contextlib.suppress(BaseException):
                    await store_wait
    result = await store.changes(db, changes_request)
    await recheck()
    yield result


class WaitingChanges(Response):
    """The answer of a longpoll: nothing is sent until the first heartbeat or the answer, so a refusal
    before any heartbeat is a plain error answer. Stops waiting when the client goes away."""

    def __init__(self, request: Request, events: AsyncGenerator[bytes | Json, None], seq_interval: int | None) -> None:
        super().__init__(media_type="application/json")
        self.request = request
        self.events = events
        self.seq_interval = seq_interval

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with anyio.create_task_group() as group:

                async def until_disconnected() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    group.cancel_scope.cancel()  # the client went away: stop waiting, answer nobody

                group.start_soon(until_disconnected)
                await self._answer(scope, receive, send)
                group.cancel_scope.cancel()
        finally:
            await self.events.aclose()  # unregisters the longpoll and cancels its wait

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def start() -> None:
            nonlocal started
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            started = True

        async def finish(line: Json, status: int = 200) -> None:
            body = json.dumps(line, separators=(",", ":")).encode() + b"\n"
            if not started:
                await JSONResponse(line, status_code=status)(scope, receive, send)
                return
            message: Message = {"type": "http.response.body", "body": body, "more_body": False}
            await send(message)

        try:
            async for event in self.events:
                if isinstance(event, bytes):
                    if not started:
                        await start()
                    await send({"type": "http.response.body", "body": event, "more_body": True})
                    continue
                await finish(_apply_seq_interval(event, self.seq_interval))
                return
        except SyncError as exc:
            if not started:
                await error_response(self.request, exc.status, exc.error, exc.reason)(scope, receive, send)
                return
            await finish(exc.as_json())
        except Exception:
            logger.exception("unexpected error in a longpoll on %s", self.request.url.path)
            reason = "The server could not complete this request; try again."
            if not started:
                await error_response(self.request, 500, "internal_server_error", reason)(scope, receive, send)
                return
            await finish({"error": "internal_server_error", "reason": reason})
