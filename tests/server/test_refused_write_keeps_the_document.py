"""A refused write leaves the stored document exactly as it was, through the real server, on both backends.

The reproduction of issue 14: a member pushes an item at revision ``999999999-…`` (the highest generation
the server accepts, docs/crypto.md §14.1) with ``new_edits: false``, then writes a new revision on top of
it. That write cannot be stored (its generation would be past the limit) and is refused with ``400``.
Before the fix the refusal came after the old revision's body had been dropped, outside any rollback, so
the document answered ``404 missing`` from then on, could no longer be edited, and ``alongside migrate``
skipped it. Now the document keeps its revision and its body, still takes writes, and migrates.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.processes import ALONGSIDE, AlongsideServer, PouchDBServer
from support.server_plan import ServerPlan, enrol

from alongside.server.directory import plan_database
from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import DocumentStore, Json

LAST_GENERATION = "999999999-" + "a" * 32


@pytest.fixture
def plan(alongside_server: AlongsideServer) -> Iterator[ServerPlan]:
    """A plan on a fresh server of the backend under test: the worker's tablet and three members' devices."""
    alongside_server.admin("init", "--org", "Riverside Family Support", "--name", "Admin", "--json")
    worker = enrol(alongside_server, alongside_server.admin("add-worker", "--name", "Ali", "--json")["code"])
    started = ServerPlan.start(alongside_server, worker)
    try:
        yield started
    finally:
        started.close()
        worker.client.close()


def migrate_elsewhere(server: AlongsideServer, couch: PouchDBServer, tmp_path: Path) -> DocumentStore:
    """``alongside migrate`` the stopped server's storage to the other backend; the target store, verified."""
    if server.backend == "sqlite":
        prefix = f"m{uuid.uuid4().hex[:12]}-"
        args = ["--from", str(server.data_dir), "--to", couch.url, "--to-prefix", prefix]
        target: DocumentStore = CouchDBStore(couch.url, prefix=prefix)
    else:
        args = ["--from", couch.url, "--from-prefix", server.couchdb_prefix, "--to", str(tmp_path / "migrated")]
        target = SqliteStore(tmp_path / "migrated")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALONGSIDE_")}
    done = subprocess.run(
        [*ALONGSIDE, "migrate", *args, "--json"], capture_output=True, text=True, env=clean, timeout=120
    )
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["verified"] is True and summary["doc_write_failures"] == 0, summary
    return target


async def leaves_in(store: DocumentStore, db: str, doc_id: str) -> list[Json]:
    await store.open()
    try:
        found = await store.get_open_revs(db, doc_id, None, history=True, latest=False)
        return sorted((entry["ok"] for entry in found), key=lambda leaf: str(leaf["_rev"]))
    finally:
        await store.close()


def test_a_refused_write_on_top_of_the_last_generation_leaves_the_document_readable_editable_and_migrated(
    plan: ServerPlan, alongside_server: AlongsideServer, shared_couchdb: PouchDBServer, tmp_path: Path
) -> None:
    url = f"/sync/{plan.plan_id}"
    pushed = plan.item(plan.writer, rev=LAST_GENERATION)
    doc_id = str(pushed["_id"])
    assert plan.bulk(plan.writer, [pushed], new_edits=False) == []
    before = plan.held(doc_id)
    info_before = plan.worker.client.get(f"{url}/").json()

    # A new revision on top of it, through _bulk_docs (alone and beside a good document), PUT and a deletion.
    on_top = plan.item(plan.writer, doc_id, rev=LAST_GENERATION)
    beside = plan.item(plan.writer)
    refused, accepted = plan.bulk(plan.writer, [on_top, beside])
    assert refused["id"] == doc_id and refused["error"] == "bad_request", refused
    assert "999999999" in refused["reason"], refused
    assert accepted.get("ok") is True and accepted["id"] == beside["_id"], accepted
    put = plan.put(plan.writer, on_top)
    assert put.status_code == 400 and put.json()["error"] == "bad_request", put.text
    [deletion] = plan.bulk(plan.writer, [plan.item(plan.writer, doc_id, deleted=True, rev=LAST_GENERATION)])
    assert deletion["error"] == "bad_request", deletion

    # The document is exactly as it was: its revision, its body, its history, and the plan's counts.
    got = plan.worker.client.get(f"{url}/{doc_id}")
    assert got.status_code == 200, got.text
    assert got.json()["_rev"] == LAST_GENERATION and got.json()["ct"] == pushed["ct"]
    assert plan.held(doc_id) == before
    info_after = plan.worker.client.get(f"{url}/").json()
    assert info_after["doc_count"] == info_before["doc_count"] + 1  # only the good document was added
    assert info_after["doc_del_count"] == info_before["doc_del_count"]

    # It still takes writes: another device's version replicated beside it, then edited on top.
    branch = plan.item(plan.owner, doc_id, rev="2-" + "b" * 32)
    branch["_revisions"] = {"start": 2, "ids": ["b" * 32, "c" * 32]}
    assert plan.bulk(plan.owner, [branch], new_edits=False) == []
    edited = plan.put(plan.owner, plan.item(plan.owner, doc_id, rev=branch["_rev"]))
    assert edited.status_code == 201, edited.text
    third = edited.json()["rev"]
    assert third.startswith("3-")
    held = plan.held(doc_id)
    assert [leaf["_rev"] for leaf in held] == sorted([third, LAST_GENERATION])
    assert [leaf for leaf in held if leaf["_rev"] == LAST_GENERATION] == before

    # ``alongside migrate`` copies it, both leaves with their bodies and histories.
    alongside_server.stop()
    target = migrate_elsewhere(alongside_server, shared_couchdb, tmp_path)
    assert asyncio.run(leaves_in(target, plan_database(plan.plan_id), doc_id)) == held
