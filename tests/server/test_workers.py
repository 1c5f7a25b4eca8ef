"""``alongside serve --workers N``: several processes on one port over one SQLite file.

Which process takes a connection is the kernel's choice, so these tests show that the processes
serve together (writes from any of them, live replication answered, a SIGKILL of the whole group and
a restart losing nothing); ``tests/sync/test_sqlite_changes.py`` proves that a longpoll in one
process is woken by another process's write.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.documents import doc_id, item_doc
from support.processes import ALONGSIDE, AlongsideServer, proc_stat, process_tree

BOUND = 20.0  # seconds: "answered at all"; a longpoll that was never woken answers empty after 30 s


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[AlongsideServer]:
    server = AlongsideServer(tmp_path / "data", workers=2)
    server.data_dir.mkdir(parents=True)
    server.start()
    try:
        yield server
    finally:
        server.kill()


def worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes under ``parent`` (not multiprocessing's resource tracker)."""
    pids = []
    for pid in process_tree(parent)[1:]:
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                pids.append(pid)
        except OSError:
            continue
    return pids


def put(server: AlongsideServer, plan: str, token: str, item: str) -> None:
    with httpx.Client(timeout=BOUND) as fresh_connection:
        response = fresh_connection.put(
            server.plan_url(plan) + item, json=item_doc(item), headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201, response.text


def test_two_worker_processes_serve_one_sqlite_file_and_answer_longpolls(two_workers: AlongsideServer) -> None:
    assert two_workers.process is not None
    assert len(worker_pids(two_workers.process.pid)) == 2
    plan, token = two_workers.create_plan()
    auth = {"Authorization": f"Bearer {token}"}
    for round_ in range(10):
        with httpx.Client(timeout=BOUND) as client:
            since = client.get(two_workers.plan_url(plan), headers=auth).json()["update_seq"]
        answer: dict[str, Any] = {}

        def longpoll(since: int = since, answer: dict[str, Any] = answer) -> None:
            with httpx.Client(timeout=BOUND + 15) as client:
                answer["body"] = client.get(
                    two_workers.plan_url(plan) + "_changes",
                    params={"feed": "longpoll", "since": since, "timeout": 30_000},
                    headers=auth,
                ).json()

        waiting = threading.Thread(target=longpoll)
        waiting.start()
        put(two_workers, plan, token, doc_id(round_))
        waiting.join(BOUND)
        assert not waiting.is_alive(), "the longpoll was not answered"
        assert [row["id"] for row in answer["body"]["results"]] == [doc_id(round_)], answer


def test_a_sigkill_of_the_group_stops_every_process_and_a_restart_loses_nothing(
    two_workers: AlongsideServer,
) -> None:
    assert two_workers.process is not None
    plan, token = two_workers.create_plan()
    for index in range(20):
        put(two_workers, plan, token, doc_id(index))
    workers = worker_pids(two_workers.process.pid)
    two_workers.kill()  # waits until no process of the group runs
    for pid in workers:
        assert (fields := proc_stat(pid)) is None or fields[0] == "Z"  # gone, or dead and not yet reaped
    two_workers.start()
    with httpx.Client(timeout=BOUND) as client:
        rows = client.get(two_workers.plan_url(plan) + "_all_docs", headers={"Authorization": f"Bearer {token}"})
    assert sorted(row["id"] for row in rows.json()["rows"]) == sorted(doc_id(i) for i in range(20))


def test_a_worker_count_that_is_not_a_number_is_refused_in_a_sentence(tmp_path: Path) -> None:
    done = subprocess.run(
        [*ALONGSIDE, "serve", "--data", str(tmp_path), "--workers", "0"], capture_output=True, timeout=60
    )
    assert done.returncode == 2
    assert b"--workers: must be between 1 and 64" in done.stderr
