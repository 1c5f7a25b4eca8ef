"""The simulated devices' replica and the synchronous replicator: the same protocol, the same results.

``loadtests`` must not import locust here (it patches the standard library with gevent on import), so
these tests use only the replica, the comparisons, and ``alongside.sync.replicator``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

import pytest

from alongside.sync.replicator import ReplicationResult, replicate, replicate_sync
from alongside.sync.store import Json, Seq
from loadtests.kit.compare import differences, unknown
from loadtests.kit.replica import MemoryReplica


def item(doc_id: str) -> Json:
    return {"_id": doc_id, "v": 1, "kind": "item", "ct": os.urandom(8).hex()}


def sync(device: MemoryReplica, server: MemoryReplica) -> None:
    replicate_sync(device, server)
    replicate_sync(server, device)


class AsyncReplica:
    """The replica behind the asynchronous ``Peer`` interface, to run both drivers on the same data."""

    def __init__(self, replica: MemoryReplica) -> None:
        self.replica = replica
        self.identity = replica.identity

    async def info(self) -> Json:
        return self.replica.info()

    async def changes(self, since: Seq, limit: int) -> Json:
        return self.replica.changes(since, limit)

    async def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Json]:
        return self.replica.revs_diff(revs)

    async def bulk_get(self, wanted: list[tuple[str, str]]) -> list[Json]:
        return self.replica.bulk_get(wanted)

    async def write_replicated(self, docs: list[Json]) -> list[Json]:
        return self.replica.write_replicated(docs)

    async def get_local(self, doc_id: str) -> Json | None:
        return self.replica.get_local(doc_id)

    async def put_local(self, doc_id: str, body: Json) -> None:
        self.replica.put_local(doc_id, body)


def test_two_devices_editing_the_same_item_offline_converge_on_one_winner_and_one_conflict() -> None:
    server, worker, person = MemoryReplica("server"), MemoryReplica("worker"), MemoryReplica("person")
    worker.put(item("goal"))
    sync(worker, server)
    sync(person, server)
    worker_rev = worker.put(item("goal"))
    person_rev = person.put(item("goal"))
    sync(worker, server)
    sync(person, server)
    sync(worker, server)
    states = {name: replica.state("goal") for name, replica in (("s", server), ("w", worker), ("p", person))}
    assert states["s"] == states["w"] == states["p"]
    winner, conflicts, leaves = states["s"] or ("", (), ())
    assert set(leaves) == {worker_rev, person_rev}
    assert {winner, *conflicts} == {worker_rev, person_rev}
    assert differences(worker.snapshot(), server.snapshot()) == (0, "")

    # A person settles it: a merged revision on the winner, the losing leaf closed.
    person.put(item("goal"))
    person.put({"_id": "goal", "_deleted": True}, conflicts[0])
    sync(person, server)
    sync(worker, server)
    assert worker.state("goal") == server.state("goal") == person.state("goal")
    assert (worker.state("goal") or ("", ("x",), ()))[1] == ()


def test_both_drivers_run_the_same_steps_to_the_same_result() -> None:
    source = MemoryReplica("source")
    for i in range(250):
        source.put(item(f"doc-{i}"))
    for i in range(0, 250, 3):
        source.put(item(f"doc-{i}"))
    source.put({"_id": "doc-7", "_deleted": True})
    by_sync, by_async = MemoryReplica("a"), MemoryReplica("b")
    first = replicate_sync(source, by_sync, batch_size=40, session_id="s")
    second = asyncio.run(replicate(AsyncReplica(source), AsyncReplica(by_async), batch_size=40, session_id="s"))
    assert by_sync.snapshot() == by_async.snapshot() == source.snapshot()
    shape = ("docs_read", "docs_written", "missing_checked", "missing_found", "start_seq", "last_seq")
    assert [getattr(first, k) for k in shape] == [getattr(second, k) for k in shape]
    assert first.docs_written == 250
    assert replicate_sync(source, by_sync).docs_written == 0


class Interrupted(Exception):
    pass


def test_an_interrupted_synchronous_replication_resumes_from_its_checkpoint() -> None:
    source, target = MemoryReplica("source"), MemoryReplica("target")
    for i in range(300):
        source.put(item(f"doc-{i}"))

    def stop(result: ReplicationResult) -> None:
        if result.docs_read >= 100:
            raise Interrupted

    with pytest.raises(Interrupted):
        replicate_sync(source, target, batch_size=50, on_checkpoint=stop)
    resumed = replicate_sync(source, target, batch_size=50)
    assert resumed.start_seq != 0
    assert resumed.docs_written == 200
    assert target.snapshot() == source.snapshot()


def test_a_peer_error_reaches_the_protocol_where_the_call_was_made() -> None:
    """A checkpoint that cannot be written is tolerated (the protocol's own rule); other errors stop the run."""
    from alongside.sync.errors import Conflict, Unavailable

    class NoCheckpoints(MemoryReplica):
        def put_local(self, doc_id: str, body: Json) -> None:
            raise Conflict("checkpoint refused")

    class Down(MemoryReplica):
        def revs_diff(self, revs: dict[str, list[str]]) -> dict[str, Any]:
            raise Unavailable("down")

    source = MemoryReplica("source")
    source.put(item("a"))
    assert replicate_sync(source, NoCheckpoints("target")).docs_written == 1
    with pytest.raises(Unavailable):
        replicate_sync(source, Down("down"))


def test_the_checks_see_a_device_that_differs_and_an_edit_the_server_lacks() -> None:
    server, device = MemoryReplica("server"), MemoryReplica("device")
    first = device.put(item("a"))
    sync(device, server)
    second = device.put(item("a"))  # not synced
    count, examples = differences(device.snapshot(), server.snapshot())
    assert count == 1 and second in examples
    known = {doc_id: set(revs) for doc_id, (_, _, revs) in server.snapshot().items()}
    assert unknown([("a", first), ("a", second), ("b", "1-x")], known) == [("a", second), ("b", "1-x")]
