"""Benchmark: PouchDB push and pull through Alongside (SQLite) and through pouchdb-server, in one run.

Run it directly (``.venv/bin/python tests/bench/bench_sync.py``); pytest does not collect ``bench_*.py``.
It prints a table, then the figures as JSON on the last line. Nothing is asserted: the figures are for
reading side by side, and the ratio (Alongside / pouchdb-server) is the number that travels between
machines.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

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
        alongside = AlongsideServer(data_dir=root / "alongside" / "data")
        reference = PouchDBServer(directory=root / "pouchdb-server")
        try:
            alongside.data_dir.mkdir(parents=True)
            alongside.start()
            reference.start()
            plan_id, token = alongside.create_plan()
            figures = {
                "alongside": _measure(alongside.plan_url(plan_id), token, args.count, args.size),
                "pouchdb_server": _measure(f"{reference.url}/bench-{uuid.uuid4().hex}", None, args.count, args.size),
            }
        finally:
            alongside.stop()
            reference.stop()

    ours, theirs = figures["alongside"], figures["pouchdb_server"]
    ratio = {
        "push": ours["push_docs_per_s"] / theirs["push_docs_per_s"],
        "pull": ours["pull_docs_per_s"] / theirs["pull_docs_per_s"],
    }
    print(f"PouchDB (Node) replication, {args.count} envelopes of {args.size} B plaintext, loopback")
    print(f"{'':16} {'push docs/s':>12} {'pull docs/s':>12}")
    print(f"{'Alongside':16} {ours['push_docs_per_s']:12.0f} {ours['pull_docs_per_s']:12.0f}")
    print(f"{'pouchdb-server':16} {theirs['push_docs_per_s']:12.0f} {theirs['pull_docs_per_s']:12.0f}")
    print(f"{'ratio':16} {ratio['push']:12.2f} {ratio['pull']:12.2f}")
    print(json.dumps({"count": args.count, "size": args.size, **figures, "ratio": ratio}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
