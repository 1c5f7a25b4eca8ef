"""Benchmark: Alongside on SQLite and Alongside over CouchDB against that CouchDB spoken to directly, in one run.

Four figures for each of the three (issues 19 and 20), on the same sealed documents (about 1 KB of plaintext):

- real PouchDB (Node) pushing ``--count`` documents, then pulling them into an empty database;
- server-bound writes: ``_bulk_docs`` with ``new_edits: false``, ``--server-count`` documents in batches of 100
  from 4 connections;
- server-bound reads: ``_changes`` pages of 500, then ``_bulk_get?revs=true`` batches of 100 from 4 connections.

The CouchDB is Apache CouchDB started here from ``COUCHDB_RELEASE`` (one node; ``--cluster`` for three nodes with
``n = 3``, ``q = 2``), or the server at ``COUCHDB_URL``, or pouchdb-server when neither is set; the first line names
it. The ratios Alongside / CouchDB directly are the numbers that travel between machines.

Run it directly (``.venv/bin/python tests/bench/bench_couchdb.py``, or ``make bench``); pytest does not collect
``bench_*.py``. Nothing is asserted. The last line is the figures as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository, for loadtests.kit

from bench_sync import _measure
from support.couchdb_release import RELEASE_ENV, CouchDBCluster, CouchDBNode, unpacked_release
from support.documents import doc_id, item_doc
from support.processes import AlongsideServer, CouchDBPeer, PouchDBServer

BATCH = 100
PAGE = 500
CONNECTIONS = 4


@contextmanager
def couchdb_peer(root: Path, cluster: bool) -> Iterator[tuple[CouchDBPeer, str]]:
    """The CouchDB of this run, started here unless it is at ``COUCHDB_URL``, and its name."""
    release = os.environ.get(RELEASE_ENV)
    if release:
        folder = unpacked_release(Path(release), root / "release")
        if cluster:
            group = CouchDBCluster(folder, root / "cluster").start()
            try:
                yield group.nodes[0], f"{group.nodes[0].describe()}, three-node cluster (n=3, q=2)"
            finally:
                group.stop()
            return
        node = CouchDBNode(folder, root / "couchdb").start()
        try:
            yield node, f"{node.describe()}, one node"
        finally:
            node.stop()
        return
    if cluster:
        raise SystemExit(f"--cluster needs {RELEASE_ENV}")
    server = PouchDBServer(directory=root / "pouchdb-server", external_url=os.environ.get("COUCHDB_URL"))
    server.start()
    try:
        yield server, "the CouchDB at COUCHDB_URL" if os.environ.get("COUCHDB_URL") else "pouchdb-server"
    finally:
        server.stop()


def replicated_docs(count: int, size: int) -> list[dict[str, Any]]:
    """Sealed item envelopes as a replicator writes them: each with the revision it had on its source."""
    docs = []
    for n in range(count):
        doc = item_doc(doc_id(f"bench-{n}"), size)
        doc["_rev"] = f"1-{doc_id(f'rev-{n}')}"
        docs.append(doc)
    return docs


async def server_bound(base: str, headers: dict[str, str], docs: list[dict[str, Any]]) -> dict[str, float]:
    """Write ``docs`` with ``new_edits: false`` from 4 connections, then read them back as a replicator does."""
    limits = httpx.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=120.0) as client:
        batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
        queue: asyncio.Queue[list[dict[str, Any]]] = asyncio.Queue()
        for batch in batches:
            queue.put_nowait(batch)

        async def writer() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                answer = await client.post("_bulk_docs", json={"docs": batch, "new_edits": False})
                if answer.status_code not in (201, 202) or answer.json():
                    raise SystemExit(f"_bulk_docs at {base}: HTTP {answer.status_code} {answer.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(writer() for _ in range(CONNECTIONS)))
        write_seconds = time.perf_counter() - started

        started = time.perf_counter()
        wanted: asyncio.Queue[list[dict[str, str]] | None] = asyncio.Queue()
        read = 0

        async def reader() -> None:
            nonlocal read
            while (batch := await wanted.get()) is not None:
                answer = await client.post("_bulk_get", params={"revs": "true"}, json={"docs": batch})
                if answer.status_code != 200:
                    raise SystemExit(f"_bulk_get at {base}: HTTP {answer.status_code} {answer.text[:300]}")
                results = answer.json()["results"]
                read += sum(1 for result in results if "ok" in result["docs"][0])

        readers = [asyncio.create_task(reader()) for _ in range(CONNECTIONS)]
        since: Any = 0
        while True:
            answer = await client.get(
                "_changes", params={"since": str(since), "limit": str(PAGE), "style": "all_docs", "seq_interval": "500"}
            )
            page = answer.json()
            wants = [{"id": row["id"], "rev": change["rev"]} for row in page["results"] for change in row["changes"]]
            for i in range(0, len(wants), BATCH):
                wanted.put_nowait(wants[i : i + BATCH])
            since = page["last_seq"]
            if len(page["results"]) < PAGE:
                break
        for _ in readers:
            wanted.put_nowait(None)
        await asyncio.gather(*readers)
        read_seconds = time.perf_counter() - started
    if read != len(docs):
        raise SystemExit(f"read back {read} of {len(docs)} documents from {base}")
    return {"write_docs_per_s": len(docs) / write_seconds, "read_docs_per_s": len(docs) / read_seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000, help="documents PouchDB pushes and pulls (2000)")
    parser.add_argument("--server-count", type=int, default=20_000, help="documents of the server-bound run (20000)")
    parser.add_argument("--size", type=int, default=1000, help="plaintext bytes per document (1000)")
    parser.add_argument("--cluster", action="store_true", help=f"a three-node cluster from {RELEASE_ENV}")
    args = parser.parse_args()
    docs = replicated_docs(args.server_count, args.size)

    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="alongside-bench-") as scratch, ExitStack() as stack:
        root = Path(scratch)
        peer, peer_name = stack.enter_context(couchdb_peer(root, args.cluster))
        print(f"CouchDB: {peer_name}", flush=True)
        on_sqlite = AlongsideServer(data_dir=root / "alongside" / "data")
        on_couchdb = AlongsideServer(
            data_dir=root / "alongside-couchdb" / "data",
            storage_args=["--couchdb", peer.url],
            env={"ALONGSIDE_COUCHDB_PREFIX": f"bench{uuid.uuid4().hex[:8]}-"},
            couchdb=peer,
        )
        for name, server in (("alongside_sqlite", on_sqlite), ("alongside_couchdb", on_couchdb)):
            server.data_dir.mkdir(parents=True)
            server.start()
            stack.callback(server.stop)
            plan_id, token = server.create_plan()
            figures[name] = _measure(server.plan_url(plan_id), token, args.count, args.size)
            plan_id, token = server.create_plan()
            bound = server_bound(server.plan_url(plan_id), {"Authorization": f"Bearer {token}"}, docs)
            figures[name].update(asyncio.run(bound))
            server.stop()
        figures["couchdb"] = _measure(f"{peer.pouchdb_url}/bench-{uuid.uuid4().hex}", None, args.count, args.size)
        direct = f"{peer.url}/bench-{uuid.uuid4().hex}"
        httpx.put(direct, timeout=60.0).raise_for_status()
        figures["couchdb"].update(asyncio.run(server_bound(direct + "/", {}, docs)))

    columns = ("push_docs_per_s", "pull_docs_per_s", "write_docs_per_s", "read_docs_per_s")
    ratios = {
        name: {column.split("_")[0]: figures[name][column] / figures["couchdb"][column] for column in columns}
        for name in ("alongside_sqlite", "alongside_couchdb")
    }
    print(
        f"PouchDB push and pull of {args.count} documents; server-bound write and read of {args.server_count};"
        f" {args.size} B plaintext; docs per second"
    )
    print(f"{'':34} {'push':>9} {'pull':>9} {'write':>9} {'read':>9}")
    for label, name in (("Alongside on SQLite", "alongside_sqlite"), ("Alongside over CouchDB", "alongside_couchdb")):
        print(f"{label:34} " + " ".join(f"{figures[name][c]:9.0f}" for c in columns))
    print(f"{'CouchDB directly':34} " + " ".join(f"{figures['couchdb'][c]:9.0f}" for c in columns))
    for label, name in (
        ("ratio SQLite / CouchDB", "alongside_sqlite"),
        ("ratio over CouchDB / CouchDB", "alongside_couchdb"),
    ):
        print(f"{label:34} " + " ".join(f"{value:9.2f}" for value in ratios[name].values()))
    print(
        json.dumps(
            {"couchdb": peer_name, "count": args.count, "server_count": args.server_count, **figures, "ratio": ratios}
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
