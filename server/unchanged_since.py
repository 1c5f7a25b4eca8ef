"""Values read from one database of the store, kept while the documents each was read from have not changed.

``Directory.authorise_sync`` keeps each granted ``/sync`` access here, with the ids of the directory documents
it was decided from. Whether the database changed is asked of the store in one read ("anything since the
sequence last read?": ``wait_for_change`` with no wait), never by comparing ``update_seq`` values: on a CouchDB
cluster those name whichever shard copies answered, so they differ between reads with no write between them.
When something changed, one read of the changes feed since then says which documents: every value read from
one of them is forgotten, the others are kept, and the feed's ``last_seq`` (which names exactly the shard
copies whose changes it gave) is what the next read asks from. A write that concerns no kept value (when a
device was last seen, an audit entry, an invite) costs the others nothing. Past ``MAX_CHANGES_SORTED`` changes
at once, everything is forgotten instead.

A value is kept only if nothing changed between the read of the sequence it was decided at and its ``put``:
a ``put`` with a sequence older than the last one read is dropped, since a change between the two could have
come after the documents were read and before the value was kept, unseen by the reads that forgot others.

With ``recheck_after`` above zero, one such read vouches for that long from the moment it was sent: a read
sent less than ``recheck_after`` seconds ago that found nothing changed (or one under way, sent that recently)
answers for every request meanwhile, so a busy process asks a few times a second rather than once per request.
That is safe only because whoever writes a change that must hold everywhere (a removal) waits
``recheck_after`` after the write before saying it is done (``Directory.put``): by then every process sharing
the store has either read the change or must ask again before answering anyone.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Hashable, Iterable
from typing import Generic, TypeVar

from alongside.sync.store import ChangesRequest, DocumentStore, Seq

V = TypeVar("V")

# The most changes one check sorts through; beyond that it forgets every value (a burst of writes, a restore).
MAX_CHANGES_SORTED = 1000


class UnchangedSince(Generic[V]):
    """At most ``max_entries`` values by key, each with the ids of the documents it was read from."""

    def __init__(
        self,
        store: DocumentStore,
        database: str,
        max_entries: int,
        *,
        recheck_after: float = 0.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._database = database
        self._max_entries = max_entries
        self._recheck_after = recheck_after
        self._monotonic = monotonic
        self._entries: dict[Hashable, tuple[V, frozenset[str]]] = {}
        self._keys_of_document: dict[str, set[Hashable]] = {}
        self._seq: Seq | None = None
        self._checked_at = 0.0  # when the last read that vouches for ``_seq`` was sent
        self._checking: asyncio.Future[None] | None = None
        self._checking_since = 0.0

    async def seq(self, *, fresh: bool = False) -> Seq:
        """The database's sequence as last read, after a read saying nothing changed since (sent at most
        ``recheck_after`` seconds ago; with ``fresh``, sent now); else the sequence a new read reached, every
        value read from a document changed meanwhile forgotten. Read it before reading anything it is to vouch
        for, and give it to :meth:`put`."""
        if self._recheck_after <= 0 or fresh:
            await self._check()
            assert self._seq is not None
            return self._seq
        while True:
            if self._seq is not None and self._monotonic() - self._checked_at < self._recheck_after:
                return self._seq
            if self._checking is None or self._monotonic() - self._checking_since >= self._recheck_after:
                self._checking_since = self._monotonic()
                checking = asyncio.ensure_future(self._check())
                checking.add_done_callback(self._check_done)
                self._checking = checking
            # Shielded: a request given up (its client gone) does not cancel the read the others wait for.
            await asyncio.shield(self._checking)

    def _check_done(self, checking: asyncio.Future[None]) -> None:
        if self._checking is checking:
            self._checking = None
        if not checking.cancelled():
            checking.exception()  # each waiter raises it; retrieved here so that none is logged as lost

    async def _check(self) -> None:
        sent = self._monotonic()
        asked = self._seq
        if asked is None:
            await self._start_over(sent)
            return
        if not await self._store.wait_for_change(self._database, asked, 0):
            if self._seq == asked:
                self._checked_at = max(self._checked_at, sent)
            return
        feed = await self._store.changes(self._database, ChangesRequest(since=asked, limit=MAX_CHANGES_SORTED))
        results = feed["results"]
        if len(results) >= MAX_CHANGES_SORTED:
            await self._start_over(sent)
            return
        self._forget_read_from(str(row["id"]) for row in results)
        if self._seq == asked:  # else a check sent later moved on already (its vouching stands)
            self._seq = feed["last_seq"]
            self._checked_at = sent

    async def _start_over(self, sent: float) -> None:
        seq: Seq = (await self._store.database_info(self._database))["update_seq"]
        # Forgotten after the read, with no wait before the new sequence: a value kept meanwhile is forgotten
        # too, and one decided at the old sequence is refused from now on (:meth:`put`).
        self._clear()
        self._seq = seq
        self._checked_at = sent

    def _forget_read_from(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            for key in self._keys_of_document.pop(doc_id, set()):
                self._forget(key)

    def _forget(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        for doc_id in entry[1]:
            keys = self._keys_of_document.get(doc_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._keys_of_document[doc_id]

    def _clear(self) -> None:
        self._entries.clear()
        self._keys_of_document.clear()

    def get(self, key: Hashable) -> V | None:
        """The value kept for ``key``, if none of the documents it was read from changed as far as the last
        read of the database (:meth:`seq`) could tell."""
        entry = self._entries.get(key)
        return entry[0] if entry is not None else None

    def put(self, key: Hashable, seq: Seq, value: V, read_from: Iterable[str]) -> None:
        """Keep ``value`` for ``key``: decided from the documents ``read_from``, read after :meth:`seq` gave
        ``seq``. Dropped when a later sequence was read since (a change in between may not have been seen);
        everything is forgotten first when full."""
        if seq != self._seq:
            return
        if len(self._entries) >= self._max_entries:
            self._clear()
        self._forget(key)
        documents = frozenset(read_from)
        self._entries[key] = (value, documents)
        for doc_id in documents:
            self._keys_of_document.setdefault(doc_id, set()).add(key)
