"""Answering a request only once its directory writes hold in every process: one wait per request, not per write.

A directory write that may take ``/sync`` access away must not be answered before every process sharing the store
has to ask the directory again (:func:`wait_for_every_process`: ``ALONGSIDE_ACCESS_RECHECK_MS`` after the write).
A request that writes several such documents (a join: the device and the membership) owes that wait after its
last write only. Inside a request, :func:`wait_for_every_process` notes the time the answer may go out instead of
waiting; :class:`AnswerOnceSettled` holds the answer (or the error) until then. Outside a request (the
``alongside admin`` commands) it waits itself.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .directory_ids import DEVICE_PREFIX, EXCLUSIONS, MEMBERSHIP_PREFIX, PLAN_PREFIX, account_doc_id, keys_doc_id

# The directory documents a /sync access is decided by (``Directory.authorise_sync`` reads them; a device's also
# puts it in its plans' rosters): a change to one, or a new one of the kinds that can take access away or join a
# roster, waits for every process. An account or a plan written for the first time decides nothing remembered.
ACCESS_DECIDING_PREFIXES = (
    DEVICE_PREFIX,
    MEMBERSHIP_PREFIX,
    EXCLUSIONS.kind,
    keys_doc_id(""),
    account_doc_id(""),
    PLAN_PREFIX,
)
NEW_ACCESS_DECIDING_PREFIXES = ACCESS_DECIDING_PREFIXES[:4]


def decides_access(doc: dict[str, Any]) -> bool:
    """Whether writing the directory document ``doc`` must wait for every process (``Directory.put``)."""
    doc_id = str(doc["_id"])
    if "_rev" in doc:
        return doc_id.startswith(ACCESS_DECIDING_PREFIXES)
    return doc_id.startswith(NEW_ACCESS_DECIDING_PREFIXES)


async def wait_for_every_process(recheck: float, sleep: Callable[[float], Awaitable[None]]) -> None:
    """Wait until every process sharing the store must have seen the directory writes made so far: ``recheck``
    seconds, the longest any process answers ``/sync`` requests from a remembered access without asking the
    directory whether it changed (``UnchangedSince``). So a removal refuses the device on its very next request
    after the removal is answered, in every process. Within a request nothing waits here: the request's answer
    waits, once after its last such write (:class:`AnswerOnceSettled`)."""
    if recheck <= 0:
        return
    settlement = CURRENT_SETTLEMENT.get()
    if settlement is not None:
        settlement.owe(recheck)
    else:
        await sleep(recheck)


class Settlement:
    """The earliest moment (``time.monotonic``) the current request's answer may be sent."""

    def __init__(self) -> None:
        self.not_before = 0.0

    def owe(self, seconds: float) -> None:
        """The answer waits at least ``seconds`` from now."""
        self.not_before = max(self.not_before, time.monotonic() + seconds)

    async def paid(self) -> None:
        """Wait until the answer may be sent."""
        remaining = self.not_before - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(remaining)


CURRENT_SETTLEMENT: ContextVar[Settlement | None] = ContextVar("alongside_settlement", default=None)


class AnswerOnceSettled:
    """Gives every HTTP request a :class:`Settlement` and sends nothing of its answer before it is paid: neither
    the answer nor, when the request fails, the error answer of the layers outside this one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settlement = Settlement()
        token = CURRENT_SETTLEMENT.set(settlement)

        async def send_when_settled(message: Message) -> None:
            if message["type"] == "http.response.start":
                await settlement.paid()
            await send(message)

        try:
            await self.app(scope, receive, send_when_settled)
        except Exception:
            await settlement.paid()
            raise
        finally:
            CURRENT_SETTLEMENT.reset(token)
