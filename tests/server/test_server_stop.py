"""A server told to stop (SIGTERM, as systemd or a container runtime sends it) answers its open longpolls at
once, as at their timeout (``200``, no results, where to go on from), and exits: a restart never waits out
the devices' longpolls, and each device simply asks again (server/longpolls.py).

The module's one test stops the server of the module's ``organisation`` (tests/server/conftest.py): a test
added here would find it stopped."""

from __future__ import annotations

import json

from support.longpoll_thread import start_longpoll
from support.server_plan import ServerPlan

LONGPOLL_MS = 120_000  # far longer than the server may take to stop
STOPPED_WITHIN = 30.0  # seconds: a bound on a loaded machine, still a quarter of the longpolls' timeout


def test_a_server_told_to_stop_answers_its_open_longpolls_and_exits_without_waiting_out_their_timeout(
    plan: ServerPlan,
) -> None:
    polls = [
        start_longpoll(plan, plan.owner, LONGPOLL_MS, LONGPOLL_MS / 1000),
        start_longpoll(plan, plan.reader, LONGPOLL_MS, LONGPOLL_MS / 1000, heartbeat=1000, include_docs="true"),
    ]
    assert polls[1].opened.wait(STOPPED_WITHIN)  # its first heartbeat: the request is waiting on the server
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
