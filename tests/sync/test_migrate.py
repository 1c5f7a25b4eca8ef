"""``alongside migrate`` between the SQLite store and CouchDB (pouchdb-server, or ``COUCHDB_URL``).

- SQLite → CouchDB → a new SQLite directory round-trips exactly: per database the same ids, winners,
  leaves (with their bodies and revision histories) and counts, conflicts and deletions included;
  ``_local`` documents stay behind; the directory moves too, so device tokens issued before the
  migration work against ``alongside serve`` on the migrated stores, with the same access rules.
- A migration killed (SIGKILL) part-way continues from its checkpoints when run again: it copies
  only what the target still lacks, and ends verified.
- A target that holds something the source does not fails verification (non-zero exit).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import subprocess
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.documents import doc_id, item_doc
from support.processes import ALONGSIDE, AlongsideServer, CouchDBPeer

from alongside.server.directory import Directory, plan_database
from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.errors import NotFound
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import ChangesRequest, DocumentStore, Json, Seq

BOUND = 120.0  # seconds: a generous "it finished at all", never a performance claim


# -- helpers -------------------------------------------------------------------------------------


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


# -- round trip ----------------------------------------------------------------------------------


def test_sqlite_to_couchdb_to_sqlite_round_trips_exactly_and_tokens_still_work(
    tmp_path: Path, shared_couchdb: CouchDBPeer
) -> None:
    source, final = tmp_path / "source", tmp_path / "final"
    prefix = f"m{uuid.uuid4().hex[:12]}-"
    world = build_directory(source)
    tokens = asyncio.run(enrich(source, world))
    plans = [plan["plan"] for plan in world["plans"]]
    databases = ["directory", *sorted(plan_database(plan) for plan in plans)]

    out = alongside("migrate", "--from", str(source), "--to", shared_couchdb.url, "--to-prefix", prefix, "--json")
    assert len(out.stdout.splitlines()) == 1  # one JSON line; progress goes to stderr
    there = json.loads(out.stdout)
    assert there["ok"] is there["verified"] is True
    assert [r["db"] for r in there["per_database"]] == databases
    assert all(r["created"] and r["verified"] and not r["mismatches"] for r in there["per_database"])
    assert there["doc_write_failures"] == 0

    back = alongside("migrate", "--from", shared_couchdb.url, "--from-prefix", prefix, "--to", str(final), "--json")
    assert json.loads(back.stdout)["verified"] is True

    original = asyncio.run(store_state(SqliteStore(source), databases))
    in_couch = asyncio.run(store_state(couch_store(shared_couchdb.url, prefix), databases))
    round_tripped = asyncio.run(store_state(SqliteStore(final), databases))
    assert in_couch == original
    assert round_tripped == original
    # What was built is really there: conflicts, deleted leaves, deletions; and the summary counted it.
    first = original[plan_database(plans[0])]
    conflicted = first["docs"][doc_id("plan0-conflict-0")]
    assert [leaf["_rev"][:2] for leaf in conflicted["leaves"]] == ["2-", "2-", "3-"]
    assert (
        conflicted["winner"].startswith("3-") and sum(bool(leaf.get("_deleted")) for leaf in conflicted["leaves"]) == 1
    )
    assert all(leaf.get("_deleted") for leaf in first["docs"][doc_id("plan0-deleted-everywhere")]["leaves"])
    assert (first["doc_count"], first["doc_del_count"]) == (40 - 6 + 4, 6 + 1)
    assert there["doc_count"] == sum(state["doc_count"] for state in original.values())
    assert there["docs_written"] == sum(len(s["leaves"]) for db in original.values() for s in db["docs"].values())

    async def local_docs(store: DocumentStore) -> list[str]:
        await store.open()
        try:
            found = []
            for plan in plans:
                try:
                    found.append((await store.get_local(plan_database(plan), "device-checkpoint"))["session_id"])
                except NotFound:
                    pass
            return found
        finally:
            await store.close()

    assert asyncio.run(local_docs(SqliteStore(source))) == ["kept-behind", "kept-behind"]
    assert asyncio.run(local_docs(couch_store(shared_couchdb.url, prefix))) == []
    assert asyncio.run(local_docs(SqliteStore(final))) == []

    # Running it again copies nothing and still verifies.
    again = json.loads(
        alongside("migrate", "--from", str(source), "--to", shared_couchdb.url, "--to-prefix", prefix, "--json").stdout
    )
    assert (again["verified"], again["docs_written"], again["resumed"]) == (True, 0, 3)

    # The migrated stores serve the devices enrolled before the migration, with the same rules.
    owner_first, owner_second = (plan["token"] for plan in world["plans"])
    served = [
        AlongsideServer(
            tmp_path / "serve-couch",
            storage_args=["--couchdb", shared_couchdb.url],
            env={"ALONGSIDE_COUCHDB_PREFIX": prefix},
        ),
        AlongsideServer(final),
    ]
    for server in served:
        server.start()
        try:
            status, body = sync_status(server, plans[0], owner_first)
            assert status == 200, body
            assert {row["id"]: row["value"]["rev"] for row in body["rows"]} == live_winners(first)
            assert sync_status(server, plans[0], tokens["ben"])[0] == 200  # added worker
            assert sync_status(server, plans[1], owner_second)[0] == 200
            assert sync_status(server, plans[1], owner_first)[0] == 403  # not a member
            assert sync_status(server, plans[0], tokens["aunt"])[0] == 403  # removed member
            assert sync_status(server, plans[0], tokens["lost"])[0] == 401  # revoked device
        finally:
            server.stop()


def test_a_target_holding_more_than_the_source_fails_verification(tmp_path: Path, shared_couchdb: CouchDBPeer) -> None:
    source = tmp_path / "source"
    prefix = f"m{uuid.uuid4().hex[:12]}-"
    plan = json.loads(alongside("admin", "create-plan", "--data", str(source)).stdout)["plan"]
    migrate = ["migrate", "--from", str(source), "--to", shared_couchdb.url, "--to-prefix", prefix, "--json"]
    assert json.loads(alongside(*migrate).stdout)["verified"] is True

    stray = item_doc(doc_id("only-in-the-target"))
    response = httpx.post(
        f"{shared_couchdb.url}/{prefix}{plan_database(plan)}/_bulk_docs", json={"docs": [stray]}, timeout=30
    )
    assert response.status_code == 201, response.text

    failed = alongside(*migrate, check=False)
    assert failed.returncode == 1
    summary = json.loads(failed.stdout)
    assert summary["ok"] is summary["verified"] is False
    [report] = [r for r in summary["per_database"] if r["db"] == plan_database(plan)]
    assert report["verified"] is False
    assert any("only in the target" in m and stray["_id"] in m for m in report["mismatches"]), report
    assert "doc_count: 0 in the source, 1 in the target" in report["mismatches"]


# -- interrupted -----------------------------------------------------------------------------------

PLANS, DOCS_PER_PLAN, KILL_AFTER = 3, 3_000, 1_500
PASSWORD = "m1grate-Secret-pw"


async def build_big_store(data: Path) -> list[str]:
    store = SqliteStore(data, synchronous="NORMAL")
    await store.open()
    try:
        directory = Directory(store)
        await directory.ensure()
        plans = [(await directory.create_plan_with_device()).plan_id for _ in range(PLANS)]
        for plan in plans:
            for start in range(0, DOCS_PER_PLAN, 1_000):
                docs = [item_doc(doc_id(f"{plan}-{i}"), 300) for i in range(start, start + 1_000)]
                assert all(row.get("ok") for row in await store.bulk_docs(plan_database(plan), docs))
        return plans
    finally:
        await store.close()


async def counts(url: str, prefix: str, databases: list[str]) -> dict[str, int]:
    """Documents (live and deleted) each database of the CouchDB holds; 0 for one not created yet."""
    store = couch_store(url, prefix)
    await store.open()
    try:
        out = {}
        for db in databases:
            if await store.database_exists(db):
                info = await store.database_info(db)
                out[db] = info["doc_count"] + info["doc_del_count"]
            else:
                out[db] = 0
        return out
    finally:
        await store.close()


@pytest.mark.slow
def test_a_killed_migration_continues_from_its_checkpoints(tmp_path: Path, pouchdb_server: CouchDBPeer) -> None:
    url = pouchdb_server.url
    secrets: list[str] = []
    if not pouchdb_server.external_url:  # credentials as in production, passed through the environment
        url = pouchdb_server.with_admin("admin", PASSWORD)
        secrets.append(PASSWORD)
    prefix = f"m{uuid.uuid4().hex[:12]}-"
    source = tmp_path / "source"
    plans = asyncio.run(build_big_store(source))
    databases = ["directory", *sorted(plan_database(plan) for plan in plans)]
    in_source = asyncio.run(store_counts(source, databases))
    total = sum(in_source.values())

    clean = {k: v for k, v in os.environ.items() if not k.startswith("ALONGSIDE_")}
    env = {**clean, "MIGRATE_TARGET": url}
    command = [*ALONGSIDE, "migrate", "--from", str(source), "--to", "env:MIGRATE_TARGET", "--to-prefix", prefix]
    command += ["--json", "--batch-size", "250", "--jobs", "2"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(BOUND, first.kill)
    watchdog.start()
    progress: dict[str, int] = {}
    seen: list[str] = []
    try:
        assert first.stderr is not None
        for line in first.stderr:
            seen.append(line)
            if not line.startswith('{"progress"'):
                continue  # a logged warning (a slow CouchDB call on a busy machine), not progress
            step = json.loads(line)["progress"]
            progress[step["db"]] = step["docs_written"]
            if sum(progress.values()) >= KILL_AFTER:
                first.send_signal(signal.SIGKILL)
                break
        first.wait(timeout=30)
    finally:
        watchdog.cancel()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == -signal.SIGKILL, "".join(seen)
    checkpointed = sum(progress.values())
    held = asyncio.run(counts(url, prefix, databases))
    assert checkpointed <= sum(held.values()) < total  # the kill came part-way

    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=BOUND)
    assert second.returncode == 0, second.stderr
    summary = last_json(second.stdout)
    assert summary["ok"] is summary["verified"] is True
    # It continued: the databases that had checkpoints resumed from them, and it wrote no more than the
    # target lacked after the kill (every document here has one leaf; "no more" rather than "exactly":
    # CouchDB may still have finished a write the killed run had sent), far fewer than a restart would.
    reports = {r["db"]: r for r in summary["per_database"]}
    assert all(reports[db]["resumed"] for db, written in progress.items() if written), (progress, reports)
    for db in databases:
        assert reports[db]["docs_written"] <= in_source[db] - held[db], db
    assert summary["docs_written"] <= total - sum(held.values()) <= total - checkpointed < total
    assert asyncio.run(counts(url, prefix, databases)) == in_source
    for secret in secrets:
        assert secret not in second.stdout + second.stderr + "".join(seen)


async def store_counts(data: Path, databases: list[str]) -> dict[str, int]:
    store = SqliteStore(data)
    await store.open()
    try:
        out = {}
        for db in databases:
            info = await store.database_info(db)
            out[db] = info["doc_count"] + info["doc_del_count"]
        return out
    finally:
        await store.close()
