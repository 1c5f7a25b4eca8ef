"""How many deleted documents a database holds, for a CouchDB-compatible server that does not say.

pouchdb-server's ``GET /{db}`` has no ``doc_del_count``. Counting the deleted rows of the whole
``_changes`` feed on every ``GET /sync/{plan}/`` made each sync cycle read every plan's whole history
(and every authorisation, which reads the directory's ``update_seq``, the directory's). Instead
:class:`DeletedCounter` follows each database's feed: it keeps the ids whose winning revision is
deleted and the sequence it has read up to, and each call reads only the rows after that sequence,
or nothing at all when ``update_seq`` has not moved.

The feed is the server's own, so the count stays right when several Alongside processes write to
one server; a restarted process reads the feed once from the start. Alongside never deletes a
database (plan ids are random); one deleted and created again behind its back is noticed when its
``update_seq`` is below the sequence already read (confirmed by a second ``GET /{db}``, since an answer
read just before another call caught up is older too), or when ``instance_start_time`` changes. One
recreated and then written past the old sequence before Alongside next looks is not noticed until
Alongside restarts.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .store import Json, Seq

ReadChanges = Callable[[str, Seq], Awaitable[Json]]
ReadInfo = Callable[[str], Awaitable[Json]]


@dataclass
class _Followed:
    instance: str
    seq: Seq = 0
    deleted: set[str] = field(default_factory=set)


class DeletedCounter:
    """Deleted-document counts per database, kept current from the changes feed.

    ``read_changes(db, since)`` must return the normal ``_changes`` body (``results`` with ``id`` and
    ``deleted`` on each row, and ``last_seq``) from ``since`` to the end of the feed; ``read_info(db)``
    the ``GET /{db}`` body.
    """

    def __init__(self, read_changes: ReadChanges, read_info: ReadInfo) -> None:
        self._read_changes = read_changes
        self._read_info = read_info
        self._followed: dict[str, _Followed] = {}

    async def count(self, db: str, info: Json) -> int:
        """The number of deleted documents in ``db``, whose ``GET /{db}`` answer is ``info``.

        No lock: each call catches up from a consistent state (the deleted ids as of a sequence) and
        stores a consistent state, so calls running at once only duplicate a read, and a call held
        up by a slow server holds up no other."""
        instance = str(info.get("instance_start_time", ""))
        update_seq = info.get("update_seq", 0)
        state = self._followed.get(db)
        if state is None or state.instance != instance:
            state = _Followed(instance)
        elif _newer(state.seq, update_seq) and _newer(state.seq, (await self._read_info(db)).get("update_seq", 0)):
            state = _Followed(instance)  # the feed is shorter than what was read: a new database
        if not _newer(update_seq, state.seq):
            return len(state.deleted)
        feed = await self._read_changes(db, state.seq)
        deleted = set(state.deleted)
        for row in feed.get("results", []):
            if row.get("deleted"):
                deleted.add(str(row["id"]))
            else:
                deleted.discard(str(row["id"]))
        last_seq = feed.get("last_seq")
        caught_up = _Followed(instance, last_seq if isinstance(last_seq, int | str) else update_seq, deleted)
        current = self._followed.get(db)
        if current is None or current.instance != instance or _newer(caught_up.seq, current.seq):
            self._followed[db] = caught_up
        return len(deleted)

    def forget(self, db: str) -> None:
        """Drop what is known about ``db`` (after deleting it)."""
        self._followed.pop(db, None)


def _newer(update_seq: Seq, followed: Seq) -> bool:
    """Whether the feed has rows after ``followed``. Integer sequences (pouchdb-server's) are compared:
    an ``update_seq`` read before another call caught up is older, not new. Opaque ones only differ."""
    if isinstance(update_seq, int) and isinstance(followed, int):
        return update_seq > followed
    return update_seq != followed
