"""The document-store interface: a CouchDB database API, in Python types.

Two implementations sit behind it: :mod:`alongside.sync.sqlite_store` (embedded, the default) and
:mod:`alongside.sync.couchdb_store` (Apache CouchDB, for scale-out). The HTTP layer in
``alongside.server`` and the Python replicator only ever speak to this interface, so the bodies they
receive are shaped exactly as CouchDB shapes them.

Sequences are opaque: a store hands out ``Seq`` values and accepts back the ones it handed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

Json = dict[str, Any]
Seq = int | str


@dataclass(slots=True)
class ChangesRequest:
    """The parameters of a ``_changes`` read (``feed=normal``; the HTTP layer does the waiting)."""

    since: Seq = 0
    limit: int | None = None
    include_docs: bool = False
    all_leaves: bool = False  # style=all_docs
    conflicts: bool = False
    descending: bool = False
    doc_ids: list[str] | None = None


@dataclass(slots=True)
class AllDocsRequest:
    """The parameters of an ``_all_docs`` read."""

    keys: list[str] | None = None
    start_key: str | None = None
    end_key: str | None = None
    inclusive_end: bool = True
    limit: int | None = None
    skip: int = 0
    descending: bool = False
    include_docs: bool = False
    conflicts: bool = False


@dataclass(slots=True)
class DocumentRequest:
    """The parameters of a single-document ``GET`` without ``open_revs``."""

    rev: str | None = None
    revs: bool = False
    revs_info: bool = False
    conflicts: bool = False
    deleted_conflicts: bool = False
    latest: bool = False


@dataclass(slots=True)
class BulkGetItem:
    """One entry of a ``_bulk_get`` request."""

    id: str
    rev: str | None = None


class DocumentStore(Protocol):
    """A set of CouchDB-style databases: documents with revision trees, a changes feed, local docs.

    Every method raises a :class:`alongside.sync.errors.SyncError` subclass for a request CouchDB
    would refuse (``NotFound`` for an unknown database or document, ``Conflict``, ``BadRequest``),
    and :class:`alongside.sync.errors.Unavailable` when the storage underneath cannot be reached.
    """

    backend: str

    async def open(self) -> None:
        """Acquire resources (connections, threads, HTTP pools)."""

    async def close(self) -> None:
        """Release everything :meth:`open` acquired; pending writes are finished first."""

    async def create_database(self, db: str) -> None:
        """Create ``db``; ``PreconditionFailed`` if it exists."""

    async def delete_database(self, db: str) -> None:
        """Delete ``db`` and everything in it; ``NotFound`` if it does not exist."""

    async def database_exists(self, db: str) -> bool:
        """Whether ``db`` exists."""

    async def list_databases(self) -> list[str]:
        """Every database's name, sorted (``GET /_all_dbs``). ``Forbidden`` where the storage lets only its
        administrators list them (Apache CouchDB 3 unless ``[chttpd] admin_only_all_dbs = false``)."""

    async def database_info(self, db: str) -> Json:
        """``{"db_name", "doc_count", "doc_del_count", "update_seq", ...}`` as CouchDB returns it."""

    async def bulk_docs(self, db: str, docs: list[Json], *, new_edits: bool = True) -> list[Json]:
        """Write documents as ``POST /db/_bulk_docs`` does, returning CouchDB's per-document results.

        With ``new_edits=False`` each document carries ``_rev`` (and usually ``_revisions``) and is
        merged into the existing revision tree; only failures are reported, as CouchDB does.
        """

    async def get_document(self, db: str, doc_id: str, request: DocumentRequest) -> Json:
        """The winning (or the requested) revision of a document, with the requested metadata."""

    async def get_open_revs(
        self, db: str, doc_id: str, revs: list[str] | None, *, history: bool, latest: bool
    ) -> list[Json]:
        """``GET /db/doc?open_revs=…``: ``[{"ok": doc} | {"missing": rev}]``; ``revs=None`` means all leaves."""

    async def revs_diff(self, db: str, revs: dict[str, list[str]]) -> dict[str, Json]:
        """``POST /db/_revs_diff``: for each id, the revisions this database lacks (``missing``)."""

    async def bulk_get(self, db: str, items: list[BulkGetItem], *, history: bool, latest: bool) -> list[Json]:
        """``POST /db/_bulk_get``: ``[{"id", "docs": [{"ok": doc} | {"error": {...}}]}]``."""

    async def changes(self, db: str, request: ChangesRequest) -> Json:
        """``GET /db/_changes`` (normal feed): ``{"results", "last_seq", "pending"}``."""

    async def wait_for_change(self, db: str, since: Seq, timeout: float) -> bool:
        """Wait until ``db`` has a change after ``since``; ``False`` when ``timeout`` seconds passed first."""

    async def cluster_nodes(self) -> tuple[int, int] | None:
        """``(nodes of the cluster, nodes answering)`` for storage that is a cluster of nodes, else ``None``."""

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        """``GET /db/_all_docs``: ``{"total_rows", "offset", "rows"}``."""

    async def get_local(self, db: str, doc_id: str) -> Json:
        """A ``_local`` document (never replicated); ``NotFound`` if absent. ``doc_id`` excludes ``_local/``."""

    async def put_local(self, db: str, doc_id: str, body: Json, *, existing_only: bool = False) -> Json:
        """Write a ``_local`` document; ``Conflict`` if ``body["_rev"]`` is not its current revision. With
        ``existing_only``, ``NotFound`` (nothing written) if there is no such document: an update, never a new one."""

    async def delete_local(self, db: str, doc_id: str, rev: str | None) -> Json:
        """Delete a ``_local`` document."""
