"""Longpoll wake-ups on the SQLite store, within one process and across processes sharing one file."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import ChangesRequest

pytestmark = pytest.mark.anyio
DB = "plan-changes"
BOUND = 20.0  # seconds: "woke at all" (a missed wake-up would wait for the whole longpoll)
WRITE_FROM_ANOTHER_PROCESS = """
import asyncio
from pathlib import Path
from alongside.sync.sqlite_store import SqliteStore

async def main():
    store = SqliteStore(Path({data_dir!r}), synchronous="NORMAL")
    await store.open()
    try:
        await store.bulk_docs({db!r}, [{{"_id": "from-another-process"}}])
    finally:
        await store.close()

asyncio.run(main())
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = SqliteStore(tmp_path, synchronous="NORMAL")
    await opened.open()
    await opened.create_database(DB)
    try:
        yield opened
    finally:
        await opened.close()


async def write(store: SqliteStore, doc_id: str) -> int:
    await store.bulk_docs(DB, [{"_id": doc_id, "n": 1}])
    seq: int = (await store.database_info(DB))["update_seq"]
    return seq


async def test_a_commit_in_this_process_wakes_a_waiter_on_that_database(store: SqliteStore) -> None:
    since = await write(store, "a")
    waiting = asyncio.create_task(store.wait_for_change(DB, since, BOUND))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await write(store, "b")
    assert await asyncio.wait_for(waiting, BOUND) is True


async def test_a_waiter_times_out_when_nothing_changes_and_ignores_other_databases(store: SqliteStore) -> None:
    await store.create_database("plan-other")
    since = await write(store, "a")
    waiting = asyncio.create_task(store.wait_for_change(DB, since, 0.5))
    await store.bulk_docs("plan-other", [{"_id": "x"}])
    assert await waiting is False


async def test_a_change_already_past_since_returns_at_once(store: SqliteStore) -> None:
    await write(store, "a")
    assert await store.wait_for_change(DB, 0, BOUND) is True


async def test_a_commit_through_another_connection_to_the_file_wakes_the_waiter(
    store: SqliteStore, tmp_path: Path
) -> None:
    other = SqliteStore(tmp_path, synchronous="NORMAL")  # its own writer and connections, as a second process has
    await other.open()
    try:
        since = await write(store, "a")
        waiters = [asyncio.create_task(store.wait_for_change(DB, since, BOUND)) for _ in range(3)]
        await asyncio.sleep(0.2)
        assert not any(w.done() for w in waiters)
        await write(other, "b")
        assert await asyncio.wait_for(asyncio.gather(*waiters), BOUND) == [True, True, True]
    finally:
        await other.close()


async def test_a_waiter_from_now_wakes_only_for_a_later_commit_by_another_connection(
    store: SqliteStore, tmp_path: Path
) -> None:
    await write(store, "a")
    other = SqliteStore(tmp_path, synchronous="NORMAL")
    await other.open()
    try:
        waiting = asyncio.create_task(store.wait_for_change(DB, "now", BOUND))
        await asyncio.sleep(0.3)  # several polls: nothing has changed since "now"
        assert not waiting.done()
        await write(other, "b")
        assert await asyncio.wait_for(waiting, BOUND) is True
    finally:
        await other.close()


async def test_a_commit_by_another_process_wakes_the_waiter(store: SqliteStore, tmp_path: Path) -> None:
    since = await write(store, "a")
    waiting = asyncio.create_task(store.wait_for_change(DB, since, BOUND))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    script = WRITE_FROM_ANOTHER_PROCESS.format(data_dir=str(tmp_path), db=DB)
    done = await asyncio.to_thread(subprocess.run, [sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr.decode()
    assert await asyncio.wait_for(waiting, BOUND) is True
    changes = await store.changes(DB, ChangesRequest(since=since))
    assert [row["id"] for row in changes["results"]] == ["from-another-process"]


async def test_deleting_the_database_wakes_its_waiters(store: SqliteStore) -> None:
    since = await write(store, "a")
    waiting = asyncio.create_task(store.wait_for_change(DB, since, BOUND))
    await asyncio.sleep(0.1)
    assert not waiting.done()
    await store.delete_database(DB)
    assert await asyncio.wait_for(waiting, BOUND) is True


async def test_closing_the_store_ends_waiting_longpolls(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "closing", synchronous="NORMAL")
    await store.open()
    await store.create_database(DB)
    waiting = asyncio.create_task(store.wait_for_change(DB, 0, BOUND))
    await asyncio.sleep(0.1)
    await store.close()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(waiting, BOUND)
