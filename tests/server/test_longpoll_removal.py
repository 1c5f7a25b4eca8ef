"""Removal during an open longpoll (issue 14, must-show 3), on SQLite and on CouchDB (pouchdb-server).

A device's ``_changes?feed=longpoll`` is waiting (30 s) when its member is removed from the plan, the device
is removed from the plan, or its worker is switched off; a member who stays writes an item right after. The
waiting request must end at once (within a second of the removal's answer: it is woken, not timed out) with
the refusal, ``403`` (``401`` for a switched-off worker, as on every other request of theirs), and carry
nothing written after the removal. With ``heartbeat``, once a heartbeat newline has been sent the status is
on the wire already: the response then ends with a last line ``{"error": "forbidden", …}`` (docs/api.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from support.longpoll_thread import Longpoll, start_longpoll
from support.server_plan import Device, Organisation, ServerPlan, enrol

# Timed against the server: run alone, after the parallel run (Makefile test-py).
pytestmark = pytest.mark.serial

LONGPOLL_MS = 30_000
WOKEN_WITHIN = 1.0  # seconds from the removal's answer to the end of the longpoll
BOUND = 60.0


def open_longpoll(plan: ServerPlan, device: Device, **params: Any) -> Longpoll:
    """Start ``device``'s longpoll from the plan's current sequence; returns once the request is waiting."""
    poll = start_longpoll(plan, device, LONGPOLL_MS, BOUND, **params)
    if params.get("heartbeat"):
        assert poll.opened.wait(BOUND)  # the first heartbeat has started the response
    else:
        time.sleep(0.5)  # the server has nothing to answer: the request is waiting
    assert poll.thread.is_alive() and poll.ended_at is None, poll
    return poll


def remove_then_maybe_write(plan: ServerPlan, remove: Callable[[], httpx.Response], write: bool) -> tuple[float, str]:
    """Remove, then (if ``write``) write an item at once as the worker, who stays: when the removal was
    answered, and the id of an item written after it (written afterwards when not ``write``, so the
    longpoll can only have been woken by the removal itself)."""
    removed = remove()
    assert removed.status_code == 200, removed.text
    removed_at = time.monotonic()
    later = plan.item(plan.worker)
    if write:
        assert plan.put(plan.worker, later).status_code == 201
    return removed_at, later["_id"]


def assert_refused_at_once(poll: Longpoll, removed_at: float, later_id: str | None, status: int, error: str) -> None:
    assert poll.thread is not None
    poll.thread.join(WOKEN_WITHIN)
    assert not poll.thread.is_alive(), "the longpoll was not woken by the removal"
    assert poll.ended_at is not None and poll.ended_at - removed_at < WOKEN_WITHIN
    assert poll.answer["error"] == error, poll.lines
    assert poll.status == status, poll.lines
    assert later_id is None or later_id not in "\n".join(poll.lines)


VARIANTS = {
    "plain": {},
    "include_docs": {"include_docs": "true"},
    "heartbeat": {"heartbeat": 1000, "include_docs": "true"},
}


@pytest.mark.parametrize("write", [False, True], ids=["removal-alone", "write-right-after"])
@pytest.mark.parametrize("params", VARIANTS.values(), ids=VARIANTS.keys())
def test_a_removed_members_longpoll_ends_at_once_with_403_and_nothing_written_after(
    plan: ServerPlan, params: dict[str, Any], write: bool
) -> None:
    poll = open_longpoll(plan, plan.reader, **params)
    if params.get("heartbeat"):
        time.sleep(1.5)  # a heartbeat newline has been sent: the status is on the wire already
    removed_at, later_id = remove_then_maybe_write(
        plan, lambda: plan.owner.client.delete(f"/api/v1/plans/{plan.plan_id}/members/{plan.reader.account}"), write
    )
    # With heartbeats the status was sent before the removal; the answer's last line is the refusal.
    assert_refused_at_once(poll, removed_at, later_id, 200 if params.get("heartbeat") else 403, "forbidden")
    if params.get("heartbeat"):
        assert set(poll.lines[:-1]) == {""}, poll.lines  # heartbeats, then the refusal, nothing else
    assert plan.reader.client.get(f"/sync/{plan.plan_id}/_changes").status_code == 403


def test_a_longpoll_of_a_device_removed_from_the_plan_ends_at_once_with_403(plan: ServerPlan) -> None:
    poll = open_longpoll(plan, plan.writer, include_docs="true")
    stays = open_longpoll(plan, plan.owner, include_docs="true")
    removed_at, later_id = remove_then_maybe_write(
        plan,
        lambda: plan.owner.client.delete(f"/api/v1/plans/{plan.plan_id}/devices/{plan.writer.device_id}"),
        write=False,
    )
    assert_refused_at_once(poll, removed_at, later_id, 403, "forbidden")
    assert "removed from this plan" in poll.answer["reason"]
    assert plan.put(plan.worker, plan.item(plan.worker, later_id)).status_code == 201
    stays.wait()  # the person's own longpoll is answered as usual, with the item written after
    assert stays.status == 200
    assert [row["id"] for row in stays.answer["results"]] == [later_id]


def test_a_switched_off_workers_longpoll_ends_at_once_with_401(organisation: Organisation) -> None:
    server = organisation.server
    admin = enrol(server, server.admin("add-worker", "--name", "Bo", "--admin", "--json")["code"])
    leaving = enrol(server, server.admin("add-worker", "--name", "Cal", "--json")["code"])
    plan = ServerPlan.start(server, leaving)
    try:
        poll = open_longpoll(plan, leaving, heartbeat=1000)
        switched_off = admin.client.post(f"/api/v1/workers/{leaving.account}/revoke")
        assert switched_off.status_code == 200, switched_off.text
        removed_at = time.monotonic()
        assert_refused_at_once(poll, removed_at, None, 200, "unauthorized")
    finally:
        plan.close()
        for device in (admin, leaving):
            device.client.close()


def test_a_longpoll_that_keeps_its_access_waits_through_other_directory_changes(plan: ServerPlan) -> None:
    """Wake-ups for other members' changes re-check this device's access and keep it waiting."""
    poll = open_longpoll(plan, plan.owner, timeout=3000)
    removed = plan.owner.client.delete(f"/api/v1/plans/{plan.plan_id}/members/{plan.reader.account}")
    assert removed.status_code == 200
    time.sleep(0.5)
    assert poll.thread is not None and poll.thread.is_alive()
    poll.wait()
    assert poll.status == 200 and poll.answer["results"] == []
