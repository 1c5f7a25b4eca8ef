"""``BatchCounts``: a write batch's sequence numbers and counts, written back once."""

from __future__ import annotations

import sqlite3

from alongside.sync.sqlite_counts import BatchCounts


def _database() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("CREATE TABLE databases (id INTEGER PRIMARY KEY, update_seq INT, doc_count INT, doc_del_count INT)")
    conn.execute("INSERT INTO databases VALUES (7, 40, 10, 2)")
    return conn


def _row(conn: sqlite3.Connection) -> tuple[int, int, int]:
    return conn.execute("SELECT update_seq, doc_count, doc_del_count FROM databases WHERE id = 7").fetchone()


def test_numbers_follow_the_stored_sequence_and_a_refused_document_gives_its_number_and_counts_back() -> None:
    conn = _database()
    counts = BatchCounts(conn, 7)
    assert counts.take(1, 0) == 41  # a new document
    mark = counts.mark()
    assert counts.take(-1, 1) == 42  # a deletion, then refused
    counts.restore(mark)
    assert counts.take(0, 0) == 42  # the next document takes the number back
    assert _row(conn) == (40, 10, 2)  # nothing written before the batch ends
    counts.write(conn)
    assert _row(conn) == (42, 11, 2)


def test_a_batch_that_stored_nothing_leaves_the_row_untouched() -> None:
    conn = _database()
    counts = BatchCounts(conn, 7)
    counts.restore(counts.mark())
    changes_before = conn.total_changes
    counts.write(conn)
    assert conn.total_changes == changes_before
    assert _row(conn) == (40, 10, 2)
