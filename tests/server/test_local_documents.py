"""``_local`` documents (replication checkpoints) belong to the device that wrote them, on both backends.

Each device sees its own ``_local/{id}`` under the id it asked for (server/local_docs.py): another member
of the same plan cannot read, overwrite or delete it, a read-only member keeps its own checkpoints, and a
device keeps at most ``ALONGSIDE_MAX_LOCAL_DOCUMENTS`` of them, each at most
``ALONGSIDE_MAX_LOCAL_DOCUMENT_BYTES``. The server here runs with small limits so a flood reaches them fast.
"""

from __future__ import annotations

import concurrent.futures
import contextlib

import httpx
import pytest
from support.answers import assert_couch_error
from support.server_plan import Organisation, ServerPlan
from support.server_watch import Watch

MAX_LOCAL_DOCUMENTS = 5
MAX_LOCAL_DOCUMENT_BYTES = 4096
FLOOD = 100  # PUTs of new checkpoints from one token, 16 at a time

LIMITS = {
    "ALONGSIDE_MAX_LOCAL_DOCUMENTS": str(MAX_LOCAL_DOCUMENTS),
    "ALONGSIDE_MAX_LOCAL_DOCUMENT_BYTES": str(MAX_LOCAL_DOCUMENT_BYTES),
}


@pytest.fixture(scope="module")
def server_env() -> dict[str, str]:
    """The module's servers (the ``organisation`` fixture) run with small ``_local`` limits."""
    return LIMITS


def local_url(plan: ServerPlan, name: str) -> str:
    return f"/sync/{plan.plan_id}/_local/{name}"


def test_a_checkpoint_is_the_devices_own_and_other_members_cannot_read_overwrite_or_delete_it(plan: ServerPlan) -> None:
    worker, owner = plan.worker, plan.owner
    written = worker.client.put(local_url(plan, "checkpoint"), json={"last_seq": 7, "session_id": "tablet"})
    assert written.status_code == 201, written.text
    assert written.json() == {"ok": True, "id": "_local/checkpoint", "rev": written.json()["rev"]}
    rev = written.json()["rev"]

    # The person's phone asks for the same name: it has none of its own, and never sees the tablet's.
    assert_couch_error(owner.client.get(local_url(plan, "checkpoint")), 404, "not_found")
    # Deleting with the tablet's revision finds nothing of the phone's to delete.
    assert_couch_error(owner.client.delete(local_url(plan, "checkpoint"), params={"rev": rev}), 404, "not_found")
    # Writing the same name (even with the tablet's revision) makes the phone's own, beside the tablet's.
    overwrite = owner.client.put(local_url(plan, "checkpoint"), json={"_rev": rev, "last_seq": 0, "session_id": "x"})
    assert overwrite.status_code == 201, overwrite.text
    assert owner.client.get(local_url(plan, "checkpoint")).json()["session_id"] == "x"
    # Deleting it deletes the phone's own only.
    own_rev = overwrite.json()["rev"]
    assert owner.client.delete(local_url(plan, "checkpoint"), params={"rev": own_rev}).status_code == 200
    assert_couch_error(owner.client.get(local_url(plan, "checkpoint")), 404, "not_found")

    kept = worker.client.get(local_url(plan, "checkpoint"))
    assert kept.status_code == 200, kept.text
    assert kept.json() == {"_id": "_local/checkpoint", "_rev": rev, "last_seq": 7, "session_id": "tablet"}


def test_a_read_only_member_keeps_its_own_checkpoints_and_nothing_else(plan: ServerPlan) -> None:
    reader = plan.reader
    created = reader.client.put(local_url(plan, "pull-checkpoint"), json={"last_seq": 1})
    assert created.status_code == 201, created.text
    updated = reader.client.put(local_url(plan, "pull-checkpoint"), json={"_rev": created.json()["rev"], "last_seq": 2})
    assert updated.status_code == 201, updated.text
    read = reader.client.get(local_url(plan, "pull-checkpoint"))
    assert read.status_code == 200 and read.json()["last_seq"] == 2, read.text
    assert_couch_error(plan.worker.client.get(local_url(plan, "pull-checkpoint")), 404, "not_found")
    deleted = reader.client.delete(local_url(plan, "pull-checkpoint"), params={"rev": updated.json()["rev"]})
    assert deleted.status_code == 200 and deleted.json()["id"] == "_local/pull-checkpoint", deleted.text
    assert_couch_error(reader.client.get(local_url(plan, "pull-checkpoint")), 404, "not_found")
    # Plan content stays out of reach: the read-only member's item is refused.
    assert plan.put(reader, plan.item(reader)).status_code == 403


def test_a_device_keeps_at_most_the_limit_and_may_still_update_and_replace_its_own(plan: ServerPlan) -> None:
    writer = plan.writer
    revs = {}
    for i in range(MAX_LOCAL_DOCUMENTS):
        made = writer.client.put(local_url(plan, f"checkpoint-{i}"), json={"last_seq": i})
        assert made.status_code == 201, made.text
        revs[i] = made.json()["rev"]

    refused = writer.client.put(local_url(plan, "one-too-many"), json={"last_seq": 99})
    assert_couch_error(refused, 403, "forbidden")
    assert str(MAX_LOCAL_DOCUMENTS) in refused.json()["reason"]
    assert_couch_error(writer.client.get(local_url(plan, "one-too-many")), 404, "not_found")
    # Naming a revision does not make a new one an update: refused all the same, and nothing stored.
    named = writer.client.put(local_url(plan, "named-rev"), json={"_rev": revs[2], "last_seq": 99})
    assert_couch_error(named, 403, "forbidden")
    assert_couch_error(writer.client.get(local_url(plan, "named-rev")), 404, "not_found")

    # Its own are still its to update and delete; a deleted one frees its place.
    again = writer.client.put(local_url(plan, "checkpoint-0"), json={"_rev": revs[0], "last_seq": 100})
    assert again.status_code == 201, again.text
    gone = writer.client.delete(local_url(plan, "checkpoint-1"), params={"rev": revs[1]})
    assert gone.status_code == 200, gone.text
    assert writer.client.put(local_url(plan, "one-too-many"), json={"last_seq": 99}).status_code == 201
    assert_couch_error(writer.client.put(local_url(plan, "and-another"), json={}), 403, "forbidden")

    # The limit is per device: the person's phone keeps its own, however many the supporter has.
    for i in range(MAX_LOCAL_DOCUMENTS):
        assert plan.owner.client.put(local_url(plan, f"phone-{i}"), json={"last_seq": i}).status_code == 201


def test_a_local_document_over_the_size_limit_is_refused_and_not_stored(plan: ServerPlan) -> None:
    worker = plan.worker
    big = {"last_seq": 1, "history": "x" * MAX_LOCAL_DOCUMENT_BYTES}
    assert_couch_error(worker.client.put(local_url(plan, "big"), json=big), 413, "too_large")
    assert_couch_error(worker.client.get(local_url(plan, "big")), 404, "not_found")
    small = worker.client.put(local_url(plan, "big"), json={"last_seq": 1, "history": "x" * 100})
    assert small.status_code == 201, small.text
    grown = worker.client.put(local_url(plan, "big"), json={**big, "_rev": small.json()["rev"]})
    assert_couch_error(grown, 413, "too_large")
    assert worker.client.get(local_url(plan, "big")).json()["history"] == "x" * 100


def test_a_local_document_with_a_lone_surrogate_is_refused_with_a_clear_error(plan: ServerPlan) -> None:
    raw = b'{"last_seq": 1, "session_id": "\\ud800"}'
    response = plan.worker.client.put(local_url(plan, "odd"), content=raw, headers={"Content-Type": "application/json"})
    assert_couch_error(response, 400, "bad_request")
    assert_couch_error(plan.worker.client.get(local_url(plan, "odd")), 404, "not_found")


@pytest.mark.serial  # timed against the server: runs alone, after the parallel run
def test_a_local_flood_from_one_token_is_refused_past_the_limit_while_the_server_stays_healthy(
    plan: ServerPlan, organisation: Organisation
) -> None:
    server = organisation.server
    reader = plan.reader  # read-only: the least a member can be
    token = reader.client.headers["Authorization"]

    def put(i: int) -> int:
        with httpx.Client(base_url=server.url, headers={"Authorization": token}, timeout=60) as client:
            body = {"last_seq": i, "session_id": "s" * (MAX_LOCAL_DOCUMENT_BYTES // 2)}
            return client.put(local_url(plan, f"flood-{i}"), json=body).status_code

    # /healthz keeps answering (median under 200 ms) and memory stays bounded throughout (support.server_watch.Watch).
    # On CouchDB, /healthz is itself a CouchDB request queued behind the flood's at the one shared pouchdb-server
    # of the test session, so its time measures that stand-in, not this server: there it must answer, untimed.
    watch = Watch(server) if server.backend == "sqlite" else contextlib.nullcontext()
    with watch, concurrent.futures.ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(put, range(FLOOD)))
    assert httpx.get(server.url + "/healthz", timeout=30).status_code == 200

    # Concurrent creations never slip past the limit: exactly the limit were kept, every other one refused.
    assert statuses.count(201) == MAX_LOCAL_DOCUMENTS, statuses
    assert set(statuses) == {201, 403}, statuses
    held = [i for i in range(FLOOD) if reader.client.get(local_url(plan, f"flood-{i}")).status_code == 200]
    assert [statuses[i] for i in held] == [201] * MAX_LOCAL_DOCUMENTS
    # Other devices keep checkpointing as usual, and nothing went wrong inside the server.
    assert plan.worker.client.put(local_url(plan, "after-the-flood"), json={"last_seq": 1}).status_code == 201
    assert "Traceback" not in server.logs(), server.logs()[-5000:]
