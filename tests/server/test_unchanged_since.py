"""``UnchangedSince``: values kept while their database has not changed since they were read, on the embedded
store, with a second store on the same files standing for another server process. (On a CouchDB cluster, whose
``update_seq`` changes between reads without a write, see ``tests/sync/test_couchdb_cluster.py``.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from alongside.server.unchanged_since import UnchangedSince
from alongside.sync.sqlite_store import SqliteStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_a_value_is_kept_while_nothing_is_written_and_forgotten_after_another_processs_write(
    tmp_path: Path,
) -> None:
    here, elsewhere = SqliteStore(tmp_path / "store"), SqliteStore(tmp_path / "store")
    await here.open()
    await elsewhere.open()
    try:
        await here.create_database("directory")
        kept: UnchangedSince[str] = UnchangedSince(here, "directory", max_entries=10)
        seq = await kept.seq()
        kept.put("device", seq, "granted")
        for _ in range(3):
            assert kept.get("device", await kept.seq()) == "granted"

        await elsewhere.bulk_docs("directory", [{"_id": "device:x", "revoked": True}])
        assert kept.get("device", await kept.seq()) is None
    finally:
        await here.close()
        await elsewhere.close()


async def test_a_value_read_at_another_sequence_or_beyond_the_limit_is_not_given(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "store")
    await store.open()
    try:
        await store.create_database("directory")
        kept: UnchangedSince[int] = UnchangedSince(store, "directory", max_entries=2)
        seq = await kept.seq()
        kept.put("a", seq, 1)
        assert kept.get("a", "another sequence") is None
        kept.put("b", seq, 2)
        kept.put("c", seq, 3)  # full: the others are forgotten
        assert (kept.get("a", seq), kept.get("b", seq), kept.get("c", seq)) == (None, None, 3)
    finally:
        await store.close()
