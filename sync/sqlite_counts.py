"""A write batch's sequence number and document counts, kept in memory and written once per batch.

Every stored revision takes the database's next sequence number and may move its live and deleted
document counts. Updating the ``databases`` row for each document cost about a quarter of SQLite's
time on a ``_bulk_docs`` batch; :class:`BatchCounts` reads the row once, hands out sequence numbers
in memory and writes the row back once, in the same transaction as the documents.

A document refused after it took a number (its savepoint rolled back) gives it back: :meth:`mark`
before each document and :meth:`restore` on refusal, so refused writes take no sequence number and
leave the counts as they were.
"""

from __future__ import annotations

import sqlite3


class BatchCounts:
    """The ``update_seq``, ``doc_count`` and ``doc_del_count`` of one database during a write batch."""

    def __init__(self, conn: sqlite3.Connection, db_id: int) -> None:
        row = conn.execute(
            "SELECT update_seq, doc_count, doc_del_count FROM databases WHERE id = ?", (db_id,)
        ).fetchone()
        self._db_id = db_id
        self._read: tuple[int, int, int] = (int(row[0]), int(row[1]), int(row[2]))
        self._now = self._read

    def take(self, live_delta: int, deleted_delta: int) -> int:
        """The next sequence number, for a revision that moves the counts by the deltas given."""
        seq, live, deleted = self._now
        self._now = (seq + 1, live + live_delta, deleted + deleted_delta)
        return seq + 1

    def mark(self) -> tuple[int, int, int]:
        """Where the counts stand now, for :meth:`restore`."""
        return self._now

    def restore(self, mark: tuple[int, int, int]) -> None:
        """Give back what was taken since ``mark`` (the document was refused and rolled back)."""
        self._now = mark

    def write(self, conn: sqlite3.Connection) -> None:
        """Store the counts in the ``databases`` row, if the batch moved them."""
        if self._now != self._read:
            conn.execute(
                "UPDATE databases SET update_seq = ?, doc_count = ?, doc_del_count = ? WHERE id = ?",
                (*self._now, self._db_id),
            )
            self._read = self._now
