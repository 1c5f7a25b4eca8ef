"""``UnchangedSince``: values kept while the documents each was read from have not changed, on the embedded
store, with a second store on the same files standing for another server process. (On a CouchDB cluster, whose
``update_seq`` changes between reads without a write, see ``tests/sync/test_couchdb_cluster.py``.)"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alongside.server.unchanged_since import MAX_CHANGES_SORTED, UnchangedSince
from alongside.sync.sqlite_store import SqliteStore

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[SqliteStore, SqliteStore]]:
    here, elsewhere = SqliteStore(tmp_path / "store"), SqliteStore(tmp_path / "store")
    await here.open()
    await elsewhere.open()
    try:
        await here.create_database("directory")
        yield here, elsewhere
    finally:
        await here.close()
        await elsewhere.close()


async def test_a_value_is_kept_while_nothing_is_written_and_forgotten_after_another_processs_write_to_its_documents(
    stores: tuple[SqliteStore, SqliteStore],
) -> None:
    here, elsewhere = stores
    kept: UnchangedSince[str] = UnchangedSince(here, "directory", max_entries=10)
    kept.put("device", await kept.seq(), "granted", ["device:x", "membership:p:a"])
    for _ in range(3):
        await kept.seq()
        assert kept.get("device") == "granted"

    await elsewhere.bulk_docs("directory", [{"_id": "membership:p:a", "removed": True}])
    await kept.seq()
    assert kept.get("device") is None


async def test_a_document_that_did_not_exist_when_read_forgets_the_value_once_it_is_written(
    stores: tuple[SqliteStore, SqliteStore],
) -> None:
    here, elsewhere = stores
    kept: UnchangedSince[str] = UnchangedSince(here, "directory", max_entries=10)
    kept.put("device", await kept.seq(), "granted", ["device:x", "excluded:p:x"])
    await elsewhere.bulk_docs("directory", [{"_id": "excluded:p:x", "type": "exclusion"}])
    await kept.seq()
    assert kept.get("device") is None


async def test_writes_to_other_documents_keep_the_value_and_move_the_sequence_on(
    stores: tuple[SqliteStore, SqliteStore],
) -> None:
    here, elsewhere = stores
    kept: UnchangedSince[str] = UnchangedSince(here, "directory", max_entries=10)
    first = await kept.seq()
    kept.put("device", first, "granted", ["device:x"])
    kept.put("other device", first, "granted too", ["device:y"])
    await elsewhere.bulk_docs("directory", [{"_id": "device:y", "last_seen": 3600}, {"_id": "audit:1"}])
    moved = await kept.seq()
    assert moved != first
    assert (kept.get("device"), kept.get("other device")) == ("granted", None)
    # The next read asks from where the feed left off: nothing new, nothing forgotten.
    assert await kept.seq() == moved
    assert kept.get("device") == "granted"


async def test_a_value_decided_before_the_sequence_moved_on_is_not_kept(
    stores: tuple[SqliteStore, SqliteStore],
) -> None:
    """The documents were read at the old sequence: a change after that read and before the ``put`` would have
    been sorted through before the value was there to forget, so the value is refused rather than kept."""
    here, elsewhere = stores
    kept: UnchangedSince[str] = UnchangedSince(here, "directory", max_entries=10)
    old = await kept.seq()
    await elsewhere.bulk_docs("directory", [{"_id": "device:x", "revoked": True}])
    assert await kept.seq() != old
    kept.put("device", old, "granted", ["device:x"])
    assert kept.get("device") is None


async def test_a_burst_of_changes_beyond_what_one_read_sorts_forgets_everything(
    stores: tuple[SqliteStore, SqliteStore],
) -> None:
    here, elsewhere = stores
    kept: UnchangedSince[str] = UnchangedSince(here, "directory", max_entries=10)
    kept.put("device", await kept.seq(), "granted", ["device:x"])
    await elsewhere.bulk_docs("directory", [{"_id": f"audit:{n}"} for n in range(MAX_CHANGES_SORTED)])
    seq = await kept.seq()
    assert kept.get("device") is None
    kept.put("device", seq, "granted again", ["device:x"])
    assert kept.get("device") == "granted again"


async def test_beyond_the_limit_everything_is_forgotten(stores: tuple[SqliteStore, SqliteStore]) -> None:
    here, _ = stores
    kept: UnchangedSince[int] = UnchangedSince(here, "directory", max_entries=2)
    seq = await kept.seq()
    kept.put("a", seq, 1, ["device:a"])
    kept.put("b", seq, 2, ["device:b"])
    kept.put("c", seq, 3, ["device:c"])  # full: the others are forgotten
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (None, None, 3)
