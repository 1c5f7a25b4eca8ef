"""Revision trees with CouchDB's semantics.

A document's history is a forest of revisions ``"N-hash"``: N is the generation, each revision
points at its parent (``None`` for a root, or when the parent was stemmed away). Leaves are the
open revisions; the winner among them is chosen deterministically, exactly as CouchDB does:
non-deleted leaves first, then the highest generation, then the highest revision id.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

REV_PATTERN = re.compile(r"^([1-9][0-9]{0,8})-([0-9a-zA-Z_-]{1,128})$")
MAX_GENERATION = 999_999_999  # the highest N that REV_PATTERN (and docs/crypto.md §14.1) accepts
LAST_GENERATION_REASON = (
    f"This revision is at generation {MAX_GENERATION}, the highest this server accepts: "
    "no new revision can be written on top of it."
)


class InvalidRevision(ValueError):
    """A revision id that is not ``N-hash``."""


class Graft(Enum):
    """What merging a revision path did to a tree (:meth:`RevTree.graft`)."""

    NEW_LEAF = "new_leaf"  # the written revision was unknown: it is stored, with its body
    LINKED = "linked"  # the revision was known, but the path gave a stemmed root its parent: the tree changed
    KNOWN = "known"  # nothing new


def parse_rev(rev: object) -> tuple[int, str]:
    """Split ``"N-hash"`` into ``(N, hash)``; raise :class:`InvalidRevision` on anything else."""
    if not isinstance(rev, str):
        raise InvalidRevision("Invalid rev format")
    match = REV_PATTERN.fullmatch(rev)  # not match(): "$" would also accept a trailing newline
    if match is None:
        raise InvalidRevision("Invalid rev format")
    return int(match.group(1)), match.group(2)


def rev_sort_key(rev: str) -> tuple[int, str]:
    """Order revisions by generation, then by hash (CouchDB's collation of revision ids)."""
    pos, digest = parse_rev(rev)
    return pos, digest


def new_rev_id(prev_rev: str | None, body: dict[str, Any], deleted: bool) -> str:
    """A deterministic id for the next revision: MD5 over the parent, the deleted flag and the body.

    Like CouchDB, identical edits made on two devices produce the same revision id. There is no next
    revision past :data:`MAX_GENERATION`: :class:`InvalidRevision` says so, before anything is written.
    """
    pos = parse_rev(prev_rev)[0] + 1 if prev_rev else 1
    if pos > MAX_GENERATION:
        raise InvalidRevision(LAST_GENERATION_REASON)
    material = json.dumps([prev_rev, deleted, body], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{pos}-{hashlib.md5(material.encode('utf-8'), usedforsecurity=False).hexdigest()}"


@dataclass(slots=True)
class RevNode:
    parent: str | None
    deleted: bool


@dataclass(slots=True)
class RevTree:
    """All known revisions of one document, keyed by revision id."""

    nodes: dict[str, RevNode] = field(default_factory=dict)

    # -- queries -------------------------------------------------------------------------------

    def __contains__(self, rev: str) -> bool:
        return rev in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def leaves(self) -> list[str]:
        """Revisions that no other revision descends from."""
        parents = {node.parent for node in self.nodes.values()}
        return [rev for rev in self.nodes if rev not in parents]

    def sorted_leaves(self) -> list[str]:
        """Leaves, winner first: non-deleted before deleted, then highest generation, then highest id."""
        return sorted(self.leaves(), key=self._winning_order, reverse=True)

    def _winning_order(self, rev: str) -> tuple[bool, int, str]:
        return (not self.nodes[rev].deleted, *rev_sort_key(rev))

    def winner(self) -> str:
        """The winning revision (the tree must not be empty): the first of :meth:`sorted_leaves`."""
        leaves = self.leaves()
        if len(leaves) == 1:  # most documents: no conflict to order
            return leaves[0]
        return max(leaves, key=self._winning_order)

    def is_deleted(self) -> bool:
        """Whether the document is deleted: its winning leaf is a tombstone."""
        return self.nodes[self.winner()].deleted

    def conflicts(self) -> list[str]:
        """Non-deleted leaves other than the winner, in CouchDB's order."""
        leaves = self.sorted_leaves()
        return [rev for rev in leaves[1:] if not self.nodes[rev].deleted]

    def deleted_conflicts(self) -> list[str]:
        """Deleted leaves other than the winner."""
        leaves = self.sorted_leaves()
        return [rev for rev in leaves[1:] if self.nodes[rev].deleted]

    def path(self, rev: str) -> list[str]:
        """``rev`` and its known ancestors, newest first."""
        out: list[str] = []
        current: str | None = rev
        while current is not None and current in self.nodes:
            out.append(current)
            current = self.nodes[current].parent
        return out

    def revisions_field(self, rev: str, limit: int | None = None) -> dict[str, Any]:
        """The ``_revisions`` object for ``rev``: ``{"start": N, "ids": [hash, ...]}`` newest first."""
        revs = self.path(rev)
        if limit is not None:
            revs = revs[:limit]
        return {"start": parse_rev(rev)[0], "ids": [parse_rev(r)[1] for r in revs]}

    def leaf_descendants(self, rev: str) -> list[str]:
        """Leaves whose history contains ``rev`` (for ``latest=true``)."""
        return [leaf for leaf in self.leaves() if rev in self.path(leaf)]

    def missing(self, revs: Iterable[str]) -> list[str]:
        """Of ``revs``, those this tree does not hold."""
        return [rev for rev in revs if rev not in self.nodes]

    def possible_ancestors(self, pos: int) -> list[str]:
        """Leaves that could be ancestors of a missing revision of generation ``pos``: lower-generation leaves."""
        return sorted((leaf for leaf in self.leaves() if parse_rev(leaf)[0] < pos), key=rev_sort_key, reverse=True)

    # -- changes -------------------------------------------------------------------------------

    def merge_path(self, path: Sequence[str], deleted: bool) -> bool:
        """Graft a revision path (newest first, as from ``_revisions``) into the tree; ``True`` when the
        written revision (the path's first) was new. See :meth:`graft`."""
        return self.graft(path, deleted) is Graft.NEW_LEAF

    def graft(self, path: Sequence[str], deleted: bool) -> Graft:
        """Graft a revision path (newest first, as from ``_revisions``) into the tree.

        The newest revision is the leaf being written, with the given ``deleted`` flag. Parents unknown until
        now are linked up, so histories that were stemmed differently on two peers merge back into one tree;
        as CouchDB does, that holds even when the written revision itself was already known (a replicator
        resending a revision with a longer history than this tree kept): the tree then changes although no
        revision is new (:attr:`Graft.LINKED`), and a root that was a leaf of its own may stop being one.
        """
        if not path:
            raise InvalidRevision("Empty revision path")
        added = path[0] not in self.nodes
        linked = False
        for index, rev in enumerate(path):
            parent = path[index + 1] if index + 1 < len(path) else None
            node = self.nodes.get(rev)
            if node is None:
                self.nodes[rev] = RevNode(parent=parent, deleted=deleted if index == 0 else False)
                linked = linked or index > 0
            elif node.parent is None and parent is not None:
                node.parent = parent
                linked = True
        if added:
            return Graft.NEW_LEAF
        return Graft.LINKED if linked else Graft.KNOWN

    def stem(self, revs_limit: int) -> list[str]:
        """Keep at most ``revs_limit`` revisions on every root-to-leaf path; return the dropped ids."""
        if len(self.nodes) <= revs_limit:  # no path can be longer than the tree (most writes)
            return []
        keep: set[str] = set()
        for leaf in self.leaves():
            keep.update(self.path(leaf)[:revs_limit])
        dropped = [rev for rev in self.nodes if rev not in keep]
        for rev in dropped:
            del self.nodes[rev]
        for node in self.nodes.values():
            if node.parent is not None and node.parent not in self.nodes:
                node.parent = None
        return dropped

    # -- persistence ---------------------------------------------------------------------------

    def to_json(self) -> list[list[Any]]:
        """A compact JSON form: ``[[rev, parent_or_null, deleted_0_or_1], ...]``."""
        return [[rev, node.parent, 1 if node.deleted else 0] for rev, node in self.nodes.items()]

    @classmethod
    def from_json(cls, data: Iterable[Sequence[Any]]) -> RevTree:
        """Rebuild a tree from :meth:`to_json`'s output."""
        return cls({str(rev): RevNode(parent=parent, deleted=bool(deleted)) for rev, parent, deleted in data})


def path_from_revisions(revisions: object, rev: str) -> list[str]:
    """Expand a ``_revisions`` object into full revision ids, newest first, checking it names ``rev``."""
    if not isinstance(revisions, dict):
        raise InvalidRevision("_revisions must be an object")
    start = revisions.get("start")
    ids = revisions.get("ids")
    if not isinstance(start, int) or isinstance(start, bool) or start < 1 or not isinstance(ids, list) or not ids:
        raise InvalidRevision("_revisions must have a positive integer start and a list of ids")
    if len(ids) > start:
        raise InvalidRevision("_revisions lists more ids than its start allows")
    path = []
    for offset, digest in enumerate(ids):
        candidate = f"{start - offset}-{digest}" if isinstance(digest, str) else ""
        parse_rev(candidate)
        path.append(candidate)
    if path[0] != rev:
        raise InvalidRevision("_rev does not match _revisions")
    return path
