"""SQLite plumbing: one writer thread that batches transactions, and a pool of readers.

Every write runs on the single writer thread inside ``BEGIN IMMEDIATE``; the writer takes every job
waiting in its queue, runs each in its own savepoint (so one failing job leaves the others intact)
and commits them together, so many small writes share one fsync. A job that writes several
independent things (the documents of one ``_bulk_docs``) runs each inside a :func:`savepoint` of
its own, so a refused one leaves no trace while the others are written. A job's future is resolved
only after the commit returned: an acknowledged write is on disk with the configured ``synchronous``
level (``FULL`` by default: durable across power loss; ``NORMAL`` with WAL: durable across a
process crash, the last commits may be lost on power loss).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

T = TypeVar("T")

MAX_JOBS_PER_TRANSACTION = 512


@dataclass(slots=True)
class WriteContext:
    """What a write job sees: the connection, and a set to name the databases it changed."""

    conn: sqlite3.Connection
    touched: set[str] = field(default_factory=set)


@dataclass(slots=True)
class _Job:
    run: Callable[[WriteContext], Any]
    future: concurrent.futures.Future[Any]


def connect(path: Path, *, synchronous: str, readonly: bool = False) -> sqlite3.Connection:
    """Open a connection configured for WAL, autocommit mode (we issue BEGIN ourselves)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    if readonly:
        conn.execute("PRAGMA query_only=ON")
    return conn


class savepoint:  # lower case: used as a function, ``with savepoint(conn, "name"):``
    """Run one part of a write job all-or-nothing: if the block raises, everything it wrote is rolled back
    (then the exception propagates); otherwise its writes are kept, to commit with the job.

    ``name`` must be an SQL identifier; nested parts need different names. A class rather than a generator:
    a ``_bulk_docs`` batch enters one per document, and a generator added a few microseconds to each."""

    __slots__ = ("_conn", "_name")

    def __init__(self, conn: sqlite3.Connection, name: str) -> None:
        self._conn = conn
        self._name = name

    def __enter__(self) -> None:
        self._conn.execute(f"SAVEPOINT {self._name}")

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is not None and not self._conn.in_transaction:
            return  # SQLite already rolled the whole transaction back (disk full)
        if kind is not None:
            self._conn.execute(f"ROLLBACK TO {self._name}")
        self._conn.execute(f"RELEASE {self._name}")


class SqliteEngine:
    """A writer thread and reader pool over one SQLite file."""

    def __init__(self, path: Path, *, synchronous: str = "FULL", readers: int = 4) -> None:
        if synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError("synchronous must be FULL, NORMAL or EXTRA")
        self.path = path
        self.synchronous = synchronous.upper()
        self._reader_count = readers
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._readers: concurrent.futures.ThreadPoolExecutor | None = None
        self._local = threading.local()
        self._reader_conns: list[sqlite3.Connection] = []
        self._reader_lock = threading.Lock()
        self._on_commit: Callable[[set[str]], None] | None = None

    def start(
        self, schema: str, on_commit: Callable[[set[str]], None], upgrades: Sequence[tuple[str, str]] = ()
    ) -> None:
        """Bring an existing file up to date (each of ``upgrades`` is a query that finds an old shape and the
        statements that convert it, run in one transaction that other processes opening the file wait for),
        create the schema, then start the writer thread and the reader pool."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        setup = connect(self.path, synchronous=self.synchronous)
        try:
            for needed, statements in upgrades:
                if setup.execute(needed).fetchone() is None:
                    continue  # the usual case: no write lock taken at start-up
                setup.execute("BEGIN IMMEDIATE")
                try:
                    if setup.execute(needed).fetchone() is not None:  # another process may have done it meanwhile
                        for statement in statements.split(";"):
                            if statement.strip():
                                setup.execute(statement)
                    setup.execute("COMMIT")
                except BaseException:
                    setup.execute("ROLLBACK")
                    raise
            setup.executescript(schema)
        finally:
            setup.close()
        self._on_commit = on_commit
        self._writer = threading.Thread(target=self._write_loop, name="alongside-sqlite-writer", daemon=True)
        self._writer.start()
        self._readers = concurrent.futures.ThreadPoolExecutor(
            max_workers=self._reader_count, thread_name_prefix="alongside-sqlite-reader"
        )

    def stop(self) -> None:
        """Finish queued writes, stop the writer and close every connection."""
        if self._writer is not None:
            self._jobs.put(None)
            self._writer.join()
            self._writer = None
        if self._readers is not None:
            self._readers.shutdown(wait=True)
            self._readers = None
        with self._reader_lock:
            for conn in self._reader_conns:
                conn.close()
            self._reader_conns.clear()

    async def write(self, job: Callable[[WriteContext], T]) -> T:
        """Run ``job`` on the writer thread inside a transaction; return once it is committed."""
        if self._writer is None:
            raise RuntimeError("SQLite engine is not started")
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put(_Job(job, future))
        return await asyncio.wrap_future(future)

    async def read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``job`` with a pooled read-only connection (a consistent snapshot per call)."""
        if self._readers is None:
            raise RuntimeError("SQLite engine is not started")
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._run_read, job)

    def _run_read(self, job: Callable[[sqlite3.Connection], T]) -> T:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, synchronous=self.synchronous, readonly=True)
            self._local.conn = conn
            with self._reader_lock:
                self._reader_conns.append(conn)
        conn.execute("BEGIN")
        try:
            return job(conn)
        finally:
            conn.execute("COMMIT")

    def _write_loop(self) -> None:
        conn = connect(self.path, synchronous=self.synchronous)
        try:
            while True:
                first = self._jobs.get()
                if first is None:
                    return
                batch = [first]
                stop_after = False
                while len(batch) < MAX_JOBS_PER_TRANSACTION:
                    try:
                        nxt = self._jobs.get_nowait()
                    except queue.Empty:
                        break
                    if nxt is None:
                        stop_after = True
                        break
                    batch.append(nxt)
                self._run_batch(conn, batch)
                if stop_after:
                    return
        finally:
            conn.close()

    def _run_batch(self, conn: sqlite3.Connection, batch: list[_Job]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        ctx = WriteContext(conn)
        try:
            conn.execute("BEGIN IMMEDIATE")
            for job in batch:
                conn.execute("SAVEPOINT job")
                try:
                    result = job.run(ctx)
                except Exception as exc:
                    conn.execute("ROLLBACK TO job")
                    conn.execute("RELEASE job")
                    outcomes.append((False, exc))
                else:
                    conn.execute("RELEASE job")
                    outcomes.append((True, result))
            conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for job in batch:
                if not job.future.done():
                    job.future.set_exception(exc)
            return
        for job, (ok, value) in zip(batch, outcomes, strict=True):
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
        if ctx.touched and self._on_commit is not None:
            self._on_commit(ctx.touched)
