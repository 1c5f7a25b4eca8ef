"""One member (or anyone, unauthenticated) tries to stall, starve or crash a real server (issue 14, must-show 4).

Each abuse gets its 4xx in the route family's error shape (``{"error", "reason"}`` on ``/sync``, ``{"error",
"detail"}`` on ``/api``), never a 500 or a traceback in the log. While each abuse runs, ``support.server_watch.Watch``
probes ``/healthz`` every 50 ms and samples the server's resident memory: the median probe must answer within
200 ms and the memory must stay under a generous ceiling (see that module for why a median).
``_local`` floods are proven in tests/server/test_local_documents.py.

The server runs with short read timeouts (``ALONGSIDE_HEADER_TIMEOUT_SECONDS``, ``ALONGSIDE_BODY_TIMEOUT_SECONDS``
set to 2 s) so that the slow-client tests are quick; the limits are the defaults otherwise.
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from support.processes import AlongsideServer
from support.server_plan import Device, ServerPlan, running_organisation
from support.server_watch import Watch

from alongside.server import settings as defaults

# Timed against the server: run alone, after the parallel run (Makefile test-py).
pytestmark = pytest.mark.serial

READ_TIMEOUT = 2.0  # the server's header and body read timeouts in this module


@dataclass
class World:
    server: AlongsideServer
    plan: ServerPlan
    worker: Device

    @property
    def reader(self) -> Device:
        return self.plan.reader

    def sync(self, suffix: str = "") -> str:
        return f"/sync/{self.plan.plan_id}/{suffix}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("abuse")
    env = {
        "ALONGSIDE_HEADER_TIMEOUT_SECONDS": str(READ_TIMEOUT),
        "ALONGSIDE_BODY_TIMEOUT_SECONDS": str(READ_TIMEOUT),
    }
    with running_organisation(AlongsideServer(data_dir=directory / "data", env=env)) as organisation:
        server, worker = organisation.server, organisation.worker
        plan = ServerPlan.start(server, worker)
        yield World(server, plan, worker)
        plan.close()
        assert "Traceback" not in server.logs(), server.logs()[-5000:]


def assert_refused(response: httpx.Response, status: int, *, sync: bool, error: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.text[:500])
    body = response.json()
    assert set(body) == {"error", "reason" if sync else "detail"}, body
    if error is not None:
        assert body["error"] == error, body


# -- _revs_diff, _bulk_get and open_revs ------------------------------------------------------------


def test_an_oversized_revs_diff_from_a_read_only_member_is_refused_before_it_is_parsed(world: World) -> None:
    revision = "1-" + "a" * 32
    body = ('{"' + "b" * 32 + '":[' + ",".join([f'"{revision}"'] * 880_000) + "]}").encode()
    assert len(body) > 30 * 1024 * 1024
    with Watch(world.server):
        for _ in range(3):
            refused = world.reader.client.post(
                world.sync("_revs_diff"), content=body, headers={"Content-Type": "application/json"}, timeout=120
            )
            assert_refused(refused, 413, sync=True, error="too_large")


@pytest.mark.parametrize(
    ("route", "make_body", "reason"),
    [
        ("_revs_diff", lambda rev: {"x" + "0" * 31: [rev] * (defaults.DEFAULT_MAX_REVS_PER_ID + 1)}, "per document"),
        ("_revs_diff", lambda rev: {f"{i:032x}": [rev] * 1000 for i in range(101)}, "per request"),
        ("_bulk_get", lambda rev: {"docs": [{"id": "a" * 32, "rev": rev}] * 1001}, "per document"),
    ],
    ids=["revs-diff-per-id", "revs-diff-total", "bulk-get-per-id"],
)
def test_too_many_revisions_are_refused(world: World, route: str, make_body: Any, reason: str) -> None:
    with Watch(world.server):
        refused = world.reader.client.post(world.sync(route), json=make_body("1-" + "c" * 32), timeout=60)
    assert_refused(refused, 413, sync=True, error="too_large")
    assert reason in refused.json()["reason"]


def test_open_revs_are_limited_per_document(world: World) -> None:
    revs = json.dumps(["1-d"] * (defaults.DEFAULT_MAX_REVS_PER_ID + 1))
    with Watch(world.server):
        refused = world.reader.client.get(world.sync("a" * 32), params={"open_revs": revs})
    assert_refused(refused, 413, sync=True, error="too_large")


# -- longpolls -------------------------------------------------------------------------------------


def test_a_longpoll_flood_from_one_token_ends_the_oldest_and_holds_only_the_cap(world: World) -> None:
    """40 longpolls from a read-only member's token, one after another: each one past the cap ends the oldest
    at once (answered as at its timeout, nothing new), the server holds the newest few only, and lets them go
    when their connections close."""
    cap = defaults.DEFAULT_MAX_LONGPOLLS_PER_DEVICE
    flood = 40
    since = world.reader.client.get(world.sync()).json()["update_seq"]
    token = str(world.reader.client.headers["Authorization"]).encode()
    request = (
        f"GET {world.sync('_changes')}?feed=longpoll&since={since}&timeout=50000 HTTP/1.1\r\nHost: x\r\n".encode()
        + b"Authorization: "
        + token
        + b"\r\n\r\n"
    )
    assert world.server.process is not None
    pid = world.server.process.pid
    fds_before = len(os.listdir(f"/proc/{pid}/fd"))
    sockets: list[socket.socket] = []
    try:
        with Watch(world.server):
            for _ in range(flood):
                sock = socket.create_connection(("127.0.0.1", world.server.port), timeout=30)
                sock.sendall(request)
                sockets.append(sock)
                time.sleep(0.05)
            answered = [read_answer(sock) for sock in sockets[: flood - cap]]
        assert all(status == 200 and body["results"] == [] for status, _, body in answered), answered
        for sock in sockets[flood - cap :]:
            sock.settimeout(0.5)
            with pytest.raises(TimeoutError):
                sock.recv(1)  # still held: the newest longpolls wait on
        for sock in sockets[: flood - cap]:
            sock.close()
        assert open_files_settle(pid, fds_before + cap + 2)  # only the held longpolls' connections remain
    finally:
        for sock in sockets:
            sock.close()
    assert open_files_settle(pid, fds_before + 2)  # the held longpolls ended with their connections


def open_files_settle(pid: int, at_most: int, within: float = 10.0) -> bool:
    """Whether the server's open files come down to ``at_most`` within ``within`` seconds."""
    deadline = time.monotonic() + within
    while len(os.listdir(f"/proc/{pid}/fd")) > at_most:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


@pytest.mark.parametrize("heartbeat", ["1", "999", "0"])
def test_a_heartbeat_below_the_minimum_is_refused(world: World, heartbeat: str) -> None:
    params = {"feed": "longpoll", "since": "now", "heartbeat": heartbeat, "timeout": "10000"}
    with Watch(world.server):
        refused = world.reader.client.get(world.sync("_changes"), params=params)
    assert_refused(refused, 400, sync=True, error="bad_request")
    assert f"{defaults.DEFAULT_MIN_HEARTBEAT_MS}" in refused.json()["reason"]


# -- slow and oversized requests -------------------------------------------------------------------


@dataclass
class RawExchange:
    """What the server sent on a raw connection, and when (seconds after the head was sent)."""

    received: bytes
    answered_after: float | None  # the first byte of the answer
    closed_after: float  # the server closed the connection


def raw_request(server: AlongsideServer, head: bytes, trickle: bytes = b"", every: float = 0.25) -> RawExchange:
    """Send ``head`` at once, then ``trickle`` a byte every ``every`` seconds while the server lets us (it may
    answer first, and go on reading); read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head)
        started = time.monotonic()
        received = b""
        answered_after: float | None = None
        sock.settimeout(every)
        pending = [trickle[i : i + 1] for i in range(len(trickle))]
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                chunk = None
            except ConnectionResetError:
                chunk = b""  # closed while we were still sending: what it answered before was read already
            if chunk == b"":
                return RawExchange(received, answered_after, time.monotonic() - started)
            if chunk:
                received += chunk
                answered_after = answered_after or time.monotonic() - started
            if pending:
                try:
                    sock.sendall(pending.pop(0))
                except OSError:
                    pending = []
            elif time.monotonic() - started > 30:
                raise AssertionError(f"the server never closed the connection: {received!r}")


def read_answer(sock: socket.socket) -> tuple[int, dict[str, str], Any]:
    """One whole answer (with a Content-Length) from ``sock``."""
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, received
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")).split(b":")[1]
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, body
        body += chunk
    return parse_answer(head + b"\r\n\r\n" + body)


def parse_answer(raw: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, json.loads(body)


def test_slow_headers_are_cut_off_with_408(world: World) -> None:
    head = b"GET /sync/" + world.plan.plan_id.encode() + b"/ HTTP/1.1\r\nHost: x\r\nX-Slow: "
    with Watch(world.server):
        exchange = raw_request(world.server, head, trickle=b"a" * 400)
    status, headers, body = parse_answer(exchange.received)
    assert status == 408 and body == {"error": "request_timeout", "reason": "The request headers arrived too slowly."}
    assert headers["connection"] == "close"
    assert exchange.answered_after is not None and READ_TIMEOUT * 0.9 < exchange.answered_after < READ_TIMEOUT + 10
    assert exchange.closed_after < exchange.answered_after + 10  # closed after a short linger


def test_many_slow_header_connections_do_not_hold_the_server(world: World) -> None:
    sockets = [socket.create_connection(("127.0.0.1", world.server.port), timeout=30) for _ in range(100)]
    try:
        with Watch(world.server):
            for sock in sockets:
                sock.sendall(b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            while time.monotonic() - started < READ_TIMEOUT + 1:
                for sock in sockets:
                    try:
                        sock.sendall(b"X")
                    except OSError:
                        pass
                time.sleep(0.2)
        answers = []
        for sock in sockets:
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            answers.append(parse_answer(received)[0])
        assert answers == [408] * len(sockets)
    finally:
        for sock in sockets:
            sock.close()


def test_an_idle_connection_is_closed_after_the_header_timeout(world: World) -> None:
    exchange = raw_request(world.server, b"")
    assert exchange.received == b"" and READ_TIMEOUT * 0.9 < exchange.closed_after < READ_TIMEOUT + 10


def test_oversized_headers_are_refused_with_431(world: World) -> None:
    head = (
        b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (defaults.DEFAULT_MAX_HEADER_BYTES + 1) + b"\r\n\r\n"
    )
    with Watch(world.server):
        exchange = raw_request(world.server, head)
    status, _, body = parse_answer(exchange.received)
    assert status == 431 and body["error"] == "headers_too_large" and set(body) == {"error", "detail"}


def test_a_slow_body_is_cut_off_with_408_unauthenticated(world: World) -> None:
    head = b"POST /api/v1/enrol HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    with Watch(world.server):
        exchange = raw_request(world.server, head, trickle=b" " * 400)
    status, _, body = parse_answer(exchange.received)
    assert status == 408 and body["error"] == "request_timeout" and set(body) == {"error", "detail"}
    assert exchange.answered_after is not None and READ_TIMEOUT * 0.9 < exchange.answered_after < READ_TIMEOUT + 10
    # The rest of the body did not follow in time either: the connection is closed.
    assert exchange.closed_after < exchange.answered_after + READ_TIMEOUT + 10


def test_a_slow_body_nobody_reads_is_dropped_after_the_body_timeout(world: World) -> None:
    head = b"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"
    with Watch(world.server):
        exchange = raw_request(world.server, head, trickle=b" " * 400)
    assert parse_answer(exchange.received)[0] == 200
    assert READ_TIMEOUT * 0.9 < exchange.closed_after < READ_TIMEOUT + 10


def test_a_client_that_drops_mid_body_during_plan_set_up_leaves_no_traceback(world: World) -> None:
    token = str(world.worker.client.headers["Authorization"]).encode()
    head = b"POST /api/v1/plans HTTP/1.1\r\nHost: x\r\nAuthorization: " + token + b"\r\nContent-Length: 100\r\n\r\n{"
    for _ in range(5):
        with socket.create_connection(("127.0.0.1", world.server.port), timeout=30) as sock:
            sock.sendall(head)
            time.sleep(0.2)
    time.sleep(0.5)
    assert "ClientDisconnect" not in world.server.logs() and "Traceback" not in world.server.logs()


# -- hostile JSON and numbers ----------------------------------------------------------------------

DEEP = ("[" * 30_000 + "]" * 30_000).encode()  # under /api's 64 KiB
NESTED_33 = json.dumps(json.loads("[" * 33 + "]" * 33))


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("POST", "/api/v1/enrol", DEEP),
        ("POST", "/api/v1/enrol", ('{"code": ' + NESTED_33 + "}").encode()),
        ("POST", "/api/v1/plans", DEEP),
        ("POST", "{sync}_bulk_docs", b'{"docs": ' + DEEP + b"}"),
        ("POST", "{sync}_revs_diff", ('{"a": ' + NESTED_33 + "}").encode()),
        ("POST", "{sync}_all_docs", ('{"keys": ' + NESTED_33 + "}").encode()),
    ],
    ids=["enrol-30000", "enrol-33", "plans-30000", "bulk-docs-30000", "revs-diff-33", "all-docs-keys-33"],
)
def test_deep_json_bodies_are_refused_with_400(world: World, method: str, path: str, content: bytes) -> None:
    with Watch(world.server):
        for _ in range(20):
            refused = world.worker.client.request(
                method, path.format(sync=world.sync()), content=content, headers={"Content-Type": "application/json"}
            )
    assert_refused(refused, 400, sync=path.startswith("{sync}"), error="bad_request")
    assert "nested" in refused.json()["reason" if path.startswith("{sync}") else "detail"]


@pytest.mark.parametrize(
    ("suffix", "params"),
    [
        ("_changes", {"since": str(10**30)}),
        ("_changes", {"since": "99999999999999999999-x"}),
        ("_changes", {"since": "-1"}),
        ("_changes", {"since": "١٢"}),
        ("_changes", {"limit": str(10**30)}),
        ("_changes", {"seq_interval": str(10**30)}),
        ("_changes", {"feed": "longpoll", "timeout": "1" + "0" * 400}),
        ("_changes", {"feed": "longpoll", "heartbeat": "1" + "0" * 400}),
        ("_all_docs", {"limit": str(10**30)}),
        ("_all_docs", {"skip": str(10**30)}),
        ("_all_docs", {"skip": "1e3"}),
        ("_all_docs", {"keys": "[" * 40 + "]" * 40}),
        ("_all_docs", {"keys": '["\\ud800"]'}),
        ("_all_docs", {"startkey": "1e400"}),
        ("a" * 32, {"open_revs": "[" * 40 + "]" * 40}),
        ("_changes", {"filter": "_doc_ids", "doc_ids": "[" * 40 + "]" * 40}),
    ],
    ids=[
        "since-huge",
        "since-string-huge",
        "since-negative",
        "since-not-ascii",
        "limit-huge",
        "seq-interval-huge",
        "timeout-huge",
        "heartbeat-huge",
        "all-docs-limit-huge",
        "skip-huge",
        "skip-float",
        "keys-deep",
        "keys-lone-surrogate",
        "startkey-infinite",
        "open-revs-deep",
        "doc-ids-deep",
    ],
)
def test_extreme_query_parameters_are_refused_with_400(world: World, suffix: str, params: dict[str, str]) -> None:
    with Watch(world.server):
        for _ in range(20):
            refused = world.reader.client.get(world.sync(suffix), params=params)
    assert_refused(refused, 400, sync=True, error="bad_request")


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("{sync}_bulk_docs", b'{"docs": [{"_id": "\\ud800abc", "v": 2}]}'),
        ("{sync}_bulk_docs", b'{"docs": [{"_id": "abc", "ct": "\\udfff"}]}'),
        ("{sync}_revs_diff", b'{"\\udc00": ["1-abc"]}'),
        ("{sync}_bulk_docs", b'{"docs": [{"_id": "abc", "n": 1e400}]}'),
        ("{sync}_bulk_docs", b'{"docs": [{"_id": "abc", "n": 123456789012345678901234567890}]}'),
        ("/api/v1/enrol", b'{"code": "\\ud800", "public_keys": {"enc": "a", "sig": "b"}}'),
        ("/api/v1/enrol", b'{"code": 1e999}'),
        ("/api/v1/enrol", b'{"code": -' + b"9" * 5000 + b"}"),
    ],
    ids=[
        "id-lone-high",
        "body-lone-low",
        "revs-diff-key",
        "infinite-number",
        "huge-integer",
        "enrol-lone",
        "enrol-infinite",
        "enrol-5000-digits",
    ],
)
def test_lone_surrogates_and_extreme_numbers_in_bodies_are_refused_with_400(
    world: World, path: str, content: bytes
) -> None:
    sync = path.startswith("{sync}")
    with Watch(world.server):
        for _ in range(20):
            refused = world.worker.client.post(
                path.format(sync=world.sync()), content=content, headers={"Content-Type": "application/json"}
            )
    assert_refused(refused, 400, sync=sync, error="bad_request")


def test_a_valid_emoji_written_as_a_surrogate_pair_is_not_refused(world: World) -> None:
    accepted = world.reader.client.post(world.sync("_revs_diff"), content=b'{"\\ud83d\\ude00": ["1-abc"]}')
    assert accepted.status_code == 200, accepted.text
    assert list(accepted.json()) == ["\U0001f600"]
