"""Bad input on /sync gets the right status and a CouchDB-style error; nothing half-written; the server goes on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from support.answers import assert_couch_error
from support.documents import doc_id, item_doc

from alongside.server.app import create_app
from alongside.server.settings import Settings

LIMITS = {"max_request_bytes": 64 * 1024, "max_document_bytes": 8 * 1024, "max_docs_per_request": 50}


class Harness:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        directory = client.app.state.alongside.directory  # type: ignore[attr-defined]
        self.plan, self.token = self._run(directory.create_plan_with_device())
        self.other_plan, self.other_token = self._run(directory.create_plan_with_device())

    def _run(self, coro: Any) -> tuple[str, str]:
        created = self.client.portal.call(lambda: coro)  # type: ignore[union-attr]
        return created.plan_id, created.token

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def url(self, path: str = "") -> str:
        return f"/sync/{self.plan}/{path}"


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    app = create_app(Settings(data_dir=tmp_path, **LIMITS))  # type: ignore[arg-type]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Harness(client)


def sync_routes(client: TestClient) -> list[tuple[str, str]]:
    """Every (method, concrete path) of the /sync routes, from the app's own route table."""
    out = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        assert isinstance(route, Route)
        if not route.path.startswith("/sync/"):
            continue
        path = route.path.replace("{plan_id}", "PLAN").replace("{doc_id:path}", "some-doc")
        assert "{" not in path, f"route {route.path} has a parameter this test does not know"
        for method in sorted(route.methods or []):
            if method != "HEAD":
                out.append((method, path))
    return out


def test_every_sync_route_refuses_a_request_without_a_token_with_couchdb_error_shape(harness: Harness) -> None:
    routes = sync_routes(harness.client)
    assert len(routes) >= 12
    for method, path in routes:
        response = harness.client.request(method, path.replace("PLAN", harness.plan), content=b"{}")
        assert_couch_error(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_every_sync_route_refuses_a_wrong_token(harness: Harness) -> None:
    wrong = harness.token[:-4] + "AAAA"
    for method, path in sync_routes(harness.client):
        response = harness.client.request(
            method, path.replace("PLAN", harness.plan), content=b"{}", headers={"Authorization": f"Bearer {wrong}"}
        )
        assert_couch_error(response, 401, "unauthorized")


def test_every_sync_route_refuses_a_device_that_is_not_a_member_of_the_plan(harness: Harness) -> None:
    other = {"Authorization": f"Bearer {harness.other_token}"}
    for method, path in sync_routes(harness.client):
        response = harness.client.request(method, path.replace("PLAN", harness.plan), content=b"{}", headers=other)
        assert_couch_error(response, 403, "forbidden")


def test_every_sync_route_answers_an_unknown_plan_with_not_found(harness: Harness) -> None:
    for method, path in sync_routes(harness.client):
        for unknown in ("a" * 32, "not-a-plan-id"):
            response = harness.client.request(
                method, path.replace("PLAN", unknown), content=b"{}", headers=harness.auth
            )
            assert_couch_error(response, 404, "not_found")


def test_every_body_taking_route_refuses_malformed_json(harness: Harness) -> None:
    for method, path in sync_routes(harness.client):
        if method not in ("POST", "PUT") or path.endswith("/PLAN/"):
            continue
        for bad in (b"{not json", b"\xff\xfe", b"[1, 2", b'{"a": NaN}'):
            response = harness.client.request(
                method, path.replace("PLAN", harness.plan), content=bad, headers=harness.auth
            )
            assert_couch_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("_bulk_docs", {"docs": "nope"}),
        ("_bulk_docs", {"docs": [], "new_edits": "yes"}),
        ("_bulk_docs", [1, 2]),
        ("_revs_diff", {"doc": "1-abc"}),
        ("_revs_diff", {"doc": ["not-a-rev"]}),
        ("_bulk_get", {"docs": [{"id": 5}]}),
        ("_bulk_get", {"docs": [{"id": "x", "rev": "zz"}]}),
        ("_bulk_get", {}),
        ("_all_docs", {"keys": [1]}),
    ],
)
def test_wrong_types_in_protocol_bodies_are_bad_requests(harness: Harness, path: str, body: Any) -> None:
    response = harness.client.post(harness.url(path), json=body, headers=harness.auth)
    assert_couch_error(response, 400)


@pytest.mark.parametrize(
    "query",
    ["limit=ten", "limit=-1", "include_docs=maybe", "style=weird", "feed=continuous", "since=%7Bbad", "filter=_view"],
)
def test_bad_changes_parameters_are_bad_requests(harness: Harness, query: str) -> None:
    response = harness.client.get(harness.url(f"_changes?{query}"), headers=harness.auth)
    assert_couch_error(response, 400)


@pytest.mark.parametrize(
    ("doc_id", "error"),
    [
        ("_design/x", "illegal_docid"),
        ("_weird", "illegal_docid"),
        ("x" * 600, "illegal_docid"),
        ("tab\there", "illegal_docid"),
    ],
)
def test_bad_document_ids_are_refused(harness: Harness, doc_id: str, error: str) -> None:
    response = harness.client.post(
        harness.url("_bulk_docs"), json={"docs": [item_doc(doc_id, 16)]}, headers=harness.auth
    )
    assert response.status_code == 201
    [result] = response.json()
    assert result["error"] == error
    assert harness.client.get(harness.url("_all_docs"), headers=harness.auth).json()["rows"] == []


@pytest.mark.parametrize("rev", ["abc", "0-abc", "1-", "-1-abc", "1-ab cd", "1-" + "a" * 200])
def test_bad_revisions_are_refused(harness: Harness, rev: str) -> None:
    response = harness.client.get(harness.url(f"some-doc?rev={rev}"), headers=harness.auth)
    assert_couch_error(response, 400, "bad_request")
    body = {"docs": [{**item_doc(doc_id("d1"), 16), "_rev": rev}], "new_edits": False}
    response = harness.client.post(harness.url("_bulk_docs"), json=body, headers=harness.auth)
    assert response.status_code == 201
    assert response.json()[0]["error"] == "bad_request"


def test_bodies_over_the_limits_are_refused_and_nothing_is_stored(harness: Harness) -> None:
    big_request = {"docs": [item_doc(doc_id(i), 4000) for i in range(40)]}
    response = harness.client.post(harness.url("_bulk_docs"), json=big_request, headers=harness.auth)
    assert_couch_error(response, 413, "too_large")

    too_many = {"docs": [item_doc(doc_id(i), 10) for i in range(51)]}
    assert_couch_error(harness.client.post(harness.url("_bulk_docs"), json=too_many, headers=harness.auth), 413)

    big_doc = {"docs": [item_doc(doc_id("small"), 100), item_doc(doc_id("huge"), 9000)]}
    results = harness.client.post(harness.url("_bulk_docs"), json=big_doc, headers=harness.auth).json()
    assert "ok" in results[0]
    assert results[1]["error"] == "too_large"
    ids = [row["id"] for row in harness.client.get(harness.url("_all_docs"), headers=harness.auth).json()["rows"]]
    assert ids == [doc_id("small")]


def test_a_bad_document_in_a_batch_is_refused_alone_and_no_partial_document_is_visible(harness: Harness) -> None:
    docs: list[Any] = [item_doc(doc_id(f"ok-{i}"), 64) for i in range(5)]
    docs.insert(2, {"_id": doc_id("bad"), "_attachments": {}})
    docs.insert(4, "not an object")
    docs.append({**item_doc(doc_id("bad-history"), 64), "_rev": "3-abc", "_revisions": {"start": 3, "ids": ["zzz"]}})
    results = harness.client.post(harness.url("_bulk_docs"), json={"docs": docs}, headers=harness.auth).json()
    assert [("error" in r) for r in results] == [False, False, True, False, True, False, False, True]
    rows = harness.client.get(harness.url("_all_docs?include_docs=true"), headers=harness.auth).json()["rows"]
    assert sorted(row["id"] for row in rows) == sorted(doc_id(f"ok-{i}") for i in range(5))
    for row in rows:
        assert row["doc"]["ct"] == next(d for d in docs if isinstance(d, dict) and d.get("_id") == row["id"])["ct"]


def test_unknown_documents_and_local_documents_are_not_found(harness: Harness) -> None:
    assert_couch_error(harness.client.get(harness.url("nothing-here"), headers=harness.auth), 404, "not_found")
    assert_couch_error(harness.client.get(harness.url("_local/nothing"), headers=harness.auth), 404, "not_found")


def test_write_conflicts_are_reported_as_conflicts(harness: Harness) -> None:
    one = doc_id(1)
    first = harness.client.put(harness.url(one), json=item_doc(one, 16), headers=harness.auth)
    assert first.status_code == 201, first.text
    assert_couch_error(harness.client.put(harness.url(one), json=item_doc(one, 16), headers=harness.auth), 409)
    deletion = {**item_doc(one, 16), "_rev": "1-abc", "_deleted": True}  # a deletion envelope on a wrong revision
    assert_couch_error(harness.client.put(harness.url(one), json=deletion, headers=harness.auth), 409, "conflict")


def test_unknown_paths_and_methods_get_the_error_shape(harness: Harness) -> None:
    assert_couch_error(harness.client.post(harness.url("doc-1"), json={}, headers=harness.auth), 405)
    assert_couch_error(harness.client.patch(harness.url("_bulk_docs"), json={}, headers=harness.auth), 405)
    response = harness.client.get("/no/such/page")
    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}


def test_the_server_keeps_serving_after_bad_input(harness: Harness) -> None:
    for bad in (b"{", b"\x00" * 10, json.dumps({"docs": [None] * 5}).encode()):
        harness.client.post(harness.url("_bulk_docs"), content=bad, headers=harness.auth)
    response = harness.client.post(
        harness.url("_bulk_docs"), json={"docs": [item_doc(doc_id("fine"), 32)]}, headers=harness.auth
    )
    assert response.status_code == 201 and response.json()[0]["ok"] is True
    info = harness.client.get(harness.url(), headers=harness.auth).json()
    assert info["doc_count"] == 1
    assert re.fullmatch(r"[0-9a-f]{32}", info["db_name"])
