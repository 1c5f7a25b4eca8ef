"""A remembered ``/sync`` access is vouched for by one directory read for ``access_recheck`` seconds, and a
directory write that may take access away is answered only that long after it is written: so a removal holds
in every process on the device's very next request, while a busy process asks the directory a few times a
second rather than once per request.

Two ``SqliteStore`` objects on the same files stand for two server processes; the clock and the waiting are
injected (one clock for both, as one machine has), so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from alongside.server.directory import Directory
from alongside.sync.errors import Forbidden, Unauthorized
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import Seq

pytestmark = pytest.mark.anyio

RECHECK = 10.0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Clock:
    """One machine's monotonic clock; waiting moves it on (and is recorded)."""

    now: float = 1_000.0
    waits: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


class CountingStore(SqliteStore):
    """The embedded store, counting the directory's "changed since?" reads."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.change_reads = 0

    async def wait_for_change(self, database: str, since: Seq, timeout: float) -> bool:
        self.change_reads += 1
        return await super().wait_for_change(database, since, timeout)


@dataclass
class TwoProcesses:
    here: Directory
    elsewhere: Directory
    here_store: CountingStore
    clock: Clock


@pytest.fixture
async def processes(tmp_path: Path) -> AsyncIterator[TwoProcesses]:
    clock = Clock()
    stores = [CountingStore(tmp_path / "store"), CountingStore(tmp_path / "store")]
    for store in stores:
        await store.open()
    here, elsewhere = (Directory(store, access_recheck=RECHECK, monotonic=clock, sleep=clock.sleep) for store in stores)
    await here.ensure()
    try:
        yield TwoProcesses(here, elsewhere, stores[0], clock)
    finally:
        for store in stores:
            await store.close()


async def test_a_remembered_access_asks_the_directory_once_per_recheck_interval(processes: TwoProcesses) -> None:
    plan = await processes.here.create_plan_with_device()
    bearer = f"Bearer {plan.token}"
    await processes.here.authorise_sync(bearer, plan.plan_id, write=True)  # remembered from here on
    asked = processes.here_store.change_reads
    for _ in range(50):
        processes.clock.now += RECHECK / 100
        assert (await processes.here.authorise_sync(bearer, plan.plan_id, write=True)).device.id == plan.device_id
    assert processes.here_store.change_reads == asked  # half the interval: the first read still vouches
    processes.clock.now += RECHECK / 2
    await processes.here.authorise_sync(bearer, plan.plan_id, write=True)
    assert processes.here_store.change_reads == asked + 1


async def test_a_revocation_through_another_process_is_answered_after_the_recheck_and_then_refused_at_once(
    processes: TwoProcesses,
) -> None:
    plan = await processes.here.create_plan_with_device()
    bearer = f"Bearer {plan.token}"
    await processes.here.authorise_sync(bearer, plan.plan_id, write=False)

    waited = len(processes.clock.waits)
    await processes.elsewhere.revoke_device(plan.device_id, by="test")
    assert processes.clock.waits[waited:] == [RECHECK]  # answered only once every process must have seen it
    with pytest.raises(Unauthorized):
        await processes.here.authorise_sync(bearer, plan.plan_id, write=False)


async def test_a_write_that_skipped_the_wait_would_go_unseen_until_the_recheck(processes: TwoProcesses) -> None:
    """What the wait is for: a process answers from memory for up to ``access_recheck`` seconds, so a removal
    answered at once (here a directory that waits for nobody) is not yet seen there."""
    plan = await processes.here.create_plan_with_device()
    bearer = f"Bearer {plan.token}"
    await processes.here.authorise_sync(bearer, plan.plan_id, write=False)
    hasty = Directory(processes.elsewhere.store, access_recheck=0)
    await hasty.exclude_device(plan.plan_id, plan.device_id, by="test")

    await processes.here.authorise_sync(bearer, plan.plan_id, write=False)  # still vouched for
    processes.clock.now += RECHECK
    with pytest.raises(Forbidden):
        await processes.here.authorise_sync(bearer, plan.plan_id, write=False)


async def test_writes_that_only_add_wait_for_nobody_and_a_new_plan_waits_once(processes: TwoProcesses) -> None:
    """An account, a plan or an audit entry decides no access anyone remembers; a new device or membership
    does (the plan's roster, docs/crypto.md §14.3): creating a plan with its two memberships waits once."""
    account = await processes.here.create_account("person")
    assert processes.clock.waits == []
    await processes.here.create_device(account, label="phone")
    assert processes.clock.waits == [RECHECK]
    await processes.here.create_plan(None, owner_account=account)
    assert processes.clock.waits == [RECHECK, RECHECK]


async def test_noting_when_a_device_was_last_seen_keeps_its_access_remembered(processes: TwoProcesses) -> None:
    """The hourly "last seen" write changes nothing any access depends on: no wait, and the remembered device
    document follows it, so the next request does not write it again."""
    plan = await processes.here.create_plan_with_device()
    bearer = f"Bearer {plan.token}"
    waits = len(processes.clock.waits)
    await processes.here.authorise_sync(bearer, plan.plan_id, write=False)  # notes the device seen
    seen = await processes.here.get(f"device:{plan.device_id}")
    assert seen is not None and "last_seen" in seen
    for _ in range(3):
        await processes.here.authorise_sync(bearer, plan.plan_id, write=False)
    assert await processes.here.get(f"device:{plan.device_id}") == seen  # written once
    assert processes.clock.waits[waits:] == []
