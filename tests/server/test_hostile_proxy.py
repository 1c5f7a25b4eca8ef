"""The hostile proxy plays a consistent hostile server, also to PouchDB (the replicator the app uses).

tests/support/hostile_proxy.py stands between devices and a real server and, when told, presents an older
envelope or a bare tombstone as a new winning revision. The integrity tests rely on it with the Python
replicator; this proves the same protocol holds for PouchDB: a live replication whose longpoll is already
waiting when the proxy starts lying takes each fabricated revision as the winner, with a ``_revisions``
history extending the real one.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from support import hand_made
from support.hostile_proxy import HostileProxy
from support.plan_client import PlanDevice
from support.plan_world import PlanWorld
from support.processes import TESTS, AlongsideServer

pytestmark = pytest.mark.anyio
SCRIPT = Path(__file__).parent / "js" / "through_hostile_proxy.mjs"


@pytest.fixture
async def worker(server: AlongsideServer, tmp_path: Path) -> AsyncIterator[PlanDevice]:
    async with PlanWorld(server, tmp_path) as world:
        yield await world.start_plan("Ali")


async def test_pouchdb_through_the_proxy_takes_the_fabricated_revisions_as_winners(
    server: AlongsideServer, worker: PlanDevice
) -> None:
    sid = await worker.create("strength", {"text": "first words"})
    await worker.update(sid, {"text": "newer words"})
    gid = await worker.create("good_news", {"text": "went to the group"})
    await worker.sync()
    first, newest = hand_made.earlier_envelopes(worker, sid)
    real = {doc_id: await hand_made.server_winner(worker, doc_id) for doc_id in (sid, gid)}

    facts: list[dict[str, Any]] = []
    with HostileProxy(server.url) as proxy:
        lies = {
            sid: lambda: proxy.serve_older_version(worker.plan_id, sid, first),
            gid: lambda: proxy.serve_bare_tombstone(worker.plan_id, gid),
        }
        node = subprocess.Popen(
            ["node", str(SCRIPT)], cwd=TESTS, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert node.stdin is not None and node.stdout is not None and node.stderr is not None
        request = {"url": proxy.plan_url(worker.plan_id), "token": worker.token, "docs": [sid, gid]}
        node.stdin.write(json.dumps(request).encode())
        node.stdin.close()
        for line in node.stdout:
            facts.append(json.loads(line))
            if facts[-1].get("step") == "live":
                lies[facts[-1]["doc"]]()
        assert node.wait(timeout=120) == 0, node.stderr.read().decode()

    one_shot = facts[0]["winners"]
    assert one_shot[sid]["_rev"] == real[sid]["_rev"] and one_shot[sid]["ct"] == newest["ct"]
    changed = {fact["doc"]: fact for fact in facts if fact.get("step") == "changed"}
    # The older version arrives as a new winning revision on top of the real winner.
    older = changed[sid]["winner"]
    assert older["ct"] == first["ct"] and older["_rev"].startswith(f"{real[sid]['_revisions']['start'] + 1}-")
    assert older["_revisions"]["ids"][1:] == real[sid]["_revisions"]["ids"]
    assert changed[sid]["leaves"] == [older["_rev"]]
    # A bare tombstone on top of the real winner: PouchDB sees the document as deleted, and nothing else.
    assert changed[gid]["winner"] == {"missing": "deleted"}
    [leaf] = changed[gid]["leaves"]
    assert leaf.startswith(f"{real[gid]['_revisions']['start'] + 1}-")
    assert facts[-1] == {"done": True}
