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
import json
import os
import signal
import subprocess
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from support.documents import doc_id, item_doc
from support.migration_world import (
    BOUND,
    alongside,
    build_directory,
    couch_store,
    enrich,
    last_json,
    live_winners,
    store_state,
    sync_status,
)
from support.processes import ALONGSIDE, AlongsideServer, CouchDBPeer

from alongside.server.directory import Directory, plan_database
from alongside.sync.errors import NotFound
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import DocumentStore

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
