"""Benchmark (prints figures, asserts nothing): how long each request of one push batch takes the server.

Run: ``COUCHDB_RELEASE=… .venv/bin/python tests/bench/bench_push_batch.py [--batches 40]`` (without
``COUCHDB_RELEASE`` only Alongside on SQLite is timed). One connection sends what PouchDB sends for each push
batch of 100 sealed documents: ``_revs_diff``, ``_bulk_docs`` with ``new_edits: false`` and the checkpoint
``PUT``, one after another; the medians, in milliseconds, for Alongside on SQLite, Apache CouchDB directly and
Alongside over that CouchDB. Set beside ``bench_couchdb.py``'s PouchDB push, it shows how much of a push is the
server's and how much PouchDB's own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository, for loadtests.kit

from bench_couchdb import BATCH, couchdb_peer, replicated_docs
from support.couchdb_release import RELEASE_ENV
from support.processes import AlongsideServer


def time_batches(base: str, headers: dict[str, str], docs: list[dict[str, Any]]) -> dict[str, float]:
    """The median milliseconds of each request of a push batch, over every batch of ``docs``."""
    times: dict[str, list[float]] = {"revs_diff": [], "bulk_docs": [], "checkpoint": []}
    with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
        rev = None
        for start in range(0, len(docs), BATCH):
            batch = docs[start : start + BATCH]
            requests = (
                ("revs_diff", "POST", "_revs_diff", {d["_id"]: [d["_rev"]] for d in batch}),
                ("bulk_docs", "POST", "_bulk_docs", {"docs": batch, "new_edits": False}),
                ("checkpoint", "PUT", "_local/bench-checkpoint", {"last_seq": str(start), "session_id": "s"}),
            )
            for name, method, path, body in requests:
                if name == "checkpoint" and rev is not None:
                    body = {**body, "_rev": rev}
                started = time.perf_counter()
                answer = client.request(method, path, json=body)
                times[name].append((time.perf_counter() - started) * 1000)
                if answer.status_code not in (200, 201):
                    raise SystemExit(f"{method} {path} at {base}: HTTP {answer.status_code} {answer.text[:300]}")
                if name == "checkpoint":
                    rev = answer.json()["rev"]
    return {name: round(statistics.median(values), 1) for name, values in times.items()}


def on_alongside(server: AlongsideServer, docs: list[dict[str, Any]]) -> dict[str, float]:
    server.data_dir.mkdir(parents=True)
    server.start()
    try:
        plan_id, token = server.create_plan()
        return time_batches(server.plan_url(plan_id), {"Authorization": f"Bearer {token}"}, docs)
    finally:
        server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=40, help="push batches of 100 documents (default 40)")
    args = parser.parse_args()
    docs = replicated_docs(args.batches * BATCH, 1000)
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="alongside-bench-") as scratch:
        root = Path(scratch)
        figures["alongside_sqlite"] = on_alongside(AlongsideServer(data_dir=root / "sqlite" / "data"), docs)
        if os.environ.get(RELEASE_ENV):
            with couchdb_peer(root, False) as (peer, _name):
                direct = f"{peer.url}/bench-{uuid.uuid4().hex}"
                httpx.put(direct, timeout=60.0).raise_for_status()
                figures["couchdb"] = time_batches(direct + "/", {}, docs)
                over = AlongsideServer(
                    data_dir=root / "over-couchdb" / "data",
                    storage_args=["--couchdb", peer.url],
                    env={"ALONGSIDE_COUCHDB_PREFIX": f"bench{uuid.uuid4().hex[:8]}-"},
                    couchdb=peer,
                )
                figures["alongside_couchdb"] = on_alongside(over, docs)
    print(f"One push batch of {BATCH} documents, one connection, median ms over {args.batches} batches")
    print(f"{'':26} {'_revs_diff':>11} {'_bulk_docs':>11} {'checkpoint':>11} {'all three':>10}")
    for name, label in (
        ("alongside_sqlite", "Alongside on SQLite"),
        ("couchdb", "CouchDB directly"),
        ("alongside_couchdb", "Alongside over CouchDB"),
    ):
        if name in figures:
            f = figures[name]
            total = f["revs_diff"] + f["bulk_docs"] + f["checkpoint"]
            print(f"{label:26} {f['revs_diff']:11.1f} {f['bulk_docs']:11.1f} {f['checkpoint']:11.1f} {total:10.1f}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
