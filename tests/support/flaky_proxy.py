"""A loopback HTTP proxy that makes the network flaky, on a seeded schedule: one bar of signal at a home visit.

Clients (httpx, PouchDB in Node, the app in Chromium) talk to :attr:`FlakyProxy.url` as if it were the
server; each request goes to the real server (:class:`support.processes.AlongsideServer`) on a connection of
its own, and each answer comes back, unless the schedule gives the request one of these faults:

- ``delay``: the request waits before it is sent on, and the answer before it is sent back;
- ``drop_request``: the connection breaks mid-request (part of the head or of the body reached the server),
  so the server never has the whole request and does nothing;
- ``truncate_answer``: the server answers in full (it has acted); the client gets the answer's head and part
  of its body, then the connection closes: a body cut short;
- ``lose_answer``: the server answers in full (it has acted, committed); the client's connection is closed
  without a byte of it. The lost answer is kept in :attr:`Exchange.answer`, for tests that check what the
  client never saw.

Which request gets which fault is decided per *route* (the method and the path, with ids shown as ``{id}``):
the ``n``-th request of a route draws from ``random.Random(f"{seed}|{route}|{n}")``, so a fixed seed gives
each route the same faults run after run, however requests of different routes interleave (concurrent
requests of one route are numbered in the order they arrive). :meth:`FlakyProxy.script` gives the next
requests of a route chosen faults first. Only paths matching ``faulty_paths`` (``/api`` and ``/sync`` by
default) get faults; the app's pages and assets pass untouched.

Why not a library: toxiproxy and the like cut, slow or limit a TCP stream without knowing where an HTTP answer
begins or ends, so they cannot lose exactly one answer after the server has committed; mitmproxy would do it
but is a large dependency for a few dozen lines over asyncio streams. The proxy speaks enough HTTP/1.1 for
these clients: ``Content-Length`` and chunked bodies both ways, keep-alive towards the client, answers
(longpolls, continuous feeds) streamed through as they come unless the fault needs them whole. It runs on an
event loop in a thread of the test process, so a test can change the schedule between two requests.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from .processes import free_port

ID_IN_PATH = re.compile(r"(?<=/)(?:[0-9a-f]{32}|_local/[^/?]+)")
HEAD_END = b"\r\n\r\n"
CONNECT_TIMEOUT = 10.0


class Fault(StrEnum):
    """What the schedule does to one request (the module's docstring says what each one is)."""

    NONE = "none"
    DELAY = "delay"
    DROP_REQUEST = "drop_request"
    TRUNCATE_ANSWER = "truncate_answer"
    LOSE_ANSWER = "lose_answer"


@dataclass
class Exchange:
    """One request through the proxy: what it was, what the schedule did to it, what the server said."""

    method: str
    path: str
    route: str
    fault: Fault
    status: int | None = None  # the server's status (None when the request never reached it whole)
    answer: bytes | None = None  # the body of a lost or truncated answer (what the client never got whole)


@dataclass
class Head:
    """An HTTP/1.1 message head: the start line, the headers (names lower-cased) and the raw bytes."""

    start: str
    headers: dict[str, str]
    raw: bytes

    @classmethod
    def parse(cls, raw: bytes) -> Head:
        lines = raw.decode("latin-1").split("\r\n")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return cls(lines[0], headers, raw)

    @property
    def chunked(self) -> bool:
        return "chunked" in self.headers.get("transfer-encoding", "").lower()

    @property
    def length(self) -> int | None:
        value = self.headers.get("content-length")
        return int(value) if value is not None and value.isdigit() else None

    @property
    def closes(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """The next message head, or ``None`` when the connection ends first."""
    try:
        return Head.parse(await reader.readuntil(HEAD_END))
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None


async def body_pieces(
    reader: asyncio.StreamReader, head: Head, *, request: bool, no_body: bool = False
) -> AsyncIterator[bytes]:
    """The raw bytes of a message body as they arrive (chunked framing kept), by its framing: chunked,
    ``Content-Length``, none (``no_body``, or a request with neither), or until the connection ends (an answer)."""
    if no_body:
        return
    if head.chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                trailer = size_line
                while (line := await reader.readuntil(b"\r\n")) != b"\r\n":
                    trailer += line
                yield trailer + line
                return
            yield size_line + await reader.readexactly(size + 2)
    elif head.length is not None:
        left = head.length
        while left > 0:
            piece = await reader.read(min(left, 65536))
            if not piece:
                raise asyncio.IncompleteReadError(b"", left)
            left -= len(piece)
            yield piece
    elif not request:
        while piece := await reader.read(65536):
            yield piece


def route_of(method: str, target: str) -> str:
    """``POST /sync/{id}/_bulk_docs``: the method and the path without its query, ids shown as ``{id}``."""
    return f"{method} {ID_IN_PATH.sub('{id}', target.split('?', 1)[0])}"


@dataclass
class Decision:
    fault: Fault
    delay: float  # seconds, for ``delay``
    cut: float  # where a dropped request or a truncated answer is cut, as a fraction of its bytes


@dataclass
class FlakyProxy:
    """The proxy in front of ``upstream`` (``http://127.0.0.1:PORT``); see the module's docstring.

    ``rates`` gives each fault's share of the requests that may get faults (the rest pass untouched).
    """

    upstream: str
    seed: int = 0
    rates: Mapping[Fault, float] = field(default_factory=dict)
    faulty_paths: re.Pattern[str] = re.compile(r"^/(api|sync)/")
    max_delay: float = 0.4
    port: int = field(default_factory=free_port)
    exchanges: list[Exchange] = field(default_factory=list)
    _counts: Counter[str] = field(default_factory=Counter)
    _scripts: dict[str, list[Fault]] = field(default_factory=dict)
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None
    _server: asyncio.Server | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- the schedule --------------------------------------------------------------------------------

    def script(self, route: str, faults: list[Fault]) -> None:
        """The next requests of ``route`` (as :func:`route_of` names it) get ``faults``, in order, first."""
        with self._lock:
            self._scripts.setdefault(route, []).extend(faults)

    def set_rates(self, rates: Mapping[Fault, float]) -> None:
        """From now on, faults at these rates (``{}``: a good connection)."""
        with self._lock:
            self.rates = dict(rates)

    def decide(self, method: str, target: str) -> tuple[str, Decision]:
        route = route_of(method, target)
        with self._lock:
            n = self._counts[route]
            self._counts[route] += 1
            scripted = self._scripts.get(route)
            draw = random.Random(f"{self.seed}|{route}|{n}")
            roll, delay, cut = draw.random(), draw.uniform(0.05, self.max_delay), draw.uniform(0.1, 0.9)
            if scripted:
                return route, Decision(scripted.pop(0), delay, cut)
            if not self.faulty_paths.match(target):
                return route, Decision(Fault.NONE, delay, cut)
            for fault, rate in self.rates.items():
                if roll < rate:
                    return route, Decision(fault, delay, cut)
                roll -= rate
        return route, Decision(Fault.NONE, delay, cut)

    def seen(self, route: str) -> list[Exchange]:
        """The exchanges of ``route`` so far."""
        return [e for e in list(self.exchanges) if e.route == route]

    # -- running -------------------------------------------------------------------------------------

    def start(self) -> FlakyProxy:
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", self.port))
            ready.set()
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=run, name="flaky-proxy", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the flaky proxy did not start")
        return self

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return

        async def shut() -> None:
            if self._server is not None:
                self._server.close()
            tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shut(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._loop = self._thread = None

    @contextmanager
    def running(self) -> Iterator[FlakyProxy]:
        self.start()
        try:
            yield self
        finally:
            self.stop()

    # -- one client connection -----------------------------------------------------------------------

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        """Requests on one client connection, one after the other (keep-alive), each on its own upstream
        connection; ends when the client closes, an answer says ``Connection: close``, or a fault breaks it."""
        try:
            while (head := await read_head(client_reader)) is not None:
                if not await self._exchange(head, client_reader, client_writer):
                    break
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, IndexError):
            pass  # the client or the server went away, or sent what is not HTTP: the connection ends
        except asyncio.CancelledError:
            pass  # the proxy stops: the connection ends (asyncio's callback must not see it)
        finally:
            client_writer.transport.abort()

    async def _exchange(
        self, head: Head, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> bool:
        """Forward one request and its answer, with the fault the schedule gives it; whether the client's
        connection can carry another request."""
        method, target = [*head.start.split(" "), "", ""][:2]
        route, decision = self.decide(method, target)
        exchange = Exchange(method, target, route, decision.fault)
        self.exchanges.append(exchange)
        host, port = _host_port(self.upstream)
        up_reader, up_writer = await asyncio.wait_for(asyncio.open_connection(host, port), CONNECT_TIMEOUT)
        try:
            if decision.fault is Fault.DELAY:
                await asyncio.sleep(decision.delay)
            if decision.fault is Fault.DROP_REQUEST:
                await self._send_part_of_request(head, client_reader, up_writer, decision.cut)
                return False
            up_writer.write(head.raw)
            async for piece in body_pieces(client_reader, head, request=True):
                up_writer.write(piece)
                await up_writer.drain()
            await up_writer.drain()
            answer = await read_head(up_reader)
            if answer is None:
                return False
            exchange.status = int(answer.start.split(" ")[1])
            no_body = method == "HEAD" or exchange.status in (204, 304) or exchange.status < 200
            pieces = body_pieces(up_reader, answer, request=False, no_body=no_body)
            if decision.fault in (Fault.LOSE_ANSWER, Fault.TRUNCATE_ANSWER):
                body = b"".join([piece async for piece in pieces])
                exchange.answer = body
                if decision.fault is Fault.TRUNCATE_ANSWER:  # the part sent arrives, then the connection ends
                    client_writer.write(answer.raw + body[: int(len(body) * decision.cut)])
                    await client_writer.drain()
                    client_writer.close()
                    await client_writer.wait_closed()
                return False
            if decision.fault is Fault.DELAY:
                await asyncio.sleep(decision.delay)
            client_writer.write(answer.raw)
            async for piece in pieces:
                client_writer.write(piece)
                await client_writer.drain()
            await client_writer.drain()
            framed = no_body or answer.chunked or answer.length is not None
            return framed and not answer.closes and not head.closes
        finally:
            up_writer.transport.abort()

    @staticmethod
    async def _send_part_of_request(
        head: Head, client_reader: asyncio.StreamReader, up_writer: asyncio.StreamWriter, cut: float
    ) -> None:
        """The connection breaks mid-request: part of the head, or the head and part of the body, goes on."""
        if head.length or head.chunked:
            sent = head.raw
            body = b""
            async for piece in body_pieces(client_reader, head, request=True):
                body += piece
            sent += body[: int(len(body) * cut)]
        else:
            sent = head.raw[: max(1, int(len(head.raw) * cut))]
        up_writer.write(sent)
        await up_writer.drain()
        await asyncio.sleep(0.05)  # let the server read what arrived before the connection breaks


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80
