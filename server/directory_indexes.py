"""The directory's indexes by account: an account's plans and an account's devices, each one key-range read.

A membership's id (``membership:<plan>:<account>``) already makes a plan's members one range, but an
account's plans, and an account's devices (``device:<device>``, looked up by the token's device id), would
take a scan of every membership or every device. So each membership and each device has an index entry,
``plan-of:<account>:<plan>`` or ``device-of:<account>:<device>`` (:mod:`directory_ids`): a small document
that never changes and is never deleted.

No store writes two documents all-or-nothing (``_bulk_docs`` is atomic per document), so the entry is written
*before* the document it points at, and the document stays the source of truth: a listing reads the entries'
ids in one range, then the documents they name in one read, and keeps only those that exist and still say so
(a live membership, a device of that account). A crash between the two writes leaves an entry without its
document, which every listing treats as absent; the repeat that finishes the write finds its entry already
there. Removing a member, excluding a device or revoking one change only the document, so an entry never goes
stale. A listing thus reads the account's own entries and documents, whatever the size of the directory.

Directories written before these indexes existed get them at start (:func:`ensure_indexes`), and so do the
documents written by processes of an earlier version during a rolling upgrade.
"""

from __future__ import annotations

from alongside.sync.errors import Conflict, NotFound
from alongside.sync.store import AllDocsRequest, ChangesRequest, DocumentStore, Json, Seq

from .directory_ids import (
    DEVICE_PREFIX,
    MEMBERSHIP_PREFIX,
    RANGE_END,
    device_doc_id,
    device_of_doc_id,
    devices_of_prefix,
    excluded_doc_id,
    last_part,
    membership_doc_id,
    membership_parts,
    plan_of_doc_id,
    plans_of_prefix,
)

# The ``_local`` document that records which indexes a directory has, and up to which change they were built.
LAYOUT_LOCAL_ID = "directory-indexes"
INDEX_VERSION = 1
UPGRADE_PAGE = 2000


async def add_index_entries(store: DocumentStore, database: str, entry_ids: list[str]) -> None:
    """Write index entries (before the documents they point at); one that exists already is left as it is."""
    if not entry_ids:
        return
    results = await store.bulk_docs(database, [{"_id": entry_id, "type": "index"} for entry_id in entry_ids])
    for result in results:
        if result.get("error") not in (None, "conflict"):
            raise RuntimeError(f"directory index write failed: {result.get('reason', result['error'])}")


async def _range_ids(store: DocumentStore, database: str, prefix: str) -> list[str]:
    """Every id in a key range, read ``UPGRADE_PAGE`` rows at a time."""
    ids: list[str] = []
    start, skip = prefix, 0
    while True:
        request = AllDocsRequest(start_key=start, end_key=prefix + RANGE_END, limit=UPGRADE_PAGE, skip=skip)
        page = [str(row["id"]) for row in (await store.all_docs(database, request))["rows"]]
        ids += page
        if len(page) < UPGRADE_PAGE:
            return ids
        start, skip = page[-1], 1


async def _documents(store: DocumentStore, database: str, doc_ids: list[str]) -> dict[str, Json]:
    """The live documents among ``doc_ids``, by id, in one read."""
    if not doc_ids:
        return {}
    page = await store.all_docs(database, AllDocsRequest(keys=doc_ids, include_docs=True))
    return {str(row["key"]): row["doc"] for row in page["rows"] if row.get("doc")}


async def memberships_of_device(store: DocumentStore, database: str, account: str, device_id: str) -> list[Json]:
    """The live memberships of ``account`` in plans ``device_id`` is not excluded from, in plan-id order."""
    plans = [last_part(entry) for entry in await _range_ids(store, database, plans_of_prefix(account))]
    memberships = [membership_doc_id(plan, account) for plan in plans]
    found = await _documents(store, database, memberships + [excluded_doc_id(plan, device_id) for plan in plans])
    return [
        found[membership]
        for plan, membership in zip(plans, memberships, strict=True)
        if membership in found
        and not found[membership].get("removed")
        and excluded_doc_id(plan, device_id) not in found
    ]


async def devices_of_accounts(store: DocumentStore, database: str, accounts: list[str]) -> dict[str, list[Json]]:
    """The device documents of each of ``accounts`` (revoked ones too), in device-id order: one range read
    per account, then one read for all their devices."""
    wanted = {
        account: [
            device_doc_id(last_part(entry)) for entry in await _range_ids(store, database, devices_of_prefix(account))
        ]
        for account in accounts
    }
    found = await _documents(store, database, [device for devices in wanted.values() for device in devices])
    return {
        account: [found[d] for d in devices if d in found and found[d].get("account") == account]
        for account, devices in wanted.items()
    }


async def _changed_ids(store: DocumentStore, database: str, since: Seq) -> tuple[list[str], Seq]:
    """The ids of the documents written since ``since`` (from the start: ``0``), read ``UPGRADE_PAGE`` changes at
    a time, and the feed's ``last_seq`` to read on from."""
    ids: list[str] = []
    while True:
        page = await store.changes(database, ChangesRequest(since=since, limit=UPGRADE_PAGE))
        ids += [str(row["id"]) for row in page["results"]]
        since = page["last_seq"]
        if len(page["results"]) < UPGRADE_PAGE:
            return ids, since


async def _index_documents(store: DocumentStore, database: str, doc_ids: list[str]) -> int:
    """Write the missing index entries of the memberships and devices among ``doc_ids``; how many."""
    wanted = [doc_id for doc_id in doc_ids if doc_id.startswith((MEMBERSHIP_PREFIX, DEVICE_PREFIX))]
    written = 0
    for start in range(0, len(wanted), UPGRADE_PAGE):
        batch = wanted[start : start + UPGRADE_PAGE]
        devices = await _documents(store, database, [doc_id for doc_id in batch if doc_id.startswith(DEVICE_PREFIX)])
        entries = []
        for doc_id in batch:
            parts = membership_parts(doc_id)
            account = devices.get(doc_id, {}).get("account")
            if parts is not None:
                entries.append(plan_of_doc_id(parts[1], parts[0]))
            elif isinstance(account, str):
                entries.append(device_of_doc_id(account, last_part(doc_id)))
        existing = await _documents(store, database, entries)
        missing = [entry for entry in entries if entry not in existing]
        await add_index_entries(store, database, missing)
        written += len(missing)
    return written


async def ensure_indexes(store: DocumentStore, database: str) -> int:
    """Give every membership and device its index entry; the number of entries written. Run at every start.

    The first time (no layout document), the directory's whole changes feed is read; after that only the
    changes since the last start. So a directory written before the indexes existed gets them, and so do
    memberships and devices that processes of an earlier version wrote during a rolling upgrade: the last
    process to restart reads their changes. The layout document is ``_local`` (never replicated: ``alongside
    migrate``'s target builds its own) and names the feed's ``last_seq``, never an ``update_seq`` from another
    read: on a CouchDB cluster two reads may be answered by different copies of a shard, and a sequence from one
    with documents from the other could skip a write for good (see :mod:`.plan_devices`), while the feed's own
    ``last_seq`` names exactly the copies whose changes it gave. Safe in several processes at once: entries are
    only ever added.
    """
    try:
        layout: Json | None = await store.get_local(database, LAYOUT_LOCAL_ID)
    except NotFound:
        layout = None
    current = layout is not None and layout.get("version") == INDEX_VERSION
    ids, last_seq = await _changed_ids(store, database, layout["seq"] if layout is not None and current else 0)
    if current and not ids:
        return 0
    written = await _index_documents(store, database, ids)
    body: Json = {"version": INDEX_VERSION, "seq": last_seq}
    if layout is not None:
        body["_rev"] = layout["_rev"]
    try:
        await store.put_local(database, LAYOUT_LOCAL_ID, body)
    except Conflict:  # another process starting at the same moment wrote it
        pass
    return written
