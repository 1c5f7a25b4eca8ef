"""The document-store contract, run against both backends with the same assertions.

``sqlite`` is :class:`SqliteStore` on a temporary directory; ``couchdb`` is :class:`CouchDBStore` on the
run's CouchDB peer (Apache CouchDB from ``COUCHDB_RELEASE`` or at ``COUCHDB_URL``, else pouchdb-server
from npm behind the adapter that makes it answer as Apache CouchDB does,
``loadtests/kit/pouchdb_adapter.py``), each test under its own prefix.
Revision ids are chosen by the tests (``new_edits=False``) wherever the assertions need them, since
the two backends hash new revisions differently.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from support.couchdb_release import REAL_COUCHDB

from alongside.sync.couchdb_store import CouchDBStore
from alongside.sync.errors import Conflict, NotFound, PreconditionFailed
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import AllDocsRequest, BulkGetItem, ChangesRequest, DocumentRequest, DocumentStore, Json

pytestmark = pytest.mark.anyio

DB = "plan-contract"
INFO_FIELDS = {
    "db_name",
    "doc_count",
    "doc_del_count",
    "update_seq",
    "purge_seq",
    "compact_running",
    "instance_start_time",
    "disk_format_version",
}


def rev(gen: int, label: str) -> str:
    return f"{gen}-{hashlib.md5(label.encode()).hexdigest()}"


def revisions(*revs: str) -> dict[str, Any]:
    """``_revisions`` for a path given newest first."""
    return {"start": int(revs[0].split("-")[0]), "ids": [r.split("-", 1)[1] for r in revs]}


R1, R3D = rev(1, "a"), rev(3, "d")
R2B, R2C = sorted([rev(2, "b"), rev(2, "c")])  # two branches off R1; R2C wins (higher revision id)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _drop_databases(url: str, prefix: str) -> None:
    with httpx.Client(base_url=url, timeout=10) as client:
        for name in client.get("/_all_dbs").json():
            if name.startswith(prefix):
                client.delete(f"/{name}")


@pytest.fixture(params=["sqlite", "couchdb"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[DocumentStore, DocumentStore]]:
    """``(store, second)``: two stores over the same data. SQLite is one process's store, so its second
    is the same object; for CouchDB it is a separate instance, as in another server process."""
    if request.param == "sqlite":
        sqlite = SqliteStore(tmp_path / "sqlite")
        await sqlite.open()
        try:
            yield sqlite, sqlite
        finally:
            await sqlite.close()
        return
    url: str = request.getfixturevalue("couch_url")
    prefix = f"t{uuid.uuid4().hex[:12]}-"
    first, second = CouchDBStore(url, prefix=prefix), CouchDBStore(url, prefix=prefix)
    await first.open()
    await second.open()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
        _drop_databases(url, prefix)


@pytest.fixture
async def store(backend: tuple[DocumentStore, DocumentStore]) -> DocumentStore:
    """A store with an empty database ``DB``."""
    await backend[0].create_database(DB)
    return backend[0]


async def seed_conflict(store: DocumentStore) -> None:
    """Document ``x``: root R1 with two live branches R2B and R2C (R2C wins)."""
    docs = [
        {"_id": "x", "_rev": R2B, "_revisions": revisions(R2B, R1), "side": "b"},
        {"_id": "x", "_rev": R2C, "_revisions": revisions(R2C, R1), "side": "c"},
    ]
    assert await store.bulk_docs(DB, docs, new_edits=False) == []


# -- databases -----------------------------------------------------------------------------------


async def test_databases_are_created_described_and_deleted(backend: tuple[DocumentStore, DocumentStore]) -> None:
    store = backend[0]
    assert not await store.database_exists("plan-one")
    await store.create_database("plan-one")
    assert await store.database_exists("plan-one")
    with pytest.raises(PreconditionFailed) as exists:
        await store.create_database("plan-one")
    assert exists.value.reason == "The database could not be created, the file already exists."
    info = await store.database_info("plan-one")
    assert set(info) == INFO_FIELDS
    assert (info["db_name"], info["doc_count"], info["doc_del_count"]) == ("plan-one", 0, 0)
    await store.delete_database("plan-one")
    assert not await store.database_exists("plan-one")
    for call in (store.delete_database("plan-one"), store.database_info("plan-one")):
        with pytest.raises(NotFound) as missing:
            await call
        assert missing.value.reason == "Database does not exist."
    with pytest.raises(NotFound):
        await store.bulk_docs("plan-one", [{"_id": "a"}])


async def test_list_databases_names_this_stores_databases_sorted_and_no_others(
    backend: tuple[DocumentStore, DocumentStore],
) -> None:
    store = backend[0]
    assert await store.list_databases() == []  # other tests' databases (other prefixes) are not this store's
    for name in ("plan-b", "directory", "plan-a"):
        await store.create_database(name)
    await store.delete_database("plan-b")
    assert await backend[1].list_databases() == ["directory", "plan-a"]


# -- writes --------------------------------------------------------------------------------------


async def test_the_deleted_count_follows_other_processes_undeletes_and_a_recreated_database(
    backend: tuple[DocumentStore, DocumentStore],
) -> None:
    """The deleted count (which the adapter in front of pouchdb-server keeps by following the feed) must
    stay right when another process writes, when a deleted document comes back, and when the database
    is deleted and created again behind its back."""
    first, second = backend
    await first.create_database("plan-count")
    written = await first.bulk_docs("plan-count", [{"_id": f"d{i}"} for i in range(4)])
    assert (await first.database_info("plan-count"))["doc_del_count"] == 0
    tombstones = [{"_id": f"d{i}", "_rev": written[i]["rev"], "_deleted": True} for i in (0, 1)]
    assert all(row.get("ok") for row in await second.bulk_docs("plan-count", tombstones))
    info = await first.database_info("plan-count")
    assert (info["doc_count"], info["doc_del_count"]) == (2, 2)
    back = {"_id": "d0", "_rev": rev(5, "back"), "_revisions": revisions(rev(5, "back"), rev(4, "e")), "v": 1}
    assert await second.bulk_docs("plan-count", [back], new_edits=False) == []
    info = await first.database_info("plan-count")
    assert (info["doc_count"], info["doc_del_count"]) == (3, 1)
    await second.delete_database("plan-count")
    await second.create_database("plan-count")
    again = await second.bulk_docs("plan-count", [{"_id": f"n{i}"} for i in range(3)])
    await second.bulk_docs("plan-count", [{"_id": "n0", "_rev": again[0]["rev"], "_deleted": True}])
    info = await first.database_info("plan-count")
    assert (info["doc_count"], info["doc_del_count"]) == (2, 1)


async def test_new_edits_write_update_and_report_conflicts_per_document(store: DocumentStore) -> None:
    first = await store.bulk_docs(DB, [{"_id": "a", "n": 1}, {"_id": "b", "n": 2}])
    assert [(r["ok"], r["id"], r["rev"][:2]) for r in first] == [(True, "a", "1-"), (True, "b", "1-")]
    rev_a = first[0]["rev"]
    results = await store.bulk_docs(
        DB,
        [
            {"_id": "a", "_rev": rev_a, "n": 3},
            {"_id": "b", "n": 4},
            {"_id": "_bad", "n": 5},
            {"_id": "c", "_private": 1},
            {"_id": "d", "_rev": "not-a-rev"},
            {"_id": "e", "n": 6},
        ],
    )
    assert results[0]["ok"] is True and results[0]["rev"].startswith("2-")
    assert results[1] == {"id": "b", "error": "conflict", "reason": "Document update conflict."}
    assert results[2]["error"] == "illegal_docid"
    assert results[3] == {"id": "c", "error": "bad_request", "reason": "Bad special document member: _private"}
    assert results[4]["error"] == "bad_request"
    assert results[5]["ok"] is True
    stale = await store.bulk_docs(DB, [{"_id": "a", "_rev": rev_a, "n": 7}])
    assert stale == [{"id": "a", "error": "conflict", "reason": "Document update conflict."}]
    doc = await store.get_document(DB, "a", DocumentRequest())
    assert doc == {"_id": "a", "_rev": results[0]["rev"], "n": 3}
    assert list(doc)[:2] == ["_id", "_rev"]
    info = await store.database_info(DB)
    assert (info["doc_count"], info["doc_del_count"]) == (3, 0)


async def test_replicated_writes_merge_branches_and_pick_couchdbs_winner(store: DocumentStore) -> None:
    await seed_conflict(store)
    assert (
        await store.bulk_docs(
            DB, [{"_id": "x", "_rev": R2B, "_revisions": revisions(R2B, R1), "side": "b"}], new_edits=False
        )
        == []
    )
    refused = await store.bulk_docs(DB, [{"_id": "y", "v": 1}, {"_id": "z", "_rev": "nope"}], new_edits=False)
    assert [(r["id"], r["error"]) for r in refused] == [("y", "bad_request"), ("z", "bad_request")]
    doc = await store.get_document(DB, "x", DocumentRequest(conflicts=True, revs=True))
    assert doc == {
        "_id": "x",
        "_rev": R2C,
        "side": "c",
        "_revisions": revisions(R2C, R1),
        "_conflicts": [R2B],
    }
    loser = await store.get_document(DB, "x", DocumentRequest(rev=R2B))
    assert loser == {"_id": "x", "_rev": R2B, "side": "b"}
    leaves = await store.get_open_revs(DB, "x", None, history=False, latest=False)
    assert leaves == [{"ok": {"_id": "x", "_rev": R2C, "side": "c"}}, {"ok": {"_id": "x", "_rev": R2B, "side": "b"}}]
    assert (await store.database_info(DB))["doc_count"] == 1


async def test_a_known_revision_resent_with_a_longer_history_links_its_stemmed_root(
    store: DocumentStore, request: pytest.FixtureRequest
) -> None:
    # A replicator that kept more history than this store resends an inner revision with it: CouchDB's key tree
    # merge links the stemmed root 2-b to its parent 1-a, so 1-a stops being a leaf of its own (a conflict).
    stemmed = {"_id": "x", "_rev": R3D, "_revisions": revisions(R3D, R2B), "v": 3}
    root = {"_id": "x", "_rev": R1, "_revisions": revisions(R1), "v": 1}
    assert await store.bulk_docs(DB, [stemmed, root], new_edits=False) == []
    before = await store.get_document(DB, "x", DocumentRequest(conflicts=True))
    assert before == {"_id": "x", "_rev": R3D, "v": 3, "_conflicts": [R1]}
    seq_before = (await store.database_info(DB))["update_seq"]
    resent = {"_id": "x", "_rev": R2B, "_revisions": revisions(R2B, R1), "v": 2}
    assert await store.bulk_docs(DB, [resent], new_edits=False) == []
    after = await store.get_document(DB, "x", DocumentRequest(conflicts=True, revs=True))
    if "sqlite" not in request.node.callspec.id and not REAL_COUCHDB:
        # NORMALISE: pouchdb-server ignores the history sent with a revision it holds.
        assert after == {"_id": "x", "_rev": R3D, "v": 3, "_revisions": revisions(R3D, R2B), "_conflicts": [R1]}
        return
    assert after == {"_id": "x", "_rev": R3D, "v": 3, "_revisions": revisions(R3D, R2B, R1)}
    leaves = await store.get_open_revs(DB, "x", None, history=False, latest=False)
    assert leaves == [{"ok": {"_id": "x", "_rev": R3D, "v": 3}}]
    feed = await store.changes(DB, ChangesRequest(since=seq_before))
    assert [(row["id"], row["changes"]) for row in feed["results"]] == [("x", [{"rev": R3D}])]
    assert (await store.database_info(DB))["doc_count"] == 1


async def test_conflicts_are_listed_longest_branch_first_then_by_revision_id(store: DocumentStore) -> None:
    branches = [[rev(2, f"b{i}"), R1] for i in range(5)] + [[rev(3, "long"), rev(2, "mid"), R1]]
    docs = [{"_id": "x", "_rev": path[0], "_revisions": revisions(*path), "i": n} for n, path in enumerate(branches)]
    assert await store.bulk_docs(DB, docs, new_edits=False) == []
    ordered = sorted((path[0] for path in branches), key=lambda r: (int(r[0]), r[2:]), reverse=True)
    doc = await store.get_document(DB, "x", DocumentRequest(conflicts=True))
    assert (doc["_rev"], doc["_conflicts"]) == (ordered[0], ordered[1:])
    [row] = (await store.changes(DB, ChangesRequest(all_leaves=True)))["results"]
    assert row["changes"] == [{"rev": r} for r in ordered]


async def test_deleting_the_winner_promotes_a_live_leaf_then_the_document_is_deleted(store: DocumentStore) -> None:
    await seed_conflict(store)
    tombstone = {"_id": "x", "_rev": R3D, "_revisions": revisions(R3D, R2C, R1), "_deleted": True}
    assert await store.bulk_docs(DB, [tombstone], new_edits=False) == []
    doc = await store.get_document(DB, "x", DocumentRequest(conflicts=True, deleted_conflicts=True))
    assert doc == {"_id": "x", "_rev": R2B, "side": "b", "_deleted_conflicts": [R3D]}
    [deleted] = await store.bulk_docs(DB, [{"_id": "x", "_rev": R2B, "_deleted": True}])
    assert deleted["ok"] is True and deleted["rev"].startswith("3-")
    with pytest.raises(NotFound) as gone:
        await store.get_document(DB, "x", DocumentRequest())
    assert gone.value.reason == "deleted"
    with pytest.raises(NotFound) as never:
        await store.get_document(DB, "never", DocumentRequest())
    assert never.value.reason == "missing"
    assert await store.get_document(DB, "x", DocumentRequest(rev=R3D)) == {"_id": "x", "_rev": R3D, "_deleted": True}
    info = await store.database_info(DB)
    assert (info["doc_count"], info["doc_del_count"]) == (0, 1)
    feed = await store.changes(DB, ChangesRequest())
    assert [(r["id"], r.get("deleted")) for r in feed["results"]] == [("x", True)]
    assert (await store.all_docs(DB, AllDocsRequest()))["rows"] == []
    [row] = (await store.all_docs(DB, AllDocsRequest(keys=["x"], include_docs=True)))["rows"]
    assert row["value"]["deleted"] is True and row["doc"] is None
    [reborn] = await store.bulk_docs(DB, [{"_id": "x", "back": True}])
    assert reborn["ok"] is True and reborn["rev"].startswith("4-")  # recreated on top of the tombstone
    assert (await store.get_document(DB, "x", DocumentRequest()))["back"] is True


async def test_document_ids_with_reserved_url_characters(store: DocumentStore) -> None:
    odd = "device:ab/cd?e=f&g#h %ü"
    [written] = await store.bulk_docs(DB, [{"_id": odd, "v": 1}])
    assert (await store.get_document(DB, odd, DocumentRequest()))["v"] == 1
    [got] = await store.bulk_get(DB, [BulkGetItem(odd, written["rev"])], history=False, latest=True)
    assert got["docs"] == [{"ok": {"_id": odd, "_rev": written["rev"], "v": 1}}]
    assert await store.get_open_revs(DB, odd, [written["rev"]], history=False, latest=False) == got["docs"]
    assert (await store.put_local(DB, odd, {"x": 1}))["id"] == f"_local/{odd}"
    assert (await store.get_local(DB, odd))["x"] == 1


# -- replication reads ---------------------------------------------------------------------------


async def test_revs_diff_reports_missing_revisions_in_request_order(store: DocumentStore) -> None:
    await seed_conflict(store)
    r3, r4 = rev(3, "new"), rev(4, "newer")
    diff = await store.revs_diff(DB, {"x": [r4, R2B, r3], "unknown": [R1, R2B]})
    assert diff == {
        "x": {"missing": [r4, r3], "possible_ancestors": [R2C, R2B]},
        "unknown": {"missing": [R1, R2B]},
    }
    assert await store.revs_diff(DB, {"x": [R2B, R2C]}) == {}


async def test_bulk_get_returns_each_item_in_order_with_errors_for_missing(store: DocumentStore) -> None:
    await seed_conflict(store)
    await store.bulk_docs(DB, [{"_id": "gone", "_rev": R1, "_deleted": True}], new_edits=False)
    items = [
        BulkGetItem("x", R2B),
        BulkGetItem("x", rev(9, "unknown")),
        BulkGetItem("nobody", R1),
        BulkGetItem("x"),
        BulkGetItem("gone"),
        BulkGetItem("x", R2B),
        BulkGetItem("nobody"),
    ]
    results = await store.bulk_get(DB, items, history=True, latest=False)
    missing = {"error": "not_found", "reason": "missing"}
    assert results == [
        {"id": "x", "docs": [{"ok": {"_id": "x", "_rev": R2B, "side": "b", "_revisions": revisions(R2B, R1)}}]},
        {"id": "x", "docs": [{"error": {"id": "x", "rev": rev(9, "unknown"), **missing}}]},
        {"id": "nobody", "docs": [{"error": {"id": "nobody", "rev": R1, **missing}}]},
        {"id": "x", "docs": [{"ok": {"_id": "x", "_rev": R2C, "side": "c", "_revisions": revisions(R2C, R1)}}]},
        {"id": "gone", "docs": [{"ok": {"_id": "gone", "_rev": R1, "_deleted": True, "_revisions": revisions(R1)}}]},
        {"id": "x", "docs": [{"ok": {"_id": "x", "_rev": R2B, "side": "b", "_revisions": revisions(R2B, R1)}}]},
        {"id": "nobody", "docs": [{"error": {"id": "nobody", "rev": None, **missing}}]},
    ]
    assert await store.bulk_get(DB, [], history=False, latest=False) == []


@pytest.fixture
async def couchdb_only_store(couch_url: str) -> AsyncIterator[CouchDBStore]:
    """A CouchDB store alone, for behaviour SQLite has no counterpart of (it has no HTTP endpoints)."""
    prefix = f"t{uuid.uuid4().hex[:12]}-"
    store = CouchDBStore(couch_url, prefix=prefix)
    await store.open()
    try:
        await store.create_database(DB)
        yield store
    finally:
        await store.close()
        _drop_databases(couch_url, prefix)


async def test_bulk_get_without_the_endpoint_falls_back_to_open_revs(couchdb_only_store: CouchDBStore) -> None:
    store = couchdb_only_store
    await seed_conflict(store)
    items = [BulkGetItem("x", R2B), BulkGetItem("x", rev(9, "unknown")), BulkGetItem("nobody", R1), BulkGetItem("x")]
    for latest in (False, True):
        with_endpoint = await store.bulk_get(DB, items, history=True, latest=latest)
        store._bulk_get_supported = False
        assert await store.bulk_get(DB, items, history=True, latest=latest) == with_endpoint
        store._bulk_get_supported = True


async def test_latest_resolves_an_ancestor_to_its_leaves_and_an_unknown_revision_to_missing(
    store: DocumentStore,
) -> None:
    await seed_conflict(store)
    unknown = rev(1, "unknown")
    [latest] = await store.bulk_get(DB, [BulkGetItem("x", R1)], history=False, latest=True)
    assert latest["id"] == "x"  # a fan-out's order is not part of the contract (SQLite: insertion order)
    assert sorted(latest["docs"], key=lambda d: d["ok"]["_rev"]) == [
        {"ok": {"_id": "x", "_rev": R2B, "side": "b"}},
        {"ok": {"_id": "x", "_rev": R2C, "side": "c"}},
    ]
    [leaf, gone] = await store.bulk_get(
        DB, [BulkGetItem("x", R2B), BulkGetItem("x", unknown)], history=False, latest=True
    )
    assert leaf == {"id": "x", "docs": [{"ok": {"_id": "x", "_rev": R2B, "side": "b"}}]}
    assert gone == {
        "id": "x",
        "docs": [{"error": {"id": "x", "rev": unknown, "error": "not_found", "reason": "missing"}}],
    }
    opened = await store.get_open_revs(DB, "x", [unknown, R2B, R2B], history=True, latest=True)
    assert opened == [
        {"missing": unknown},
        {"ok": {"_id": "x", "_rev": R2B, "side": "b", "_revisions": revisions(R2B, R1)}},
    ]
    plain = await store.get_open_revs(DB, "x", [R2C, unknown], history=False, latest=False)
    assert plain == [{"ok": {"_id": "x", "_rev": R2C, "side": "c"}}, {"missing": unknown}]
    with pytest.raises(NotFound):
        await store.get_open_revs(DB, "nobody", None, history=False, latest=False)
    assert await store.get_open_revs(DB, "nobody", [R1], history=False, latest=False) == [{"missing": R1}]
    extended = {"_id": "x", "_rev": rev(3, "e"), "_revisions": revisions(rev(3, "e"), R2B, R1), "side": "e"}
    await store.bulk_docs(DB, [extended], new_edits=False)
    newest = await store.get_document(DB, "x", DocumentRequest(rev=R2B, latest=True))
    assert newest == {"_id": "x", "_rev": rev(3, "e"), "side": "e"}
    with pytest.raises(NotFound):
        await store.get_document(DB, "x", DocumentRequest(rev=unknown, latest=True))
    assert (await store.database_info(DB))["doc_count"] == 1  # the peer survived latest on an unknown rev


async def test_get_document_revs_info(store: DocumentStore) -> None:
    await seed_conflict(store)
    doc = await store.get_document(DB, "x", DocumentRequest(revs_info=True))
    assert doc["_revs_info"] == [{"rev": R2C, "status": "available"}, {"rev": R1, "status": "missing"}]


# -- changes -------------------------------------------------------------------------------------


async def test_changes_since_limit_and_pending_with_opaque_sequences(store: DocumentStore) -> None:
    """Each change once, pages that add up, and ``pending`` right. SQLite's feed is in write order; a CouchDB
    database has shards and its feed has no single order across them, so there only what is in it counts."""
    names = ["a", "b", "c", "d"]
    for name in names:
        await store.bulk_docs(DB, [{"_id": name, "v": name}])
    ordered = isinstance(store, SqliteStore)

    def ids(feed: Json) -> list[str]:
        return [r["id"] for r in feed["results"]]

    everything = await store.changes(DB, ChangesRequest())
    assert ids(everything) == names if ordered else sorted(ids(everything)) == names
    assert everything["pending"] == 0
    assert everything["last_seq"] == everything["results"][-1]["seq"]
    assert list(everything["results"][0]) == ["seq", "id", "changes"]
    page = await store.changes(DB, ChangesRequest(limit=2))
    assert len(ids(page)) == 2 and (ids(page) == ["a", "b"] or not ordered)
    assert page["pending"] == 2
    rest = await store.changes(DB, ChangesRequest(since=page["last_seq"]))
    assert sorted(ids(page) + ids(rest)) == names and (ids(rest) == ["c", "d"] or not ordered)
    assert rest["pending"] == 0
    nothing = await store.changes(DB, ChangesRequest(since=everything["last_seq"]))
    assert nothing["results"] == [] and nothing["pending"] == 0
    none = await store.changes(DB, ChangesRequest(limit=0))
    assert none["results"] == [] and none["pending"] == 4
    only = await store.changes(DB, ChangesRequest(doc_ids=["c", "zzz"]))
    assert ids(only) == ["c"]
    backwards = await store.changes(DB, ChangesRequest(descending=True, limit=2))
    assert len(set(ids(backwards))) == 2 and (ids(backwards) == ["d", "c"] or not ordered)
    assert backwards["pending"] == 0


async def test_a_filtered_feed_read_to_the_end_names_where_it_read_to_and_a_later_change_comes_after_it(
    store: DocumentStore,
) -> None:
    """As CouchDB's ``_doc_ids`` feed does: ``last_seq`` is where the read got to, past the changes to other
    documents, so a longpoll that waits on from there neither wakes for them again nor misses a later change
    of its own documents (server/sync_changes.py waits from this ``last_seq``, never from ``update_seq``)."""
    (written,) = await store.bulk_docs(DB, [{"_id": "mine", "v": 1}])
    first = await store.changes(DB, ChangesRequest(doc_ids=["mine"]))
    assert [row["id"] for row in first["results"]] == ["mine"]
    await store.bulk_docs(DB, [{"_id": "other", "v": 1}])
    past_other = await store.changes(DB, ChangesRequest(since=first["last_seq"], doc_ids=["mine"]))
    assert past_other["results"] == []
    assert (await store.changes(DB, ChangesRequest(since=past_other["last_seq"])))["results"] == []
    await store.bulk_docs(DB, [{"_id": "mine", "_rev": written["rev"], "v": 2}])
    later = await store.changes(DB, ChangesRequest(since=past_other["last_seq"], doc_ids=["mine"]))
    assert [row["id"] for row in later["results"]] == ["mine"]


async def test_changes_style_all_docs_lists_the_winner_first_then_live_then_deleted_leaves(
    store: DocumentStore,
) -> None:
    await seed_conflict(store)
    high_tombstone = rev(3, "tomb")
    tomb = {"_id": "x", "_rev": high_tombstone, "_revisions": revisions(high_tombstone, R2B, R1), "_deleted": True}
    await store.bulk_docs(DB, [tomb], new_edits=False)  # leaves: R2C (live), R3 (deleted)
    other = rev(2, "a-low")  # lower than R2C? whichever: sorted below
    await store.bulk_docs(
        DB, [{"_id": "x", "_rev": other, "_revisions": revisions(other, R1), "k": 1}], new_edits=False
    )
    live = sorted([R2C, other], key=lambda r: r.split("-")[1], reverse=True)
    [row] = (await store.changes(DB, ChangesRequest(all_leaves=True)))["results"]
    assert row["changes"] == [{"rev": live[0]}, {"rev": live[1]}, {"rev": high_tombstone}]
    [main] = (await store.changes(DB, ChangesRequest()))["results"]
    assert main["changes"] == [{"rev": live[0]}]
    [with_doc] = (await store.changes(DB, ChangesRequest(include_docs=True, conflicts=True)))["results"]
    assert with_doc["doc"]["_rev"] == live[0]
    assert with_doc["doc"]["_conflicts"] == [live[1]]
    assert list(with_doc) == ["seq", "id", "changes", "doc"]


async def test_wait_for_change_wakes_on_a_write_through_another_store(
    backend: tuple[DocumentStore, DocumentStore],
) -> None:
    store, second = backend
    await store.create_database(DB)
    await store.bulk_docs(DB, [{"_id": "a"}])
    since = (await store.changes(DB, ChangesRequest()))["last_seq"]
    assert await store.wait_for_change(DB, 0, 5.0) is True
    with anyio.fail_after(30):
        assert await store.wait_for_change(DB, since, 0.3) is False  # the client holds the deadline too
    woke: list[bool] = []

    async def waiter() -> None:
        woke.append(await store.wait_for_change(DB, since, 20.0))

    with anyio.fail_after(30):
        async with anyio.create_task_group() as group:
            group.start_soon(waiter)
            await anyio.sleep(0.3)
            await second.bulk_docs(DB, [{"_id": "b"}])
    assert woke == [True]
    with pytest.raises(NotFound):
        await store.wait_for_change("plan-missing", 0, 1.0)


# -- all_docs ------------------------------------------------------------------------------------


async def test_all_docs_keys_ranges_limits_and_docs(store: DocumentStore) -> None:
    results = await store.bulk_docs(DB, [{"_id": name, "v": name} for name in ("a", "b", "c", "d")])
    revs = {r["id"]: r["rev"] for r in results}
    await seed_conflict(store)
    every = await store.all_docs(DB, AllDocsRequest())
    assert every["total_rows"] == 5 and every["offset"] == 0
    assert every["rows"][0] == {"id": "a", "key": "a", "value": {"rev": revs["a"]}}
    assert [r["id"] for r in every["rows"]] == ["a", "b", "c", "d", "x"]
    ranged = await store.all_docs(DB, AllDocsRequest(start_key="b", end_key="d", inclusive_end=False))
    assert [r["id"] for r in ranged["rows"]] == ["b", "c"]
    page = await store.all_docs(DB, AllDocsRequest(skip=1, limit=2))
    assert [r["id"] for r in page["rows"]] == ["b", "c"] and page["offset"] == 1
    down = await store.all_docs(DB, AllDocsRequest(descending=True, start_key="c", limit=2))
    assert [r["id"] for r in down["rows"]] == ["c", "b"]
    keyed = await store.all_docs(DB, AllDocsRequest(keys=["c", "nope", "x"], include_docs=True, conflicts=True))
    assert keyed["offset"] is None
    assert keyed["rows"] == [
        {"id": "c", "key": "c", "value": {"rev": revs["c"]}, "doc": {"_id": "c", "_rev": revs["c"], "v": "c"}},
        {"key": "nope", "error": "not_found"},
        {
            "id": "x",
            "key": "x",
            "value": {"rev": R2C},
            "doc": {"_id": "x", "_rev": R2C, "side": "c", "_conflicts": [R2B]},
        },
    ]
    assert (await store.all_docs(DB, AllDocsRequest(limit=0)))["rows"] == []


# -- local documents -----------------------------------------------------------------------------


async def test_local_documents_have_their_own_revisions(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        await store.get_local(DB, "checkpoint")
    assert await store.put_local(DB, "checkpoint", {"seq": 1}) == {"ok": True, "id": "_local/checkpoint", "rev": "0-1"}
    with pytest.raises(Conflict):
        await store.put_local(DB, "checkpoint", {"seq": 2})
    assert (await store.put_local(DB, "checkpoint", {"_rev": "0-1", "seq": 2}))["rev"] == "0-2"
    assert await store.get_local(DB, "checkpoint") == {"_id": "_local/checkpoint", "_rev": "0-2", "seq": 2}
    with pytest.raises(Conflict):
        await store.delete_local(DB, "checkpoint", "0-1")
    assert await store.delete_local(DB, "checkpoint", "0-2") == {"ok": True, "id": "_local/checkpoint", "rev": "0-0"}
    with pytest.raises(NotFound):
        await store.get_local(DB, "checkpoint")
    with pytest.raises(NotFound):
        await store.delete_local(DB, "checkpoint", "0-2")
    assert (await store.put_local(DB, "other/id", {"_rev": "0-7", "x": 1}))["rev"] == "0-1"
    assert (await store.get_local(DB, "other/id"))["x"] == 1
    assert (await store.all_docs(DB, AllDocsRequest()))["rows"] == []
    assert (await store.changes(DB, ChangesRequest()))["results"] == []


async def test_an_update_only_local_write_refuses_a_missing_document_and_updates_an_existing_one(
    store: DocumentStore,
) -> None:
    with pytest.raises(NotFound) as missing:
        await store.put_local(DB, "checkpoint", {"_rev": "0-3", "seq": 1}, existing_only=True)
    assert missing.value.reason == "missing"
    with pytest.raises(NotFound):
        await store.get_local(DB, "checkpoint")  # nothing was written
    await store.put_local(DB, "checkpoint", {"seq": 1})
    with pytest.raises(Conflict):
        await store.put_local(DB, "checkpoint", {"_rev": "0-9", "seq": 2}, existing_only=True)
    updated = await store.put_local(DB, "checkpoint", {"_rev": "0-1", "seq": 2}, existing_only=True)
    assert updated == {"ok": True, "id": "_local/checkpoint", "rev": "0-2"}
    assert await store.get_local(DB, "checkpoint") == {"_id": "_local/checkpoint", "_rev": "0-2", "seq": 2}
