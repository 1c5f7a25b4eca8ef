"""Which devices belong to each plan (server/plan_devices.py), on both stores.

The map is built from the directory's changes feed alone and read on from the feed's ``last_seq``: every
device and membership written before or after the first read is in it, a membership ended stays counted,
and nothing is read while the directory has not moved.
"""

from __future__ import annotations

import uuid

import pytest

from alongside.crypto import roster_document_id
from alongside.server.directory_ids import DEVICE_PREFIX, MEMBERSHIP_PREFIX
from alongside.server.plan_devices import CHANGES_PAGE, PlanDevices
from alongside.sync.store import DocumentStore, Json

pytestmark = pytest.mark.anyio
DB = "directory-under-test"


@pytest.fixture(autouse=True)
async def directory_database(store: DocumentStore) -> None:
    """The database under test, in the empty store of each kind (tests/server/conftest.py)."""
    await store.create_database(DB)


def new_id() -> str:
    return uuid.uuid4().hex


def device(device_id: str, account: str) -> Json:
    return {"_id": DEVICE_PREFIX + device_id, "account": account}


def membership(plan: str, account: str) -> Json:
    return {"_id": f"{MEMBERSHIP_PREFIX}{plan}:{account}", "role": "member"}


async def update_seq(store: DocumentStore) -> object:
    return (await store.database_info(DB))["update_seq"]


async def test_the_devices_of_every_member_are_the_plans_and_no_other_devices_are(store: DocumentStore) -> None:
    plan, other_plan, worker, person, stranger = (new_id() for _ in range(5))
    worker_phone, worker_laptop, person_phone, stranger_phone = (new_id() for _ in range(4))
    await store.bulk_docs(
        DB,
        [
            device(worker_phone, worker),
            device(worker_laptop, worker),
            device(person_phone, person),
            device(stranger_phone, stranger),
            membership(plan, worker),
            membership(plan, person),
            membership(other_plan, stranger),
        ],
    )
    devices = PlanDevices(store, DB)
    roster = await devices.roster_ids(plan, await update_seq(store))
    assert roster == {roster_document_id(plan, d): d for d in (worker_phone, worker_laptop, person_phone)}
    assert await devices.roster_ids(other_plan, await update_seq(store)) == {
        roster_document_id(other_plan, stranger_phone): stranger_phone
    }


async def test_a_device_and_a_membership_written_after_the_first_read_are_added_when_the_directory_moves(
    store: DocumentStore,
) -> None:
    plan, worker, person = new_id(), new_id(), new_id()
    worker_phone, person_phone, person_tablet = new_id(), new_id(), new_id()
    await store.bulk_docs(DB, [device(worker_phone, worker), membership(plan, worker)])
    devices = PlanDevices(store, DB)
    assert set((await devices.roster_ids(plan, await update_seq(store))).values()) == {worker_phone}

    await store.bulk_docs(DB, [device(person_phone, person)])
    await store.bulk_docs(DB, [membership(plan, person)])
    assert set((await devices.roster_ids(plan, await update_seq(store))).values()) == {worker_phone, person_phone}
    await store.bulk_docs(DB, [device(person_tablet, person)])
    assert set((await devices.roster_ids(plan, await update_seq(store))).values()) == {
        worker_phone,
        person_phone,
        person_tablet,
    }


async def test_nothing_is_read_while_the_directory_has_not_moved(store: DocumentStore) -> None:
    """The caller's ``update_seq`` is what says the directory moved: the same one twice reads nothing more."""
    plan, worker, phone, later_phone = new_id(), new_id(), new_id(), new_id()
    await store.bulk_docs(DB, [device(phone, worker), membership(plan, worker)])
    devices = PlanDevices(store, DB)
    seen = await update_seq(store)
    assert set((await devices.roster_ids(plan, seen)).values()) == {phone}
    await store.bulk_docs(DB, [device(later_phone, worker)])
    assert set((await devices.roster_ids(plan, seen)).values()) == {phone}
    assert set((await devices.roster_ids(plan, await update_seq(store))).values()) == {phone, later_phone}


async def test_an_ended_membership_keeps_its_devices_in_the_plan(store: DocumentStore) -> None:
    """A removed member's roster entry stays in the plan, so it must stay that device's (docs/crypto.md §14.3),
    in a process that read the directory before the membership ended and in one that starts after."""
    plan, worker, phone = new_id(), new_id(), new_id()
    (written, *_) = await store.bulk_docs(DB, [membership(plan, worker), device(phone, worker)])
    before = PlanDevices(store, DB)
    assert set((await before.roster_ids(plan, await update_seq(store))).values()) == {phone}
    ended = {**membership(plan, worker), "_rev": written["rev"], "_deleted": True}
    await store.bulk_docs(DB, [ended])
    after = PlanDevices(store, DB)
    for devices in (before, after):
        assert set((await devices.roster_ids(plan, await update_seq(store))).values()) == {phone}


async def test_a_directory_longer_than_a_page_of_changes_is_read_to_its_end(store: DocumentStore) -> None:
    plan, worker = new_id(), new_id()
    phones = [new_id() for _ in range(CHANGES_PAGE + 5)]
    await store.bulk_docs(DB, [membership(plan, worker)])
    for start in range(0, len(phones), 500):
        await store.bulk_docs(DB, [device(phone, worker) for phone in phones[start : start + 500]])
    devices = PlanDevices(store, DB)
    assert set((await devices.roster_ids(plan, await update_seq(store))).values()) == set(phones)
