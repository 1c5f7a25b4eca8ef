"""The SQLite engine's point reads: on the event loop's thread, fresh, and never waiting for a lock there."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alongside.sync.sqlite_engine import SqliteEngine

pytestmark = pytest.mark.anyio
SCHEMA = "CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[SqliteEngine]:
    started = SqliteEngine(tmp_path / "engine.sqlite3", synchronous="NORMAL")
    started.start(SCHEMA, lambda touched: None)
    try:
        yield started
    finally:
        started.stop()


def read_counter(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT value FROM counters WHERE name = 'a'").fetchone()
    return None if row is None else int(row[0])


async def test_a_point_read_runs_on_the_calling_thread_and_sees_the_latest_commit(engine: SqliteEngine) -> None:
    threads: list[int] = []

    def job(conn: sqlite3.Connection) -> int | None:
        threads.append(threading.get_ident())
        return read_counter(conn)

    assert await engine.read_point(job) is None
    await engine.write(lambda ctx: ctx.conn.execute("INSERT INTO counters VALUES ('a', 1)"))
    assert await engine.read_point(job) == 1
    other = sqlite3.connect(engine.path, isolation_level=None)  # another process's connection, in effect
    try:
        other.execute("UPDATE counters SET value = 2 WHERE name = 'a'")
    finally:
        other.close()
    assert await engine.read_point(job) == 2
    assert set(threads) == {threading.get_ident()}


async def test_a_point_read_that_sqlite_would_make_wait_goes_to_the_reader_pool(engine: SqliteEngine) -> None:
    threads: list[int] = []

    def job(conn: sqlite3.Connection) -> int | None:
        threads.append(threading.get_ident())
        if len(threads) == 1:
            busy = sqlite3.OperationalError("database is locked")
            busy.sqlite_errorcode = sqlite3.SQLITE_BUSY
            raise busy
        return read_counter(conn)

    await engine.write(lambda ctx: ctx.conn.execute("INSERT INTO counters VALUES ('a', 7)"))
    assert await engine.read_point(job) == 7
    assert threads[0] == threading.get_ident() and threads[1] != threading.get_ident()


async def test_other_errors_of_a_point_read_are_raised_and_leave_no_transaction_open(engine: SqliteEngine) -> None:
    def broken(conn: sqlite3.Connection) -> None:
        conn.execute("SELECT value FROM nowhere")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        await engine.read_point(broken)
    with pytest.raises(KeyError):
        await engine.read_point(lambda conn: {}["missing"])
    assert await engine.read_point(read_counter) is None
