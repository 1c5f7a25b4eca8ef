"""uvicorn's HTTP/1.1 protocol (httptools) with the limits it lacks against slow or oversized requests.

uvicorn holds a connection as long as bytes keep trickling in: there is no deadline for a request's
headers (each byte even cancels the keep-alive timer) and no cap on their size. This protocol adds:

- **a deadline for the request head** (``header_timeout_seconds``), from the connection's first moment
  or the first byte of the next request on a kept-alive connection, to the end of its headers; then the
  answer is ``408`` (if anything arrived) and the connection is closed;
- **a cap on the head's size** (``max_header_bytes``, the request line and headers): ``431`` (and the
  connection is closed if the head is still arriving);
- **a deadline for the rest of a body nobody reads** (``body_timeout_seconds``): when the app has
  answered before the request body arrived (a refusal, or a ``408`` for a body that came too slowly),
  the rest is read and dropped, and the connection is closed if it does not arrive in time.

The app itself bounds the time a body it reads may take (server/requests.py). Error bodies have the
route family's shape, like every other error (server/errors.py).

When the server is told to stop, uvicorn waits for every request in flight to finish; the app's longpolls
would hold it for their whole timeout. The protocol tells the app at once: it calls the callable the app's
lifespan put in its state under :data:`ON_SERVER_STOP` (server/app.py ends the open longpolls with it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn._types import ASGIReceiveCallable, ASGISendCallable, Scope
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from .errors import HTTP_ERROR_NAMES, error_body

ON_SERVER_STOP = "alongside.on_server_stop"  # lifespan state: called (no arguments) when the server stops
LINGER_SECONDS = 2.0  # after refusing a head: how long to read and drop what the client still sends
HEAD_REFUSALS = {
    408: "The request headers arrived too slowly.",
    431: "The request headers are too large.",
}


async def _headers_too_large(scope: Scope, receive: ASGIReceiveCallable, send: ASGISendCallable) -> None:
    body = error_body(str(scope.get("path", "")), HTTP_ERROR_NAMES[431], HEAD_REFUSALS[431])
    headers = [
        (b"content-type", b"application/json"),
        (b"cache-control", b"no-store"),
        (b"content-length", str(len(body)).encode("ascii")),
    ]
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """:class:`HttpToolsProtocol` with a deadline and a size cap for request heads (see the module)."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        header_timeout: float,
        max_header_bytes: int,
        body_timeout: float,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.header_timeout = header_timeout
        self.max_header_bytes = max_header_bytes
        self.body_timeout = body_timeout
        self._in_head = False
        self._head_bytes = 0  # bytes received while the head is incomplete
        self._head_size = 0  # the size of the head parsed so far (request line and headers)
        self._body_done = True  # the current request's body has arrived (or it has none)
        self._head_deadline: asyncio.TimerHandle | None = None
        self._drain_deadline: asyncio.TimerHandle | None = None
        self._lingering = False

    # -- the head -------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_head()

    def _start_head(self) -> None:
        self._in_head = True
        self._head_bytes = 0
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _end_head(self) -> None:
        self._in_head = False
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _idle(self) -> bool:
        """Between requests: the last one was answered and its body has arrived."""
        return self._body_done and (self.cycle is None or self.cycle.response_complete)

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return  # refused: what still comes is dropped until the connection closes
        if not self._in_head and self._idle():
            self._start_head()  # the next request on a kept-alive connection has begun
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        if self._in_head and self._head_bytes > self.max_header_bytes:
            self._refuse_head(431)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_size = 0
        if not self._in_head:
            self._start_head()

    def on_url(self, url: bytes) -> None:
        self._head_size += len(url)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_size += len(name) + len(value) + 4
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._end_head()
        self._body_done = False
        if self._head_size <= self.max_header_bytes:
            super().on_headers_complete()
            return
        # A head that arrived whole in one read: answer 431 through the usual request cycle.
        app, self.app = self.app, _headers_too_large
        try:
            super().on_headers_complete()
        finally:
            self.app = app

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        if self._in_head:
            if self._head_bytes:
                self._refuse_head(408)
            elif not self.transport.is_closing():
                self.transport.close()  # an idle connection: nothing to answer

    def _refuse_head(self, status: int) -> None:
        self._end_head()
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self.transport.close()  # a pipelined request behind one still being answered: no answer to add
            return
        path = bytes(getattr(self, "url", b"") or b"").decode("latin-1").partition("?")[0]
        body = error_body(path, HTTP_ERROR_NAMES[status], HEAD_REFUSALS[status])
        head = [
            STATUS_LINE[status],
            b"content-type: application/json\r\n",
            b"cache-control: no-store\r\n",
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join([*head, body]))
        self._linger_then_close()

    def _linger_then_close(self) -> None:
        """Close without losing the answer: closing a socket with unread input makes the kernel send a reset,
        which can destroy the answer before the client reads it. So stop sending, read and drop what still
        comes for :data:`LINGER_SECONDS` (or until the client closes), then close (Apache's lingering close)."""
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self._close)

    def _close(self) -> None:
        if not self.transport.is_closing():
            self.transport.close()

    # -- a body nobody reads --------------------------------------------------------------------

    def on_message_complete(self) -> None:
        self._body_done = True
        if self._drain_deadline is not None:
            self._drain_deadline.cancel()
            self._drain_deadline = None
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._body_done and not self.transport.is_closing() and self._drain_deadline is None:
            self._drain_deadline = self.loop.call_later(self.body_timeout, self._body_too_slow)

    def _body_too_slow(self) -> None:
        self._drain_deadline = None
        if not self.transport.is_closing():
            self._linger_then_close()

    def shutdown(self) -> None:
        on_stop = self.app_state.get(ON_SERVER_STOP)
        if on_stop is not None:
            on_stop()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_head()
        if self._drain_deadline is not None:
            self._drain_deadline.cancel()
            self._drain_deadline = None
        super().connection_lost(exc)
