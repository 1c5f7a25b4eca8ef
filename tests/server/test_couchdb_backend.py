"""``alongside serve --couchdb URL``: stateless server processes sharing one CouchDB.

pouchdb-server from npm stands in for Apache CouchDB (``COUCHDB_URL`` replaces it when set). The
CouchDB URL carries credentials, as in production; they must never reach a response or a log.
"""

from __future__ import annotations

import base64
import concurrent.futures
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support.couchdb_release import ONLY_A_SHARED_COUCHDB
from support.documents import doc_id, item_doc
from support.processes import AlongsideServer, CouchDBPeer

PASSWORD = "c0uch-Secret-pw"
BOUND = 30.0  # seconds: an answer at all, never a performance claim


def with_credentials(url: str, user: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{user}:{password}@{rest}"


@pytest.fixture
def couch(pouchdb_server: CouchDBPeer) -> str:
    """The CouchDB URL the servers get: the peer with an admin, credentials in the URL."""
    return pouchdb_server.with_admin("admin", PASSWORD)


@pytest.fixture
def two_servers(tmp_path: Path, couch: str) -> Iterator[tuple[AlongsideServer, AlongsideServer, str, str]]:
    """``(a, b, plan, token)``: A started with ``--couchdb URL``, B with ``ALONGSIDE_COUCHDB_URL``; the plan
    was made by ``alongside admin create-plan --couchdb URL``."""
    a = AlongsideServer(data_dir=tmp_path / "a", storage_args=["--couchdb", couch])
    b = AlongsideServer(data_dir=tmp_path / "b", env={"ALONGSIDE_COUCHDB_URL": couch})
    plan, token = a.create_plan()
    try:
        a.start()
        b.start()
        yield a, b, plan, token
    finally:
        a.stop()
        b.stop()


def client(token: str) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=BOUND)


def test_two_processes_serve_one_plan_from_one_couchdb(
    two_servers: tuple[AlongsideServer, AlongsideServer, str, str], couch: str, tmp_path: Path
) -> None:
    a, b, plan, token = two_servers
    with client(token) as http:
        assert http.get(f"{a.url}/healthz").json() == {"status": "ok", "storage": "couchdb"}
        first = item_doc(doc_id("first"))
        written = http.post(a.plan_url(plan) + "_bulk_docs", json={"docs": [first]})
        assert written.status_code == 201, written.text
        [result] = written.json()
        read = http.get(b.plan_url(plan) + first["_id"])
        assert read.status_code == 200, read.text
        assert read.json() == {**first, "_rev": result["rev"]}
        assert http.get(b.plan_url(plan)).json()["doc_count"] == 1

        since = http.get(b.plan_url(plan) + "_changes").json()["last_seq"]
        second = item_doc(doc_id("second"))
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            waiting = pool.submit(
                http.get, b.plan_url(plan) + "_changes", params={"feed": "longpoll", "since": since, "timeout": 25_000}
            )
            time.sleep(0.5)
            assert not waiting.done()
            assert http.post(a.plan_url(plan) + "_bulk_docs", json={"docs": [second]}).status_code == 201
            woke = waiting.result(timeout=BOUND)
        assert woke.status_code == 200, woke.text
        assert [row["id"] for row in woke.json()["results"]] == [second["_id"]]

    with httpx.Client(timeout=BOUND) as admin:
        names = admin.get(f"{couch}/_all_dbs").json()
    assert "alongside-directory" in names and f"alongside-plan-{plan}" in names


@pytest.mark.skipif(ONLY_A_SHARED_COUCHDB, reason="stops its own CouchDB")
def test_couchdb_outage_gives_503_without_credentials_and_recovers(
    two_servers: tuple[AlongsideServer, AlongsideServer, str, str], pouchdb_server: CouchDBPeer
) -> None:
    a, b, plan, token = two_servers
    secrets = [PASSWORD, base64.b64encode(f"admin:{PASSWORD}".encode()).decode()]
    doc = item_doc(doc_id("kept"))
    with client(token) as http:
        assert http.post(a.plan_url(plan) + "_bulk_docs", json={"docs": [doc]}).status_code == 201
        pouchdb_server.stop()
        attempts = [
            ("GET", b.plan_url(plan), None),
            ("GET", b.plan_url(plan) + doc["_id"], None),
            ("GET", a.plan_url(plan) + "_changes?feed=longpoll&since=0&timeout=10000", None),
            ("POST", a.plan_url(plan) + "_bulk_docs", {"docs": [item_doc(doc_id("lost"))]}),
            ("POST", b.plan_url(plan) + "_revs_diff", {doc["_id"]: ["1-abc"]}),
        ]
        for method, url, body in attempts:
            response = http.request(method, url, json=body)
            assert response.status_code == 503, (url, response.text)
            payload = response.json()
            assert set(payload) == {"error", "reason"}
            assert payload["error"] == "service_unavailable"
            for secret in secrets:
                assert secret not in response.text

        restarted = pouchdb_server.restarted()
        try:
            back = http.get(b.plan_url(plan) + doc["_id"])
            assert back.status_code == 200, back.text
            assert back.json()["ct"] == doc["ct"]
            again = http.post(a.plan_url(plan) + "_bulk_docs", json={"docs": [item_doc(doc_id("after"))]})
            assert again.status_code == 201 and "ok" in again.json()[0], again.text
        finally:
            restarted.stop()
    a.stop()
    b.stop()
    logs = a.logs() + b.logs()
    assert "did not answer" in logs  # the operator sees the outage...
    for secret in secrets:
        assert secret not in logs  # ...and not the credentials
