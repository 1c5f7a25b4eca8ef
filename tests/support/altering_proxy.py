"""A loopback HTTP proxy in front of a real Alongside server that alters the activities catalogue on the way.

Devices ask :attr:`AlteringProxy.url` for ``GET /api/v1/activities``; the proxy forwards the request and, while a
test has called :meth:`AlteringProxy.alter`, changes one field of one activity in the answer before passing it
on (what a hostile proxy or a poisoned cache could do), leaving the signature as it was. docs/crypto.md §22 says
what a device must make of it: refuse the copy and keep the last good one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .app_in_thread import AppInThread
from .processes import free_port


class AlteringProxy:
    """``with AlteringProxy(server.url) as proxy:`` devices use ``proxy.url``; :meth:`alter` starts the lying."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.port = free_port()
        self._change: tuple[str, str, Any] | None = None
        self.altered = 0  # how many answers were altered
        self._client: httpx.AsyncClient | None = None
        self._serving: AppInThread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def alter(self, activity_id: str, field: str, value: Any) -> None:
        """From now on set ``field`` of activity ``activity_id`` to ``value`` in every catalogue passed on."""
        self._change = (activity_id, field, value)

    def stop_altering(self) -> None:
        self._change = None

    async def _activities(self, request: Request) -> Response:
        assert self._client is not None
        headers = {"Authorization": request.headers.get("authorization", "")}
        answer = await self._client.get("/api/v1/activities", headers=headers)
        body = answer.json()
        change = self._change
        if answer.status_code == 200 and change is not None:
            activity_id, field, value = change
            for activity in body["catalogue"]["activities"]:
                if activity["id"] == activity_id:
                    activity[field] = value
                    self.altered += 1
        return JSONResponse(body, status_code=answer.status_code)

    def start(self) -> AlteringProxy:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            async with httpx.AsyncClient(base_url=self.upstream, timeout=httpx.Timeout(60.0)) as client:
                self._client = client
                yield

        app = Starlette(routes=[Route("/api/v1/activities", self._activities, methods=["GET"])], lifespan=lifespan)
        self._serving = AppInThread(app, self.port, "altering proxy")
        self._serving.start()
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()

    def __enter__(self) -> AlteringProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
