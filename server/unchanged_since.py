"""Values read from one database of the store, kept while that database has not changed since they were read.

``Directory.authorise_sync`` keeps each granted ``/sync`` access here. Whether the database changed is asked of
the store in one read ("anything since the sequence last read?": ``wait_for_change`` with no wait), never by
comparing ``update_seq`` values: on a CouchDB cluster those name whichever shard copies answered, so they differ
between reads with no write between them. Any write to the database, by this process or another one sharing
the store, is a change: everything kept is forgotten at the next read.

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
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from alongside.sync.store import DocumentStore, Seq

V = TypeVar("V")


class UnchangedSince(Generic[V]):
    """At most ``max_entries`` values by key, each with the database's sequence it was read at."""

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
        self._entries: dict[Hashable, tuple[Seq, V]] = {}
        self._seq: Seq | None = None
        self._checked_at = 0.0  # when the last read that vouches for ``_seq`` was sent
        self._checking: asyncio.Future[None] | None = None
        self._checking_since = 0.0

    async def seq(self, *, fresh: bool = False) -> Seq:
        """The database's sequence as last read, after a read saying nothing changed since (sent at most
        ``recheck_after`` seconds ago; with ``fresh``, sent now); else (everything kept forgotten) the current
        one. Read it before reading anything it is to vouch for."""
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
        if asked is not None and not await self._store.wait_for_change(self._database, asked, 0):
            if self._seq == asked:
                self._checked_at = max(self._checked_at, sent)
            return
        self._entries.clear()
        seq: Seq = (await self._store.database_info(self._database))["update_seq"]
        self._seq = seq
        self._checked_at = sent

    def get(self, key: Hashable, seq: Seq) -> V | None:
        """The value kept for ``key`` if it was read at ``seq`` (what :meth:`seq` just gave)."""
        entry = self._entries.get(key)
        return entry[1] if entry is not None and entry[0] == seq else None

    def put(self, key: Hashable, seq: Seq, value: V) -> None:
        """Keep ``value``, read at ``seq``, for ``key`` (everything is forgotten first when full)."""
        if len(self._entries) >= self._max_entries:
            self._entries.clear()
        self._entries[key] = (seq, value)
