"""Consent to membership (issue 16): nobody joins a plan without the person's yes.

A supporter invites only while the person lets them; an invite made by anyone but the person's own device can
be *pending*: its new member waits, cannot read or write the plan, and the person approves or declines (the
worker's device only with the person there). The invite carries no plan key (docs/crypto.md §11.6).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.answers import assert_couch_error
from support.api import Member, admin_cli, assert_api_error, create_plan, enrol, join, redemption, register_invite
from support.documents import item_doc

from alongside.crypto import (
    DeviceKeys,
    Invite,
    PlanKey,
    admission_bind,
    create_pending_invite,
    generate_device_keys,
    invite_registration,
    open_join_request,
    open_pending_invite,
    seal_join_request,
)
from alongside.server.app import create_app
from alongside.server.settings import Settings


@dataclass
class Plan:
    client: TestClient
    plan: str
    key: PlanKey
    worker: Member
    person: Member
    writer: Member  # a supporter with write access (the person's sister)
    reader: Member  # a supporter who only reads

    def url(self, suffix: str) -> str:
        return f"/api/v1/plans/{self.plan}/{suffix}"

    def allow_supporters_to_invite(self, allowed: bool = True, by: Member | None = None) -> Any:
        body = {"supporters_may_invite": allowed}
        return self.client.put(self.url("settings"), json=body, headers=(by or self.person).auth)

    def pending_invite(self, by: Member, access: str = "write") -> tuple[Invite, bytes]:
        """A pending invite made on ``by``'s device and registered with the server."""
        invite, request_key = create_pending_invite(self.plan, inviter=by.keys, access=access)
        registered = self.client.post(self.url("invites"), json=_registration(invite), headers=by.auth)
        assert registered.status_code == 201, registered.text
        return invite, request_key

    def redeem_pending(self, invite: Invite, name: str = "Dee", keys: DeviceKeys | None = None) -> tuple[Member, Any]:
        """A new device opens the pending invite and joins, sending its join request sealed under ``Q``."""
        keys = keys or generate_device_keys()
        body = {**redemption(invite, keys), "join_request": _join_request(invite, keys, name)}
        answer = self.client.post(f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=body)
        assert answer.status_code == 201, answer.text
        return Member(keys=keys, token=answer.json()["token"], account=answer.json()["account"]), answer.json()

    def members(self, by: Member | None = None) -> dict[str, dict[str, Any]]:
        answer = self.client.get(self.url("members"), headers=(by or self.person).auth)
        assert answer.status_code == 200, answer.text
        return {m["account"]: m for m in answer.json()["members"]}

    def decide(self, account: str, decision: str, by: Member, **body: Any) -> Any:
        return self.client.post(self.url(f"members/{account}/{decision}"), json=body, headers=by.auth)

    def sync_read(self, member: Member) -> Any:
        return self.client.get(f"/sync/{self.plan}/_all_docs", headers=member.auth)


def _registration(invite: Invite) -> dict[str, Any]:
    return {k: v for k, v in invite_registration(invite).items() if k not in ("plan_id", "inviter", "signature")}


def _join_request(invite: Invite, keys: DeviceKeys, name: str) -> str:
    """What the app sends: its own chosen name, a label and the bind of §11.5, sealed under the request key."""
    pending = open_pending_invite(invite)
    bind = admission_bind(pending.bind_key, plan_id=pending.plan_id, device_id=keys.device_id)
    request = {"name": name, "label": f"{name}'s phone", "bind": bind}
    ids = {"plan_id": pending.plan_id, "invite_id": pending.invite_id, "device_id": keys.device_id}
    return seal_join_request(pending.request_key, request, **ids)


@pytest.fixture
def plan(tmp_path: Path) -> Iterator[Plan]:
    admin_cli(tmp_path, "init", "--org", "Riverside", "--name", "Admin")
    worker_code = admin_cli(tmp_path, "add-worker", "--name", "Ali")["code"]
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        worker = enrol(client, worker_code)
        plan_id, key = create_plan(client, worker)
        person = join(client, register_invite(client, worker, key, role="owner"))
        writer = join(client, register_invite(client, worker, key, access="write"))
        reader = join(client, register_invite(client, worker, key, access="read"))
        yield Plan(client, plan_id, key, worker, person, writer, reader)


def test_a_supporter_cannot_invite_until_the_person_allows_it(plan: Plan) -> None:
    invite, _ = create_pending_invite(plan.plan, inviter=plan.writer.keys, access="read")
    refused = plan.client.post(plan.url("invites"), json=_registration(invite), headers=plan.writer.auth)
    assert_api_error(refused, 403, "forbidden")
    assert "has not let people they trust invite" in refused.json()["detail"]
    assert plan.client.get(plan.url("settings"), headers=plan.writer.auth).json()["supporters_may_invite"] is False

    # Only the person's own device changes the setting: not the worker, not a supporter.
    for someone in (plan.worker, plan.writer):
        assert_api_error(plan.allow_supporters_to_invite(by=someone), 403, "forbidden")
    allowed = plan.allow_supporters_to_invite()
    assert allowed.status_code == 200, allowed.text
    assert allowed.json() == {"plan_id": plan.plan, "supporters_may_invite": True}
    assert plan.client.get(plan.url("settings"), headers=plan.writer.auth).json()["supporters_may_invite"] is True

    accepted = plan.client.post(plan.url("invites"), json=_registration(invite), headers=plan.writer.auth)
    assert accepted.status_code == 201, accepted.text
    # Read-only supporters still cannot invite.
    other, _ = create_pending_invite(plan.plan, inviter=plan.reader.keys, access="read")
    assert_api_error(plan.client.post(plan.url("invites"), json=_registration(other), headers=plan.reader.auth), 403)


def test_a_supporter_invites_only_supporters_who_wait_for_the_person(plan: Plan) -> None:
    assert plan.allow_supporters_to_invite().status_code == 200
    invite, _ = create_pending_invite(plan.plan, inviter=plan.writer.keys, access="write")
    direct = {**_registration(invite), "pending": False}
    refused = plan.client.post(plan.url("invites"), json=direct, headers=plan.writer.auth)
    assert_api_error(refused, 403, "forbidden")
    assert "waits for the person's yes" in refused.json()["detail"]
    as_owner = {**direct, "role": "owner", "access": "write"}
    assert_api_error(plan.client.post(plan.url("invites"), json=as_owner, headers=plan.writer.auth), 403, "forbidden")
    pending_owner = {**as_owner, "pending": True}
    assert_api_error(plan.client.post(plan.url("invites"), json=pending_owner, headers=plan.writer.auth), 400)


def test_a_redeemed_pending_invite_waits_and_cannot_read_or_write_the_plan(plan: Plan) -> None:
    assert plan.allow_supporters_to_invite().status_code == 200
    invite, request_key = plan.pending_invite(plan.writer)

    keys = generate_device_keys()
    without_request = plan.client.post(f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=redemption(invite, keys))
    assert_api_error(without_request, 400, "bad_request")
    dee, joined = plan.redeem_pending(invite, "Dee", keys)
    assert (joined["status"], joined["role"], joined["access"]) == ("pending", "supporter", "write")

    refused = plan.sync_read(dee)
    assert_couch_error(refused, 403, "forbidden")
    assert "waiting for the person's yes" in refused.json()["reason"]
    doc_id = "a" * 32
    assert_couch_error(plan.client.put(f"/sync/{plan.plan}/{doc_id}", json=item_doc(doc_id), headers=dee.auth), 403)
    assert_api_error(plan.client.get(plan.url("members"), headers=dee.auth), 403, "forbidden")
    assert_api_error(plan.client.get(plan.url("keys"), headers=dee.auth), 403, "forbidden")
    listed = plan.client.get("/api/v1/plans", headers=dee.auth).json()["plans"]
    assert listed == [{"plan_id": plan.plan, "role": "supporter", "access": "write", "status": "pending"}]

    # The person's device sees the pending member, who invited them, and their own name (sealed under Q).
    pending = plan.members()[dee.account]
    assert (pending["status"], pending["invited_by"], pending["invite_id"]) == (
        "pending",
        plan.writer.device_id,
        invite.invite_id_hex,
    )
    assert "Dee" not in pending["join_request"]
    ids = {"plan_id": plan.plan, "invite_id": invite.invite_id_hex, "device_id": dee.device_id}
    assert open_join_request(request_key, pending["join_request"], **ids)["name"] == "Dee"
    assert "status" not in plan.members()[plan.writer.account]


def test_only_the_person_says_yes_and_the_worker_only_with_the_person_there(plan: Plan) -> None:
    first, _ = plan.pending_invite(plan.worker, access="read")  # the worker's invites may wait too
    dee, _ = plan.redeem_pending(first, "Dee")
    for someone in (plan.writer, plan.reader, dee):
        assert_api_error(plan.decide(dee.account, "approve", someone), 403, "forbidden")
    refused = plan.decide(dee.account, "approve", plan.worker)
    assert_api_error(refused, 403, "forbidden")
    assert "If the person is with you" in refused.json()["detail"]
    assert_couch_error(plan.sync_read(dee), 403)

    at_the_table = plan.decide(dee.account, "approve", plan.worker, in_person=True)
    assert at_the_table.status_code == 200, at_the_table.text
    assert at_the_table.json() == {"ok": True, "plan_id": plan.plan, "account": dee.account, "decision": "approved"}
    member = plan.members()[dee.account]
    assert member["agreed"] == "in person" and "status" not in member and "join_request" not in member
    assert plan.sync_read(dee).status_code == 200
    assert_api_error(plan.decide(dee.account, "approve", plan.person), 409, "conflict")

    second, _ = plan.pending_invite(plan.worker)
    eli, _ = plan.redeem_pending(second, "Eli")
    assert plan.decide(eli.account, "approve", plan.person).status_code == 200
    assert "agreed" not in plan.members()[eli.account]
    assert plan.sync_read(eli).status_code == 200


def test_declining_removes_the_pending_member_and_tells_their_device(plan: Plan) -> None:
    invite, _ = plan.pending_invite(plan.worker)
    fay, _ = plan.redeem_pending(invite, "Fay")
    assert_api_error(plan.decide(fay.account, "decline", plan.worker), 403, "forbidden")
    declined = plan.decide(fay.account, "decline", plan.person)
    assert declined.status_code == 200, declined.text
    assert declined.json()["decision"] == "declined"
    assert fay.account not in plan.members()
    refused = plan.sync_read(fay)
    assert_couch_error(refused, 403, "forbidden")
    assert "said no" in refused.json()["reason"]
    assert plan.client.get("/api/v1/plans", headers=fay.auth).json()["plans"] == []
    assert_api_error(plan.decide(fay.account, "approve", plan.person), 404, "not_found")


def test_a_pending_invite_presented_by_the_new_device_stays_pending(plan: Plan) -> None:
    """The inviting device had no connection: the new device brings the signed registration, pending mark and all."""
    assert plan.allow_supporters_to_invite().status_code == 200
    invite, _ = create_pending_invite(plan.plan, inviter=plan.writer.keys, access="read")
    keys = generate_device_keys()
    body = {
        **redemption(invite, keys),
        "registration": invite_registration(invite),
        "join_request": _join_request(invite, keys, "Gus"),
    }
    stripped = {**body, "registration": {**body["registration"], "pending": False}}
    url = f"/api/v1/invites/{invite.invite_id_hex}/redeem"
    assert_api_error(plan.client.post(url, json=stripped), 403, "forbidden")  # the signature covers the mark
    answer = plan.client.post(url, json=body)
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "pending"
    assert plan.members()[answer.json()["account"]]["status"] == "pending"


def test_a_supporter_s_pending_invite_admits_nobody_once_the_person_switches_inviting_off(plan: Plan) -> None:
    assert plan.allow_supporters_to_invite().status_code == 200
    invite, _ = plan.pending_invite(plan.writer)
    assert plan.allow_supporters_to_invite(False).status_code == 200
    keys = generate_device_keys()
    body = {**redemption(invite, keys), "join_request": _join_request(invite, keys, "Hal")}
    refused = plan.client.post(f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=body)
    assert_api_error(refused, 403, "forbidden")
    assert "has not let people they trust invite" in refused.json()["detail"]
