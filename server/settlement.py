"""Answering a request only once its directory writes hold in every process: one wait per request, not per write.

A directory write that may take ``/sync`` access away must not be answered before every process sharing the store
has to ask the directory again (``Directory.settle``: ``ALONGSIDE_ACCESS_RECHECK_MS`` after the write). A request
that writes several such documents (a join: the invite, the device, the membership, the token) owes that wait
after its last write only. Inside a request, ``Directory.settle`` notes the time the answer may go out here
instead of waiting; :class:`AnswerOnceSettled` holds the answer (or the error) until then. Outside a request (the
``alongside admin`` commands) ``Directory.settle`` waits itself.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
