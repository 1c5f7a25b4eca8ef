"""The whole life of a plan's membership, through the command line and HTTP only (no reaching into storage).

init → add worker → enrol the worker's device → create a plan → invite → the person's device redeems →
both sync → the person removes the worker → the worker's device is refused while the person's goes on →
rotation recorded → a document under the old key id is refused.
"""

from __future__ import annotations

from typing import Any

import httpx
from support.processes import AlongsideServer

from alongside.crypto import (
    DeviceKeys,
    Keyring,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    invite_auth_token,
    invite_verifier,
    new_document_id,
    new_plan_key,
    open_grant,
    open_invite,
    open_item,
    rotate_plan_key,
    seal_item,
)


def admin(server: AlongsideServer, *args: str) -> dict[str, str]:
    result: dict[str, str] = server.admin(*args, "--json")
    return result


def enrol(server: AlongsideServer, code: str, keys: DeviceKeys) -> httpx.Client:
    response = httpx.post(f"{server.url}/api/v1/enrol", json={"code": code, "public_keys": keys.public.to_json()})
    assert response.status_code == 201, response.text
    assert response.json()["device_id"] == keys.device_id
    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {response.json()['token']}"})


def push(client: httpx.Client, plan_id: str, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post(f"/sync/{plan_id}/_bulk_docs", json={"docs": docs})
    assert response.status_code == 201, response.text
    results: list[dict[str, Any]] = response.json()
    return results


def pull(client: httpx.Client, plan_id: str) -> list[dict[str, Any]]:
    response = client.get(f"/sync/{plan_id}/_all_docs", params={"include_docs": "true"})
    assert response.status_code == 200, response.text
    return [row["doc"] for row in response.json()["rows"]]


def test_plan_membership_lifecycle_over_http(alongside_server: AlongsideServer) -> None:
    server = alongside_server
    admin_code = admin(server, "init", "--org", "Riverside Family Support", "--name", "Admin")["code"]
    worker_code = admin(server, "add-worker", "--name", "Ali")["code"]
    admin_client = enrol(server, admin_code, generate_device_keys())
    assert admin_client.get("/api/v1/me").json()["kind"] == "admin"

    # The worker's tablet enrols and starts a plan with the person.
    worker_keys = generate_device_keys()
    worker = enrol(server, worker_code, worker_keys)
    created = worker.post("/api/v1/plans")
    assert created.status_code == 201, created.text
    plan_id = created.json()["plan_id"]
    key = new_plan_key(plan_id)
    devices = {worker_keys.device_id: worker_keys.public}
    first = seal_item(
        {"section": "strengths", "text": "I'm good with my hands"},
        plan_id=plan_id,
        doc_id=new_document_id(),
        key=key,
        author=worker_keys,
    )
    results = push(worker, plan_id, [grant_plan_key(key, recipient=worker_keys.public, granter=worker_keys), first])
    assert all(r.get("ok") for r in results), results

    # An invite for the person's own phone, registered by the tablet, shown as a QR code.
    invite = create_invite(key, inviter=worker_keys)
    token = invite_auth_token(invite)
    registered = worker.post(
        f"/api/v1/plans/{plan_id}/invites",
        json={
            "invite_id": invite.invite_id_hex,
            "verifier": invite_verifier(token),
            "expires_at": invite.expires_at,
            "role": "owner",
        },
    )
    assert registered.status_code == 201, registered.text

    # The person's phone reads the QR, learns the plan key, and redeems the invite once.
    person_keys = generate_device_keys()
    joined = open_invite(invite.to_text())
    assert joined.plan_key.kid == key.kid
    redeemed = httpx.post(
        f"{server.url}/api/v1/invites/{invite.invite_id_hex}/redeem",
        json={"auth_token": joined.auth_token, "public_keys": person_keys.public.to_json()},
    )
    assert redeemed.status_code == 201, redeemed.text
    assert redeemed.json()["role"] == "owner"
    assert redeemed.json()["account"] == created.json()["owner_account"]
    person = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {redeemed.json()['token']}"})
    again = httpx.post(
        f"{server.url}/api/v1/invites/{invite.invite_id_hex}/redeem",
        json={"auth_token": joined.auth_token, "public_keys": generate_device_keys().public.to_json()},
    )
    assert again.status_code == 403

    # Both devices sync the plan and read each other's items.
    devices[person_keys.device_id] = person_keys.public
    keyring = Keyring(plan_id, [joined.plan_key])
    mine = seal_item(
        {"section": "goals", "text": "Walk the dog every morning"},
        plan_id=plan_id,
        doc_id=new_document_id(),
        key=key,
        author=person_keys,
    )
    assert push(person, plan_id, [mine])[0]["ok"] is True
    texts = set()
    for doc in pull(worker, plan_id):
        if doc["kind"] == "item":
            texts.add(open_item(doc, plan_id=plan_id, keyring=keyring, devices=devices).body["text"])
    assert texts == {"I'm good with my hands", "Walk the dog every morning"}

    members = person.get(f"/api/v1/plans/{plan_id}/members").json()["members"]
    roles = {m["role"]: m for m in members}
    assert set(roles) == {"owner", "worker"}
    worker_account = roles["worker"]["account"]

    # The person removes the worker: the worker's very next request is refused; the person goes on.
    removed = person.delete(f"/api/v1/plans/{plan_id}/members/{worker_account}")
    assert removed.status_code == 200, removed.text
    refused = worker.get(f"/sync/{plan_id}/_changes")
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert worker.post(f"/sync/{plan_id}/_bulk_docs", json={"docs": []}).status_code == 403
    assert person.get(f"/sync/{plan_id}/_changes").status_code == 200

    # The person's phone rotates the key for the remaining devices and records the rotation.
    new_key, grants = rotate_plan_key(keyring, remaining=[person_keys.public], granter=person_keys)
    assert all(r.get("ok") for r in push(person, plan_id, grants))
    recorded = person.post(
        f"/api/v1/plans/{plan_id}/rotations", json={"epoch": new_key.epoch, "kid": new_key.kid, "retire": [key.kid]}
    )
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["retired"] == [key.kid]

    stale = seal_item(
        {"section": "steps", "text": "written under the old key"},
        plan_id=plan_id,
        doc_id=new_document_id(),
        key=key,
        author=person_keys,
    )
    fresh = seal_item(
        {"section": "steps", "text": "written under the new key"},
        plan_id=plan_id,
        doc_id=new_document_id(),
        key=new_key,
        author=person_keys,
    )
    stale_result, fresh_result = push(person, plan_id, [stale, fresh])
    assert stale_result["error"] == "forbidden"
    assert fresh_result["ok"] is True
    ids = {doc["_id"] for doc in pull(person, plan_id)}
    assert fresh["_id"] in ids and stale["_id"] not in ids

    # The new key reaches only the remaining device.
    grant_docs = [d for d in pull(person, plan_id) if d["kind"] == "keyring" and d["kid"] == new_key.kid]
    assert [d["to"] for d in grant_docs] == [person_keys.device_id]
    assert open_grant(grant_docs[0], plan_id=plan_id, device=person_keys, trusted=devices).key == new_key
