"""Reading documents out of the SQLite store's tables: revision trees and leaf bodies, many ids per query.

A ``_bulk_get`` or ``_revs_diff`` of a hundred documents reads their trees in one query and their bodies in
another, instead of two queries per document (sync/sqlite_store.py writes the tables).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from . import json_text
from .documents import render_document
from .revtree import RevTree
from .store import Json

IDS_PER_QUERY = 500  # well under SQLite's limit on bound parameters

Found = tuple[RevTree, dict[str, Json]]  # a document's tree and its leaves' bodies by revision


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), IDS_PER_QUERY):
        yield ids[start : start + IDS_PER_QUERY]


def load_trees(conn: sqlite3.Connection, db_id: int, ids: Iterable[str]) -> dict[str, tuple[RevTree, bool]]:
    """Each stored document's tree and whether it is deleted, by id; ids that hold nothing are left out."""
    found: dict[str, tuple[RevTree, bool]] = {}
    for chunk in _chunks(list(dict.fromkeys(ids))):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT id, tree, deleted FROM documents WHERE db = ? AND id IN ({marks})"
        for doc_id, tree, deleted in conn.execute(sql, (db_id, *chunk)):
            found[doc_id] = (RevTree.from_json(json_text.loads(tree)), bool(deleted))
    return found


def load_documents(conn: sqlite3.Connection, db_id: int, ids: Iterable[str]) -> dict[str, Found]:
    """Each stored document's tree and the bodies of its leaves, by id, in two queries per 500 ids."""
    trees = load_trees(conn, db_id, ids)
    bodies: dict[str, dict[str, Json]] = {doc_id: {} for doc_id in trees}
    for chunk in _chunks(list(trees)):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT id, rev, body FROM bodies WHERE db = ? AND id IN ({marks})"
        for doc_id, rev, body in conn.execute(sql, (db_id, *chunk)):
            bodies[doc_id][rev] = json_text.loads(body)
    return {doc_id: (tree, bodies[doc_id]) for doc_id, (tree, _) in trees.items()}


def open_revs(found: Found | None, doc_id: str, revs: list[str] | None, *, history: bool, latest: bool) -> list[Json]:
    """CouchDB's ``open_revs`` answer for one document: ``{"ok": doc}`` or ``{"missing": rev}`` per revision
    (``revs=None``: every leaf; with ``latest``, each revision's leaf descendants instead of it)."""
    if found is None:
        return [{"missing": rev} for rev in (revs or [])]
    tree, bodies = found
    wanted = tree.sorted_leaves() if revs is None else revs
    out: list[Json] = []
    seen: set[str] = set()
    for rev in wanted:
        targets = tree.leaf_descendants(rev) if latest and rev in tree else [rev]
        for target in targets:
            if target in seen:
                continue
            seen.add(target)
            if target in bodies:
                out.append({"ok": render_document(doc_id, target, bodies[target], tree, history=history)})
            else:
                out.append({"missing": target})
    return out


def _readable_ids(docs: list[Json]) -> list[str]:
    """The ids in a write batch that can be looked up (text SQLite can hold); the others are refused on their own."""
    ids: list[str] = []
    for doc in docs:
        doc_id = doc.get("_id") if isinstance(doc, dict) else None
        if isinstance(doc_id, str) and not doc_id.startswith("_local/"):
            try:
                doc_id.encode("utf-8")
            except UnicodeEncodeError:
                continue
            ids.append(doc_id)
    return ids


class BatchTrees:
    """The trees of a write batch's documents, read in one query before the batch writes anything.

    :meth:`take` hands out a document's tree once; a document written successfully is :meth:`put` back as it now
    stands, so a later document of the batch with the same id builds on it. A document refused (its savepoint rolled
    back, perhaps after its tree was changed in memory) is not put back, and the next ``take`` of its id answers
    ``None``: read it again from the database.
    """

    def __init__(self, conn: sqlite3.Connection, db_id: int, docs: list[Json]) -> None:
        wanted = list(dict.fromkeys(_readable_ids(docs)))
        self._trees = load_trees(conn, db_id, wanted)
        self._read = set(wanted)

    def take(self, doc_id: str) -> tuple[RevTree | None, bool | None] | None:
        """``(tree, deleted)`` as read (``(None, None)`` for a new document), or ``None`` if not read here."""
        if doc_id not in self._read:
            return None
        self._read.discard(doc_id)
        return self._trees.pop(doc_id, (None, None))

    def put(self, doc_id: str, tree: RevTree) -> None:
        """``doc_id`` was written and its tree is now ``tree``."""
        self._trees[doc_id] = (tree, tree.nodes[tree.winner()].deleted)
        self._read.add(doc_id)
