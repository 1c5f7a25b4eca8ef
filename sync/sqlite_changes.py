"""Longpolls waiting for a database in the SQLite file to change, across every process that writes it.

A commit made by this process wakes its waiters at once (the writer thread reports what it touched, and
the waiters whose database's ``update_seq`` passed their sequence are woken).
Several server processes may share one SQLite file (``alongside serve --workers N``); their commits
are seen by polling: every ``poll_interval`` seconds, while anyone waits, a connection of our own
reads ``PRAGMA data_version`` (which changes when any other connection commits) and, only if it
changed, the ``update_seq`` of each database someone waits on. A waiter is woken when its
database's ``update_seq`` passes the sequence it waits from.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from .sqlite_engine import connect

DEFAULT_POLL_INTERVAL = 0.05
NAMES_PER_QUERY = 500


class ChangeWaiters:
    """Who waits for which database, from which sequence; woken by our commits and by other processes'."""

    def __init__(
        self,
        path: Path,
        current_seqs: Callable[[list[str]], Awaitable[dict[str, int]]],
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        self.path = path
        self.poll_interval = poll_interval
        self._current_seqs = current_seqs
        self._waiters: dict[str, dict[asyncio.Future[None], int]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._conn: sqlite3.Connection | None = None
        # A cancelled poll leaves its read running on a worker thread: the connection is closed only once no
        # read holds it (closing a connection another thread is reading from can crash the process).
        self._conn_lock = threading.Lock()
        self._data_version: int | None = None
        self._registrations = 0
        self._poller: asyncio.Task[None] | None = None
        self._wakers: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        """Open the polling connection and start polling (call on the event loop, after the schema exists)."""
        self._loop = asyncio.get_running_loop()
        self._conn = connect(self.path, synchronous="NORMAL", readonly=True)
        self._poller = self._loop.create_task(self._poll_forever(), name="alongside-sqlite-change-poller")

    async def stop(self) -> None:
        """Stop polling, close the connection and cancel every waiter."""
        if self._poller is not None:
            self._poller.cancel()
            try:
                await self._poller
            except asyncio.CancelledError:
                pass
            self._poller = None
        for waking in list(self._wakers):
            waking.cancel()
        conn, self._conn = self._conn, None
        if conn is not None:
            await asyncio.to_thread(self._close, conn)
        for waiters in self._waiters.values():
            for fut in waiters:
                if not fut.done():
                    fut.cancel()
        self._waiters.clear()

    def committed(self, touched: set[str]) -> None:
        """Called on the writer thread after our own commit: wake the waiters on the touched databases."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._start_waking, touched)

    async def wait(self, db: str, since: int | None, timeout: float, current_seq: Callable[[], Awaitable[int]]) -> bool:
        """Wait until ``db``'s ``update_seq`` passes ``since`` (``None``: its current one); ``False`` on timeout.

        The waiter is registered before ``current_seq`` is read, so a commit between the two is not missed.
        """
        assert self._loop is not None, "ChangeWaiters.start() was not called"
        fut: asyncio.Future[None] = self._loop.create_future()
        waiters = self._waiters.setdefault(db, {})
        waiters[fut] = since if since is not None else 1 << 62
        self._registrations += 1
        try:
            seq = await current_seq()
            if since is None:
                waiters[fut] = seq
            elif seq > since:
                return True
            try:
                await asyncio.wait_for(fut, timeout)
            except TimeoutError:
                return False
            return True
        finally:
            remaining = self._waiters.get(db)
            if remaining is not None:
                remaining.pop(fut, None)
                if not remaining:
                    del self._waiters[db]

    def _start_waking(self, touched: set[str]) -> None:
        names = [name for name in touched if name in self._waiters]
        if names:
            waking = asyncio.get_running_loop().create_task(self._wake_touched(names))
            self._wakers.add(waking)
            waking.add_done_callback(self._wakers.discard)

    async def _wake_touched(self, names: list[str]) -> None:
        try:
            seqs = await self._current_seqs(names)
        except Exception:
            for name in names:  # could not tell which passed: wake them all (they re-read the changes)
                self._wake_every(name)
            return
        self._wake_passed(seqs)
        for name in names:
            if name not in seqs:  # the database was deleted: let its waiters find out
                self._wake_every(name)

    def _wake_every(self, name: str) -> None:
        for fut in self._waiters.get(name, {}):
            if not fut.done():
                fut.set_result(None)

    def _wake_passed(self, seqs: dict[str, int]) -> None:
        for name, seq in seqs.items():
            for fut, since in list(self._waiters.get(name, {}).items()):
                if seq > since and not fut.done():
                    fut.set_result(None)

    async def _poll_forever(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            if not self._waiters:
                continue
            names = list(self._waiters)
            registrations = self._registrations
            try:
                seqs = await asyncio.to_thread(self._read_seqs, names)
            except sqlite3.Error:
                self._data_version = None  # try again next time; the waiters still time out as usual
                continue
            if self._registrations != registrations:
                # Someone started waiting while we read: their database may not have been in ``names``,
                # so the next poll must query even if nothing else commits meanwhile.
                self._data_version = None
            if seqs:
                self._wake_passed(seqs)

    def _close(self, conn: sqlite3.Connection) -> None:
        with self._conn_lock:
            conn.close()

    def _read_seqs(self, names: list[str]) -> dict[str, int]:
        """On a worker thread: the ``update_seq`` of each named database, or nothing if no one committed."""
        with self._conn_lock:
            conn = self._conn
            if conn is None:
                return {}
            (version,) = conn.execute("PRAGMA data_version").fetchone()
            if version == self._data_version:
                return {}
            self._data_version = version
            return read_update_seqs(conn, names)


def read_update_seqs(conn: sqlite3.Connection, names: list[str]) -> dict[str, int]:
    """The ``update_seq`` of each named database that exists (a few hundred names per query)."""
    seqs: dict[str, int] = {}
    for start in range(0, len(names), NAMES_PER_QUERY):
        chunk = names[start : start + NAMES_PER_QUERY]
        placeholders = ",".join("?" * len(chunk))
        for name, seq in conn.execute(f"SELECT name, update_seq FROM databases WHERE name IN ({placeholders})", chunk):
            seqs[name] = int(seq)
    return seqs
