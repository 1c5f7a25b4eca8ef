"""A server told to stop (SIGTERM, as systemd or a container runtime sends it) answers its open longpolls at
once, as at their timeout (``200``, no results, the sequence they waited from), and exits: a restart never
waits out the devices' longpolls, and each device simply asks again (server/longpolls.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from support.backends import server_on_backend
from support.server_plan import Device, Organisation, ServerPlan, running_organisation

BACKENDS = ("sqlite", "couchdb")
LONGPOLL_MS = 120_000  # far longer than the server may take to stop
STOPPED_WITHIN = 30.0  # seconds: a bound on a loaded machine, still a quarter of the longpolls' timeout


@pytest.fixture(params=BACKENDS)
def organisation(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, server_env: dict[str, str]
) -> Iterator[Organisation]:
    """A server of the test's own: the test stops it."""
    directory = tmp_path_factory.mktemp(f"stopping-{request.param}")
    with running_organisation(server_on_backend(request, request.param, directory, server_env)) as organisation:
        yield organisation


@dataclass
class WaitingLongpoll:
    """A longpoll in a thread: the status and the body's lines once it ended."""

    since: Any
    waiting: threading.Event = field(default_factory=threading.Event)
    status: int | None = None
    lines: list[str] = field(default_factory=list)
    thread: threading.Thread | None = None


def open_longpoll(plan: ServerPlan, device: Device, **params: Any) -> WaitingLongpoll:
    since = device.client.get(f"/sync/{plan.plan_id}/").json()["update_seq"]
    poll = WaitingLongpoll(since)

    def run() -> None:
        query = {"feed": "longpoll", "since": since, "timeout": LONGPOLL_MS, **params}
        path = f"/sync/{plan.plan_id}/_changes"
        with device.client.stream("GET", path, params=query, timeout=LONGPOLL_MS / 1000) as response:
            poll.status = response.status_code
            poll.waiting.set()
            poll.lines = list(response.iter_lines())

    poll.thread = threading.Thread(target=run, daemon=True)
    poll.thread.start()
    return poll


def test_a_server_told_to_stop_answers_its_open_longpolls_and_exits_without_waiting_out_their_timeout(
    plan: ServerPlan,
) -> None:
    polls = [open_longpoll(plan, plan.owner), open_longpoll(plan, plan.reader, heartbeat=1000, include_docs="true")]
    assert polls[1].waiting.wait(STOPPED_WITHIN)  # its first heartbeat: the request is waiting on the server
    process = plan.server.process
    assert process is not None
    # The plain longpoll, opened first, is waiting too by then: it has nothing to answer before its timeout.
    for poll in polls:
        assert poll.thread is not None and poll.thread.is_alive()

    process.terminate()
    process.wait(timeout=STOPPED_WITHIN)  # uvicorn stops, then ends with the signal it was sent (-15)

    for poll in polls:
        assert poll.thread is not None
        poll.thread.join(STOPPED_WITHIN)
        assert not poll.thread.is_alive(), "the longpoll was not answered"
        assert poll.status == 200, poll.lines
        answer = [json.loads(line) for line in poll.lines if line.strip()]
        # Nothing new, and where to go on from (CouchDB's sequences are opaque: not always spelt as `since` was).
        assert len(answer) == 1 and answer[0]["results"] == [] and "last_seq" in answer[0], poll.lines
    assert set(polls[1].lines[:-1]) <= {""}  # heartbeats, then the answer
