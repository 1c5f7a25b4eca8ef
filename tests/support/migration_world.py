"""The world the ``alongside migrate`` tests migrate: an organisation's directory and plans built with the operator's
commands and the stores (conflicts, deletions, deleted leaves, ``_local`` checkpoints), and what a copy must carry
over (:func:`store_state`). Shared by ``tests/sync/test_migrate.py`` and ``tests/sync/test_couchdb_cluster.py``."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import httpx

from alongside.server.directory import Directory, plan_database
from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import ChangesRequest, DocumentStore, Json, Seq

from .documents import doc_id, item_doc
from .processes import ALONGSIDE, AlongsideServer

BOUND = 120.0  # seconds: a generous "it finished at all", never a performance claim


def alongside(*args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``alongside ARGS`` in a subprocess, without any ``ALONGSIDE_*`` settings from the environment."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALONGSIDE_")}
    result = subprocess.run(
        [*ALONGSIDE, *args], capture_output=True, text=True, env={**clean, **(env or {})}, timeout=BOUND
    )
    if check and result.returncode != 0:
        raise AssertionError(f"alongside {' '.join(args[:1])} exited {result.returncode}:\n{result.stderr}")
    return result


def last_json(text: str) -> Any:
    lines = [line for line in text.splitlines() if line.strip()]
    return json.loads(lines[-1])


def rev(generation: int, label: str) -> str:
    return f"{generation}-{hashlib.md5(label.encode()).hexdigest()}"


def branch(doc: str, leaf: str, path: list[str], *, deleted: bool = False) -> Json:
    """A replicated revision ``leaf`` whose history (newest first, generations consecutive) is ``path``."""
    start = int(leaf.split("-", 1)[0])
    body: Json = {"_id": doc} if deleted else item_doc(doc, 300)
    body.update({"_rev": leaf, "_revisions": {"start": start, "ids": [r.split("-", 1)[1] for r in path]}})
    if deleted:
        body["_deleted"] = True
    return body


def couch_store(url: str, prefix: str) -> CouchDBStore:
    return CouchDBStore(url, prefix=prefix)


async def leaf_state(store: DocumentStore, db: str) -> Json:
    """Everything replication must carry over for one database: counts, and per document its winner and
    every leaf with its body and revision history."""
    info = await store.database_info(db)
    docs: dict[str, Json] = {}
    for all_leaves in (False, True):
        since: Seq = 0
        while True:
            page = await store.changes(db, ChangesRequest(since=since, limit=500, all_leaves=all_leaves))
            for row in page["results"]:
                entry = docs.setdefault(row["id"], {})
                if not all_leaves:
                    entry["winner"] = row["changes"][0]["rev"]
            if len(page["results"]) < 500:
                break
            since = page["last_seq"]
    for doc, entry in docs.items():
        leaves = await store.get_open_revs(db, doc, None, history=True, latest=False)
        entry["leaves"] = sorted((found["ok"] for found in leaves), key=lambda leaf: str(leaf["_rev"]))
    return {"doc_count": info["doc_count"], "doc_del_count": info["doc_del_count"], "docs": docs}


async def store_state(store: DocumentStore, databases: list[str]) -> dict[str, Json]:
    await store.open()
    try:
        return {db: await leaf_state(store, db) for db in databases}
    finally:
        await store.close()


# -- the store to migrate ------------------------------------------------------------------------


def build_directory(data: Path) -> Json:
    """The operator's commands: an organisation with an admin, a worker, two plans with a device each."""
    init = json.loads(
        alongside("admin", "init", "--org", "Riverside", "--name", "Ada", "--json", "--data", str(data)).stdout
    )
    worker = json.loads(alongside("admin", "add-worker", "--name", "Ben", "--json", "--data", str(data)).stdout)
    plans = [json.loads(alongside("admin", "create-plan", "--data", str(data)).stdout) for _ in range(2)]
    return {"init": init, "worker": worker, "plans": plans}


async def enrich(data: Path, world: Json) -> Json:
    """Memberships, devices, a removed member and a revoked device (directory documents with several
    revisions); plan documents with edits, deletions, conflicting branches, deleted leaves, ``_local``."""
    store = SqliteStore(data)
    await store.open()
    try:
        directory = Directory(store)
        first, second = (plan["plan"] for plan in world["plans"])
        ben = world["worker"]["account"]
        _, ben_token = await directory.create_device(ben, label="tablet")
        await directory.add_member(first, ben, role="worker", access="write")
        lost, lost_token = await directory.create_device(ben, label="lost phone")
        await directory.revoke_device(lost, by=ben)
        aunt = await directory.create_account("person", name="Aunt")
        _, aunt_token = await directory.create_device(aunt, label="aunt's phone")
        await directory.add_member(first, aunt, role="supporter", access="read")
        await directory.remove_member(first, aunt, by=ben)

        for number, plan in enumerate((first, second)):
            db = plan_database(plan)
            ids = [doc_id(f"plan{number}-{i}") for i in range(40)]
            written = await store.bulk_docs(db, [item_doc(i, 300) for i in ids])
            revs = {row["id"]: row["rev"] for row in written}
            edits = [{**item_doc(i, 300), "_rev": revs[i]} for i in ids[:10]]
            deletions = [{"_id": i, "_rev": revs[i], "_deleted": True} for i in ids[10:16]]
            for row in await store.bulk_docs(db, edits + deletions):
                assert row.get("ok"), row
            branches: list[Json] = []
            for k in range(4):
                doc = doc_id(f"plan{number}-conflict-{k}")
                one, two_a, two_b, two_c = rev(1, f"{doc}1"), rev(2, f"{doc}2a"), rev(2, f"{doc}2b"), rev(2, f"{doc}2c")
                three_b = rev(3, f"{doc}3b")
                branches += [
                    branch(doc, two_a, [two_a, one]),
                    branch(doc, three_b, [three_b, two_b, one]),
                    branch(doc, two_c, [two_c, one], deleted=True),
                ]
            gone = doc_id(f"plan{number}-deleted-everywhere")
            g1, g2a, g2b = rev(1, f"{gone}1"), rev(2, f"{gone}2a"), rev(2, f"{gone}2b")
            branches += [branch(gone, g2a, [g2a, g1], deleted=True), branch(gone, g2b, [g2b, g1], deleted=True)]
            assert await store.bulk_docs(db, branches, new_edits=False) == []
            await store.put_local(db, "device-checkpoint", {"last_seq": 7, "session_id": "kept-behind"})
    finally:
        await store.close()
    return {"ben": ben_token, "lost": lost_token, "aunt": aunt_token}


def live_winners(state: Json) -> dict[str, str]:
    """The winning revision of every document whose winner is not a deletion."""
    out = {}
    for doc, entry in state["docs"].items():
        [winner] = [leaf for leaf in entry["leaves"] if leaf["_rev"] == entry["winner"]]
        if not winner.get("_deleted"):
            out[doc] = entry["winner"]
    return out


def sync_status(server: AlongsideServer, plan: str, token: str) -> tuple[int, Any]:
    response = httpx.get(server.plan_url(plan) + "_all_docs", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    return response.status_code, response.json()
