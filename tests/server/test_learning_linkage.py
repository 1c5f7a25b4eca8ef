"""Learning facts leave no trace that ties them to a plan, a device or an account (docs/security.md, "Learning
without control"): the real ``alongside serve`` on each backend, logging at ``debug``, takes fact sets from devices
that send no token; then its store and its log output are read. No learning fact is in the store in clear (a canary
tag), and nothing in the learning database or in the log names a plan, a device, an account, a token, the client's
address, a set's id (in the log) or a time."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.backends import server_on_backend
from support.processes import AlongsideServer

from alongside.crypto import b64u_encode, generate_device_keys
from alongside.crypto.learning import new_learning_key, open_facts, seal_facts, sign_learning_key
from alongside.server.errors import logged_path
from alongside.server.learning import LEARNING_DB
from alongside.server.settings import Settings
from alongside.server.storage import open_store
from alongside.sync.store import AllDocsRequest

BACKENDS = ("sqlite", "couchdb")


@pytest.fixture(params=BACKENDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AlongsideServer]:
    running = server_on_backend(request, request.param, tmp_path)
    running.log_level = "debug"
    running.start()
    try:
        yield running
    finally:
        running.stop()


def enrol(client: httpx.Client, code: str) -> dict[str, Any]:
    keys = generate_device_keys()
    answer = client.post("/api/v1/enrol", json={"code": code, "public_keys": keys.public.to_json()})
    assert answer.status_code == 201, answer.text
    return {**answer.json(), "keys": keys, "auth": {"Authorization": f"Bearer {answer.json()['token']}"}}


async def learning_documents(server: AlongsideServer) -> list[dict[str, Any]]:
    """Every document of the learning database, read from the store the server uses."""
    if server.couchdb is not None:
        settings = Settings(couchdb_url=server.couchdb.url, couchdb_prefix=server.couchdb_prefix)
    else:
        settings = Settings(data_dir=server.data_dir)
    store = open_store(settings)
    await store.open()
    try:
        page = await store.all_docs(LEARNING_DB, AllDocsRequest(include_docs=True))
        return [row["doc"] for row in page["rows"]]
    finally:
        await store.close()


@pytest.mark.anyio
async def test_the_store_and_the_log_hold_no_fact_in_clear_and_nothing_that_ties_a_set_to_a_plan(
    server: AlongsideServer,
) -> None:
    admin_code = server.admin("init", "--org", "Riverside", "--name", "Admin", "--json")["code"]
    worker_code = server.admin("add-worker", "--name", "Ali", "--json")["code"]
    with httpx.Client(base_url=server.url) as client:
        admin, worker = enrol(client, admin_code), enrol(client, worker_code)
        plans = [client.post("/api/v1/plans", headers=worker["auth"]).json()["plan_id"] for _ in range(2)]
        key = new_learning_key()
        org = client.get("/api/v1/me", headers=admin["auth"]).json()["org"]
        document = sign_learning_key(org=org, pub=key.pub, kid=key.kid, device_keys=admin["keys"])
        assert client.put("/api/v1/learning/key", json=document, headers=admin["auth"]).status_code == 200

        # Seven plans' devices send their facts, each with a canary tag; no token, no cookie.
        canaries = [f"canary-{secrets.token_hex(6)}" for _ in range(7)]
        sets = []
        for canary in canaries:
            set_id, proof = secrets.token_hex(16), b64u_encode(secrets.token_bytes(32))
            facts = {"v": 1, "activities": [{"tag": canary, "went": "yes", "again": "yes"}], "scales": ["up"]}
            body = {"sealed": seal_facts(facts, pub=key.pub, kid=key.kid), "proof": proof}
            answer = client.put(f"/api/v1/learning/facts/{set_id}", json=body)
            assert answer.status_code == 201, answer.text
            sets.append((set_id, proof, body))
        # One plan's facts change; another plan's person withdraws.
        set_id, proof, body = sets[0]
        changed = {"v": 1, "activities": [{"tag": canaries[0], "went": "yes", "again": "no"}], "scales": ["same"]}
        replaced = {**body, "sealed": seal_facts(changed, pub=key.pub, kid=key.kid)}
        assert client.put(f"/api/v1/learning/facts/{set_id}", json=replaced).status_code == 200
        gone_id, gone_proof, _ = sets[1]
        withdrawn = client.request("DELETE", f"/api/v1/learning/facts/{gone_id}", json={"proof": gone_proof})
        assert withdrawn.status_code == 200
        # Sent again by a device that has not seen the stop: refused for good, on either backend's tombstone.
        gone_body = sets[1][2]
        assert client.put(f"/api/v1/learning/facts/{gone_id}", json=gone_body).status_code == 410
        # A wrong proof and a token are refused, and leave no more trace than the rest.
        wrong = client.request("DELETE", f"/api/v1/learning/facts/{set_id}", json={"proof": gone_proof})
        assert wrong.status_code == 403
        assert client.put(f"/api/v1/learning/facts/{set_id}", json=body, headers=worker["auth"]).status_code == 400

        listed = client.get("/api/v1/learning/facts", headers=admin["auth"]).json()["sets"]
        opened = [open_facts(sealed, priv=key.priv, kid=key.kid) for sealed in listed]
        assert len(opened) == 6
        assert {facts["activities"][0]["tag"] for facts in opened} == set(canaries) - {canaries[1]}

    documents = await learning_documents(server)
    stored = json.dumps(documents)
    # Only the sealed sets and the hashes of their proofs; the key document; nothing else.
    facts_docs = [d for d in documents if d["_id"].startswith("facts:")]
    assert len(facts_docs) == 6 and all(set(d) == {"_id", "_rev", "sealed", "proof_sha256"} for d in facts_docs)
    assert [d["_id"] for d in documents if not d["_id"].startswith("facts:")] == [f"learning-key:{org}"]
    assert f"facts:{gone_id}" not in stored
    log = server.logs()
    for text, where in ((stored, "the learning database"), (log, "the log")):
        for canary in canaries:
            assert canary not in text, where
        for value in (*plans, worker["device_id"], worker["account"], worker["token"], admin["token"]):
            assert value not in text, where
        # The client's address (the server's own listening address is in its start-up line, and only there).
        assert re.findall(r"127\.0\.0\.1(?::(\d+))?", text) == ([] if text is stored else [str(server.port)]), where
        for _, proof, _ in sets:
            assert proof not in text, where
    for set_id, _, _ in sets:
        assert set_id not in log
    if server.couchdb is None:  # the SQLite file itself: no canary in clear anywhere in it
        for path in server.data_dir.rglob("*"):
            if path.is_file():
                raw = path.read_bytes()
                assert not any(canary.encode() in raw for canary in canaries), path
    assert logged_path(f"/api/v1/learning/facts/{set_id}") == "/api/v1/learning/facts/{set}"
