"""Values read from one database of the store, kept while that database has not changed since they were read.

``Directory.authorise_sync`` keeps each granted ``/sync`` access here. Whether the database changed is asked of
the store in one read ("anything since the sequence last read?": ``wait_for_change`` with no wait), never by
comparing ``update_seq`` values: on a CouchDB cluster those name whichever shard copies answered, so they differ
between reads with no write between them. Any write to the database, by this process or another one sharing
the store, is a change: everything kept is forgotten at the next read.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

from alongside.sync.store import DocumentStore, Seq

V = TypeVar("V")


class UnchangedSince(Generic[V]):
    """At most ``max_entries`` values by key, each with the database's sequence it was read at."""

    def __init__(self, store: DocumentStore, database: str, max_entries: int) -> None:
        self._store = store
        self._database = database
        self._max_entries = max_entries
        self._entries: dict[Hashable, tuple[Seq, V]] = {}
        self._seq: Seq | None = None

    async def seq(self) -> Seq:
        """The database's sequence as last read, after one read saying nothing changed since; else (everything
        kept forgotten) the current one. Read it before reading anything it is to vouch for."""
        if self._seq is not None and not await self._store.wait_for_change(self._database, self._seq, 0):
            return self._seq
        self._entries.clear()
        seq: Seq = (await self._store.database_info(self._database))["update_seq"]
        self._seq = seq
        return seq

    def get(self, key: Hashable, seq: Seq) -> V | None:
        """The value kept for ``key`` if it was read at ``seq`` (what :meth:`seq` just gave)."""
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] == seq else None

    def put(self, key: Hashable, seq: Seq, value: V) -> None:
        """Keep ``value``, read at ``seq``, for ``key`` (everything is forgotten first when full)."""
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (seq, value)
