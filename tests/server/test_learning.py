"""``/api/v1/learning`` (docs/api.md §17, docs/security.md "Learning without control"), in process on the real
SQLite store: who publishes and fetches the learning key, what a fact set's ``PUT`` and ``DELETE`` accept, and that
what the server keeps of a fact set is the sealed set and the hash of its proof, nothing else.

tests/server/test_learning_linkage.py runs the real server on both backends and reads its store and its log output.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.api import Member, admin_cli, assert_api_error, create_plan, enrol, join, register_invite

from alongside.crypto import b64u_encode
from alongside.crypto.learning import (
    LearningKey,
    new_learning_key,
    open_facts,
    open_learning_grant,
    seal_facts,
    sign_learning_key,
    wrap_learning_key_for,
)
from alongside.server.app import create_app
from alongside.server.learning import LEARNING_DB
from alongside.server.settings import Settings
from alongside.sync.store import AllDocsRequest

MAX_SETS = 6  # documents in the learning database: the key document and 5 fact sets


@dataclass
class World:
    client: TestClient
    data: Path
    org: str
    admin: Member
    second_admin: Member
    worker: Member
    person: Member
    key: LearningKey

    def store(self) -> Any:
        return self.client.app.state.alongside.store  # type: ignore[attr-defined]


def publish(client: TestClient, admin: Member, org: str, key: LearningKey, grants: list[Member]) -> Any:
    doc = sign_learning_key(org=org, pub=key.pub, kid=key.kid, device_keys=admin.keys)
    doc["grants"] = [
        wrap_learning_key_for(priv=key.priv, kid=key.kid, to=m.device_id, enc_pub=m.keys.public.encryption)
        for m in grants
    ]
    return client.put("/api/v1/learning/key", json=doc, headers=admin.auth)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("learning")
    init = admin_cli(data, "init", "--org", "Riverside Family Support", "--name", "Admin")
    second_code = admin_cli(data, "add-worker", "--admin", "--name", "Second admin")["code"]
    worker_code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    settings = Settings(data_dir=data, learning_max_sets=MAX_SETS, failure_limit=1_000)
    with TestClient(create_app(settings), client=("10.0.0.9", 4321)) as client:
        admin, second, worker = enrol(client, init["code"]), enrol(client, second_code), enrol(client, worker_code)
        _, plan_key = create_plan(client, worker)
        person = join(client, register_invite(client, worker, plan_key, role="owner"))
        key = new_learning_key()
        published = publish(client, admin, init["org"], key, [admin])
        assert published.status_code == 200, published.text
        yield World(client, data, init["org"], admin, second, worker, person, key)


FACTS = {"v": 1, "activities": [{"tag": "walking group", "went": "yes", "again": "yes"}], "scales": ["up"]}


def sealed_facts(world: World, facts: dict[str, Any] = FACTS) -> dict[str, Any]:
    return seal_facts(facts, pub=world.key.pub, kid=world.key.kid)


def new_set() -> tuple[str, str]:
    return secrets.token_hex(16), b64u_encode(secrets.token_bytes(32))


def put_set(world: World, set_id: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    return world.client.put(f"/api/v1/learning/facts/{set_id}", json=body, headers=headers or {})


def delete_set(world: World, set_id: str, proof: str, headers: dict[str, str] | None = None) -> Any:
    url = f"/api/v1/learning/facts/{set_id}"
    return world.client.request("DELETE", url, json={"proof": proof}, headers=headers or {})


def stored_learning_documents(world: World) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        page = await world.store().all_docs(LEARNING_DB, AllDocsRequest(include_docs=True))
        return [row["doc"] for row in page["rows"]]

    return world.client.portal.call(read)  # type: ignore[union-attr]


def test_an_admin_device_publishes_the_key_and_every_device_in_the_organisation_fetches_it(world: World) -> None:
    client, admin, second = world.client, world.admin, world.second_admin
    # Every device of the organisation, and the person's phone through its plan, gets the key; the admin's device
    # every admin device (to add grants), any other only the signing device (to check the signature).
    for member in (world.worker, world.person):
        answer = client.get("/api/v1/learning/key", headers=member.auth)
        assert answer.status_code == 200, answer.text
        assert answer.json()["kid"] == world.key.kid
        assert [a["device"] for a in answer.json()["admins"]] == [admin.device_id]
    listed = client.get("/api/v1/learning/key", headers=admin.auth).json()["admins"]
    assert {a["device"] for a in listed} == {admin.device_id, second.device_id}

    # The second admin's device adds its own grant (the same key, its own signature): grants are merged, and
    # both admin devices open the key.
    added = publish(client, second, world.org, world.key, [second])
    assert added.status_code == 200, added.text
    document = client.get("/api/v1/learning/key", headers=second.auth).json()
    assert {g["to"] for g in document["grants"]} == {admin.device_id, second.device_id}
    assert document["by"] == second.device_id
    for member in (admin, second):
        assert open_learning_grant(document, None, member.keys) == world.key.priv

    # Publishing is for admins' devices, for their own organisation, signed by the calling device, grants to admin
    # devices only, and never another key.
    assert_api_error(publish(client, world.worker, world.org, world.key, []), 403, "forbidden")
    assert_api_error(publish(client, admin, "ab" * 16, world.key, []), 403, "forbidden")
    signed_by_second = sign_learning_key(org=world.org, pub=world.key.pub, kid=world.key.kid, device_keys=second.keys)
    assert_api_error(client.put("/api/v1/learning/key", json=signed_by_second, headers=admin.auth), 403, "forbidden")
    forged = {**signed_by_second, "by": admin.device_id}
    assert_api_error(client.put("/api/v1/learning/key", json=forged, headers=admin.auth), 400, "bad_request")
    assert_api_error(publish(client, admin, world.org, world.key, [world.worker]), 400, "bad_request")
    assert_api_error(publish(client, admin, world.org, new_learning_key(), [admin]), 409, "conflict")
    good = sign_learning_key(org=world.org, pub=world.key.pub, kid=world.key.kid, device_keys=admin.keys)
    for bad in (
        {**good, "admins": []},
        {**good, "kid": new_learning_key().kid},
        {**good, "grants": [{"to": admin.device_id}]},
        {**good, "v": 2},
        {key: value for key, value in good.items() if key != "sig"},
    ):
        assert_api_error(client.put("/api/v1/learning/key", json=bad, headers=admin.auth), 400, "bad_request")
    assert client.get("/api/v1/learning/key", headers=admin.auth).json()["kid"] == world.key.kid


def test_a_fact_set_is_stored_replaced_and_withdrawn_only_with_its_proof(world: World) -> None:
    set_id, proof = new_set()
    first = sealed_facts(world)
    stored = put_set(world, set_id, {"sealed": first, "proof": proof})
    assert (stored.status_code, stored.json()) == (201, {"ok": True}), stored.text
    changed = {**FACTS, "scales": ["down_a_little"]}
    second = sealed_facts(world, changed)
    replaced = put_set(world, set_id, {"sealed": second, "proof": proof})
    assert (replaced.status_code, replaced.json()) == (200, {"ok": True}), replaced.text
    sets = world.client.get("/api/v1/learning/facts", headers=world.admin.auth).json()["sets"]
    assert second in sets and first not in sets
    assert open_facts(second, priv=world.key.priv, kid=world.key.kid) == changed

    _, wrong = new_set()
    assert_api_error(put_set(world, set_id, {"sealed": first, "proof": wrong}), 403, "forbidden")
    assert_api_error(delete_set(world, set_id, wrong), 403, "forbidden")
    withdrawn = delete_set(world, set_id, proof)
    assert (withdrawn.status_code, withdrawn.json()) == (200, {"ok": True}), withdrawn.text
    assert second not in world.client.get("/api/v1/learning/facts", headers=world.admin.auth).json()["sets"]
    assert_api_error(delete_set(world, set_id, proof), 404, "not_found")
    assert all(doc["_id"] != f"facts:{set_id}" for doc in stored_learning_documents(world))
    # What SQLite keeps of it: the tombstone (the id and its revision ids), no content of either version.
    with closing(sqlite3.connect(world.data / "alongside.sqlite3")) as raw:
        bodies = raw.execute("SELECT body FROM bodies WHERE id = ?", (f"facts:{set_id}",)).fetchall()
    assert bodies == [("{}",)]
    # After withdrawing, the person's yes again draws a new set and proof: that is a new set.
    again, again_proof = new_set()
    assert put_set(world, again, {"sealed": first, "proof": again_proof}).status_code == 201
    assert delete_set(world, again, again_proof).status_code == 200
    for bad_id in ("F" * 32, "ab" * 15, "facts"):
        assert_api_error(put_set(world, bad_id, {"sealed": first, "proof": proof}), 404, "not_found")
        assert_api_error(delete_set(world, bad_id, proof), 404, "not_found")


def test_a_withdrawn_fact_set_is_never_stored_again_whoever_sends_it(world: World) -> None:
    """A device whose copy of the plan predates the person's stop may still send the set: the server answers 410
    and keeps nothing, with its proof or with another, so a withdrawal is final."""
    set_id, proof = new_set()
    body = {"sealed": sealed_facts(world), "proof": proof}
    assert put_set(world, set_id, body).status_code == 201
    assert delete_set(world, set_id, proof).status_code == 200
    for again in (body, {**body, "proof": new_set()[1]}):
        assert_api_error(put_set(world, set_id, again), 410, "gone")
    assert all(doc["_id"] != f"facts:{set_id}" for doc in stored_learning_documents(world))
    assert body["sealed"] not in world.client.get("/api/v1/learning/facts", headers=world.admin.auth).json()["sets"]


def test_a_fact_set_sent_with_a_device_token_or_a_cookie_is_refused_and_not_kept(world: World) -> None:
    set_id, proof = new_set()
    body = {"sealed": sealed_facts(world), "proof": proof}
    for headers in (world.person.auth, world.worker.auth, {"Authorization": "Bearer x"}, {"Cookie": "session=1"}):
        assert_api_error(put_set(world, set_id, body, headers), 400, "bad_request")
    assert all(doc["_id"] != f"facts:{set_id}" for doc in stored_learning_documents(world))
    assert put_set(world, set_id, body).status_code == 201
    assert_api_error(delete_set(world, set_id, proof, world.person.auth), 400, "bad_request")
    assert delete_set(world, set_id, proof).status_code == 200


def test_fact_sets_of_the_wrong_shape_size_or_key_are_refused(world: World) -> None:
    set_id, proof = new_set()
    sealed = sealed_facts(world)
    other = new_learning_key()
    for body, status, error in [
        ({"sealed": {**sealed, "plan": "5f0b1d2c"}, "proof": proof}, 400, "bad_request"),
        ({"sealed": sealed, "proof": proof, "device": "ab" * 16}, 400, "bad_request"),
        ({"sealed": sealed}, 400, "bad_request"),
        ({"sealed": sealed, "proof": b64u_encode(bytes(16))}, 400, "bad_request"),
        ({"sealed": {**sealed, "ct": b64u_encode(bytes(300))}, "proof": proof}, 400, "bad_request"),
        ({"sealed": seal_facts(FACTS, pub=other.pub, kid=other.kid), "proof": proof}, 409, "conflict"),
        ({"sealed": {**sealed, "ct": "A" * 40_000}, "proof": proof}, 413, "too_large"),
    ]:
        assert_api_error(put_set(world, set_id, body), status, error)
    assert all(doc["_id"] != f"facts:{set_id}" for doc in stored_learning_documents(world))


def test_only_admins_devices_list_the_sets_sorted_with_nothing_but_the_sealed_sets(world: World) -> None:
    made = [new_set() for _ in range(3)]
    for set_id, proof in made:
        assert put_set(world, set_id, {"sealed": sealed_facts(world), "proof": proof}).status_code == 201
    for member in (world.worker, world.person):
        assert_api_error(world.client.get("/api/v1/learning/facts", headers=member.auth), 403, "forbidden")
    assert_api_error(world.client.get("/api/v1/learning/facts"), 401, "unauthorized")
    sets = world.client.get("/api/v1/learning/facts", headers=world.second_admin.auth).json()["sets"]
    assert sets == sorted(sets, key=lambda s: (s["kid"], s["ct"])) and len(sets) >= 3
    assert all(set(s) == {"v", "kid", "epk", "nonce", "ct"} for s in sets)
    # What the server keeps of a set: the sealed set and the hash of its proof; no id of a plan, device or account,
    # no token, no address, no time.
    facts_docs = [doc for doc in stored_learning_documents(world) if doc["_id"].startswith("facts:")]
    assert facts_docs and all(set(doc) == {"_id", "_rev", "sealed", "proof_sha256"} for doc in facts_docs)
    text = repr(stored_learning_documents(world))
    for member in (world.worker, world.person):
        for secret in (member.device_id, member.account, member.token, member.token.split(".")[1]):
            assert secret not in text
    assert "10.0.0.9" not in text and proof not in text
    for set_id, proof in made:
        assert delete_set(world, set_id, proof).status_code == 200


def test_the_server_keeps_no_more_sets_than_the_settings_allow_and_replacing_still_works(world: World) -> None:
    kept: list[tuple[str, str]] = []
    while len(stored_learning_documents(world)) < MAX_SETS:
        set_id, proof = new_set()
        assert put_set(world, set_id, {"sealed": sealed_facts(world), "proof": proof}).status_code == 201
        kept.append((set_id, proof))
    set_id, proof = new_set()
    assert_api_error(put_set(world, set_id, {"sealed": sealed_facts(world), "proof": proof}), 507, "too_many")
    replaced = put_set(world, kept[0][0], {"sealed": sealed_facts(world), "proof": kept[0][1]})
    assert replaced.status_code == 200, replaced.text
    for set_id, proof in kept:
        assert delete_set(world, set_id, proof).status_code == 200


def test_before_learning_is_set_up_there_is_no_key_no_set_and_nothing_to_seal_to(tmp_path: Path) -> None:
    admin_code = admin_cli(tmp_path, "init", "--org", "Riverside", "--name", "Admin")["code"]
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        admin = enrol(client, admin_code)
        assert_api_error(client.get("/api/v1/learning/key", headers=admin.auth), 404, "not_found")
        assert_api_error(client.get("/api/v1/learning/key"), 401, "unauthorized")
        assert client.get("/api/v1/learning/facts", headers=admin.auth).json() == {"sets": []}
        key = new_learning_key()
        body = {"sealed": seal_facts(FACTS, pub=key.pub, kid=key.kid), "proof": b64u_encode(bytes(32))}
        assert_api_error(client.put(f"/api/v1/learning/facts/{secrets.token_hex(16)}", json=body), 409, "conflict")
