"""Plans started and invites made with no connection (docs/api.md §5 to §7), on both storage backends.

A worker's device draws a plan id itself and sets the plan up later, safely repeatable. An invite made
offline carries the inviting device's signed registration (docs/crypto.md §11), so the new device can
have it registered and redeemed in one step, under the same rules as registering it from the inviting
device; the inviting device's late registration of the same invite is then answered as done.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
from support.api import assert_api_error
from support.processes import AlongsideServer

from alongside.crypto import (
    DeviceKeys,
    Invite,
    PlanKey,
    b64u_decode,
    b64u_encode,
    create_invite,
    generate_device_keys,
    invite_auth_token,
    invite_registration,
    new_plan_id,
    new_plan_key,
)


@dataclass
class Device:
    keys: DeviceKeys
    client: httpx.Client
    account: str


def enrol(server: AlongsideServer, code: str) -> Device:
    keys = generate_device_keys()
    response = httpx.post(f"{server.url}/api/v1/enrol", json={"code": code, "public_keys": keys.public.to_json()})
    assert response.status_code == 201, response.text
    body = response.json()
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {body['token']}"})
    return Device(keys, client, body["account"])


def workers(server: AlongsideServer, count: int) -> list[Device]:
    server.admin("init", "--org", "Riverside Family Support", "--name", "Admin", "--json")
    codes = [server.admin("add-worker", "--name", f"Worker {i}", "--json")["code"] for i in range(count)]
    return [enrol(server, code) for code in codes]


def redeem(server: AlongsideServer, invite: Invite, *, registration: Any = None, keys: DeviceKeys | None = None) -> Any:
    body: dict[str, Any] = {
        "auth_token": invite_auth_token(invite),
        "public_keys": (keys or generate_device_keys()).public.to_json(),
    }
    if registration is not None:
        body["registration"] = registration
    return httpx.post(f"{server.url}/api/v1/invites/{invite.invite_id_hex}/redeem", json=body)


def register(device: Device, invite: Invite) -> Any:
    """What the inviting device's queue sends once it has a connection (api.md §6)."""
    fields = ("invite_id", "verifier", "expires_at", "role", "access")
    body = {k: v for k, v in invite_registration(invite).items() if k in fields}
    return device.client.post(f"/api/v1/plans/{invite.plan_id}/invites", json=body)


def joined_device(server: AlongsideServer, response: Any, keys: DeviceKeys) -> Device:
    assert response.status_code == 201, response.text
    body = response.json()
    client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {body['token']}"})
    return Device(keys, client, body["account"])


def test_a_plan_started_offline_is_set_up_with_its_own_id_once_and_repeats_are_safe(
    alongside_server: AlongsideServer,
) -> None:
    worker, other = workers(alongside_server, 2)
    plan_id = new_plan_id()

    first = worker.client.post("/api/v1/plans", json={"plan_id": plan_id})
    assert first.status_code == 201, first.text
    assert first.json()["plan_id"] == plan_id
    # The answer was lost and the queue sends it again: the same plan, not an error.
    again = worker.client.post("/api/v1/plans", json={"plan_id": plan_id})
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert worker.client.get(f"/sync/{plan_id}/").status_code == 200
    roles = {m["role"] for m in worker.client.get(f"/api/v1/plans/{plan_id}/members").json()["members"]}
    assert roles == {"owner", "worker"}

    # The same id from anyone else is a conflict; the other worker gets no access.
    taken = other.client.post("/api/v1/plans", json={"plan_id": plan_id})
    assert_api_error(taken, 409, "conflict")
    assert other.client.get(f"/sync/{plan_id}/").status_code == 403

    for bad in ("ABC", "0" * 31, "g" * 32, 42, "0" * 32 + "\n"):
        assert_api_error(worker.client.post("/api/v1/plans", json={"plan_id": bad}), 400, "bad_request")
    assert_api_error(worker.client.post("/api/v1/plans", json=[plan_id]), 400, "bad_request")
    # Without a body (or without a plan id) the server still draws the id.
    drawn = worker.client.post("/api/v1/plans")
    assert drawn.status_code == 201 and drawn.json()["plan_id"] != plan_id
    assert worker.client.post("/api/v1/plans", json={}).status_code == 201


def test_the_same_plan_set_up_sent_several_times_at_once_makes_one_plan_and_answers_every_copy(
    alongside_server: AlongsideServer,
) -> None:
    # A page reloaded while its first set-up is still on the wire sends the same request again at once.
    [worker] = workers(alongside_server, 1)
    plan_id = new_plan_id()
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: worker.client.post("/api/v1/plans", json={"plan_id": plan_id}), range(6)))
    assert sorted(answer.status_code for answer in answers) == [200] * 5 + [201], [a.text for a in answers]
    assert len({answer.json()["owner_account"] for answer in answers}) == 1
    members = worker.client.get(f"/api/v1/plans/{plan_id}/members").json()["members"]
    assert sorted(m["role"] for m in members) == ["owner", "worker"]
    assert worker.client.get(f"/sync/{plan_id}/").status_code == 200


def test_a_signed_registration_admits_once_and_the_late_registration_is_answered_as_done(
    alongside_server: AlongsideServer,
) -> None:
    server = alongside_server
    [worker] = workers(server, 1)
    plan_id = worker.client.post("/api/v1/plans").json()["plan_id"]
    key = new_plan_key(plan_id)

    # Made offline: never registered by the worker's device before the person's phone redeems it.
    invite = create_invite(key, inviter=worker.keys, role="owner", access="write")
    registration = invite_registration(invite)
    phone_keys = generate_device_keys()
    person = joined_device(server, redeem(server, invite, registration=registration, keys=phone_keys), phone_keys)
    assert person.client.get(f"/sync/{plan_id}/").status_code == 200
    members = {m["role"]: m for m in person.client.get(f"/api/v1/plans/{plan_id}/members").json()["members"]}
    assert members["owner"]["account"] == person.account

    # Once only: the same QR code again, with or without the registration.
    for body in (registration, None):
        refused = redeem(server, invite, registration=body)
        assert_api_error(refused, 403, "forbidden")
        assert "already been used" in refused.json()["detail"]

    # The worker's device comes online and sends its queued registration: done, even though used.
    late = register(worker, invite)
    assert late.status_code == 200, late.text
    assert late.json() == {
        "invite_id": invite.invite_id_hex,
        "plan_id": plan_id,
        "role": "owner",
        "access": "write",
        "expires_at": invite.expires_at,
    }
    # Anything else about that invite id stays a conflict: another verifier, or another device.
    other_verifier = {**registration, "verifier": b64u_encode(bytes(32))}
    fields = ("invite_id", "verifier", "expires_at", "role", "access")
    clash = worker.client.post(f"/api/v1/plans/{plan_id}/invites", json={k: other_verifier[k] for k in fields})
    assert_api_error(clash, 409, "conflict")
    assert_api_error(register(person, invite), 409, "conflict")

    # A registration sent from the worker first, then the QR code with its registration: the usual path.
    online = create_invite(key, inviter=worker.keys, role="supporter", access="read")
    assert register(worker, online).status_code == 201
    reader = redeem(server, online, registration=invite_registration(online))
    assert reader.status_code == 201, reader.text
    assert (reader.json()["role"], reader.json()["access"]) == ("supporter", "read")


def test_a_signed_registration_is_refused_when_the_invite_could_not_have_been_registered(
    alongside_server: AlongsideServer,
) -> None:
    server = alongside_server
    worker, stranger = workers(server, 2)
    plan_id = worker.client.post("/api/v1/plans").json()["plan_id"]
    key = new_plan_key(plan_id)

    # A supporter who writes and a reader join the usual way.
    writer_keys, reader_keys = generate_device_keys(), generate_device_keys()
    via = create_invite(key, inviter=worker.keys, role="supporter", access="write")
    writer = joined_device(
        server, redeem(server, via, registration=invite_registration(via), keys=writer_keys), writer_keys
    )
    via = create_invite(key, inviter=worker.keys, role="supporter", access="read")
    reader = joined_device(
        server, redeem(server, via, registration=invite_registration(via), keys=reader_keys), reader_keys
    )

    def refused(invite: Invite, registration: dict[str, Any], status: int, error: str, words: str) -> None:
        response = redeem(server, invite, registration=registration)
        assert_api_error(response, status, error)
        assert words in response.json()["detail"], response.json()

    good = create_invite(key, inviter=worker.keys, role="supporter", access="read")
    registration = invite_registration(good)

    # A signature that does not verify, or the right signature claimed for another device.
    signature = bytearray(b64u_decode(str(registration["signature"])))
    signature[0] ^= 1
    refused(good, {**registration, "signature": b64u_encode(bytes(signature))}, 403, "forbidden", "signature")
    refused(good, {**registration, "inviter": writer_keys.device_id}, 403, "forbidden", "signature")
    refused(good, {**registration, "role": "supporter", "access": "write"}, 403, "forbidden", "signature")
    refused(good, {**registration, "inviter": "0" * 32}, 403, "forbidden", "signature")
    # A worker of another plan signs a perfectly good invite to a plan they are not in.
    outsider = create_invite(key, inviter=stranger.keys, role="supporter", access="read")
    refused(outsider, invite_registration(outsider), 403, "forbidden", "can no longer add people")
    # A reader cannot invite; only the person's and the worker's devices invite (docs/crypto.md §11), so a
    # supporter with write access invites neither the person's own device nor another supporter.
    by_reader = create_invite(key, inviter=reader.keys, role="supporter", access="read")
    refused(by_reader, invite_registration(by_reader), 403, "forbidden", "can no longer add people")
    owner_by_writer = create_invite(key, inviter=writer.keys, role="owner", access="write")
    refused(owner_by_writer, invite_registration(owner_by_writer), 403, "forbidden", "the worker's devices")
    supporter_by_writer = create_invite(key, inviter=writer.keys, role="supporter", access="read")
    refused(supporter_by_writer, invite_registration(supporter_by_writer), 403, "forbidden", "the worker's devices")
    # Expired before anyone used it.
    old = create_invite(key, inviter=worker.keys, now=int(time.time()) - 1000, lifetime=900)
    refused(old, invite_registration(old), 403, "forbidden", "expired")
    # Malformed registrations are 400s.
    for broken in ({**registration, "invite_id": "0" * 32}, {**registration, "role": "owner", "access": "read"}, []):
        assert_api_error(redeem(server, good, registration=broken), 400, "bad_request")

    # Invites die with their maker's access, made before the removal or not: the person's phone, taken off
    # the plan, invites nobody any more.
    phone_keys = generate_device_keys()
    via = create_invite(key, inviter=worker.keys, role="owner", access="write")
    phone = joined_device(
        server, redeem(server, via, registration=invite_registration(via), keys=phone_keys), phone_keys
    )
    before = create_invite(key, inviter=phone.keys, role="supporter", access="read")
    removed = phone.client.delete(f"/api/v1/plans/{plan_id}/devices/{phone_keys.device_id}")
    assert removed.status_code == 200, removed.text
    refused(before, invite_registration(before), 403, "forbidden", "can no longer add people")

    # The good one still works, once, after all those refusals.
    assert redeem(server, good, registration=registration).status_code == 201
    assert_api_error(redeem(server, good, registration=registration), 403, "forbidden")


def test_an_invite_to_a_plan_not_yet_on_the_server_waits_for_its_device(alongside_server: AlongsideServer) -> None:
    server = alongside_server
    [worker] = workers(server, 1)
    plan_id = new_plan_id()  # started offline: the worker's device has not set it up yet
    key: PlanKey = new_plan_key(plan_id)
    invite = create_invite(key, inviter=worker.keys, role="owner", access="write")
    registration = invite_registration(invite)

    waiting = redeem(server, invite, registration=registration)
    assert_api_error(waiting, 404, "plan_not_set_up")
    assert "not set up on the server yet" in waiting.json()["detail"]

    # The worker's device connects: its queue sets the plan up, then registers the invite.
    assert worker.client.post("/api/v1/plans", json={"plan_id": plan_id}).status_code == 201
    phone_keys = generate_device_keys()
    person = joined_device(server, redeem(server, invite, registration=registration, keys=phone_keys), phone_keys)
    assert person.client.get(f"/sync/{plan_id}/").status_code == 200
    assert register(worker, invite).status_code == 200
