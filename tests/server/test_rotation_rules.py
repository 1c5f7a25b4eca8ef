"""Who changes the plan's key, and who invites (docs/crypto.md §10.2, §10.3, §11), on both storage backends.

Only devices of the person (owner) and of the worker, with write access, record a rotation, and only to
the next epoch (the recorded one plus one; 1 before the first rotation), so a member cannot move the
epoch out of reach or retire the real key. A rotation the other devices cannot open is superseded by
the next one, after which every remaining device, a read-only supporter's included, writes again. Only
the same stewards invite.
"""

from __future__ import annotations

from typing import Any

import httpx
from support.api import assert_api_error
from support.server_plan import Device, ServerPlan

from alongside.crypto import (
    Keyring,
    PlanKey,
    create_invite,
    generate_device_keys,
    invite_auth_token,
    invite_registration,
    new_plan_key,
    rotate_plan_key,
)

Json = dict[str, Any]
STEWARDS_ONLY = "Only the person's or the worker's devices can change the plan's key."


def next_key(plan: ServerPlan, epoch: int) -> PlanKey:
    return new_plan_key(plan.plan_id, epoch)


def test_a_supporters_rotation_is_refused_and_changes_nothing(plan: ServerPlan) -> None:
    # The attack of issue 13: a member with write access records a far epoch retiring the real key id.
    hijack = {"epoch": 2**31 - 1, "kid": next_key(plan, 2**31 - 1).kid, "retire": [plan.key.kid]}
    refused = plan.rotate(plan.writer, hijack)
    assert_api_error(refused, 403, "forbidden")
    assert refused.json()["detail"] == STEWARDS_ONLY
    assert_api_error(plan.rotate(plan.writer, {"epoch": 2, "kid": next_key(plan, 2).kid}), 403, "forbidden")
    assert_api_error(plan.rotate(plan.reader, {"epoch": 2, "kid": next_key(plan, 2).kid}), 403, "forbidden")
    assert plan.recorded_keys() == {"plan_id": plan.plan_id, "current": None, "retired": []}
    # Everyone's writes under the real key still go through.
    for device in (plan.worker, plan.owner, plan.writer):
        assert plan.put(device, plan.item(device)).status_code == 201


def test_a_rotation_goes_up_exactly_one_epoch(plan: ServerPlan) -> None:
    def rotate(device: Device, epoch: int, *, kid: str | None = None) -> httpx.Response:
        return plan.rotate(device, {"epoch": epoch, "kid": kid or next_key(plan, epoch).kid, "retire": [plan.key.kid]})

    # Before the first rotation the recorded epoch is 1: only epoch 2 is the next one.
    for epoch in (3, 2**31 - 1, 2**32 - 1):
        jump = rotate(plan.owner, epoch)
        assert_api_error(jump, 409, "conflict")
        assert "epoch 2" in jump.json()["detail"]
    assert_api_error(rotate(plan.owner, 1), 409, "conflict")
    assert_api_error(rotate(plan.owner, 0, kid=plan.key.kid[::-1]), 400, "bad_request")
    assert_api_error(rotate(plan.owner, 2**32, kid=plan.key.kid[::-1]), 400, "bad_request")
    assert plan.recorded_keys()["current"] is None

    second = next_key(plan, 2)
    first = rotate(plan.owner, 2, kid=second.kid)
    assert first.status_code == 201, first.text
    assert first.json()["current"] == {"epoch": 2, "kid": second.kid}
    assert first.json()["retired"] == [plan.key.kid]
    # The same epoch again (a second device rotating at the same moment), a jump, or an old key id: 409.
    assert_api_error(rotate(plan.worker, 2), 409, "conflict")
    assert_api_error(rotate(plan.worker, 4), 409, "conflict")
    assert_api_error(rotate(plan.worker, 3, kid=plan.key.kid), 409, "conflict")
    assert_api_error(rotate(plan.worker, 3, kid=second.kid), 409, "conflict")
    third = rotate(plan.worker, 3)
    assert third.status_code == 201, third.text
    assert plan.recorded_keys()["current"]["epoch"] == 3


def test_a_rotation_nobody_can_open_is_superseded_and_every_device_writes_again(plan: ServerPlan) -> None:
    devices = [plan.worker, *plan.devices]
    for device in devices:  # every device's roster entry, and the worker's own grant, under the first key
        assert plan.put(device, plan.item(device, plan.roster_id(device))).status_code == 201

    # The person's phone records epoch 2 but grants its key to itself alone: the others are stuck.
    stuck = next_key(plan, 2)
    assert plan.put(plan.owner, plan.grant(plan.owner, plan.owner, key=stuck)).status_code == 201
    recorded = plan.rotate(plan.owner, {"epoch": 2, "kid": stuck.kid, "retire": [plan.key.kid]})
    assert recorded.status_code == 201, recorded.text
    [result] = plan.bulk(plan.reader, [plan.grant(plan.reader, plan.reader)])
    assert result["error"] == "forbidden", result  # the first key is retired now, for everyone

    # The worker's tablet (a steward) supersedes it: epoch 3, granted to every remaining device, the read-only
    # supporter's too; the stuck key id becomes retired with the first one.
    new_key, grants = rotate_plan_key(
        Keyring(plan.plan_id, [plan.key]),
        remaining=[device.keys.public for device in devices],
        granter=plan.worker.keys,
        epoch=3,
    )
    assert [r.get("ok") for r in plan.bulk(plan.worker, grants)] == [True] * len(devices)
    superseded = plan.rotate(plan.worker, {"epoch": 3, "kid": new_key.kid, "retire": [plan.key.kid]})
    assert superseded.status_code == 201, superseded.text
    assert superseded.json()["retired"] == sorted([plan.key.kid, stuck.kid])

    # Every remaining device writes again under the new key: items, and the read-only supporter its own roster
    # entry and its own key; nothing is accepted under the stuck key or the first one any more.
    for device in (plan.worker, plan.owner, plan.writer):
        assert plan.put(device, plan.item(device, key=new_key)).status_code == 201
        for old in (stuck, plan.key):
            [result] = plan.bulk(device, [plan.item(device, key=old)])
            assert result["error"] == "forbidden" and "no longer uses" in result["reason"], result
    me = plan.reader
    current = me.client.get(f"/sync/{plan.plan_id}/{plan.roster_id(me)}").json()["_rev"]
    results = plan.bulk(
        me,
        [
            plan.item(me, plan.roster_id(me), rev=current, key=new_key),
            plan.grant(me, me, key=new_key),
            plan.grant(me, me, key=stuck),
        ],
    )
    assert results[0]["ok"] is True and results[1]["ok"] is True, results
    assert results[2]["error"] == "forbidden" and "no longer uses" in results[2]["reason"], results


def test_only_the_persons_and_the_workers_devices_invite(plan: ServerPlan) -> None:
    def register(device: Device, role: str = "supporter", access: str = "read") -> httpx.Response:
        invite = create_invite(plan.key, inviter=device.keys, role=role, access=access)
        fields = ("invite_id", "verifier", "expires_at", "role", "access")
        body = {k: v for k, v in invite_registration(invite).items() if k in fields}
        return device.client.post(f"/api/v1/plans/{plan.plan_id}/invites", json=body)

    for role, access in (("supporter", "read"), ("supporter", "write"), ("owner", "write")):
        refused = register(plan.writer, role, access)
        assert_api_error(refused, 403, "forbidden")
        assert "the person's or the worker's devices" in refused.json()["detail"]
        assert_api_error(register(plan.reader, role, access), 403, "forbidden")
        assert register(plan.owner, role, access).status_code == 201
        assert register(plan.worker, role, access).status_code == 201

    # An invite a supporter made offline and signed is refused when the new device brings it, too.
    signed = create_invite(plan.key, inviter=plan.writer.keys, role="supporter", access="read")
    keys = generate_device_keys()
    body = {
        "auth_token": invite_auth_token(signed),
        "public_keys": keys.public.to_json(),
        "registration": invite_registration(signed),
    }
    redeemed = httpx.post(f"{plan.server.url}/api/v1/invites/{signed.invite_id_hex}/redeem", json=body)
    assert_api_error(redeemed, 403, "forbidden")
    assert "the person's or the worker's devices" in redeemed.json()["detail"]
    members = plan.worker.client.get(f"/api/v1/plans/{plan.plan_id}/members").json()["members"]
    assert keys.device_id not in {d["device_id"] for m in members for d in m["devices"]}
