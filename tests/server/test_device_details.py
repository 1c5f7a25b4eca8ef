"""Who sees device labels and when each device last synced (``GET /api/v1/plans/{plan}/members``).

The plan's stewards (the person and the worker) see every device's label and ``last_seen``; any other
member sees them for their own devices only (docs/security.md section 3): in an abusive household, when the
person's phone was last used is not for a supporter to know. Everyone still sees who is a member, their
devices, whether each is active, and their public keys (which the app checks against the plan's roster).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.api import Member, admin_cli, create_plan, redemption, register_invite

from alongside.crypto import PlanKey, generate_device_keys
from alongside.server.app import create_app
from alongside.server.settings import Settings

LABELS = {"worker": "Ali's tablet", "owner": "Dee's phone", "reader": "Sam's phone", "writer": "Jo's laptop"}


@dataclass
class World:
    client: TestClient
    plan: str
    members: dict[str, Member]


def enrol_labelled(client: TestClient, code: str, label: str) -> Member:
    keys = generate_device_keys()
    response = client.post("/api/v1/enrol", json={"code": code, "public_keys": keys.public.to_json(), "label": label})
    assert response.status_code == 201, response.text
    return Member(keys=keys, token=response.json()["token"], account=response.json()["account"])


def join_labelled(client: TestClient, worker: Member, key: PlanKey, label: str, **invite: str) -> Member:
    keys = generate_device_keys()
    registered = register_invite(client, worker, key, **invite)
    body = {**redemption(registered, keys), "label": label}
    response = client.post(f"/api/v1/invites/{registered.invite_id_hex}/redeem", json=body)
    assert response.status_code == 201, response.text
    return Member(keys=keys, token=response.json()["token"], account=response.json()["account"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    data = tmp_path_factory.mktemp("device-details")
    admin_cli(data, "init", "--org", "Riverside Family Support", "--name", "Admin")
    code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    with TestClient(create_app(Settings(data_dir=data))) as client:
        worker = enrol_labelled(client, code, LABELS["worker"])
        plan, key = create_plan(client, worker)
        members = {
            "worker": worker,
            "owner": join_labelled(client, worker, key, LABELS["owner"], role="owner", access="write"),
            "reader": join_labelled(client, worker, key, LABELS["reader"], access="read"),
            "writer": join_labelled(client, worker, key, LABELS["writer"], access="write"),
        }
        for member in members.values():  # every device syncs once, so each has a last_seen
            assert client.get(f"/sync/{plan}/_changes", headers=member.auth).status_code == 200
        yield World(client, plan, members)


def devices_as_seen_by(world: World, caller: str) -> dict[str, dict[str, Any]]:
    """Each device of the plan, keyed by whose it is, as ``caller``'s device gets the members list."""
    response = world.client.get(f"/api/v1/plans/{world.plan}/members", headers=world.members[caller].auth)
    assert response.status_code == 200, response.text
    whose = {member.device_id: name for name, member in world.members.items()}
    seen = {}
    for member in response.json()["members"]:
        for device in member["devices"]:
            seen[whose[device["device_id"]]] = device
    assert set(seen) == set(world.members)
    return seen


@pytest.mark.parametrize("steward", ["owner", "worker"])
def test_the_person_and_the_worker_see_every_devices_label_and_last_seen(world: World, steward: str) -> None:
    for name, device in devices_as_seen_by(world, steward).items():
        assert device["label"] == LABELS[name]
        assert isinstance(device["last_seen"], int) and device["last_seen"] % 3600 == 0, device  # to the hour
        assert device["active"] is True and device["public_keys"] == world.members[name].keys.public.to_json()


@pytest.mark.parametrize("supporter", ["reader", "writer"])
def test_a_supporter_sees_who_is_a_member_but_labels_and_last_seen_only_of_their_own_devices(
    world: World, supporter: str
) -> None:
    for name, device in devices_as_seen_by(world, supporter).items():
        assert device["active"] is True and device["public_keys"] == world.members[name].keys.public.to_json()
        if name == supporter:
            assert device["label"] == LABELS[name] and isinstance(device["last_seen"], int), device
        else:
            assert "label" not in device and "last_seen" not in device, device
            assert set(device) == {"device_id", "public_keys", "active"}, device
