"""Replication on one bar of signal: through the flaky proxy (tests/support/flaky_proxy.py), with a fixed seed
of requests cut short, answers cut short or lost after the server committed, and delays, a push completes and
the server ends with exactly what the device holds, on both storage backends.

PouchDB in Node runs its replication again after each failure, as the app's live sync does (each run resumes
from its checkpoints); the Python replicator retries its own requests. Nothing here is timed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from support.documents import doc_id, item_doc
from support.flaky_proxy import Fault, FlakyProxy
from support.processes import AlongsideServer, run_node

from alongside.sync.peers import HttpPeer, StorePeer
from alongside.sync.replicator import replicate
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import AllDocsRequest

JS = Path(__file__).parent / "js"
SEED = 14
# PouchDB starts its replication again after a fault; the Python replicator sends the failed request again.
FLAKY = {Fault.DELAY: 0.06, Fault.DROP_REQUEST: 0.02, Fault.TRUNCATE_ANSWER: 0.01, Fault.LOSE_ANSWER: 0.02}
FLAKIER = {Fault.DELAY: 0.10, Fault.DROP_REQUEST: 0.05, Fault.TRUNCATE_ANSWER: 0.05, Fault.LOSE_ANSWER: 0.05}


def server_revs(server: AlongsideServer, plan_id: str, token: str) -> dict[str, str]:
    """Every live document's winning revision, read from the server directly (not through the proxy)."""
    response = httpx.get(
        server.plan_url(plan_id) + "_all_docs", headers={"Authorization": f"Bearer {token}"}, timeout=60
    )
    assert response.status_code == 200, response.text
    return {row["id"]: row["value"]["rev"] for row in response.json()["rows"]}


@pytest.mark.slow
def test_a_pouchdb_push_of_5000_documents_through_drops_and_delays_completes(
    alongside_server: AlongsideServer,
) -> None:
    plan_id, token = alongside_server.create_plan()
    with FlakyProxy(alongside_server.url, seed=SEED, rates=FLAKY).running() as proxy:
        facts: Any = run_node(
            JS / "push_flaky.mjs", input_json={"url": f"{proxy.url}/sync/{plan_id}/", "token": token, "count": 5000}
        )
        faults = {e.fault for e in proxy.exchanges}
    runs = facts["runs"]
    assert runs[-1]["ok"] is True and runs[-1]["doc_write_failures"] == 0, runs[-3:]
    # The schedule did cut the push short, in every way, and PouchDB went on each time.
    assert len(runs) > 1 and faults >= {Fault.DROP_REQUEST, Fault.TRUNCATE_ANSWER, Fault.LOSE_ANSWER}
    assert facts["source_count"] == 5000
    assert server_revs(alongside_server, plan_id, token) == facts["source_revs"]


@pytest.mark.anyio
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_the_python_replicator_pushes_and_pulls_through_drops_and_delays(
    alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    plan_id, token = alongside_server.create_plan()
    source, fresh = SqliteStore(tmp_path / "source"), SqliteStore(tmp_path / "fresh")
    await source.open()
    await fresh.open()
    try:
        await source.create_database("plan")
        await fresh.create_database("plan")
        docs = [{**item_doc(doc_id(f"replicated-{i}"), 300), "_rev": f"1-{i:032x}"} for i in range(600)]
        await source.bulk_docs("plan", docs, new_edits=False)
        headers = {"Authorization": f"Bearer {token}"}
        with FlakyProxy(alongside_server.url, seed=SEED, rates=FLAKIER).running() as proxy:
            async with httpx.AsyncClient(headers=headers, timeout=60) as client:
                remote = HttpPeer(client, f"{proxy.url}/sync/{plan_id}/", retries=8, backoff=0.05)
                pushed = await replicate(StorePeer(source, "plan"), remote, batch_size=50)
                pulled = await replicate(remote, StorePeer(fresh, "plan"), batch_size=50)
            faults = {e.fault for e in proxy.exchanges}
        assert pushed.docs_written == 600 and pulled.docs_written == 600
        assert faults >= {Fault.DROP_REQUEST, Fault.TRUNCATE_ANSWER, Fault.LOSE_ANSWER}
        expected = {doc["_id"]: doc["_rev"] for doc in docs}
        assert server_revs(alongside_server, plan_id, token) == expected
        page = await fresh.all_docs("plan", AllDocsRequest())
        assert {row["id"]: row["value"]["rev"] for row in page["rows"]} == expected
    finally:
        await source.close()
        await fresh.close()
