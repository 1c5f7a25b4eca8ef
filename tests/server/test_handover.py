"""Handover (issue 17): a worker hands a plan to a colleague; the person's yes admits the colleague.

The worker's device makes a pending invite for a worker (docs/crypto.md §11.7) and records it as a handover;
the colleague's enrolled work device redeems it and waits; only the person (on their own device, or in person on
a worker's) lets the colleague in; then the old worker is removed and refused, and the audit trail names who
handed over to whom.
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

from alongside.crypto import (
    FormatError,
    Invite,
    PlanKey,
    admission_bind,
    create_invite,
    create_pending_invite,
    generate_device_keys,
    invite_registration,
    open_pending_invite,
    seal_join_request,
)
from alongside.server.app import create_app
from alongside.server.settings import Settings


@dataclass
class Handover:
    client: TestClient
    plan: str
    key: PlanKey
    ali: Member  # the worker who hands over
    priya: Member  # the colleague, enrolled in the same organisation
    person: Member
    supporter: Member
    admin: Member  # the organisation's admin: no member of the plan
    cal: Member  # another worker of the organisation
    data: Path

    def url(self, suffix: str) -> str:
        return f"/api/v1/plans/{self.plan}/{suffix}"

    def handover_code(self, by: Member) -> Invite:
        invite, _ = create_pending_invite(self.plan, inviter=by.keys, role="worker", access="write")
        body = {k: v for k, v in invite_registration(invite).items() if k not in ("plan_id", "inviter", "signature")}
        registered = self.client.post(self.url("invites"), json=body, headers=by.auth)
        assert registered.status_code == 201, registered.text
        return invite

    def redeem(self, invite: Invite, by: Member, name: str = "Priya") -> Any:
        pending = open_pending_invite(invite)
        bind = admission_bind(pending.bind_key, plan_id=pending.plan_id, device_id=by.keys.device_id)
        request = seal_join_request(
            pending.request_key,
            {"name": name, "label": "work phone", "bind": bind},
            plan_id=pending.plan_id,
            invite_id=pending.invite_id,
            device_id=by.keys.device_id,
        )
        body = {**redemption(invite, by.keys), "join_request": request}
        return self.client.post(f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=body, headers=by.auth)

    def audit(self) -> list[dict[str, Any]]:
        directory = self.client.app.state.alongside.directory  # type: ignore[attr-defined]
        docs: list[dict[str, Any]] = self.client.portal.call(directory.by_prefix, "audit:")  # type: ignore[union-attr]
        return [d for d in docs if str(d.get("event", "")).startswith("handover.")]


@pytest.fixture
def handover(tmp_path: Path) -> Iterator[Handover]:
    admin_code = admin_cli(tmp_path, "init", "--org", "Riverside", "--name", "Admin")["code"]
    ali_code = admin_cli(tmp_path, "add-worker", "--name", "Ali")["code"]
    priya_code = admin_cli(tmp_path, "add-worker", "--name", "Priya")["code"]
    cal_code = admin_cli(tmp_path, "add-worker", "--name", "Cal")["code"]
    with TestClient(create_app(Settings(data_dir=tmp_path))) as client:
        ali, priya = enrol(client, ali_code), enrol(client, priya_code)
        admin, cal = enrol(client, admin_code), enrol(client, cal_code)
        plan_id, key = create_plan(client, ali)
        person = join(client, register_invite(client, ali, key, role="owner"))
        supporter = join(client, register_invite(client, ali, key, access="write"))
        yield Handover(client, plan_id, key, ali, priya, person, supporter, admin, cal, tmp_path)


def test_a_worker_invite_is_always_pending(handover: Handover) -> None:
    """An invite for a worker carries no plan key: the colleague waits for the person's yes like anyone else."""
    with pytest.raises(FormatError):
        create_invite(handover.key, inviter=handover.ali.keys, role="worker", access="write")
    invite = handover.handover_code(handover.ali)
    assert (invite.role, invite.access, invite.pending) == ("worker", "write", True)
    body = {"invite_id": invite.invite_id_hex, "verifier": "A" * 43, "expires_at": invite.expires_at, "role": "worker"}
    assert_api_error(handover.client.post(handover.url("invites"), json=body, headers=handover.ali.auth), 400)


def test_only_the_worker_starts_a_handover_and_only_the_person_lets_the_colleague_in(handover: Handover) -> None:
    h = handover
    invite = h.handover_code(h.ali)
    body = {"invite_id": invite.invite_id_hex}
    # A supporter, or the person, cannot start a handover: it is the worker's to give.
    for someone in (h.supporter, h.person):
        assert_api_error(h.client.post(h.url("handovers"), json=body, headers=someone.auth), 403, "forbidden")
    # Only a handover code (a pending worker invite) Ali's devices made can be recorded as his handover.
    supporter_invite = register_invite(h.client, h.ali, h.key, access="write")
    not_a_code = {"invite_id": supporter_invite.invite_id_hex}
    assert_api_error(h.client.post(h.url("handovers"), json=not_a_code, headers=h.ali.auth), 409, "conflict")
    started = h.client.post(h.url("handovers"), json=body, headers=h.ali.auth)
    assert started.status_code == 201, started.text
    assert started.json()["status"] == "asked" and started.json()["from_account"] == h.ali.account
    assert h.client.post(h.url("handovers"), json=body, headers=h.ali.auth).status_code == 200  # a repeat

    # A new phone cannot use a handover code: only an enrolled work device can.
    stranger = h.client.post(
        f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=redemption(invite, generate_device_keys())
    )
    assert_api_error(stranger, 403, "forbidden")
    joined = h.redeem(invite, h.priya)
    assert joined.status_code == 201, joined.text
    assert joined.json()["status"] == "pending" and joined.json()["role"] == "worker"
    assert_couch_error(h.client.get(f"/sync/{h.plan}/_all_docs", headers=h.priya.auth), 403)

    # Ali cannot let Priya in without the person, nor remove himself in her favour before the yes.
    approve = h.url(f"members/{h.priya.account}/approve")
    refused = h.client.post(approve, json={}, headers=h.ali.auth)
    assert_api_error(refused, 403, "forbidden")
    assert "Only the person can let someone in" in refused.json()["detail"]
    assert_api_error(h.client.post(approve, json={}, headers=h.supporter.auth), 403, "forbidden")

    # The person says yes on their own device: the handover is agreed.
    assert h.client.post(approve, json={}, headers=h.person.auth).status_code == 200
    [recorded] = h.client.get(h.url("handovers"), headers=h.priya.auth).json()["handovers"]
    assert (recorded["status"], recorded["to_account"]) == ("agreed", h.priya.account)
    assert h.client.get(f"/sync/{h.plan}/_all_docs", headers=h.priya.auth).status_code == 200

    # Priya removes Ali (allowed only because of the agreed handover); Ali's device is refused from then on.
    removed = h.client.delete(h.url(f"members/{h.ali.account}"), headers=h.priya.auth)
    assert removed.status_code == 200, removed.text
    assert_couch_error(h.client.get(f"/sync/{h.plan}/_all_docs", headers=h.ali.auth), 403)
    [finished] = h.client.get(h.url("handovers"), headers=h.priya.auth).json()["handovers"]
    assert finished["status"] == "finished"

    events = sorted((a["event"], a.get("account"), a.get("to")) for a in h.audit())
    assert events == [
        ("handover.agreed", h.ali.account, h.priya.account),
        ("handover.finished", h.ali.account, h.priya.account),
        ("handover.started", h.ali.account, None),
    ]


def test_a_worker_cannot_remove_another_worker_without_an_agreed_handover(handover: Handover) -> None:
    h = handover
    invite = h.handover_code(h.ali)
    assert h.client.post(h.url("handovers"), json={"invite_id": invite.invite_id_hex}, headers=h.ali.auth).is_success
    assert h.redeem(invite, h.priya).status_code == 201
    # The person says yes in person on Ali's device: recorded so.
    approve = h.url(f"members/{h.priya.account}/approve")
    assert h.client.post(approve, json={"in_person": True}, headers=h.ali.auth).status_code == 200
    [agreed] = h.client.get(h.url("handovers"), headers=h.person.auth).json()["handovers"]
    assert agreed["agreed"] == "in person"
    # Ali cannot remove Priya (the handover went the other way); Ali may leave himself.
    assert_api_error(h.client.delete(h.url(f"members/{h.priya.account}"), headers=h.ali.auth), 403, "forbidden")
    assert h.client.delete(h.url(f"members/{h.ali.account}"), headers=h.ali.auth).status_code == 200
    assert sorted(a["event"] for a in h.audit()) == ["handover.agreed", "handover.finished", "handover.started"]


def test_a_declined_handover_is_recorded_and_the_colleague_stays_out(handover: Handover) -> None:
    h = handover
    invite = h.handover_code(h.ali)
    assert h.client.post(h.url("handovers"), json={"invite_id": invite.invite_id_hex}, headers=h.ali.auth).is_success
    assert h.redeem(invite, h.priya).status_code == 201
    declined = h.client.post(h.url(f"members/{h.priya.account}/decline"), json={}, headers=h.person.auth)
    assert declined.status_code == 200, declined.text
    [recorded] = h.client.get(h.url("handovers"), headers=h.ali.auth).json()["handovers"]
    assert recorded["status"] == "declined"
    assert_couch_error(h.client.get(f"/sync/{h.plan}/_all_docs", headers=h.priya.auth), 403)
    assert_api_error(h.client.delete(h.url(f"members/{h.ali.account}"), headers=h.priya.auth), 403)
    assert sorted(a["event"] for a in h.audit()) == ["handover.declined", "handover.started"]


def test_an_admin_asks_for_a_handover_and_only_the_named_colleague_comes_in_with_the_persons_yes(
    handover: Handover,
) -> None:
    """Ali is away: the admin asks for his plans to go to Priya. The request waits on the server until the
    person's phone makes the code; only Priya's device may use it, and only the person's yes lets her in."""
    h = handover
    ask = f"/api/v1/workers/{h.ali.account}/handovers"
    to_priya = {"to_account": h.priya.account}
    # Only an admin asks, for a worker of the organisation, to an active colleague who is not the worker himself.
    for someone in (h.ali, h.priya, h.person):
        assert_api_error(h.client.post(ask, json=to_priya, headers=someone.auth), 403, "forbidden")
    assert_api_error(h.client.post(ask, json={"to_account": h.ali.account}, headers=h.admin.auth), 400)
    assert_api_error(h.client.post(ask, json={"to_account": h.person.account}, headers=h.admin.auth), 404)
    nobody = f"/api/v1/workers/{h.person.account}/handovers"
    assert_api_error(h.client.post(nobody, json=to_priya, headers=h.admin.auth), 404, "not_found")
    not_his = {"to_account": h.priya.account, "plan_id": "0" * 32}
    assert_api_error(h.client.post(ask, json=not_his, headers=h.admin.auth), 404, "not_found")
    asked = h.client.post(ask, json=to_priya, headers=h.admin.auth)
    assert asked.status_code == 201, asked.text
    [request] = asked.json()["handovers"]
    assert (request["plan_id"], request["status"], request["requested_by"]) == (h.plan, "requested", h.admin.account)
    assert (request["from_name"], request["to_name"], request["to_account"]) == ("Ali", "Priya", h.priya.account)
    again = h.client.post(ask, json={**to_priya, "plan_id": h.plan}, headers=h.admin.auth)
    assert again.status_code == 200 and again.json()["handovers"] == [request]  # a repeat
    # Members see the request; the admin, no member, does not.
    [listed] = h.client.get(h.url("handovers"), headers=h.person.auth).json()["handovers"]
    assert listed == request
    assert_api_error(h.client.get(h.url("handovers"), headers=h.admin.auth), 403)

    # The person's phone makes the code for it (a supporter cannot); the handover is bound to Priya.
    invite = h.handover_code(h.person)
    answer = {"invite_id": invite.invite_id_hex, "request_id": request["request_id"]}
    assert_api_error(h.client.post(h.url("handovers"), json=answer, headers=h.supporter.auth), 403, "forbidden")
    started = h.client.post(h.url("handovers"), json=answer, headers=h.person.auth)
    assert started.status_code == 201, started.text
    assert (started.json()["status"], started.json()["from_account"]) == ("asked", h.ali.account)
    assert h.client.post(h.url("handovers"), json=answer, headers=h.person.auth).status_code == 200  # a repeat
    other_code = {"invite_id": h.handover_code(h.person).invite_id_hex, "request_id": request["request_id"]}
    assert_api_error(h.client.post(h.url("handovers"), json=other_code, headers=h.person.auth), 409, "conflict")

    # Cal, another worker of the organisation, cannot use it; Priya can, and waits for the person's yes.
    refused = h.redeem(invite, h.cal, name="Cal")
    assert_api_error(refused, 403, "forbidden")
    assert "for another colleague" in refused.json()["detail"]
    assert h.redeem(invite, h.priya).status_code == 201
    assert h.client.post(h.url(f"members/{h.priya.account}/approve"), json={}, headers=h.person.auth).is_success
    [agreed] = h.client.get(h.url("handovers"), headers=h.priya.auth).json()["handovers"]
    assert (agreed["status"], agreed["to_account"]) == ("agreed", h.priya.account)
    # Ali's device never comes back: Priya removes him, and his device is refused.
    assert h.client.delete(h.url(f"members/{h.ali.account}"), headers=h.priya.auth).status_code == 200
    assert_couch_error(h.client.get(f"/sync/{h.plan}/_all_docs", headers=h.ali.auth), 403)
    events = sorted((a["event"], a.get("account"), a.get("to"), a.get("by")) for a in h.audit())
    assert [e[:3] for e in events] == [
        ("handover.agreed", h.ali.account, h.priya.account),
        ("handover.finished", h.ali.account, h.priya.account),
        ("handover.requested", h.ali.account, h.priya.account),
        ("handover.started", h.ali.account, h.priya.account),
    ]
    assert events[2][3] == h.admin.account  # who asked


def test_the_person_may_say_no_to_a_requested_handover_and_the_command_line_asks_for_every_plan(
    handover: Handover,
) -> None:
    h = handover
    second_plan, _ = create_plan(h.client, h.ali)
    out = admin_cli(h.data, "hand-over", "--from", h.ali.account, "--to", h.cal.account)
    assert sorted(out["plans"]) == sorted([h.plan, second_plan])
    [request] = h.client.get(h.url("handovers"), headers=h.person.auth).json()["handovers"]
    assert (request["status"], request["requested_by"], request["to_account"]) == (
        "requested",
        "operator",
        h.cal.account,
    )
    # The old worker's own device may make the code too; the person says no.
    invite = h.handover_code(h.ali)
    answer = {"invite_id": invite.invite_id_hex, "request_id": request["request_id"]}
    assert h.client.post(h.url("handovers"), json=answer, headers=h.ali.auth).status_code == 201
    assert h.redeem(invite, h.cal, name="Cal").status_code == 201
    assert h.client.post(h.url(f"members/{h.cal.account}/decline"), json={}, headers=h.person.auth).is_success
    [declined] = h.client.get(h.url("handovers"), headers=h.ali.auth).json()["handovers"]
    assert declined["status"] == "declined"
    assert_couch_error(h.client.get(f"/sync/{h.plan}/_all_docs", headers=h.cal.auth), 403)
