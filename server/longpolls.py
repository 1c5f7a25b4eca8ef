"""Open longpolls: at most a few per device, and woken at once when the directory may have taken their access away.

A ``_changes?feed=longpoll`` request registers here while it waits (server/sync_changes.py). One task per
server process follows the directory's own changes feed while anyone waits, and wakes the longpolls whose
access a changed directory document may affect: a membership (a member removed from a plan), an exclusion
(a device removed from a plan), a device (revoked when its worker is switched off), an account (switched
off) or a plan. A woken longpoll checks its access again and ends with ``403``/``401`` if it is gone; it
never sends anything read after that. The directory is a database of the document store, so this works
alike on SQLite (another process's commits are seen by polling, sync/sqlite_changes.py) and CouchDB (a
longpoll of our own), and across the processes of ``alongside serve --workers N``.

A device holds at most ``max_longpolls_per_device`` longpolls in one process; one more ends the oldest
(answered as at its timeout, with nothing new), as a reloaded browser tab expects. When the server is told
to stop, every open longpoll is ended the same way (and any opened after that answers at once), so a
restart does not wait out the longpolls' timeouts and each device simply asks again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from alongside.sync.store import ChangesRequest, DocumentStore, Seq

from .directory import DIRECTORY_DB
from .directory_access import SyncAccess

logger = logging.getLogger("alongside.server")

WATCH_SECONDS = 30.0  # the longest one wait of the directory watcher (it waits again after)
CHANGES_PER_READ = 500
FOLLOW_WAIT_SECONDS = 5.0
RETRY_SECONDS = 1.0  # after the storage failed; meanwhile each longpoll still checks its access when it answers


@dataclass(eq=False, slots=True)
class OpenLongpoll:
    """One waiting request: whose it is, and its wake-up call."""

    device: str
    account: str
    plan: str
    woken: asyncio.Event = field(default_factory=asyncio.Event)
    ended: bool = False  # answer now: a newer longpoll of the same device took its place, or the server stops


class Longpolls:
    """The longpolls open in this process, by device, account and plan, and the directory watcher."""

    def __init__(self, store: DocumentStore, max_per_device: int) -> None:
        self.store = store
        self.max_per_device = max(max_per_device, 1)
        self._by_device: dict[str, dict[OpenLongpoll, None]] = {}  # insertion order: oldest first
        self._by_account: dict[str, set[OpenLongpoll]] = {}
        self._by_plan: dict[str, set[OpenLongpoll]] = {}
        self._count = 0
        self._someone_waits = asyncio.Event()
        self._following = asyncio.Event()  # the watcher has a directory sequence to follow from
        self._seq: Seq | None = None
        self._watcher: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Start the directory watcher (on the event loop, once the store is open)."""
        self._watcher = asyncio.get_running_loop().create_task(self._watch(), name="alongside-longpoll-watcher")

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
            self._watcher = None

    def end_all(self) -> None:
        """The server is stopping: every open longpoll answers now, as at its timeout, and so does any opened
        from here on (the client asks again, of this server once it is back or of another process). Called for
        every connection the server closes: only the first call has anything to do."""
        if self._stopping:
            return
        self._stopping = True
        for mine in self._by_device.values():
            for poll in mine:
                poll.ended = True
                poll.woken.set()

    def open_count(self, device: str) -> int:
        """How many longpolls ``device`` holds in this process."""
        return len(self._by_device.get(device, {}))

    @contextlib.asynccontextmanager
    async def open(self, access: SyncAccess) -> AsyncIterator[OpenLongpoll]:
        """Register a longpoll for the device of ``access`` while the block runs.

        On entry the watcher follows the directory from a point after the registration, so the caller must
        check its access once more inside the block: anything that changes it later wakes the longpoll.
        """
        poll = OpenLongpoll(device=access.device.id, account=access.device.account, plan=access.plan_id)
        self._add(poll)
        try:
            # Only while the storage fails does the watcher have no place to follow from: then go on without
            # wake-ups (the access is still checked before anything is sent).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FOLLOW_WAIT_SECONDS):
                    await self._following.wait()
            yield poll
        finally:
            self._remove(poll)

    def _add(self, poll: OpenLongpoll) -> None:
        mine = self._by_device.setdefault(poll.device, {})
        mine[poll] = None
        self._by_account.setdefault(poll.account, set()).add(poll)
        self._by_plan.setdefault(poll.plan, set()).add(poll)
        self._count += 1
        if self._stopping:
            poll.ended = True
            poll.woken.set()
        while len(mine) > self.max_per_device:
            oldest = next(iter(mine))
            oldest.ended = True
            oldest.woken.set()
            self._remove(oldest)
        self._someone_waits.set()

    def _remove(self, poll: OpenLongpoll) -> None:
        mine = self._by_device.get(poll.device)
        if mine is None or poll not in mine:
            return
        del mine[poll]
        if not mine:
            del self._by_device[poll.device]
        for index, key in ((self._by_account, poll.account), (self._by_plan, poll.plan)):
            polls = index.get(key)
            if polls is not None:
                polls.discard(poll)
                if not polls:
                    del index[key]
        self._count -= 1

    def wake_for(self, doc_id: str) -> int:
        """Wake the longpolls whose access the directory document ``doc_id`` may decide; how many."""
        kind, _, rest = doc_id.partition(":")
        polls: list[OpenLongpoll] = []
        if kind == "membership":
            plan, _, account = rest.partition(":")
            polls = [p for p in self._by_account.get(account, ()) if p.plan == plan]
        elif kind == "excluded":
            plan, _, device = rest.partition(":")
            polls = [p for p in self._by_device.get(device, {}) if p.plan == plan]
        elif kind == "device":
            polls = list(self._by_device.get(rest, {}))
        elif kind == "account":
            polls = list(self._by_account.get(rest, ()))
        elif kind == "plan":
            polls = list(self._by_plan.get(rest, ()))
        for poll in polls:
            poll.woken.set()
        return len(polls)

    async def _watch(self) -> None:
        while True:
            await self._someone_waits.wait()
            try:
                await self._follow_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("could not follow the directory for open longpolls; trying again", exc_info=True)
                await asyncio.sleep(RETRY_SECONDS)
            if self._count == 0:  # nobody waits: stop following until someone does
                self._someone_waits.clear()
                self._following.clear()
                self._seq = None

    async def _follow_once(self) -> None:
        if self._seq is None:
            self._seq = (await self.store.database_info(DIRECTORY_DB))["update_seq"]
            self._following.set()
        if not await self.store.wait_for_change(DIRECTORY_DB, self._seq, WATCH_SECONDS):
            return
        while True:
            page = await self.store.changes(DIRECTORY_DB, ChangesRequest(since=self._seq, limit=CHANGES_PER_READ))
            for row in page["results"]:
                self.wake_for(str(row["id"]))
            self._seq = page["last_seq"]
            if not page["results"] or not page.get("pending"):
                return
