"""The embedded document store: CouchDB-style databases in one SQLite file.

Each document row keeps its revision tree (JSON), its winning revision and its sequence number; the
bodies of leaf revisions live beside it (older bodies are dropped as soon as a revision stops being a
leaf, as CouchDB's compaction would). The changes feed is the documents table read in ``seq`` order.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

from . import json_text
from .documents import render_document, revs_diff_entry, split_document
from .errors import BadRequest, Conflict, NotFound, PreconditionFailed, SyncError
from .json_text import NOT_UNICODE
from .revtree import (
    LAST_GENERATION_REASON,
    MAX_GENERATION,
    Graft,
    InvalidRevision,
    RevTree,
    new_rev_id,
    parse_rev,
    path_from_revisions,
)
from .sqlite_changes import DEFAULT_POLL_INTERVAL, ChangeWaiters, read_update_seqs
from .sqlite_counts import BatchCounts
from .sqlite_engine import SqliteEngine, WriteContext, savepoint
from .sqlite_reads import BatchTrees, load_documents, load_trees, open_revs
from .store import AllDocsRequest, BulkGetItem, ChangesRequest, DocumentRequest, Json, Seq

DEFAULT_REVS_LIMIT = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS databases (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    update_seq INTEGER NOT NULL DEFAULT 0,
    doc_count INTEGER NOT NULL DEFAULT 0,
    doc_del_count INTEGER NOT NULL DEFAULT 0,
    revs_limit INTEGER NOT NULL,
    created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS documents (
    db INTEGER NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    winner TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    tree TEXT NOT NULL,
    PRIMARY KEY (db, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS documents_by_seq ON documents (db, seq);
CREATE TABLE IF NOT EXISTS bodies (
    db INTEGER NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    rev TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS bodies_by_rev ON bodies (db, id, rev);
CREATE TABLE IF NOT EXISTS local_docs (
    db INTEGER NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    rev INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (db, id)
) WITHOUT ROWID;
"""

# Bodies (1 to 3 KB of sealed JSON) are kept in a rowid table with a unique index: SQLite's WITHOUT ROWID
# tables suit rows under about a twentieth of a page, and larger ones cost page splits and overflow chains on
# every insert (measured: writes about 1.5x and _bulk_get reads about 1.8x faster than the WITHOUT ROWID table
# files before 2026-12-03 had, which UPGRADES converts when a store opens the file).
UPGRADES = (
    (
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'bodies' AND sql LIKE '%WITHOUT ROWID%'",
        """
        CREATE TABLE bodies_rowid (
            db INTEGER NOT NULL REFERENCES databases(id) ON DELETE CASCADE,
            id TEXT NOT NULL,
            rev TEXT NOT NULL,
            body TEXT NOT NULL
        );
        INSERT INTO bodies_rowid (db, id, rev, body) SELECT db, id, rev, body FROM bodies;
        DROP TABLE bodies;
        ALTER TABLE bodies_rowid RENAME TO bodies;
        CREATE UNIQUE INDEX bodies_by_rev ON bodies (db, id, rev);
        """,
    ),
)

CONFLICT_REASON = "Document update conflict."


def _refusal(doc: object, exc: SyncError | InvalidRevision) -> Json:
    """The ``_bulk_docs`` result of a refused document, as CouchDB shapes it."""
    error = exc.error if isinstance(exc, SyncError) else "bad_request"
    reason = exc.reason if isinstance(exc, SyncError) else str(exc)
    return {"id": doc.get("_id") if isinstance(doc, dict) else None, "error": error, "reason": reason}


def _storable(doc_id: str, body: Json) -> str:
    """``body`` as the JSON text to store, once ``doc_id`` and it are known to be text SQLite (and JSON on
    the wire) can hold: no lone surrogates, no NaN or Infinity."""
    text = json_text.dumps(body)
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(NOT_UNICODE) from None
    return text


def _parse_seq(since: Seq) -> int:
    if isinstance(since, int) and not isinstance(since, bool):
        return since
    if isinstance(since, str):
        head = since.split("-", 1)[0]
        if head.isdigit():
            return int(head)
    raise BadRequest("since must be a sequence this server issued, 0 or now")


FILE_NAME = "alongside.sqlite3"  # the one file of a data directory (with SQLite's -wal and -shm beside it)


class SqliteStore:
    """:class:`~alongside.sync.store.DocumentStore` on an embedded SQLite file."""

    backend = "sqlite"

    def __init__(
        self,
        data_dir: Path,
        *,
        synchronous: str = "FULL",
        revs_limit: int = DEFAULT_REVS_LIMIT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> None:
        self.path = data_dir / FILE_NAME
        self.revs_limit = revs_limit
        self.engine = SqliteEngine(self.path, synchronous=synchronous)
        self.waiters = ChangeWaiters(self.path, self._update_seqs, poll_interval=poll_interval)

    # -- lifecycle -------------------------------------------------------------------------------

    async def open(self) -> None:
        await asyncio.to_thread(self.engine.start, SCHEMA, self.waiters.committed, UPGRADES)
        self.waiters.start()

    async def close(self) -> None:
        await self.waiters.stop()
        await asyncio.to_thread(self.engine.stop)

    # -- databases -------------------------------------------------------------------------------

    async def create_database(self, db: str) -> None:
        def job(ctx: WriteContext) -> None:
            try:
                ctx.conn.execute(
                    "INSERT INTO databases (name, revs_limit, created) VALUES (?, ?, ?)",
                    (db, self.revs_limit, time.time()),
                )
            except sqlite3.IntegrityError:
                raise PreconditionFailed("The database could not be created, the file already exists.") from None

        await self.engine.write(job)

    async def delete_database(self, db: str) -> None:
        def job(ctx: WriteContext) -> None:
            cur = ctx.conn.execute("DELETE FROM databases WHERE name = ?", (db,))
            if cur.rowcount == 0:
                raise NotFound("Database does not exist.")
            ctx.touched.add(db)

        await self.engine.write(job)

    async def _update_seqs(self, names: list[str]) -> dict[str, int]:
        return await self.engine.read(lambda conn: read_update_seqs(conn, names))

    async def database_exists(self, db: str) -> bool:
        def job(conn: sqlite3.Connection) -> bool:
            return conn.execute("SELECT 1 FROM databases WHERE name = ?", (db,)).fetchone() is not None

        return await self.engine.read(job)

    async def list_databases(self) -> list[str]:
        def job(conn: sqlite3.Connection) -> list[str]:
            return [str(row[0]) for row in conn.execute("SELECT name FROM databases ORDER BY name")]

        return await self.engine.read(job)

    async def database_info(self, db: str) -> Json:
        def job(conn: sqlite3.Connection) -> Json:
            row = conn.execute(
                "SELECT update_seq, doc_count, doc_del_count, created FROM databases WHERE name = ?", (db,)
            ).fetchone()
            if row is None:
                raise NotFound("Database does not exist.")
            update_seq, doc_count, doc_del_count, created = row
            return {
                "db_name": db,
                "doc_count": doc_count,
                "doc_del_count": doc_del_count,
                "update_seq": update_seq,
                "purge_seq": 0,
                "compact_running": False,
                "instance_start_time": str(int(created * 1_000_000)),
                "disk_format_version": 8,
            }

        return await self.engine.read(job)

    @staticmethod
    def _db_id(conn: sqlite3.Connection, db: str) -> int:
        row = conn.execute("SELECT id FROM databases WHERE name = ?", (db,)).fetchone()
        if row is None:
            raise NotFound("Database does not exist.")
        return int(row[0])

    # -- writes ----------------------------------------------------------------------------------

    async def bulk_docs(self, db: str, docs: list[Json], *, new_edits: bool = True) -> list[Json]:
        """Write ``docs`` in one transaction, each all-or-nothing in a savepoint of its own: a document
        refused at any step (even after some of its rows were written) leaves every stored row as it was,
        and the batch's other documents are still written."""

        def job(ctx: WriteContext) -> list[Json]:
            db_id = self._db_id(ctx.conn, db)
            trees = BatchTrees(ctx.conn, db_id, docs)
            counts = BatchCounts(ctx.conn, db_id)
            results: list[Json] = []
            for doc in docs:
                mark = counts.mark()
                try:
                    with savepoint(ctx.conn, "document"):
                        if new_edits:
                            result, (doc_id, tree) = self._write_new_edit(ctx.conn, db_id, doc, trees, counts)
                        else:
                            result = None
                            doc_id, tree = self._write_replicated(ctx.conn, db_id, doc, trees, counts)
                        trees.put(doc_id, tree)
                    if result is not None:
                        results.append(result)
                except (SyncError, InvalidRevision) as exc:
                    # Everything since the mark was inside the savepoint, now rolled back: the number is free.
                    counts.restore(mark)
                    results.append(_refusal(doc, exc))
            counts.write(ctx.conn)
            ctx.touched.add(db)
            return results

        return await self.engine.write(job)

    def _load(self, conn: sqlite3.Connection, db_id: int, doc_id: str) -> RevTree | None:
        return self._load_for_write(conn, db_id, doc_id)[0]

    def _load_for_write(
        self, conn: sqlite3.Connection, db_id: int, doc_id: str, trees: BatchTrees | None = None
    ) -> tuple[RevTree | None, bool | None]:
        """The stored tree and whether the document was deleted (``None, None`` for a new document): from the batch's
        trees if they were read there, else one read."""
        taken = trees.take(doc_id) if trees is not None else None
        if taken is not None:
            return taken
        row = conn.execute("SELECT tree, deleted FROM documents WHERE db = ? AND id = ?", (db_id, doc_id)).fetchone()
        if row is None:
            return None, None
        return RevTree.from_json(json_text.loads(row[0])), bool(row[1])

    def _write_new_edit(
        self, conn: sqlite3.Connection, db_id: int, doc: Json, trees: BatchTrees, counts: BatchCounts
    ) -> tuple[Json, tuple[str, RevTree]]:
        doc_id, body, deleted = split_document(doc)
        if doc_id is None:
            raise BadRequest("Document must have an _id (this server does not generate ids)")
        text = _storable(doc_id, body)
        rev = doc.get("_rev")
        if rev is not None and parse_rev(rev)[0] >= MAX_GENERATION:
            raise BadRequest(LAST_GENERATION_REASON)
        tree, was_deleted = self._load_for_write(conn, db_id, doc_id, trees)
        # The rules of CouchDB's interactive edits (couch_db_updater:merge_rev_tree/4):
        if tree is None:
            # a new document (possibly born deleted); naming a parent revision is a conflict;
            if rev is not None:
                raise Conflict(CONFLICT_REASON)
            tree = RevTree()
            parent: str | None = None
        elif tree.is_deleted():
            # a deleted document can only be recreated: no _rev, not a deletion, and the new revision
            # extends the winning tombstone (updating or deleting a tombstone by its _rev is a conflict);
            if rev is not None or deleted:
                raise Conflict(CONFLICT_REASON)
            parent = tree.winner()
        else:
            # a live document: the edit must extend a leaf, deleted or not, and may itself be a deletion.
            if rev is None or rev not in tree.leaves():
                raise Conflict(CONFLICT_REASON)
            parent = rev
        new_rev = new_rev_id(parent, body, deleted)  # refuses a generation past MAX_GENERATION
        path = [new_rev, *(tree.path(parent) if parent else [])]
        tree.merge_path(path, deleted)
        self._save(conn, db_id, doc_id, tree, new_rev, text, was_deleted, counts)
        return {"ok": True, "id": doc_id, "rev": new_rev}, (doc_id, tree)

    def _write_replicated(
        self, conn: sqlite3.Connection, db_id: int, doc: Json, trees: BatchTrees, counts: BatchCounts
    ) -> tuple[str, RevTree]:
        doc_id, body, deleted = split_document(doc)
        if doc_id is None:
            raise BadRequest("Document must have an _id")
        text = _storable(doc_id, body)
        rev = doc.get("_rev")
        if not isinstance(rev, str):
            raise BadRequest("Document must have a _rev when new_edits is false")
        parse_rev(rev)
        path = path_from_revisions(doc["_revisions"], rev) if "_revisions" in doc else [rev]
        stored, was_deleted = self._load_for_write(conn, db_id, doc_id, trees)
        tree = stored or RevTree()
        graft = tree.graft(path, deleted)
        if graft is Graft.KNOWN:
            return doc_id, tree
        # A known revision resent with a longer history only links the tree (the body stored stays as it is).
        self._save(conn, db_id, doc_id, tree, rev if graft is Graft.NEW_LEAF else None, text, was_deleted, counts)
        return doc_id, tree

    def _save(
        self,
        conn: sqlite3.Connection,
        db_id: int,
        doc_id: str,
        tree: RevTree,
        rev: str | None,
        body: str,
        was_deleted: bool | None,
        counts: BatchCounts,
    ) -> None:
        """Store ``tree`` (merged with ``rev``, whose JSON body is ``body``; ``None`` when the merge wrote no new
        revision and only linked the tree), drop the bodies of revisions that are no longer leaves, and take the
        next sequence number from ``counts``, moving its counts (``was_deleted``: the document's state before,
        ``None`` if it is new). Several statements: the caller runs it in a savepoint and gives the number back
        if the document is refused."""
        tree.stem(self.revs_limit)
        if rev is not None:
            conn.execute(
                "INSERT OR REPLACE INTO bodies (db, id, rev, body) VALUES (?, ?, ?, ?)", (db_id, doc_id, rev, body)
            )
        if was_deleted is not None:  # a new document has no other bodies to drop
            leaves = set(tree.leaves())
            stored = [r for (r,) in conn.execute("SELECT rev FROM bodies WHERE db = ? AND id = ?", (db_id, doc_id))]
            stale = [(db_id, doc_id, r) for r in stored if r not in leaves]
            if stale:
                conn.executemany("DELETE FROM bodies WHERE db = ? AND id = ? AND rev = ?", stale)
        winner = tree.winner()
        deleted = tree.nodes[winner].deleted
        live_delta = int(not deleted) - int(was_deleted is False)
        del_delta = int(deleted) - int(was_deleted is True)
        seq = counts.take(live_delta, del_delta)
        conn.execute(
            "INSERT OR REPLACE INTO documents (db, id, seq, winner, deleted, tree) VALUES (?, ?, ?, ?, ?, ?)",
            (db_id, doc_id, seq, winner, int(deleted), json_text.dumps(tree.to_json())),
        )

    # -- reads -----------------------------------------------------------------------------------

    @staticmethod
    def _bodies(conn: sqlite3.Connection, db_id: int, doc_id: str) -> dict[str, Json]:
        rows = conn.execute("SELECT rev, body FROM bodies WHERE db = ? AND id = ?", (db_id, doc_id))
        return {rev: json_text.loads(body) for rev, body in rows}

    def _read_doc(self, conn: sqlite3.Connection, db_id: int, doc_id: str) -> tuple[RevTree, dict[str, Json]] | None:
        tree = self._load(conn, db_id, doc_id)
        if tree is None:
            return None
        return tree, self._bodies(conn, db_id, doc_id)

    async def get_document(self, db: str, doc_id: str, request: DocumentRequest) -> Json:
        def job(conn: sqlite3.Connection) -> Json:
            found = self._read_doc(conn, self._db_id(conn, db), doc_id)
            if found is None:
                raise NotFound("missing")
            tree, bodies = found
            rev = request.rev
            if rev is None:
                rev = tree.winner()
                if tree.nodes[rev].deleted:
                    raise NotFound("deleted")
            elif request.latest and rev in tree:
                rev = max(tree.leaf_descendants(rev), key=lambda r: parse_rev(r))
            if rev not in bodies:
                raise NotFound("missing")
            return render_document(
                doc_id,
                rev,
                bodies[rev],
                tree,
                history=request.revs,
                conflicts=request.conflicts,
                deleted_conflicts=request.deleted_conflicts,
                revs_info=request.revs_info,
                bodies_present=set(bodies),
            )

        return await self.engine.read(job)

    async def get_open_revs(
        self, db: str, doc_id: str, revs: list[str] | None, *, history: bool, latest: bool
    ) -> list[Json]:
        def job(conn: sqlite3.Connection) -> list[Json]:
            db_id = self._db_id(conn, db)
            if revs is None and self._load(conn, db_id, doc_id) is None:
                # CouchDB (chttpd_db) answers ``open_revs=all`` for an unknown document with 404, not ``[]``.
                raise NotFound("missing")
            return open_revs(self._read_doc(conn, db_id, doc_id), doc_id, revs, history=history, latest=latest)

        return await self.engine.read(job)

    async def revs_diff(self, db: str, revs: dict[str, list[str]]) -> dict[str, Json]:
        def job(conn: sqlite3.Connection) -> dict[str, Json]:
            trees = load_trees(conn, self._db_id(conn, db), revs)
            out: dict[str, Json] = {}
            for doc_id, wanted in revs.items():
                stored = trees.get(doc_id)
                entry = revs_diff_entry(stored[0] if stored else None, wanted)
                if entry is not None:
                    out[doc_id] = entry
            return out

        return await self.engine.read(job)

    async def bulk_get(self, db: str, items: list[BulkGetItem], *, history: bool, latest: bool) -> list[Json]:
        def job(conn: sqlite3.Connection) -> list[Json]:
            documents = load_documents(conn, self._db_id(conn, db), (item.id for item in items))
            results: list[Json] = []
            for item in items:
                found = documents.get(item.id)
                if item.rev is None:
                    revs = [found[0].winner()] if found else []
                else:
                    revs = [item.rev]
                docs = open_revs(found, item.id, revs, history=history, latest=latest) if revs else []
                rendered: list[Json] = []
                for entry in docs:
                    if "ok" in entry:
                        rendered.append(entry)
                    else:
                        rendered.append(
                            {
                                "error": {
                                    "id": item.id,
                                    "rev": entry["missing"],
                                    "error": "not_found",
                                    "reason": "missing",
                                }
                            }
                        )
                if not rendered:
                    rendered.append(
                        {"error": {"id": item.id, "rev": item.rev, "error": "not_found", "reason": "missing"}}
                    )
                results.append({"id": item.id, "docs": rendered})
            return results

        return await self.engine.read(job)

    async def changes(self, db: str, request: ChangesRequest) -> Json:
        since = 0 if request.since == "now" else _parse_seq(request.since)

        def job(conn: sqlite3.Connection) -> Json:
            db_id = self._db_id(conn, db)
            (update_seq,) = conn.execute("SELECT update_seq FROM databases WHERE id = ?", (db_id,)).fetchone()
            start = update_seq if request.since == "now" else since
            order = "DESC" if request.descending else "ASC"
            params: list[Any] = [db_id]
            where = "db = ?"
            if not request.descending:
                where += " AND seq > ?"
                params.append(start)
            if request.doc_ids is not None:
                where += f" AND id IN ({','.join('?' * len(request.doc_ids))})"
                params.extend(request.doc_ids)
            sql = f"SELECT id, seq, winner, deleted, tree FROM documents WHERE {where} ORDER BY seq {order}"
            if request.limit is not None:
                sql += " LIMIT ?"
                params.append(request.limit)
            results: list[Json] = []
            last_seq = start
            for doc_id, seq, winner, deleted, tree_json in conn.execute(sql, params).fetchall():
                tree = RevTree.from_json(json_text.loads(tree_json))
                revs = tree.sorted_leaves() if request.all_leaves else [winner]
                row: Json = {"seq": seq, "id": doc_id, "changes": [{"rev": r} for r in revs]}
                if deleted:
                    row["deleted"] = True
                if request.include_docs:
                    body = self._bodies(conn, db_id, doc_id).get(winner, {})
                    row["doc"] = render_document(doc_id, winner, body, tree, conflicts=request.conflicts)
                results.append(row)
                last_seq = seq if not request.descending else max(last_seq, seq)
            if request.descending:
                last_seq = results[-1]["seq"] if results else update_seq
            elif request.limit is None or len(results) < request.limit:
                # Read to the end (as CouchDB's feed does, a doc_ids filter too): nothing after update_seq.
                last_seq = max(last_seq, update_seq)
            pending_row = conn.execute(
                "SELECT COUNT(*) FROM documents WHERE db = ? AND seq > ?", (db_id, last_seq)
            ).fetchone()
            return {"results": results, "last_seq": last_seq, "pending": 0 if request.descending else pending_row[0]}

        return await self.engine.read(job)

    async def cluster_nodes(self) -> tuple[int, int] | None:
        """``None``: one file on one machine."""
        return None

    async def wait_for_change(self, db: str, since: Seq, timeout: float) -> bool:
        async def current_seq() -> int:
            seq: int = (await self.database_info(db))["update_seq"]
            return seq

        return await self.waiters.wait(db, None if since == "now" else _parse_seq(since), timeout, current_seq)

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        def row_for(
            conn: sqlite3.Connection, db_id: int, doc_id: str, winner: str, deleted: int, tree_json: str
        ) -> Json:
            value: Json = {"rev": winner}
            if deleted:
                value["deleted"] = True
            row: Json = {"id": doc_id, "key": doc_id, "value": value}
            if request.include_docs:
                if deleted:
                    row["doc"] = None
                else:
                    tree = RevTree.from_json(json_text.loads(tree_json))
                    body = self._bodies(conn, db_id, doc_id).get(winner, {})
                    row["doc"] = render_document(doc_id, winner, body, tree, conflicts=request.conflicts)
            return row

        def job(conn: sqlite3.Connection) -> Json:
            db_id = self._db_id(conn, db)
            (total,) = conn.execute("SELECT doc_count FROM databases WHERE id = ?", (db_id,)).fetchone()
            rows: list[Json] = []
            if request.keys is not None:
                for key in request.keys:
                    found = conn.execute(
                        "SELECT id, winner, deleted, tree FROM documents WHERE db = ? AND id = ?", (db_id, key)
                    ).fetchone()
                    rows.append(row_for(conn, db_id, *found) if found else {"key": key, "error": "not_found"})
                rows = rows[request.skip :]
                if request.limit is not None:
                    rows = rows[: request.limit]
                return {"total_rows": total, "offset": None, "rows": rows}
            where = "db = ? AND deleted = 0"
            params: list[Any] = [db_id]
            low, high = (
                (request.end_key, request.start_key) if request.descending else (request.start_key, request.end_key)
            )
            if low is not None:
                where += " AND id >= ?"
                params.append(low)
            if high is not None:
                inclusive = request.inclusive_end or request.descending
                where += " AND id <= ?" if inclusive else " AND id < ?"
                params.append(high)
            if request.descending and request.end_key is not None and not request.inclusive_end:
                where = where.replace("id >= ?", "id > ?", 1)
            order = "DESC" if request.descending else "ASC"
            sql = f"SELECT id, winner, deleted, tree FROM documents WHERE {where} ORDER BY id {order} LIMIT ? OFFSET ?"
            params.extend([-1 if request.limit is None else request.limit, request.skip])
            for found in conn.execute(sql, params).fetchall():
                rows.append(row_for(conn, db_id, *found))
            return {"total_rows": total, "offset": request.skip, "rows": rows}

        return await self.engine.read(job)

    # -- local documents -------------------------------------------------------------------------

    async def get_local(self, db: str, doc_id: str) -> Json:
        def job(conn: sqlite3.Connection) -> Json:
            row = conn.execute(
                "SELECT rev, body FROM local_docs WHERE db = ? AND id = ?", (self._db_id(conn, db), doc_id)
            ).fetchone()
            if row is None:
                raise NotFound("missing")
            return {"_id": f"_local/{doc_id}", "_rev": f"0-{row[0]}", **json_text.loads(row[1])}

        return await self.engine.read(job)

    async def put_local(self, db: str, doc_id: str, body: Json, *, existing_only: bool = False) -> Json:
        content = {k: v for k, v in body.items() if not k.startswith("_")}

        def job(ctx: WriteContext) -> Json:
            db_id = self._db_id(ctx.conn, db)
            row = ctx.conn.execute("SELECT rev FROM local_docs WHERE db = ? AND id = ?", (db_id, doc_id)).fetchone()
            current = f"0-{row[0]}" if row else None
            if body.get("_deleted") is True:
                if row is None or body.get("_rev") != current:
                    raise Conflict(CONFLICT_REASON) if row else NotFound("missing")
                ctx.conn.execute("DELETE FROM local_docs WHERE db = ? AND id = ?", (db_id, doc_id))
                return {"ok": True, "id": f"_local/{doc_id}", "rev": "0-0"}
            if row is None and existing_only:
                raise NotFound("missing")
            if row is not None and body.get("_rev") != current:
                raise Conflict(CONFLICT_REASON)
            new = (row[0] if row else 0) + 1
            ctx.conn.execute(
                "INSERT OR REPLACE INTO local_docs (db, id, rev, body) VALUES (?, ?, ?, ?)",
                (db_id, doc_id, new, json_text.dumps(content)),
            )
            return {"ok": True, "id": f"_local/{doc_id}", "rev": f"0-{new}"}

        return await self.engine.write(job)

    async def delete_local(self, db: str, doc_id: str, rev: str | None) -> Json:
        return await self.put_local(db, doc_id, {"_rev": rev, "_deleted": True})
