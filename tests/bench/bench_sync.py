"""Benchmark: PouchDB push and pull through Alongside on SQLite, through Alongside on CouchDB, and
straight to pouchdb-server, in one run.

The CouchDB-backed Alongside stores into the same pouchdb-server that is then measured directly, so the
ratio Alongside (CouchDB) / pouchdb-server is the cost of going through Alongside (authentication,
envelope checks, one more HTTP hop, and the store's normalisation of pouchdb-server's answers) on top
of the storage it uses. With ``COUCHDB_URL`` set, that server (e.g. an Apache CouchDB) replaces
pouchdb-server in both roles; the run leaves its ``bench…`` databases there.

Run it directly (``.venv/bin/python tests/bench/bench_sync.py``); pytest does not collect ``bench_*.py``.
It prints a table, then the figures as JSON on the last line. Nothing is asserted: the figures are for
reading side by side, and the ratios (Alongside / direct) are the numbers that travel between machines.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository, for loadtests.kit

from support.processes import TESTS, AlongsideServer, PouchDBServer, run_node

PUSH_PULL = TESTS / "sync" / "js" / "push_pull.mjs"


def _measure(url: str, token: str | None, count: int, size: int) -> dict[str, Any]:
    facts = run_node(PUSH_PULL, input_json={"url": url, "token": token, "count": count, "size": size, "revs": False})
    for step in ("push", "pull"):
        if not facts[step]["ok"] or facts[step]["docs_written"] != count:
            raise SystemExit(f"{step} through {url} did not move {count} documents: {facts[step]}")
    if facts["pulled"]["digest"] != facts["source"]["digest"]:
        raise SystemExit(f"the documents pulled through {url} differ from the ones pushed")
    return {
        "push_seconds": facts["push_ms"] / 1000,
        "pull_seconds": facts["pull_ms"] / 1000,
        "push_docs_per_s": count / (facts["push_ms"] / 1000),
        "pull_docs_per_s": count / (facts["pull_ms"] / 1000),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="documents to push and pull (default 10000)")
    parser.add_argument(
        "--size", type=int, default=1000, help="plaintext bytes per document, padded to a bucket (default 1000: 1 KiB)"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="alongside-bench-") as scratch:
        root = Path(scratch)
        reference = PouchDBServer(directory=root / "pouchdb-server", external_url=os.environ.get("COUCHDB_URL"))
        on_sqlite = AlongsideServer(data_dir=root / "alongside" / "data")
        on_couchdb = AlongsideServer(
            data_dir=root / "alongside-couchdb" / "data",
            storage_args=["--couchdb", reference.url],
            env={"ALONGSIDE_COUCHDB_PREFIX": f"bench{uuid.uuid4().hex[:8]}-"},
            couchdb=reference,
        )
        servers = (on_sqlite, on_couchdb)
        try:
            reference.start()
            figures: dict[str, dict[str, Any]] = {}
            for name, server in zip(("alongside_sqlite", "alongside_couchdb"), servers, strict=True):
                server.data_dir.mkdir(parents=True)
                server.start()
                plan_id, token = server.create_plan()
                figures[name] = _measure(server.plan_url(plan_id), token, args.count, args.size)
                server.stop()
            figures["pouchdb_server"] = _measure(
                f"{reference.pouchdb_url}/bench-{uuid.uuid4().hex}", None, args.count, args.size
            )
        finally:
            for server in servers:
                server.stop()
            reference.stop()

    theirs = figures["pouchdb_server"]
    ratios = {
        name: {
            "push": figures[name]["push_docs_per_s"] / theirs["push_docs_per_s"],
            "pull": figures[name]["pull_docs_per_s"] / theirs["pull_docs_per_s"],
        }
        for name in ("alongside_sqlite", "alongside_couchdb")
    }
    underneath = "COUCHDB_URL" if os.environ.get("COUCHDB_URL") else "pouchdb-server"
    print(f"PouchDB (Node) replication, {args.count} envelopes of {args.size} B plaintext, loopback")
    print(f"{'':40} {'push docs/s':>12} {'pull docs/s':>12}")
    rows = [
        ("Alongside on SQLite", figures["alongside_sqlite"]),
        (f"Alongside on CouchDB ({underneath})", figures["alongside_couchdb"]),
        (f"{underneath} directly", theirs),
    ]
    for label, row in rows:
        print(f"{label:40} {row['push_docs_per_s']:12.0f} {row['pull_docs_per_s']:12.0f}")
    for label, name in (("ratio SQLite / direct", "alongside_sqlite"), ("ratio CouchDB / direct", "alongside_couchdb")):
        print(f"{label:40} {ratios[name]['push']:12.2f} {ratios[name]['pull']:12.2f}")
    print(json.dumps({"count": args.count, "size": args.size, **figures, "ratio": ratios}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
