"""The CouchDB store when CouchDB is down, hung or refuses us, and what it says about credentials.

These tests stop, pause (SIGSTOP) and reconfigure their own CouchDB peer (an Apache CouchDB node from
``COUCHDB_RELEASE``, or pouchdb-server), so they are skipped when the only CouchDB is a shared one at
``COUCHDB_URL``. Nothing here times anything except a generous upper bound.
"""

from __future__ import annotations

import base64
import logging
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest
from support.couchdb_release import ONLY_A_SHARED_COUCHDB
from support.processes import CouchDBPeer

from alongside.sync.couchdb_http import REFUSED, UNREACHABLE
from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.errors import SyncError, Unavailable
from alongside.sync.store import BulkGetItem, ChangesRequest, DocumentRequest

pytestmark = [
    pytest.mark.anyio,
    pytest.mark.skipif(ONLY_A_SHARED_COUCHDB, reason="stops and reconfigures its own CouchDB"),
]

DB = "plan-outage"
BOUND = 30  # seconds: "returned at all", never a performance claim


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def with_credentials(url: str, user: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{user}:{password}@{rest}"


def every_kind_of_call(store: CouchDBStore) -> list[tuple[str, Callable[[], Awaitable[Any]]]]:
    """One call of each kind: reads, idempotent and non-idempotent writes, local docs, longpoll."""
    return [
        ("database_info", lambda: store.database_info(DB)),
        ("get_document", lambda: store.get_document(DB, "a", DocumentRequest())),
        ("changes", lambda: store.changes(DB, ChangesRequest())),
        ("bulk_get", lambda: store.bulk_get(DB, [BulkGetItem("a")], history=True, latest=True)),
        ("revs_diff", lambda: store.revs_diff(DB, {"a": ["1-abc"]})),
        ("bulk_docs", lambda: store.bulk_docs(DB, [{"_id": "b", "v": 2}])),
        ("bulk_docs replicated", lambda: store.bulk_docs(DB, [{"_id": "c", "_rev": "1-c"}], new_edits=False)),
        ("put_local", lambda: store.put_local(DB, "checkpoint", {"seq": 1})),
        ("create_database", lambda: store.create_database("plan-other")),
        ("wait_for_change", lambda: store.wait_for_change(DB, 0, 20.0)),
    ]


async def seeded(url: str, **options: Any) -> CouchDBStore:
    store = CouchDBStore(url, **options)
    await store.open()
    await store.create_database(DB)
    await store.bulk_docs(DB, [{"_id": "a", "v": 1}])
    return store


async def test_stopped_couchdb_gives_unavailable_for_every_call_then_recovers(pouchdb_server: CouchDBPeer) -> None:
    store = await seeded(pouchdb_server.url, timeout=5.0)
    try:
        pouchdb_server.stop()
        with anyio.fail_after(BOUND):
            for name, call in every_kind_of_call(store):
                with pytest.raises(Unavailable) as raised:
                    await call()
                assert (raised.value.status, raised.value.reason) == (503, UNREACHABLE), name
        restarted = pouchdb_server.restarted()
        try:
            assert (await store.get_document(DB, "a", DocumentRequest()))["v"] == 1
            assert (await store.bulk_docs(DB, [{"_id": "d", "v": 4}]))[0]["ok"] is True
        finally:
            restarted.stop()
    finally:
        await store.close()


async def test_hung_couchdb_gives_unavailable_within_the_timeout_then_recovers(pouchdb_server: CouchDBPeer) -> None:
    store = await seeded(pouchdb_server.url, timeout=2.0)
    since = (await store.changes(DB, ChangesRequest()))["last_seq"]
    try:
        pouchdb_server.pause()
        with anyio.fail_after(BOUND):
            for call in (lambda: store.database_info(DB), lambda: store.bulk_docs(DB, [{"_id": "b"}])):
                with pytest.raises(Unavailable):
                    await call()
            assert await store.wait_for_change(DB, since, 1.0) is False
    finally:
        pouchdb_server.resume()
    try:
        with anyio.fail_after(BOUND):
            assert (await store.get_document(DB, "a", DocumentRequest()))["v"] == 1
            assert (await store.database_info(DB))["db_name"] == DB
    finally:
        await store.close()


async def test_a_call_waiting_for_a_pooled_connection_still_ends_at_its_deadline(pouchdb_server: CouchDBPeer) -> None:
    """httpx bounds the wait for a connection and the wait for an answer separately; the deadline bounds both
    together, so with one connection held by a hung CouchDB, the call queued behind it gives up on time too."""
    timeout = 2.0
    store = await seeded(pouchdb_server.url, timeout=timeout, max_connections=1, retries=0)
    took: list[float] = []

    async def one_call() -> None:
        started = time.monotonic()
        with pytest.raises(Unavailable):
            await store.database_info(DB)
        took.append(time.monotonic() - started)

    try:
        pouchdb_server.pause()
        with anyio.fail_after(BOUND):
            async with anyio.create_task_group() as calls:
                for _ in range(3):
                    calls.start_soon(one_call)
                    await anyio.sleep(timeout / 4)  # each queued call gets the connection before its pool wait ends
    finally:
        pouchdb_server.resume()
        await store.close()
    # the deadline is the contract under test: without it, the queued calls take about twice as long
    assert len(took) == 3 and max(took) < timeout + 1.0, took


def assert_not_revealed(secrets: list[str], error: BaseException, *texts: str) -> None:
    assert error.__cause__ is None and error.__context__ is None  # no transport exception holding headers
    rendered = [str(error), repr(error), "".join(traceback.format_exception(error)), *texts]
    if isinstance(error, SyncError):
        rendered.append(str(error.as_json()))
    for secret in secrets:
        for text in rendered:
            assert secret not in text


async def test_credentials_in_the_url_are_sent_and_never_revealed(
    pouchdb_server: CouchDBPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = pouchdb_server.bare_url
    password = "s3cret-Passw0rd"
    basic = base64.b64encode(f"admin:{password}".encode()).decode()
    secrets = [password, basic, "fake-secret", "wrong-secret"]

    # Checked: unknown users get 401 (pouchdb-server in admin party does not accept any basic auth either).
    anonymous_party = CouchDBStore(with_credentials(url, "user", "fake-secret"))
    await anonymous_party.open()
    try:
        with pytest.raises(Unavailable) as refused:
            await anonymous_party.database_exists(DB)
        assert refused.value.reason == REFUSED
        assert_not_revealed(secrets, refused.value, repr(anonymous_party), anonymous_party.url)
    finally:
        await anonymous_party.close()

    # Make "admin" a server admin; from now on requests need its credentials.
    store = await seeded(pouchdb_server.with_admin("admin", password), timeout=3.0)
    wrong = CouchDBStore(with_credentials(url, "admin", "wrong-secret"))
    await wrong.open()
    try:
        assert (await store.get_document(DB, "a", DocumentRequest()))["v"] == 1
        assert store.url == url and password not in repr(store)
        with pytest.raises(Unavailable) as bad_password:
            await wrong.get_document(DB, "a", DocumentRequest())
        assert bad_password.value.reason == REFUSED
        assert_not_revealed(secrets, bad_password.value)

        pouchdb_server.stop()
        with anyio.fail_after(BOUND):
            for _, call in every_kind_of_call(store):
                with pytest.raises(Unavailable) as down:
                    await call()
                assert_not_revealed(secrets, down.value)
    finally:
        await store.close()
        await wrong.close()
    assert "did not answer" in caplog.text  # the outage was logged...
    for secret in secrets:
        assert secret not in caplog.text  # ...without credentials
