"""Alongside as a stateless tier over CouchDB, driven by real PouchDB (Node).

- Two ``alongside serve --couchdb URL`` processes (A and B, one prefix) on one CouchDB: a device pushes
  2,000 documents through A while another keeps a live (longpoll) pull through B, and they converge;
  then A is SIGKILLed mid-push of another batch, the push finishes through B, and nothing is lost.
- CouchDB stopped: a PouchDB replication through Alongside fails at once with 503 and keeps retrying;
  once CouchDB is back (same directory, same port) the same replication completes, nothing lost.

pouchdb-server stands in for Apache CouchDB (``COUCHDB_URL`` replaces it for the first test). Waits
are on events (progress lines, replication events) under overall limits; nothing is timed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.couchdb_release import ONLY_A_SHARED_COUCHDB
from support.node_script import stream_node
from support.processes import AlongsideServer, CouchDBPeer

JS = Path(__file__).parent / "js"
BOUND = 120.0  # seconds: "finished at all", never a performance claim
FIRST, SECOND, KILL_AFTER = 2_000, 3_000, 500


def drive(script: str, request: dict[str, Any], on_line: Callable[[dict[str, Any]], None], log: Path) -> dict[str, Any]:
    """Run ``js/SCRIPT.mjs`` with ``request`` on stdin, hand every JSON line it prints to ``on_line``, and
    return the last one (its facts)."""
    return stream_node(JS / f"{script}.mjs", request, on_line, log, BOUND)


def server_revs(server: AlongsideServer, plan: str, token: str) -> dict[str, str]:
    response = httpx.get(
        server.plan_url(plan) + "_all_docs", headers={"Authorization": f"Bearer {token}"}, timeout=BOUND
    )
    assert response.status_code == 200, response.text
    return {row["id"]: row["value"]["rev"] for row in response.json()["rows"]}


def assert_clean(replication: dict[str, Any]) -> None:
    assert replication["ok"] is True, replication
    assert replication["doc_write_failures"] == 0 and replication["errors"] == [], replication


@pytest.fixture
def two_servers(tmp_path: Path, shared_couchdb: CouchDBPeer) -> Iterator[tuple[AlongsideServer, AlongsideServer]]:
    """A (``--couchdb URL``) and B (``ALONGSIDE_COUCHDB_URL``), one prefix, one CouchDB."""
    prefix = f"t{uuid.uuid4().hex[:12]}-"
    a = AlongsideServer(
        tmp_path / "a", storage_args=["--couchdb", shared_couchdb.url], env={"ALONGSIDE_COUCHDB_PREFIX": prefix}
    )
    b = AlongsideServer(
        tmp_path / "b", env={"ALONGSIDE_COUCHDB_URL": shared_couchdb.url, "ALONGSIDE_COUCHDB_PREFIX": prefix}
    )
    try:
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.mark.slow
def test_push_through_one_process_while_pulling_live_through_another_and_survive_its_kill(
    two_servers: tuple[AlongsideServer, AlongsideServer], tmp_path: Path
) -> None:
    a, b = two_servers
    plan, token = a.create_plan()
    killed_at: list[int] = []

    def on_line(line: dict[str, Any]) -> None:
        if not killed_at and line.get("progress", 0) >= KILL_AFTER:
            a.kill()
            killed_at.append(line["progress"])

    request = {"url_a": a.plan_url(plan), "url_b": b.plan_url(plan), "token": token}
    request.update(count=FIRST, second_count=SECOND, timeout_ms=int(BOUND * 1000))
    facts = drive("two_servers", request, on_line, tmp_path / "two_servers.stderr")

    # Phase 1: everything pushed through A reached the live puller through B: ids, revisions, bodies.
    assert_clean(facts["push_a"])
    assert facts["push_a"]["docs_written"] == FIRST
    first = facts["first"]
    assert first["writer"]["count"] == first["puller"]["count"] == FIRST
    assert first["puller"]["revs"] == first["writer"]["revs"]
    assert first["puller"]["digest"] == first["writer"]["digest"]

    # Phase 2: A died part-way through the second push; B finished it and nothing was lost anywhere.
    assert killed_at and a.process is not None and a.process.returncode == -9
    killed = facts["killed_push"]
    assert killed["ok"] is False, killed
    assert KILL_AFTER <= killed["docs_written"] < SECOND, killed
    assert_clean(facts["finish_push"])
    assert killed["docs_written"] + facts["finish_push"]["docs_written"] >= SECOND
    total = FIRST + SECOND
    writer, puller, server = facts["writer"], facts["puller"], facts["server"]
    assert writer["count"] == puller["count"] == server["count"] == total
    assert puller["revs"] == server["revs"] == writer["revs"]
    assert puller["digest"] == server["digest"] == writer["digest"]
    assert server_revs(b, plan, token) == writer["revs"]
    assert facts["errors"] == []  # B never failed the live puller


@pytest.mark.skipif(ONLY_A_SHARED_COUCHDB, reason="stops and restarts its own CouchDB")
def test_a_replication_through_alongside_gets_503_while_couchdb_is_down_and_completes_after(
    pouchdb_server: CouchDBPeer, tmp_path: Path
) -> None:
    server = AlongsideServer(tmp_path / "alongside", storage_args=["--couchdb", pouchdb_server.url])
    plan, token = server.create_plan()
    server.start()
    restarted: list[CouchDBPeer] = []
    count = 300

    def on_line(line: dict[str, Any]) -> None:
        if "retrying" in line and not restarted:
            restarted.append(pouchdb_server.restarted())

    try:
        pouchdb_server.stop()
        request = {"url": server.plan_url(plan), "token": token, "count": count, "retries_before_signal": 3}
        request["timeout_ms"] = int(BOUND * 1000)
        facts = drive("outage_push", request, on_line, tmp_path / "outage_push.stderr")
    finally:
        for couch in restarted:
            couch.stop()
        server.stop()

    # While CouchDB was down, the server answered (503, not a hang) and the replication kept retrying.
    one_shot = facts["one_shot"]
    assert one_shot["ok"] is False and one_shot["status"] == 503, one_shot
    assert one_shot["statuses"] and {s["status"] for s in one_shot["statuses"]} == {503}, one_shot
    assert one_shot["ms"] < BOUND * 1000 / 4
    assert facts["failed_attempts"] >= 3
    assert facts["statuses_while_down"] and {s["status"] for s in facts["statuses_while_down"]} == {503}
    # After the restart the same replication pushed everything; nothing was lost.
    assert restarted
    assert facts["docs_written"] == count
    assert facts["errors"] == []
    assert_clean(facts["again"])
    assert facts["again"]["docs_written"] == 0
    assert_clean(facts["pull"])
    assert facts["server_doc_count"] == count
    assert facts["fresh"]["revs"] == facts["device"]["revs"] and facts["device"]["count"] == count
    assert facts["fresh"]["digest"] == facts["device"]["digest"]


def test_a_device_removed_through_another_process_is_refused_on_its_very_next_request(
    two_servers: tuple[AlongsideServer, AlongsideServer], shared_couchdb: CouchDBPeer
) -> None:
    """Each process remembers the /sync access it granted while the directory's update_seq stays put;
    a removal written by anyone else sharing the CouchDB (here an operator's tool) must still end it at
    once, in the process that remembered it."""
    import anyio

    from alongside.server.directory import Directory
    from alongside.sync.couchdb_store import CouchDBStore

    a, b = two_servers
    plan, token = a.create_plan()
    device_id = token.split(".", 1)[0]
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(3):  # granted, then answered from B's memory
        assert httpx.get(b.plan_url(plan) + "_changes", headers=headers, timeout=BOUND).status_code == 200

    async def exclude() -> None:
        store = CouchDBStore(shared_couchdb.url, prefix=a.couchdb_prefix)
        await store.open()
        try:
            await Directory(store).exclude_device(plan, device_id, by="operator")
        finally:
            await store.close()

    anyio.run(exclude)
    refused = httpx.get(b.plan_url(plan) + "_changes", headers=headers, timeout=BOUND)
    assert refused.status_code == 403, refused.text
    assert refused.json()["reason"] == "This device was removed from this plan."
