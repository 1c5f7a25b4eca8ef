"""``Cache-Control: no-store`` on every ``/api`` and ``/sync`` answer (server/security.py), errors and 201s included.

Answers there carry device tokens (the ``201`` of an enrolment or a redemption), member lists and
ciphertext: no browser or proxy cache may keep them. The sweep goes over the app's own route table, so a
route added later is covered without a change here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.routing import Route
from starlette.testclient import TestClient
from support.api import Member, admin_cli, create_plan, enrol, redemption, register_invite
from support.documents import item_doc

from alongside.crypto import PlanKey, generate_device_keys, new_document_id
from alongside.server import security
from alongside.server.app import create_app
from alongside.server.settings import Settings
from alongside.sync.store import Json

DOCS = Path(__file__).resolve().parents[2] / "docs"


def refuse_nothing_but_fail_on_a_marker(doc: Json) -> None:
    """A document validator that breaks (an unexpected error, as a bug would) on one marked document."""
    if doc.get("break") is True:
        raise RuntimeError("a bug in the server")


@dataclass
class World:
    client: TestClient
    worker: Member
    outsider: Member
    plan: str
    key: PlanKey
    spare_code: str  # a one-time enrolment code nobody used yet


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("no-store")
    admin_cli(data, "init", "--org", "Riverside Family Support", "--name", "Admin")
    worker_code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    outsider_code = admin_cli(data, "add-worker", "--name", "Bea")["code"]
    spare_code = admin_cli(data, "add-worker", "--name", "Cal")["code"]
    app = create_app(Settings(data_dir=data))
    with TestClient(app, raise_server_exceptions=False) as client:
        app.state.alongside.validate_document = refuse_nothing_but_fail_on_a_marker  # a bug, for a 500
        worker = enrol(client, worker_code)
        outsider = enrol(client, outsider_code)
        plan, key = create_plan(client, worker)
        yield World(client, worker, outsider, plan, key, spare_code)


def assert_never_stored(response: httpx.Response) -> None:
    assert response.headers.get_list("cache-control") == ["no-store"], (response.request.url, response.headers)


def concrete(path: str, world: World) -> str:
    values = {
        "plan_id": world.plan,
        "doc_id": new_document_id(),
        "account": world.worker.account,
        "device_id": world.worker.device_id,
        "invite_id": "0" * 32,
        "lookup": "0" * 32,
        "activity_id": "walk",
        "set": "0" * 32,
        "path": "x",
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)


def api_and_sync_calls() -> list[tuple[str, str]]:
    app = create_app(Settings(data_dir=Path("unused")))  # routes only
    calls = []
    for route in app.routes:
        if isinstance(route, Route) and route.path.startswith(("/api/", "/sync/")):
            calls += [(method, route.path) for method in sorted(route.methods or ())]
    return calls


CALLS = api_and_sync_calls()


def test_the_sweep_covers_both_route_families() -> None:
    paths = {path for _, path in CALLS}
    assert any(p.startswith("/api/v1/") for p in paths) and any(p.startswith("/sync/") for p in paths)
    assert len(CALLS) >= 25


@pytest.mark.parametrize(("method", "path"), CALLS, ids=[f"{m} {p}" for m, p in CALLS])
def test_every_route_answers_with_no_store_to_strangers_and_to_a_device_outside_the_plan(
    world: World, method: str, path: str
) -> None:
    url = concrete(path, world)
    for headers in ({}, {"Authorization": "Bearer nonsense"}, world.outsider.auth):
        response = world.client.request(method, url, headers=headers, json={})
        assert response.status_code < 500, response.text
        assert_never_stored(response)


def test_the_answers_that_carry_tokens_and_plan_content_are_never_stored(world: World) -> None:
    client, worker = world.client, world.worker
    keys = generate_device_keys()
    enrolled = client.post("/api/v1/enrol", json={"code": world.spare_code, "public_keys": keys.public.to_json()})
    assert enrolled.status_code == 201 and "token" in enrolled.json(), enrolled.text
    assert_never_stored(enrolled)

    invite = register_invite(client, worker, world.key)
    redeemed = client.post(
        f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=redemption(invite, generate_device_keys())
    )
    assert redeemed.status_code == 201 and "token" in redeemed.json(), redeemed.text
    assert_never_stored(redeemed)

    plan = f"/sync/{world.plan}/"
    doc_id = new_document_id()
    answers = [
        client.post("/api/v1/plans", headers=worker.auth),
        client.get("/api/v1/me", headers=worker.auth),
        client.get("/api/v1/plans", headers=worker.auth),
        client.get(f"/api/v1/plans/{world.plan}/members", headers=worker.auth),
        client.get(f"/api/v1/plans/{world.plan}/keys", headers=worker.auth),
        client.get("/api/v1/openapi.json"),
        client.put(plan + doc_id, json=item_doc(doc_id, 64), headers=worker.auth),
        client.get(plan + doc_id, headers=worker.auth),
        client.get(plan + "_changes", params={"include_docs": "true"}, headers=worker.auth),
        client.get(plan + "_changes", params={"feed": "longpoll", "since": "now", "timeout": "1"}, headers=worker.auth),
        client.post(plan + "_all_docs", json={"keys": [doc_id]}, headers=worker.auth),
        client.put(plan + "_local/checkpoint", json={"last_seq": 1}, headers=worker.auth),
        client.get(plan + "_local/checkpoint", headers=worker.auth),
        client.head(plan, headers=worker.auth),
    ]
    for answer in answers:
        assert answer.status_code in (200, 201), (answer.request.url, answer.text)
        assert_never_stored(answer)


def test_an_unexpected_error_and_unknown_paths_are_never_stored_either(world: World) -> None:
    doc_id = new_document_id()
    broken = world.client.put(
        f"/sync/{world.plan}/{doc_id}", json={**item_doc(doc_id, 64), "break": True}, headers=world.worker.auth
    )
    assert broken.status_code == 500, broken.text
    assert broken.json()["error"] == "internal_server_error"
    assert_never_stored(broken)
    for path in ("/api/v1/nothing-here", "/api/v2/plans", "/api", "/sync", "/sync/"):
        assert_never_stored(world.client.get(path))


def test_the_app_s_pages_keep_their_own_caching(world: World) -> None:
    page = world.client.get("/")
    assert "no-store" not in page.headers.get("cache-control", "") or page.status_code == 503
    assert security.is_never_stored("/api/v1/me") and security.is_never_stored("/sync/x/_changes")
    assert not security.is_never_stored("/") and not security.is_never_stored("/assets/app.js")
    assert not security.is_never_stored("/apiary") and not security.is_never_stored("/synchronise")


def test_security_md_says_so() -> None:
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    row = re.search(r"^\| `Cache-Control` \| `([^`]*)`", text, re.MULTILINE)
    assert row is not None and row.group(1) == security.NO_STORE[1].decode()
