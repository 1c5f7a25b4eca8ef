"""A remembered ``/sync`` access is vouched for by one directory read for ``access_recheck`` seconds, and a
directory write that may take access away is answered only that long after it is written: so a removal holds
in every process on the device's very next request, while a busy process asks the directory a few times a
second rather than once per request.

Two ``SqliteStore`` objects on the same files stand for two server processes; the clock and the waiting are
injected (one clock for both, as one machine has), so nothing here depends on how fast the machine is.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from alongside.server.app import create_app
from alongside.server.directory import Directory
from alongside.server.settings import Settings
from alongside.server.settlement import CURRENT_SETTLEMENT, AnswerOnceSettled
from alongside.sync.errors import Forbidden, Unauthorized
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import AllDocsRequest, ChangesRequest, DocumentRequest, Json, Seq

RECHECK = 10.0
HTTP_RECHECK_MS = 1500  # long enough that the first app's remembered access is still vouched for without the wait


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
        self.feed_reads = 0
        self.document_reads = 0

    async def wait_for_change(self, database: str, since: Seq, timeout: float) -> bool:
        self.change_reads += 1
        return await super().wait_for_change(database, since, timeout)

    async def changes(self, db: str, request: ChangesRequest) -> Json:
        self.feed_reads += 1
        return await super().changes(db, request)

    async def get_document(self, db: str, doc_id: str, request: DocumentRequest) -> Json:
        self.document_reads += 1
        return await super().get_document(db, doc_id, request)

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        self.document_reads += 1
        return await super().all_docs(db, request)


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


@pytest.mark.anyio
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


@pytest.mark.anyio
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


@pytest.mark.anyio
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


@pytest.mark.anyio
async def test_writes_that_only_add_wait_for_nobody_and_a_new_device_waits(processes: TwoProcesses) -> None:
    """An account, a plan with its first members or an audit entry decides no access anyone remembers; a new
    device does (it joins the roster of every plan its account is in, docs/crypto.md §14.3), and so does a
    member added to a plan that exists."""
    account = await processes.here.create_account("person")
    plan_id = await processes.here.create_plan(None, owner_account=account)
    assert processes.clock.waits == []
    await processes.here.create_device(account, label="phone")
    assert processes.clock.waits == [RECHECK]
    supporter = await processes.here.create_account("person")
    await processes.here.add_member(plan_id, supporter, role="supporter", access="read")
    assert processes.clock.waits == [RECHECK, RECHECK]


@pytest.mark.anyio
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


def test_a_device_removed_through_one_process_is_refused_by_another_as_soon_as_the_removal_is_answered(
    tmp_path: Path,
) -> None:
    """Two apps on one data directory (two server processes); the device's access is remembered in the first.
    The removal through the second is answered only once the first must ask the directory again, so the very
    next request there is refused (answered at once, it would still be served from memory)."""
    settings = Settings(data_dir=tmp_path, access_recheck_ms=HTTP_RECHECK_MS)
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as a, TestClient(second) as b:
        plan = a.portal.call(first.state.alongside.directory.create_plan_with_device)
        headers = {"Authorization": f"Bearer {plan.token}"}
        base = f"/sync/{plan.plan_id}/"
        for _ in range(3):
            assert a.get(base, headers=headers).status_code == 200

        removed = b.delete(f"/api/v1/plans/{plan.plan_id}/devices/{plan.device_id}", headers=headers)
        assert removed.status_code == 200, removed.text
        refused = a.get(base, headers=headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["reason"] == "This device was removed from this plan."


@pytest.mark.anyio
async def test_a_request_that_writes_several_access_deciding_documents_is_answered_once_after_the_last() -> None:
    """Within a request ``Directory.settle`` waits for nothing itself: the answer waits, once, until the
    recheck interval after the last write (not one interval per write)."""
    owed: list[float] = []
    sent: list[tuple[float, Message]] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        settlement = CURRENT_SETTLEMENT.get()
        assert settlement is not None
        for _ in range(3):
            settlement.owe(0.05)
            owed.append(settlement.not_before)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append((time.monotonic(), message))

    await AnswerOnceSettled(app)({"type": "http", "path": "/"}, receive, send)
    assert owed == sorted(owed) and owed[-1] - owed[0] < 0.05  # the same wait, moved on by the later writes
    assert sent[0][1]["type"] == "http.response.start" and sent[0][0] >= owed[-1]


def test_a_longpoll_woken_by_a_removal_asks_the_directory_and_ends_before_the_removal_is_answered(
    tmp_path: Path,
) -> None:
    """A woken longpoll does not take a read sent before the removal as its answer: while the removal waits out
    the recheck interval, the longpoll asks the directory itself and ends with ``403`` at once."""
    app = create_app(Settings(data_dir=tmp_path, access_recheck_ms=HTTP_RECHECK_MS))
    with TestClient(app) as client:
        seeding = Directory(app.state.alongside.store, access_recheck=0)  # nothing remembered yet to wait for
        plan = client.portal.call(seeding.create_plan_with_device)
        headers = {"Authorization": f"Bearer {plan.token}"}
        base = f"/sync/{plan.plan_id}/"
        since = client.get(base, headers=headers).json()["update_seq"]
        ended: dict[str, Any] = {}

        def longpoll() -> None:
            answer = client.get(
                base + "_changes", params={"feed": "longpoll", "since": since, "timeout": 20_000}, headers=headers
            )
            ended.update(status=answer.status_code, at=time.monotonic(), body=answer.json())

        waiting = threading.Thread(target=longpoll)
        waiting.start()
        deadline = time.monotonic() + 10
        while app.state.alongside.longpolls.open_count(plan.device_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert client.get(base, headers=headers).status_code == 200  # the access is vouched for from here
        removed = client.delete(f"/api/v1/plans/{plan.plan_id}/devices/{plan.device_id}", headers=headers)
        answered = time.monotonic()
        assert removed.status_code == 200, removed.text
        waiting.join(5)
        assert not waiting.is_alive(), "the longpoll was not ended by the removal"
        assert ended["status"] == 403 and ended["body"]["error"] == "forbidden", ended
        assert ended["at"] <= answered


@pytest.mark.anyio
async def test_another_devices_hourly_note_through_another_process_forgets_nothing_remembered_here(
    processes: TwoProcesses,
) -> None:
    """Directory writes that decide nothing a remembered access was read from (another device's "last seen",
    an audit entry) are seen, and sorted through, and the access stays remembered: no document read again."""
    mine = await processes.here.create_plan_with_device()
    theirs = await processes.here.create_plan_with_device()
    bearer = f"Bearer {mine.token}"
    await processes.here.authorise_sync(bearer, mine.plan_id, write=False)
    processes.clock.now += RECHECK
    await processes.here.authorise_sync(bearer, mine.plan_id, write=False)  # its own "last seen" sorted through
    before = await processes.here.get(f"device:{theirs.device_id}")
    await processes.elsewhere.authorise_sync(f"Bearer {theirs.token}", theirs.plan_id, write=False)
    assert await processes.here.get(f"device:{theirs.device_id}") != before  # their "last seen" was written

    feeds, reads = processes.here_store.feed_reads, processes.here_store.document_reads
    processes.clock.now += RECHECK
    access = await processes.here.authorise_sync(bearer, mine.plan_id, write=False)
    assert processes.here_store.feed_reads == feeds + 1  # the change was seen and sorted through
    assert processes.here_store.document_reads == reads  # and this device's access was not decided again
    assert access.directory_seq == await processes.here._sync_access.seq()  # as of the sequence read now


@pytest.mark.anyio
async def test_a_removal_of_one_member_forgets_that_members_access_and_keeps_the_others(
    processes: TwoProcesses,
) -> None:
    plan = await processes.here.create_plan_with_device()
    supporter = await processes.here.create_account("person")
    await processes.here.add_member(plan.plan_id, supporter, role="supporter", access="read")
    _, supporter_token = await processes.here.create_device(supporter, label="phone")
    owner, theirs = f"Bearer {plan.token}", f"Bearer {supporter_token}"
    for bearer in (owner, theirs):
        await processes.here.authorise_sync(bearer, plan.plan_id, write=False)
    processes.clock.now += RECHECK
    await processes.here.authorise_sync(owner, plan.plan_id, write=False)  # their "last seen" notes sorted through

    await processes.elsewhere.remove_member(plan.plan_id, supporter, by="test")
    reads = processes.here_store.document_reads
    await processes.here.authorise_sync(owner, plan.plan_id, write=False)
    assert processes.here_store.document_reads == reads
    with pytest.raises(Forbidden):
        await processes.here.authorise_sync(theirs, plan.plan_id, write=False)
