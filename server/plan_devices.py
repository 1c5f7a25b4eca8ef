"""Which devices belong to each plan: for the write rule that keeps each device's roster entry its own.

docs/crypto.md §14.3 refuses an item written at the roster id (§4.2) of another device of the plan. The
devices of a plan are the devices of every account that is, or ever was, a member: a removed member's
roster entry stays in the plan (the others still need its keys to check what it wrote), so it must stay
that device's too. It is asked on every ``/sync`` write, so rather than reading the directory's indexes
(:mod:`directory_indexes`) each time, this map is built from the directory's changes feed and then kept up
to date from it, a change at a time: a membership's id names its plan and account (a membership ended stays
counted: its member's devices wrote to the plan), and a device's account never changes, so nothing is ever
taken out of it.
"""

from __future__ import annotations

import asyncio

from alongside.crypto import roster_document_id
from alongside.sync.store import ChangesRequest, DocumentStore, Seq

from .directory_ids import DEVICE_PREFIX, ID_PATTERN, MEMBERSHIP_PREFIX, last_part, membership_parts

CHANGES_PAGE = 1000
_NEVER = object()


class PlanDevices:
    """Accounts per plan and devices per account, followed through the directory's changes feed."""

    def __init__(self, store: DocumentStore, database: str) -> None:
        self._store = store
        self._database = database
        self._lock = asyncio.Lock()
        self._seq: Seq = 0  # the directory change this index has read up to
        self._checked: object = _NEVER  # the last update_seq a caller asked for, once read up to it
        self._accounts_of_plan: dict[str, set[str]] = {}
        self._devices_of_account: dict[str, set[str]] = {}
        self._account_of_device: dict[str, str] = {}
        self._version = 0  # moves whenever a plan gains an account or an account a device
        self._roster_ids: dict[str, tuple[int, dict[str, str]]] = {}

    async def roster_ids(self, plan_id: str, directory_seq: object) -> dict[str, str]:
        """``{roster id: device id}`` for every device of ``plan_id``, as of ``directory_seq`` or later.

        ``directory_seq`` is the directory's ``update_seq`` the caller read (when it authorised the
        request); while it has not moved, nothing is read.
        """
        async with self._lock:
            if directory_seq != self._checked:
                await self._catch_up()
            self._checked = directory_seq
            cached = self._roster_ids.get(plan_id)
            if cached is not None and cached[0] == self._version:
                return cached[1]
            devices = {
                device
                for account in self._accounts_of_plan.get(plan_id, ())
                for device in self._devices_of_account.get(account, ())
            }
            roster = {roster_document_id(plan_id, device): device for device in sorted(devices)}
            self._roster_ids[plan_id] = (self._version, roster)
            return roster

    async def _catch_up(self) -> None:
        """Read the directory's changes since the last read (from the start, the first time), each changed
        document as the feed gives it.

        From the feed alone, never from ``_all_docs`` beside it: on a CouchDB cluster two reads may be answered
        by different copies of a shard, and a write one copy already holds may not have reached the other
        yet. A sequence taken from one read and documents from another could then skip that write for good
        (a device that just joined, refused its own roster entry until the process restarts). The feed's
        ``last_seq`` names exactly the copies whose changes it gave, so reading on from it misses nothing.
        """
        while True:
            page = await self._store.changes(
                self._database, ChangesRequest(since=self._seq, limit=CHANGES_PAGE, include_docs=True)
            )
            results = page["results"]
            for row in results:
                doc_id = str(row["id"])
                if doc_id.startswith(MEMBERSHIP_PREFIX):
                    self._add_membership(doc_id)
                elif doc_id.startswith(DEVICE_PREFIX):
                    doc = row.get("doc") or {}
                    self._add_device(doc_id, doc.get("account"))
            self._seq = page["last_seq"]
            if len(results) < CHANGES_PAGE:
                return

    def _add_membership(self, doc_id: str) -> None:
        parts = membership_parts(doc_id)
        if parts is None:
            return
        plan_id, account = parts
        accounts = self._accounts_of_plan.setdefault(plan_id, set())
        if account not in accounts:
            accounts.add(account)
            self._version += 1

    def _add_device(self, doc_id: str, account: object) -> None:
        device = last_part(doc_id)
        if not isinstance(account, str) or not ID_PATTERN.fullmatch(device) or device in self._account_of_device:
            return
        self._account_of_device[device] = account
        self._devices_of_account.setdefault(account, set()).add(device)
        self._version += 1
