"""The Python replicator moves plans server → server, server → local store and back, resumably."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.documents import doc_id as make_doc_id
from support.documents import item_doc
from support.processes import AlongsideServer

from alongside.sync.errors import Forbidden, Unauthorized
from alongside.sync.peers import HttpPeer, Peer, StorePeer
from alongside.sync.replicator import ReplicationResult, replicate
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import Json

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def second_server(tmp_path: Path) -> AsyncIterator[AlongsideServer]:
    server = AlongsideServer(data_dir=tmp_path / "data-2").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def local_store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    store = SqliteStore(tmp_path / "local")
    await store.open()
    await store.create_database("backup")
    try:
        yield store
    finally:
        await store.close()


def _rev(gen: int, label: str) -> str:
    return f"{gen}-{hashlib.md5(label.encode()).hexdigest()}"


def _history(doc_id: str, branch: str, length: int) -> tuple[str, dict[str, Any]]:
    revs = [_rev(g, f"{doc_id}/{'trunk' if g == 1 else branch}/{g}") for g in range(length, 0, -1)]
    return revs[0], {"start": length, "ids": [r.split("-", 1)[1] for r in revs]}


async def _seed_plan(client: httpx.AsyncClient, url: str, count: int) -> None:
    """Documents with linear histories, conflicting branches and deletions, written as replicas are."""
    docs = []
    for i in range(count):
        doc_id = make_doc_id(i)
        rev, revisions = _history(doc_id, "a", 2 + i % 3)
        docs.append({**item_doc(doc_id, 256), "_rev": rev, "_revisions": revisions})
        if i % 7 == 0:
            rev_b, revisions_b = _history(doc_id, "b", 3)
            docs.append({**item_doc(doc_id, 256), "_rev": rev_b, "_revisions": revisions_b})
        if i % 11 == 0:
            rev_d, revisions_d = _history(doc_id, "deleted", 5)
            # A deletion is a deletion envelope (docs/crypto.md §7.5): the server refuses bare tombstones.
            deletion = {**item_doc(doc_id, 256), "_rev": rev_d, "_revisions": revisions_d, "_deleted": True}
            docs.append(deletion)
    response = await client.post(url + "_bulk_docs", json={"docs": docs, "new_edits": False})
    assert response.status_code == 201, response.text
    assert response.json() == []


async def snapshot(peer: Peer) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Every document's winning revision and set of leaves, as a peer's changes feed reports them."""
    page = await peer.changes(0, 1_000_000)
    return {
        row["id"]: (row["changes"][0]["rev"], tuple(sorted(c["rev"] for c in row["changes"])))
        for row in page["results"]
    }


def _client(token: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30)


async def test_replicates_a_plan_from_one_server_to_another_and_again_writes_nothing(
    alongside_server: AlongsideServer, second_server: AlongsideServer
) -> None:
    plan_a, token_a = alongside_server.create_plan()
    plan_b, token_b = second_server.create_plan()
    async with _client(token_a) as client_a, _client(token_b) as client_b:
        await _seed_plan(client_a, alongside_server.plan_url(plan_a), 300)
        source = HttpPeer(client_a, alongside_server.plan_url(plan_a))
        target = HttpPeer(client_b, second_server.plan_url(plan_b))

        first = await replicate(source, target, batch_size=64)
        assert first.docs_written > 300
        assert first.doc_write_failures == 0
        assert await snapshot(target) == await snapshot(source)

        again = await replicate(source, target, batch_size=64)
        assert again.docs_written == 0
        assert again.start_seq == first.last_seq


async def test_moves_a_plan_to_a_local_store_and_back_idempotently(
    alongside_server: AlongsideServer, local_store: SqliteStore
) -> None:
    plan, token = alongside_server.create_plan()
    async with _client(token) as client:
        url = alongside_server.plan_url(plan)
        await _seed_plan(client, url, 120)
        server = HttpPeer(client, url)
        local = StorePeer(local_store, "backup")

        down = await replicate(server, local)
        assert down.docs_written > 120
        assert await snapshot(local) == await snapshot(server)

        await local_store.bulk_docs("backup", [item_doc(make_doc_id(f"offline-{i}"), 128) for i in range(25)])
        up = await replicate(local, server)
        assert up.docs_written == 25
        assert await snapshot(local) == await snapshot(server)

        assert (await replicate(server, local)).docs_written == 0
        assert (await replicate(local, server)).docs_written == 0


class CountingPeer(StorePeer):
    """A store peer that counts the ``_changes`` pages it is asked for."""

    pages = 0

    async def changes(self, since: Any, limit: int) -> Json:
        self.pages += 1
        return await super().changes(since, limit)


async def test_a_replication_stops_at_a_short_page_of_changes_without_an_empty_read_after_it(
    local_store: SqliteStore,
) -> None:
    await local_store.create_database("copy")
    docs = [item_doc(make_doc_id(f"short-{i}"), 64) for i in range(25)]
    assert all(result["ok"] for result in await local_store.bulk_docs("backup", docs))
    source, target = CountingPeer(local_store, "backup"), StorePeer(local_store, "copy")

    first = await replicate(source, target, batch_size=10)  # pages of 10, 10 and 5: the third ends it
    assert (first.docs_written, source.pages) == (25, 3)
    assert await snapshot(target) == await snapshot(source)

    source.pages = 0
    idle = await replicate(source, target, batch_size=10)  # nothing new: one empty page
    assert (idle.docs_written, source.pages) == (0, 1)

    more = [item_doc(make_doc_id(f"short-{i}"), 64) for i in range(25, 30)]
    assert all(result["ok"] for result in await local_store.bulk_docs("backup", more))
    source.pages = 0
    exact = await replicate(source, target, batch_size=5)  # a full page may not be the last: one more read
    assert (exact.docs_written, source.pages) == (5, 2)
    assert await snapshot(target) == await snapshot(source)


class Interrupted(Exception):
    pass


async def test_an_interrupted_replication_resumes_from_its_checkpoint(
    alongside_server: AlongsideServer, local_store: SqliteStore
) -> None:
    plan, token = alongside_server.create_plan()
    async with _client(token) as client:
        url = alongside_server.plan_url(plan)
        await _seed_plan(client, url, 400)
        server = HttpPeer(client, url)
        local = StorePeer(local_store, "backup")
        total = len(await snapshot(server))

        def stop_after_three(result: ReplicationResult) -> None:
            if result.docs_read >= 150:
                raise Interrupted

        with pytest.raises(Interrupted):
            await replicate(server, local, batch_size=50, on_checkpoint=stop_after_three)
        copied = len(await snapshot(local))
        assert 0 < copied < total

        resumed = await replicate(server, local, batch_size=50)
        assert resumed.start_seq != 0
        assert resumed.docs_read < total
        assert await snapshot(local) == await snapshot(server)


async def test_an_http_peer_raises_unauthorized_for_an_unknown_token_and_forbidden_for_another_plans(
    alongside_server: AlongsideServer,
) -> None:
    plan, _ = alongside_server.create_plan()
    _, other_plans_token = alongside_server.create_plan()
    for token, refused in (("not-a-token", Unauthorized), (other_plans_token, Forbidden)):
        async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as client:
            with pytest.raises(refused) as raised:
                await HttpPeer(client, alongside_server.plan_url(plan)).info()
        assert raised.value.status == refused.status
