"""Alongside over a three-node Apache CouchDB cluster (``n = 3``, ``q = 2``) started from ``COUCHDB_RELEASE``.

One cluster for the module (:class:`~support.couchdb_release.CouchDBCluster`), shared by its tests:

- Node loss: two ``alongside serve`` processes, A on node 1 and B on node 2 (each process is given one
  node's URL, as a deployment without a load balancer would be); a device pushes 5,000 documents of
  about 1 KB through A while another keeps a live pull through B, and node 3 is paused (SIGSTOP) part-way
  through the push, then killed (SIGKILL) further on, when a push fails, or after 20 s of silence. The push
  completes, the live device receives everything, and once node 3 is started again on its data, every
  acknowledged document is on all three nodes.
- ``alongside migrate`` SQLite → the cluster → a new SQLite directory round-trips exactly.
- Quorum lost: with two nodes of three down, CouchDB answers writes ``202 Accepted`` (stored on fewer
  copies than its write quorum); the store takes them as written and logs a warning, ``/healthz`` says how
  many nodes answer and what that means, and once the nodes are back every such write is on all three.
  (This test leaves the cluster whole again.)
- A remembered access costs one directory read per request on the cluster, and a revocation through
  another process is refused at once.

While a node is silent (paused) and not yet declared down by Erlang's distribution (``net_ticktime``: 60 s by
default, so 45 to 75 s), CouchDB still sends work to it: a ``_changes`` read from a sequence that names that
node's shard copies waits for it, so a request of Alongside's that needs one (the directory's changes, read
when its ``update_seq`` moved) answers 503 at Alongside's deadline. A push that fails so is started again, as
the app's sync does, and the test then kills the node at once (a crash closes its connections: the cluster
stops waiting for it). Whether a push fails at all depends on which copies answered before the pause.

What one node holds is read from that node's own shard copies (:func:`held_by`). ``GET /{db}/{id}?r=3``
would not do: it answers from whichever copies reply, and repairs the others as it reads. Waits are on
events under overall bounds; nothing is timed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from starlette.testclient import TestClient
from support.couchdb_release import RELEASE_ENV, CouchDBCluster, CouchDBNode
from support.documents import doc_id, item_doc
from support.migration_world import alongside, build_directory, couch_store, enrich, store_state
from support.node_script import stream_node
from support.processes import AlongsideServer
from support.store_requests import count_store_requests

from alongside.server.app import create_app
from alongside.server.directory import plan_database
from alongside.server.settings import Settings
from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.errors import NotFound
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import DocumentStore, Json

pytestmark = [
    pytest.mark.slow,
    # Alone after the parallel run: three CouchDB nodes and two servers moving 5,000 documents need the cores
    # (with other tests filling them, one run took over 300 s).
    pytest.mark.serial,
    pytest.mark.skipif(
        not os.environ.get(RELEASE_ENV),
        reason="needs COUCHDB_RELEASE: the tests start a three-node cluster from an Apache CouchDB release "
        "(pouchdb-server cannot be one, and a shared COUCHDB_URL cannot be stopped node by node)",
    ),
]

JS = Path(__file__).parent / "js"
BOUND = 120.0  # seconds: "finished at all", never a performance claim
# The push and the live pull on a machine whose two cores other tests fill (one run needed over 120 s).
PUSH_BOUND = 300.0
COUNT, SIZE = 5_000, 1_000
PAUSE_AT, KILL_AT = 1_500, 3_000  # documents pushed when the lost node is paused, then killed
SILENT_FOR = 20.0  # seconds: the paused node is killed then at the latest, if the push has stalled behind it
# Pushes the device starts at most: one may fail while the node is silent, and one more just after it is killed,
# before the cluster has noticed it gone (seen once in a full run: 1,500 + 0 + 3,500 documents, each written once).
ATTEMPTS = 3


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, couchdb_release: Path | None) -> Iterator[CouchDBCluster]:
    """Three Apache CouchDB nodes joined into one cluster, for the whole module."""
    assert couchdb_release is not None
    started = CouchDBCluster(couchdb_release, tmp_path_factory.mktemp("couchdb-cluster")).start()
    try:
        yield started
    finally:
        started.stop()


def held_by(cluster: CouchDBCluster, index: int, database: str) -> dict[str, str]:
    """``{id: winning rev}`` of every document node `index` holds in its own shard copies of `database`.

    The shard map (``/_node/_local/_dbs/{db}``) names the shard ranges and the database's shard suffix; each
    copy is then read on that node alone through ``/_node/{name}/shards%2F{range}%2F{db}{suffix}/_all_docs``
    (CouchDB hands a ``/_node/{name}/…`` path it has no handler of its own for to that node's local HTTP
    handler, which reads the shard file there and nowhere else)."""
    via = cluster.nodes[0].url
    shard_map = httpx.get(f"{via}/_node/_local/_dbs/{quote(database, safe='')}", timeout=BOUND).json()
    suffix = "".join(map(chr, shard_map["shard_suffix"]))
    node = cluster.nodes[index]
    held: dict[str, str] = {}
    for shard_range, nodes in shard_map["by_range"].items():
        assert node.name in nodes, (node.name, shard_range, nodes)
        shard = quote(f"shards/{shard_range}/{database}{suffix}", safe="")
        response = httpx.get(f"{via}/_node/{node.name}/{shard}/_all_docs", timeout=BOUND)
        assert response.status_code == 200, response.text
        held.update((row["id"], row["value"]["rev"]) for row in response.json()["rows"])
    return held


def wait_until_held(cluster: CouchDBCluster, index: int, database: str, expected: dict[str, str]) -> None:
    """Wait until node `index` holds every document of `expected` itself (the other nodes push what it
    missed to it by CouchDB's internal replication once it is back); fail after ``BOUND`` seconds."""
    deadline = time.monotonic() + BOUND
    while True:
        held = held_by(cluster, index, database)
        missing = sum(held.get(doc) != rev for doc, rev in expected.items())
        if not missing:
            return
        assert time.monotonic() < deadline, f"node {index + 1} still lacks {missing} documents"
        time.sleep(0.25)  # CouchDB's internal replication is under way: look again


async def device_checkpoints(store: DocumentStore, plans: list[str]) -> dict[str, str]:
    """``{plan: session_id}`` of each plan's ``_local/device-checkpoint`` that `store` holds."""
    await store.open()
    try:
        found = {}
        for plan in plans:
            try:
                found[plan] = str((await store.get_local(plan_database(plan), "device-checkpoint"))["session_id"])
            except NotFound:
                pass
        return found
    finally:
        await store.close()


def test_alongside_keeps_pushing_and_pulling_through_the_loss_of_a_node_and_all_three_hold_everything(
    cluster: CouchDBCluster, tmp_path: Path
) -> None:
    prefix = f"c{uuid.uuid4().hex[:12]}-"
    first, second, lost = cluster.nodes
    a = AlongsideServer(tmp_path / "a", storage_args=["--couchdb", first.url], env={"ALONGSIDE_COUCHDB_PREFIX": prefix})
    b = AlongsideServer(
        tmp_path / "b", storage_args=["--couchdb", second.url], env={"ALONGSIDE_COUCHDB_PREFIX": prefix}
    )
    events: list[tuple[str, int]] = []
    done = 0
    lock = threading.Lock()

    def kill_once() -> None:
        with lock:
            if len(events) == 1:
                lost.kill()
                events.append(("killed", done))

    def on_line(line: dict[str, Any]) -> None:
        # Node 3 stops answering part-way through the push (SIGSTOP), then crashes (SIGKILL) further on, as
        # soon as a push fails while it is silent (see the module's docstring for why one can), or once it has
        # been silent for SILENT_FOR seconds (a push whose every batch waits on the silent node crawls).
        nonlocal done
        done = line.get("progress", done)
        with lock:
            if not events and done >= PAUSE_AT:
                lost.pause()
                events.append(("paused", done))
                silence.start()
                return
        if done >= KILL_AT or "push_failed" in line:
            kill_once()

    silence = threading.Timer(SILENT_FOR, kill_once)

    try:
        a.start()
        b.start()
        plan, token = a.create_plan()
        request = {"url_a": a.plan_url(plan), "url_b": b.plan_url(plan), "token": token}
        # The script's own waits end before the watchdog does, so that a stalled wait says which it was.
        request.update(count=COUNT, size=SIZE, attempts=ATTEMPTS, timeout_ms=int((PUSH_BOUND - 30) * 1000))
        started = time.monotonic()
        facts = stream_node(JS / "cluster_node_loss.mjs", request, on_line, tmp_path / "node_loss.stderr", PUSH_BOUND)
        seconds = time.monotonic() - started
        print(f"\npush of {COUNT} documents and a live pull, node 3 lost on the way: {seconds:.1f} s")
    finally:
        silence.cancel()
        a.stop()
        b.stop()
        # Node 3 comes back on its data (killed first if the run failed before it was): the module's other
        # tests need all three nodes, whatever happened here.
        lost.kill()
        cluster.nodes[2] = lost.restarted()

    # Node 3 went away part-way through the push. The push completed (started again at most twice, if it
    # failed while the node was silent or just after it was killed), and the live device received every
    # document, with the same revisions and bodies, without a single error reaching it.
    assert [what for what, _ in events] == ["paused", "killed"], events
    assert all(pushed < COUNT for _, pushed in events), events
    pushes = facts["pushes"]
    print(f"pushes: {[(push['ok'], push['docs_written'], push.get('error')) for push in pushes]}")
    *failed, finished = pushes
    assert finished["ok"] is True and finished["errors"] == [] and finished["doc_write_failures"] == 0, pushes
    assert len(failed) < ATTEMPTS and all(push["status"] == "aborting" for push in failed), pushes
    assert sum(push["docs_written"] for push in pushes) == COUNT, pushes  # each written once
    writer, puller = facts["writer"], facts["puller"]
    assert writer["count"] == puller["count"] == COUNT
    assert puller["revs"] == writer["revs"] and puller["digest"] == writer["digest"]
    assert facts["errors"] == []

    # Node 3 is back on its data; the others replicate to it what it missed, and then each of the three
    # holds every acknowledged document in its own shard copies.
    database = prefix + plan_database(plan)
    started = time.monotonic()
    wait_until_held(cluster, 2, database, writer["revs"])
    print(f"node 3 caught up {time.monotonic() - started:.1f} s after it answered again")
    for index in range(3):
        assert held_by(cluster, index, database) == writer["revs"], f"node {index + 1}"


def test_alongside_migrate_from_sqlite_through_the_cluster_and_back_round_trips_exactly(
    cluster: CouchDBCluster, tmp_path: Path
) -> None:
    source, final = tmp_path / "source", tmp_path / "final"
    prefix = f"m{uuid.uuid4().hex[:12]}-"
    world = build_directory(source)
    asyncio.run(enrich(source, world))
    plans = [plan["plan"] for plan in world["plans"]]
    databases = ["directory", *sorted(plan_database(plan) for plan in plans)]
    original = asyncio.run(store_state(SqliteStore(source), databases))
    checkpoints = asyncio.run(device_checkpoints(SqliteStore(source), plans))

    # Into the cluster through node 1, and out of it through node 3: any node serves every database.
    there = alongside("migrate", "--from", str(source), "--to", cluster.nodes[0].url, "--to-prefix", prefix, "--json")
    summary = json.loads(there.stdout)
    assert summary["ok"] is summary["verified"] is True, summary
    assert [report["db"] for report in summary["per_database"]] == databases
    assert summary["doc_write_failures"] == 0
    back = alongside("migrate", "--from", cluster.nodes[2].url, "--from-prefix", prefix, "--to", str(final), "--json")
    assert json.loads(back.stdout)["verified"] is True

    # Every document with its whole revision tree (each leaf's body and history), the directory among them,
    # is the same in the cluster and at the end as at the start; the source is untouched.
    assert asyncio.run(store_state(couch_store(cluster.nodes[1].url, prefix), databases)) == original
    assert asyncio.run(store_state(SqliteStore(final), databases)) == original
    assert asyncio.run(store_state(SqliteStore(source), databases)) == original
    first = original[plan_database(plans[0])]["docs"]
    assert sum(len(entry["leaves"]) > 1 for entry in first.values()) == 5  # the conflicts came along
    # A device's ``_local`` checkpoint stays where it was written (it names sequences of that store only):
    # unchanged in the source, absent from the cluster and from the new directory.
    assert checkpoints == {plan: "kept-behind" for plan in plans}
    assert asyncio.run(device_checkpoints(SqliteStore(source), plans)) == checkpoints
    assert asyncio.run(device_checkpoints(couch_store(cluster.nodes[1].url, prefix), plans)) == {}
    assert asyncio.run(device_checkpoints(SqliteStore(final), plans)) == {}


def test_writes_with_two_nodes_of_three_down_are_accepted_kept_and_reach_every_node_when_they_return(
    cluster: CouchDBCluster, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """CouchDB answers ``202 Accepted`` to a write it stored on fewer copies than its write quorum; the store
    takes it as written (as CouchDB documents it), says so in the log and on ``/healthz``, and nothing is lost."""
    prefix = f"q{uuid.uuid4().hex[:12]}-"
    db = "plan-" + uuid.uuid4().hex
    docs = [item_doc(doc_id(f"quorum-{i}"), 300) for i in range(20)]

    async def write() -> tuple[list[Json], Json, Json]:
        store = CouchDBStore(cluster.nodes[0].url, prefix=prefix)
        await store.open()
        try:
            await store.create_database(db)
            for node in cluster.nodes[1:]:
                node.kill()
            written = await store.bulk_docs(db, docs)
            checkpoint = await store.put_local(db, "device-checkpoint", {"last_seq": "1-x", "session_id": "s"})
            moved = await store.put_local(db, "device-checkpoint", {"_rev": checkpoint["rev"], "session_id": "t"})
            assert (await store.get_local(db, "device-checkpoint"))["session_id"] == "t"
            return written, checkpoint, moved
        finally:
            await store.close()

    # An Alongside process on node 1 says plainly on /healthz how many nodes answer while two are down.
    app = create_app(Settings(data_dir=tmp_path / "app", couchdb_url=cluster.nodes[0].url, couchdb_prefix=prefix))
    with TestClient(app) as alongside_process:
        assert alongside_process.get("/healthz").json() == {"status": "ok", "storage": "couchdb"}
        with caplog.at_level(logging.WARNING, logger="alongside.sync.couchdb"):
            written, checkpoint, moved = asyncio.run(write())
        health = alongside_process.get("/healthz")
    assert health.status_code == 200, health.text
    assert health.json()["cluster"] == {"nodes": 3, "answering": 1}, health.text
    assert health.json()["warning"].startswith("Only 1 of the 3 CouchDB nodes answer."), health.text
    assert all(row.get("ok") for row in written) and len(written) == len(docs), written
    assert checkpoint["ok"] and moved["ok"] and moved["rev"] != checkpoint["rev"]
    accepted = [record.getMessage() for record in caplog.records if "(202)" in record.getMessage()]
    assert any("POST /" in message and "_bulk_docs" in message for message in accepted), accepted
    assert any("PUT /" in message and "_local/device-checkpoint" in message for message in accepted), accepted

    # The two nodes come back on their data (side by side); every accepted write reaches all three.
    returning = [CouchDBNode(node.release, node.directory, cluster=True) for node in cluster.nodes[1:]]
    for node in returning:
        node.launch()
    cluster.nodes[1:] = returning
    for node in returning:
        node.wait_until_up()
    expected = {row["id"]: row["rev"] for row in written}
    for index in range(3):
        wait_until_held(cluster, index, prefix + db, expected)
    with TestClient(app) as alongside_process:
        assert alongside_process.get("/healthz").json() == {"status": "ok", "storage": "couchdb"}


@pytest.mark.parametrize("recheck_ms", [0, 200])
def test_a_remembered_access_costs_at_most_one_directory_read_and_a_revocation_through_another_node_refuses_at_once(
    cluster: CouchDBCluster, tmp_path: Path, recheck_ms: int
) -> None:
    """On a cluster the directory's ``update_seq`` differs between reads with no write between them (it names
    whichever shard copies answered), so comparing it would forget every remembered access on every request.
    The directory asks "changed since?" instead: one read per request while nothing changed (none at all while
    a read sent less than ``access_recheck_ms`` ago vouches for it); and a device revoked through another
    Alongside process, on another node, is refused on its very next request after the revocation is answered."""
    prefix = f"a{uuid.uuid4().hex[:12]}-"
    first, second = (
        create_app(
            Settings(
                data_dir=tmp_path / name,
                couchdb_url=node.url,
                couchdb_prefix=prefix,
                access_recheck_ms=recheck_ms,
            )
        )
        for name, node in (("a", cluster.nodes[0]), ("b", cluster.nodes[1]))
    )
    with TestClient(first) as a, TestClient(second) as b:  # two processes, one directory (the same prefix)
        sent = count_store_requests(first)
        plan = a.portal.call(first.state.alongside.directory.create_plan_with_device)
        a.headers["Authorization"] = f"Bearer {plan.token}"
        base = f"/sync/{plan.plan_id}/"
        # The first request notes when the device was last seen (a directory write); from the next one on the
        # access is remembered.
        for _ in range(2):
            assert a.get(base).status_code == 200
        directory = f"/{prefix}directory"
        expected = [[f"GET {directory}/_changes"]] if recheck_ms == 0 else [[], [f"GET {directory}/_changes"]]
        for _ in range(20):
            sent.clear()
            answer = a.post(base + "_revs_diff", json={doc_id("remembered"): ["1-" + doc_id("rev")]})
            assert answer.status_code == 200, answer.text
            assert [call for call in sent if call.split(" ")[1].startswith(directory)] in expected, sent

        b.portal.call(partial(second.state.alongside.directory.revoke_device, plan.device_id, by="test"))
        refused = a.post(base + "_revs_diff", json={doc_id("remembered"): ["1-" + doc_id("rev")]})
        assert refused.status_code == 401, refused.text
        assert set(refused.json()) == {"error", "reason"}
