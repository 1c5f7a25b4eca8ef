"""Benchmark: the SQLite store alone (no HTTP), the documents a replicator writes and reads.

``--count`` sealed item envelopes (about 1.5 KB on the wire, each with the revision it had on its source) are
written with ``bulk_docs(new_edits=False)`` in batches of 100, then read back with ``bulk_get`` (histories
included) in batches of 100, in a scratch data directory. Prints documents per second for each; nothing is
asserted. Run it directly (``.venv/bin/python tests/bench/bench_sqlite_store.py``, or ``make bench``); run it on
two commits to compare them.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_couchdb import BATCH, replicated_docs

from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import BulkGetItem


async def measure(count: int, size: int) -> tuple[float, float]:
    """Documents per second written, then read."""
    docs = replicated_docs(count, size)
    for doc in docs:
        doc["_revisions"] = {"start": 1, "ids": [doc["_rev"].split("-", 1)[1]]}
    batches = [docs[i : i + BATCH] for i in range(0, len(docs), BATCH)]
    with tempfile.TemporaryDirectory(prefix="alongside-bench-") as scratch:
        store = SqliteStore(Path(scratch))
        await store.open()
        try:
            await store.create_database("bench")
            started = time.perf_counter()
            for batch in batches:
                if await store.bulk_docs("bench", batch, new_edits=False):
                    raise SystemExit("the store refused documents of the benchmark")
            written = time.perf_counter() - started
            started = time.perf_counter()
            for batch in batches:
                items = [BulkGetItem(id=doc["_id"], rev=doc["_rev"]) for doc in batch]
                await store.bulk_get("bench", items, history=True, latest=False)
            read = time.perf_counter() - started
        finally:
            await store.close()
    return count / written, count / read


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000, help="documents to write and read (20000)")
    parser.add_argument("--size", type=int, default=1000, help="plaintext bytes per document (1000)")
    parser.add_argument("--rounds", type=int, default=3, help="runs, each on a fresh file (3)")
    args = parser.parse_args()
    for round_number in range(1, args.rounds + 1):
        write, read = asyncio.run(measure(args.count, args.size))
        print(f"round {round_number}: write {write:,.0f} docs/s  bulk_get {read:,.0f} docs/s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
