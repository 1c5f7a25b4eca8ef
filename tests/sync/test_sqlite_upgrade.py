"""A SQLite file written before bodies moved to a rowid table is upgraded when a store opens it, losing nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from support.documents import doc_id, item_doc

from alongside.sync.sqlite_store import FILE_NAME, SqliteStore
from alongside.sync.store import ChangesRequest, DocumentRequest

pytestmark = pytest.mark.anyio

OLD_BODIES = """
CREATE TABLE bodies_old (
    db INTEGER NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    rev TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (db, id, rev)
) WITHOUT ROWID;
INSERT INTO bodies_old SELECT db, id, rev, body FROM bodies;
DROP TABLE bodies;
ALTER TABLE bodies_old RENAME TO bodies;
"""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _bodies_table(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'bodies'").fetchone()
        indexes = [name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'bodies'")]
    return f"{sql} {indexes}"


async def _everything(store: SqliteStore) -> tuple[object, ...]:
    feed = await store.changes("plan-old", ChangesRequest(all_leaves=True))
    ids = [row["id"] for row in feed["results"]]
    docs = [await store.get_open_revs("plan-old", doc, None, history=True, latest=False) for doc in ids]
    return feed["results"], docs, (await store.database_info("plan-old"))["doc_count"]


async def test_an_old_file_is_upgraded_to_rowid_bodies_and_reads_and_writes_as_before(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path)
    await store.open()
    await store.create_database("plan-old")
    written = await store.bulk_docs("plan-old", [item_doc(doc_id(f"old-{n}"), 1500) for n in range(30)])
    edited = [{**item_doc(doc_id("old-0"), 300), "_rev": written[0]["rev"]}]
    assert all(result["ok"] for result in await store.bulk_docs("plan-old", edited))
    before = await _everything(store)
    await store.close()
    path = tmp_path / FILE_NAME
    with sqlite3.connect(path) as conn:
        conn.executescript(OLD_BODIES)
    assert "WITHOUT ROWID" in _bodies_table(path)

    for _ in range(2):  # upgraded once; opening again changes nothing
        store = SqliteStore(tmp_path)
        await store.open()
        try:
            assert await _everything(store) == before
        finally:
            await store.close()
        assert "WITHOUT ROWID" not in _bodies_table(path) and "bodies_by_rev" in _bodies_table(path)

    store = SqliteStore(tmp_path)
    await store.open()
    try:
        again = [{**item_doc(doc_id("old-0"), 300), "_rev": edited[0]["_rev"]}]
        assert (await store.bulk_docs("plan-old", again))[0]["error"] == "conflict"  # its old revision is gone
        newest = (await store.get_document("plan-old", doc_id("old-0"), DocumentRequest()))["_rev"]
        assert (await store.bulk_docs("plan-old", [{**again[0], "_rev": newest}]))[0]["ok"] is True
    finally:
        await store.close()
