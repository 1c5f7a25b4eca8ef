"""The directory's indexes by account (server/directory_indexes.py), on both stores.

An account's plans and an account's devices are listed from their index entries and the documents those
name; the documents stay the source of truth, so removals, exclusions and entries left by a crash between
the two writes are honoured; a directory written before the indexes existed gets them at start; and a
listing reads the same rows whatever else the directory holds.
"""

from __future__ import annotations

import uuid

import pytest

from alongside.server.directory import DIRECTORY_DB, Directory
from alongside.server.directory_access import Device
from alongside.server.directory_ids import (
    account_doc_id,
    device_doc_id,
    device_of_doc_id,
    membership_doc_id,
    plan_doc_id,
    plan_of_doc_id,
)
from alongside.server.directory_indexes import LAYOUT_LOCAL_ID, add_index_entries, ensure_indexes
from alongside.sync.store import AllDocsRequest, ChangesRequest, DocumentStore, Json

pytestmark = pytest.mark.anyio


@pytest.fixture
async def directory(store: DocumentStore) -> Directory:
    created = Directory(store)
    await created.ensure()
    return created


async def _worker(directory: Directory) -> tuple[str, Device, Device]:
    """A worker account with two devices (its tablet and its phone)."""
    account = await directory.create_account("worker", org="org1")
    tablet, _ = await directory.create_device(account)
    phone, _ = await directory.create_device(account)
    return account, Device(tablet, account, "worker", "org1"), Device(phone, account, "worker", "org1")


async def _listed(directory: Directory, device: Device) -> list[tuple[str, str]]:
    return [(m["plan"], m["role"]) for m in await directory.memberships_of_device(device)]


async def test_a_devices_plans_leave_out_plans_it_was_removed_or_excluded_from(directory: Directory) -> None:
    account, tablet, phone = await _worker(directory)
    others = [
        await directory.create_plan(None, owner_account=await directory.create_account("person")) for _ in range(3)
    ]
    kept, left, excluded = sorted([await directory.create_plan(tablet) for _ in range(3)])
    assert await _listed(directory, tablet) == [(kept, "worker"), (left, "worker"), (excluded, "worker")]

    await directory.remove_member(left, account, by=account)
    await directory.exclude_device(excluded, tablet.id, by=account)
    assert await _listed(directory, tablet) == [(kept, "worker")]
    assert await _listed(directory, phone) == [(kept, "worker"), (excluded, "worker")]  # only the tablet was excluded

    # Someone removed and invited back (invite_routes._admit updates the membership): listed again.
    await directory.update(
        membership_doc_id(left, account), lambda doc: {k: v for k, v in doc.items() if k != "removed"}
    )
    assert await _listed(directory, tablet) == [(kept, "worker"), (left, "worker")]
    assert not set(others) & {plan for plan, _ in await _listed(directory, phone)}


async def test_an_accounts_devices_and_a_plans_members_with_their_devices(directory: Directory) -> None:
    account, tablet, phone = await _worker(directory)
    person = await directory.create_account("person")
    person_phone, _ = await directory.create_device(person)
    plan_id = await directory.create_plan(tablet, owner_account=person)
    await directory.revoke_device(phone.id, by=account)

    devices = await directory.devices_of(account)
    assert sorted(d["_id"] for d in devices) == sorted([device_doc_id(tablet.id), device_doc_id(phone.id)])
    assert [d["revoked"] for d in devices if d["_id"] == device_doc_id(phone.id)] == [True]  # revoked ones listed too
    members = await directory.members(plan_id)
    by_account = await directory.devices_of_accounts([str(m["account"]) for m in members])
    assert {a: sorted(d["_id"] for d in found) for a, found in by_account.items()} == {
        account: sorted([device_doc_id(tablet.id), device_doc_id(phone.id)]),
        person: [device_doc_id(person_phone)],
    }
    assert await directory.devices_of(await directory.create_account("supporter")) == []


async def test_an_index_entry_whose_document_was_never_written_counts_as_absent(directory: Directory) -> None:
    account, tablet, phone = await _worker(directory)
    plan_id = await directory.create_plan(None, owner_account=await directory.create_account("person"))
    stranger = await directory.create_account("person")
    stranger_device, _ = await directory.create_device(stranger)
    # A crash after the entries were written and before the documents: a membership and a device never written,
    # and an entry naming a device that belongs to someone else.
    await add_index_entries(
        directory.store,
        DIRECTORY_DB,
        [
            plan_of_doc_id(account, plan_id),
            device_of_doc_id(account, "f" * 32),
            device_of_doc_id(account, stranger_device),
        ],
    )
    assert await _listed(directory, tablet) == []
    assert [d["_id"] for d in await directory.devices_of(account)] == sorted(
        [device_doc_id(tablet.id), device_doc_id(phone.id)]
    )

    # The repeat that finishes the write finds its entry there already.
    await directory.add_member(plan_id, account, role="worker", access="read")
    assert await _listed(directory, tablet) == [(plan_id, "worker")]


async def _write_old_documents(store: DocumentStore, plans: int) -> tuple[Device, list[str]]:
    """What versions before the indexes wrote for a worker joining ``plans`` plans: documents, no entries."""
    account, device_id = uuid.uuid4().hex, uuid.uuid4().hex
    plan_ids = sorted(uuid.uuid4().hex for _ in range(plans))
    docs: list[Json] = [
        {"_id": account_doc_id(account), "type": "account", "kind": "worker", "active": True},
        {"_id": device_doc_id(device_id), "type": "device", "account": account, "token_sha256": "0" * 64},
    ]
    for plan_id in plan_ids:
        docs.append({"_id": plan_doc_id(plan_id), "type": "plan", "owner": uuid.uuid4().hex})
        member: Json = {"plan": plan_id, "account": account, "role": "worker", "access": "write"}
        docs.append({"_id": membership_doc_id(plan_id, account), "type": "membership", **member})
    assert all("error" not in result for result in await store.bulk_docs(DIRECTORY_DB, docs))
    return Device(device_id, account, "worker", None), plan_ids


async def _shows(directory: Directory, device: Device, plan_ids: list[str]) -> bool:
    listed = await _listed(directory, device) == [(plan_id, "worker") for plan_id in plan_ids]
    return listed and [d["_id"] for d in await directory.devices_of(device.account)] == [device_doc_id(device.id)]


async def test_a_directory_written_before_the_indexes_gets_them_at_start(store: DocumentStore) -> None:
    await store.create_database(DIRECTORY_DB)
    device, plan_ids = await _write_old_documents(store, 3)
    directory = Directory(store)
    await directory.ensure()
    assert await _shows(directory, device, plan_ids)
    assert (await store.get_local(DIRECTORY_DB, LAYOUT_LOCAL_ID))["version"] == 1

    # Starting again with nothing written since reads the layout and writes nothing.
    seq = (await store.database_info(DIRECTORY_DB))["update_seq"]
    assert await ensure_indexes(store, DIRECTORY_DB) == 0
    assert (await store.database_info(DIRECTORY_DB))["update_seq"] == seq


async def test_what_an_earlier_version_wrote_during_a_rolling_upgrade_is_indexed_at_the_next_start(
    directory: Directory,
) -> None:
    # A process of this version started (the layout is written); one of the earlier version still serves.
    device, plan_ids = await _write_old_documents(directory.store, 2)
    assert await _listed(directory, device) == []
    # The last process to restart reads the changes since the layout's sequence: 2 memberships, 1 device.
    assert await ensure_indexes(directory.store, DIRECTORY_DB) == 3
    assert await _shows(directory, device, plan_ids)


class LaggingCopy:
    """The real store, answering as a shard copy that has not received one document yet (a CouchDB cluster's
    copies catch up with each other a moment apart): ``_all_docs`` and the changes feed leave it out, and the
    feed's ``last_seq`` does not count it, while the database's ``update_seq``, answered by another copy,
    already does.

    The feed keeps every other row: a CouchDB database's shards give no single order, so rows listed after the
    missing one may have been written before it. ``last_seq`` is the sequence of the row listed just before it
    (which covers exactly the rows listed up to there), so reading on from it gives the missing row and those
    after it again."""

    def __init__(self, store: DocumentStore, hidden: str) -> None:
        self._store = store
        self._hidden = hidden

    async def changes(self, db: str, request: ChangesRequest) -> Json:
        page = await self._store.changes(db, request)
        ids = [row["id"] for row in page["results"]]
        if self._hidden not in ids:
            return page
        before = page["results"][: ids.index(self._hidden)]
        kept = [row for row in page["results"] if row["id"] != self._hidden]
        return {**page, "results": kept, "last_seq": before[-1]["seq"] if before else request.since}

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        page = await self._store.all_docs(db, request)
        return {**page, "rows": [row for row in page["rows"] if row.get("id") != self._hidden]}

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


async def test_a_membership_a_lagging_copy_did_not_show_at_start_is_indexed_at_the_next_start(
    store: DocumentStore,
) -> None:
    """The layout records where the feed it read ended, never an ``update_seq`` read beside it: a sequence that
    already counted the missing membership would have the next start read on past it, and the device would never
    list that plan."""
    await store.create_database(DIRECTORY_DB)
    device, plan_ids = await _write_old_documents(store, 2)
    late_plan = uuid.uuid4().hex
    late = membership_doc_id(late_plan, device.account)
    member: Json = {"plan": late_plan, "account": device.account, "role": "worker", "access": "write"}
    await store.bulk_docs(DIRECTORY_DB, [{"_id": plan_doc_id(late_plan), "type": "plan", "owner": uuid.uuid4().hex}])
    await store.bulk_docs(DIRECTORY_DB, [{"_id": late, "type": "membership", **member}])

    await ensure_indexes(LaggingCopy(store, late), DIRECTORY_DB)  # type: ignore[arg-type]
    directory = Directory(store)
    assert await _shows(directory, device, plan_ids)  # all but the membership the copy did not have yet
    await ensure_indexes(store, DIRECTORY_DB)  # the next start, the copies caught up
    assert await _shows(directory, device, sorted([*plan_ids, late_plan]))


class CountingStore:
    """The real store, counting the rows each ``_all_docs`` read returns (and refusing whole-kind scans)."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.rows = 0

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        assert request.start_key not in ("membership:", "device:"), "a listing scanned a whole kind of document"
        page = await self._store.all_docs(db, request)
        self.rows += len(page["rows"])
        return page

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)


async def _rows_read_listing(directory: Directory, device: Device) -> int:
    counting = CountingStore(directory.store)
    reader = Directory(counting)  # type: ignore[arg-type]
    assert len(await reader.memberships_of_device(device)) == 5
    assert len(await reader.devices_of(device.account)) == 2
    return counting.rows


async def test_listing_a_workers_plans_reads_the_same_rows_however_big_the_directory(directory: Directory) -> None:
    _, tablet, _ = await _worker(directory)
    for _ in range(5):
        await directory.create_plan(tablet)
    small = await _rows_read_listing(directory, tablet)

    for _ in range(30):  # other workers, each with plans and devices
        _, other, _ = await _worker(directory)
        await directory.create_plan(other)
        await directory.create_plan(other)
    assert await _rows_read_listing(directory, tablet) == small == 5 + 5 * 2 + 2 + 2
