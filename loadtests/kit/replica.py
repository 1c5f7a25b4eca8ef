"""A simulated device's local database: an in-memory CouchDB-style replica, usable as a ``SyncPeer``.

It holds what PouchDB holds on a phone: every document's revision tree, the bodies of its leaves, a
changes feed and ``_local`` checkpoint documents. It speaks the replicator's peer calls
(:class:`alongside.sync.peers.SyncPeer`) and makes local edits the way PouchDB's ``put`` does. The
revision rules (trees, winners, ``_revisions``, ``_revs_diff``) are the ones in ``alongside.sync``;
nothing of the protocol is repeated here: replication itself is ``alongside.sync.replicator``.
"""

from __future__ import annotations

import bisect
import copy
import time
from dataclasses import dataclass, field

from alongside.sync.documents import render_document, revs_diff_entry, split_document
from alongside.sync.revtree import RevTree, new_rev_id, path_from_revisions
from alongside.sync.store import Json, Seq

DEFAULT_REVS_LIMIT = 1000

# A document as both ends must agree on it: (winning revision, conflicts, every leaf).
DocState = tuple[str, tuple[str, ...], tuple[str, ...]]


@dataclass(slots=True)
class _Doc:
    tree: RevTree = field(default_factory=RevTree)
    bodies: dict[str, Json] = field(default_factory=dict)
    seq: int = 0


class MemoryReplica:
    """One database in memory. Calls never block, so a greenlet never switches inside one."""

    def __init__(self, identity: str, *, revs_limit: int = DEFAULT_REVS_LIMIT) -> None:
        self.identity = identity
        self.revs_limit = revs_limit
        self._docs: dict[str, _Doc] = {}
        self._seq = 0
        self._seqs: list[int] = []  # the changes log, in seq order; entries superseded by a later change are skipped
        self._ids: list[str] = []
        self._local: dict[str, Json] = {}
        self.arrivals: list[tuple[str, str, float]] = []  # (id, rev, time.monotonic()) of replicated writes

    # -- what a person does on the device ---------------------------------------------------------

    def put(self, doc: Json, parent: str | None = None, *, on_top_of_winner: bool = True) -> str:
        """A local edit, as PouchDB's ``put``: a new revision of ``doc["_id"]`` on top of ``parent``.

        Without ``parent`` the edit extends the winning revision (a new document starts a tree). Returns
        the new revision id.
        """
        doc_id, body, deleted = split_document(doc)
        if doc_id is None:
            raise ValueError("a local edit needs an _id")
        entry = self._docs.get(doc_id) or _Doc()
        if parent is None and on_top_of_winner and entry.tree.nodes:
            parent = entry.tree.winner()
        if parent is not None and parent not in entry.tree.leaves():
            raise ValueError(f"{parent} is not a leaf of {doc_id}")
        rev = new_rev_id(parent, body, deleted)
        path = [rev, *(entry.tree.path(parent) if parent else [])]
        entry.tree.merge_path(path, deleted)
        self._save(doc_id, entry, rev, body)
        return rev

    def state(self, doc_id: str) -> DocState | None:
        entry = self._docs.get(doc_id)
        if entry is None:
            return None
        tree = entry.tree
        return tree.winner(), tuple(tree.conflicts()), tuple(sorted(tree.leaves()))

    def snapshot(self) -> dict[str, DocState]:
        """Every document's winning revision, conflicts and leaves."""
        return {doc_id: state for doc_id in self._docs if (state := self.state(doc_id)) is not None}

    def doc_ids(self, *, kind: str | None = None) -> list[str]:
        """Ids of live documents (winner not deleted), optionally only those whose body has this ``kind``."""
        out = []
        for doc_id, entry in self._docs.items():
            winner = entry.tree.winner()
            if entry.tree.nodes[winner].deleted:
                continue
            if kind is None or entry.bodies.get(winner, {}).get("kind") == kind:
                out.append(doc_id)
        return out

    def conflicted(self) -> dict[str, list[str]]:
        """Documents with conflicts: id → the losing (non-deleted) leaves."""
        return {doc_id: found for doc_id, entry in self._docs.items() if (found := entry.tree.conflicts())}

    def take_arrivals(self) -> list[tuple[str, str, float]]:
        arrived, self.arrivals = self.arrivals, []
        return arrived

    # -- SyncPeer ---------------------------------------------------------------------------------

    def info(self) -> Json:
        live = sum(1 for entry in self._docs.values() if not entry.tree.is_deleted())
        return {
            "db_name": self.identity,
            "doc_count": live,
            "doc_del_count": len(self._docs) - live,
            "update_seq": self._seq,
        }

    def changes(self, since: Seq, limit: int) -> Json:
        start = bisect.bisect_right(self._seqs, int(since))
        rows: list[Json] = []
        last = int(since)
        for seq, doc_id in zip(self._seqs[start:], self._ids[start:], strict=True):
            entry = self._docs[doc_id]
            if entry.seq != seq:
                continue
            row: Json = {"seq": seq, "id": doc_id, "changes": [{"rev": rev} for rev in entry.tree.sorted_leaves()]}
            if entry.tree.is_deleted():
                row["deleted"] = True
            rows.append(row)
            last = seq
            if len(rows) >= limit:
                break
        # A full page may have more behind it; otherwise everything up to now has been seen.
        return {"results": rows, "last_seq": last if len(rows) >= limit else max(last, self._seq)}

    def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        out: dict[str, Json] = {}
        for doc_id, wanted in revs.items():
            entry = self._docs.get(doc_id)
            found = revs_diff_entry(entry.tree if entry else None, wanted)
            if found is not None:
                out[doc_id] = found
        return out

    def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        docs: list[Json] = []
        for doc_id, rev in wanted:
            entry = self._docs.get(doc_id)
            if entry is not None and rev in entry.bodies:
                docs.append(render_document(doc_id, rev, entry.bodies[rev], entry.tree, history=True))
        return docs

    def write_replicated(self, docs: list[Json]) -> list[Json]:
        errors: list[Json] = []
        now = time.monotonic()
        for doc in docs:
            try:
                doc_id, body, deleted = split_document(doc)
                rev = doc.get("_rev")
                if doc_id is None or not isinstance(rev, str):
                    raise ValueError("a replicated document needs _id and _rev")
                path = path_from_revisions(doc["_revisions"], rev) if "_revisions" in doc else [rev]
            except Exception as exc:  # reported per document, as CouchDB does
                errors.append({"id": doc.get("_id"), "error": "bad_request", "reason": str(exc)})
                continue
            entry = self._docs.get(doc_id) or _Doc()
            if entry.tree.merge_path(path, deleted):
                self._save(doc_id, entry, rev, body)
                self.arrivals.append((doc_id, rev, now))
        return errors

    def get_local(self, doc_id: str) -> Json | None:
        found = self._local.get(doc_id)
        return copy.deepcopy(found) if found is not None else None

    def put_local(self, doc_id: str, body: Json) -> None:
        self._local[doc_id] = copy.deepcopy(body)

    # -- storage ----------------------------------------------------------------------------------

    def _save(self, doc_id: str, entry: _Doc, rev: str, body: Json) -> None:
        entry.tree.stem(self.revs_limit)
        entry.bodies[rev] = body
        leaves = set(entry.tree.leaves())
        for stale in [r for r in entry.bodies if r not in leaves]:
            del entry.bodies[stale]
        self._seq += 1
        entry.seq = self._seq
        self._docs[doc_id] = entry
        self._seqs.append(self._seq)
        self._ids.append(doc_id)
        if len(self._seqs) > 1024 and len(self._seqs) > 2 * len(self._docs):
            live = [(seq, i) for seq, i in zip(self._seqs, self._ids, strict=True) if self._docs[i].seq == seq]
            self._seqs = [seq for seq, _ in live]
            self._ids = [i for _, i in live]
