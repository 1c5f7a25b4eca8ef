"""Benchmark: how many requests Alongside sends to CouchDB for each request a device sends it (issues 19 and 20).

A replicating device sends, per batch of 100 documents, ``_revs_diff``, ``_bulk_docs`` (``new_edits: false``) and a
checkpoint ``PUT _local/…`` when it pushes, and ``_changes``, ``_bulk_get`` and a checkpoint when it pulls; it
opens each replication with the database's info and its checkpoints. This script sends each of those to an
Alongside app over CouchDB (in this process, the app as ``create_app`` builds it) and counts the requests the
store sends to CouchDB for it: the first round (a new plan, nothing cached) and the steady state after it,
side by side with the one request the device would send to CouchDB directly.

The directory's "changed since?" read is sent at most once per ``ALONGSIDE_ACCESS_RECHECK_MS`` (the
default unless ``--access-recheck-ms`` says otherwise; ``0`` asks it on every request), so with the default
a fast round sends it once or not at all per request; the steady state is the mean over the rounds after the
first few.

The CouchDB is Apache CouchDB started from ``COUCHDB_RELEASE`` (one node; ``--cluster`` for three, ``n = 3``,
``q = 2``), the server at ``COUCHDB_URL``, or pouchdb-server; the first line names it. The counts do not depend
on the machine's speed; nothing is timed or asserted. Run it directly
(``.venv/bin/python tests/bench/bench_couchdb_requests.py``, or ``make bench``).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository, for loadtests.kit

from bench_couchdb import couchdb_peer, replicated_docs
from starlette.testclient import TestClient
from support.store_requests import count_store_requests

from alongside.server.app import create_app
from alongside.server.settings import DEFAULT_ACCESS_RECHECK_MS, Settings

ROUNDS = 12
SETTLED = 4  # rounds left out of the steady state (a new plan's first reads, the first rechecks after them)


def device_requests(base: str, round_: int, docs: list[dict[str, Any]]) -> list[tuple[str, Callable[..., Any]]]:
    """The requests of one push and one pull of ``docs``, as a replicating device sends them."""
    checkpoint = {"last_seq": str(round_), "session_id": "bench"} | ({"_rev": f"0-{round_}"} if round_ else {})
    wanted = [{"id": doc["_id"], "rev": doc["_rev"]} for doc in docs]
    return [
        ("GET /db (database info)", lambda c: c.get(base)),
        ("GET _local/{checkpoint}", lambda c: c.get(base + "_local/bench-checkpoint")),
        ("POST _revs_diff", lambda c: c.post(base + "_revs_diff", json={d["_id"]: [d["_rev"]] for d in docs})),
        (
            "POST _bulk_docs (new_edits: false)",
            lambda c: c.post(base + "_bulk_docs", json={"docs": docs, "new_edits": False}),
        ),
        ("PUT _local/{checkpoint}", lambda c: c.put(base + "_local/bench-checkpoint", json=checkpoint)),
        ("GET _changes", lambda c: c.get(base + "_changes", params={"style": "all_docs", "limit": str(len(docs))})),
        (
            "POST _bulk_get (revs, latest)",
            lambda c: c.post(base + "_bulk_get", params={"revs": "true", "latest": "true"}, json={"docs": wanted}),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cluster", action="store_true", help="three nodes of COUCHDB_RELEASE (n = 3, q = 2)")
    parser.add_argument(
        "--access-recheck-ms",
        type=int,
        default=DEFAULT_ACCESS_RECHECK_MS,
        help="the server's setting (0: every request)",
    )
    args = parser.parse_args()
    cluster = args.cluster
    with tempfile.TemporaryDirectory() as scratch, couchdb_peer(Path(scratch), cluster=cluster) as (peer, name):
        print(f"CouchDB: {name}; access recheck {args.access_recheck_ms} ms")
        settings = Settings(
            data_dir=Path(scratch) / "data", couchdb_url=peer.url, access_recheck_ms=args.access_recheck_ms
        )
        app = create_app(settings)
        with TestClient(app) as client:
            state = app.state.alongside
            sent = count_store_requests(app)
            plan = client.portal.call(state.directory.create_plan_with_device)
            client.headers["Authorization"] = f"Bearer {plan.token}"
            base = f"/sync/{plan.plan_id}/"
            counts: dict[str, list[int]] = {}
            for round_ in range(ROUNDS):
                docs = replicated_docs(100, 1000)
                for doc in docs:
                    doc["_id"] = f"{round_:02d}{doc['_id'][2:]}"
                for what, call in device_requests(base, round_, docs):
                    sent.clear()
                    answer: httpx.Response = call(client)
                    if answer.status_code >= 300 and not (
                        answer.status_code == 404 and round_ == 0
                    ):  # no checkpoint yet
                        raise SystemExit(f"{what}: {answer.status_code} {answer.text}")
                    counts.setdefault(what, []).append(len(sent))
                    if round_ == ROUNDS - 1:
                        print(f"  {what}: {' · '.join(sent)}")
        steady = {what: sum(per_round[SETTLED:]) / (ROUNDS - SETTLED) for what, per_round in counts.items()}
        print(f"\n{'device request':<40} {'first':>6} {'steady':>7} {'CouchDB directly':>17}")
        for what, per_round in counts.items():
            print(f"{what:<40} {per_round[0]:>6} {steady[what]:>7.1f} {1:>17}")
        push = sum(
            steady[w] for w in ("POST _revs_diff", "POST _bulk_docs (new_edits: false)", "PUT _local/{checkpoint}")
        )
        pull = sum(steady[w] for w in ("GET _changes", "POST _bulk_get (revs, latest)", "PUT _local/{checkpoint}"))
        print(
            f"\nper batch of 100, steady state: push {push:.1f} CouchDB requests (3 directly),"
            f" pull {pull:.1f} (3 directly)"
        )
        facts = {
            "peer": name,
            "access_recheck_ms": args.access_recheck_ms,
            "steady": steady,
            "push": push,
            "pull": pull,
        }
        print(json.dumps(facts))


if __name__ == "__main__":
    main()
