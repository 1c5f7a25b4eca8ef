"""``_changes?feed=longpoll`` on both backends: it answers when there is something to send, and only then."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
from support.documents import doc_id, item_doc
from support.processes import AlongsideServer

BOUND = 30.0  # seconds: "answered at all"


def start_longpoll(
    server: AlongsideServer, plan: str, token: str, **params: Any
) -> tuple[threading.Thread, dict[str, Any]]:
    answer: dict[str, Any] = {}

    def wait() -> None:
        with httpx.Client(timeout=BOUND + 30) as client:
            started = time.monotonic()
            response = client.get(
                server.plan_url(plan) + "_changes",
                params={"feed": "longpoll", **params},
                headers={"Authorization": f"Bearer {token}"},
            )
            answer.update(status=response.status_code, body=response.json(), seconds=time.monotonic() - started)

    thread = threading.Thread(target=wait)
    thread.start()
    return thread, answer


def put(server: AlongsideServer, plan: str, token: str, item: str) -> None:
    response = httpx.put(
        server.plan_url(plan) + item, json=item_doc(item), headers={"Authorization": f"Bearer {token}"}, timeout=BOUND
    )
    assert response.status_code == 201, response.text


def current_seq(server: AlongsideServer, plan: str, token: str) -> Any:
    return httpx.get(server.plan_url(plan), headers={"Authorization": f"Bearer {token}"}, timeout=BOUND).json()[
        "update_seq"
    ]


def test_a_longpoll_answers_with_the_change_written_while_it_waits(alongside_server: AlongsideServer) -> None:
    plan, token = alongside_server.create_plan()
    put(alongside_server, plan, token, doc_id("before"))
    waiting, answer = start_longpoll(
        alongside_server, plan, token, since=current_seq(alongside_server, plan, token), timeout=25_000
    )
    time.sleep(0.5)
    assert waiting.is_alive()
    put(alongside_server, plan, token, doc_id("during"))
    waiting.join(BOUND)
    assert not waiting.is_alive()
    assert answer["status"] == 200
    assert [row["id"] for row in answer["body"]["results"]] == [doc_id("during")]


def test_a_filtered_longpoll_waits_through_changes_to_other_documents(alongside_server: AlongsideServer) -> None:
    plan, token = alongside_server.create_plan()
    watched = doc_id("watched")
    waiting, answer = start_longpoll(
        alongside_server,
        plan,
        token,
        since=current_seq(alongside_server, plan, token),
        timeout=25_000,
        filter="_doc_ids",
        doc_ids=f'["{watched}"]',
    )
    time.sleep(0.5)
    for index in range(3):
        put(alongside_server, plan, token, doc_id(f"other-{index}"))
    time.sleep(1.0)
    assert waiting.is_alive(), answer  # other documents changed: nothing to send yet
    put(alongside_server, plan, token, watched)
    waiting.join(BOUND)
    assert not waiting.is_alive()
    assert answer["status"] == 200
    assert [row["id"] for row in answer["body"]["results"]] == [watched]


def test_a_longpoll_with_nothing_new_answers_empty_at_its_timeout(alongside_server: AlongsideServer) -> None:
    plan, token = alongside_server.create_plan()
    put(alongside_server, plan, token, doc_id("only"))
    since = current_seq(alongside_server, plan, token)
    waiting, answer = start_longpoll(alongside_server, plan, token, since=since, timeout=1_000)
    waiting.join(BOUND)
    assert answer["status"] == 200
    assert answer["body"]["results"] == []
    assert answer["seconds"] >= 0.9
