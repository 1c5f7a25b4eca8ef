"""Invites and enrolment codes: one use, expiry, bound to their plan, and brute force limited per client address.

Time is controlled, not waited for: the directory the app uses is swapped for one with a test clock
(``Directory(store, clock=...)``), and the failure limiter for one with a test clock too.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.api import (
    Member,
    admin_cli,
    assert_api_error,
    create_plan,
    enrol,
    join,
    redemption,
    register_invite,
    registration,
)

from alongside.crypto import (
    PlanKey,
    create_invite,
    generate_device_keys,
    invite_auth_token,
    open_invite,
)
from alongside.server.app import create_app
from alongside.server.directory import Directory
from alongside.server.ratelimit import FailureLimiter
from alongside.server.settings import Settings
from alongside.server.state import AppState

FAILURE_LIMIT = 5
HERE = ("10.0.0.1", 1)
ELSEWHERE = ("10.0.0.2", 1)


class Clock:
    """A clock that moves only when told to (it starts at the real time: the command line's codes use it)."""

    def __init__(self, start: float | None = None) -> None:
        self.now = time.time() if start is None else start

    def __call__(self) -> float:
        return self.now


@dataclass
class Setup:
    client: TestClient
    clock: Clock
    worker: Member
    admin: Member
    codes: list[str]  # unused enrolment codes
    plan: str
    key: PlanKey

    @property
    def state(self) -> AppState:
        state: AppState = self.client.app.state.alongside  # type: ignore[attr-defined]
        return state

    @property
    def now(self) -> int:
        return int(self.clock.now)

    def redeem(self, invite_id: str, body: dict[str, Any], client: TestClient | None = None, **kw: Any) -> Any:
        return (client or self.client).post(f"/api/v1/invites/{invite_id}/redeem", json=body, **kw)

    def elsewhere(self) -> TestClient:
        """A client at another address, talking to the same running app.

        It shares the running client's event loop and is never entered, so the app is not started twice.
        """
        other = TestClient(self.client.app, client=ELSEWHERE)
        other.portal = self.client.portal
        return other


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    admin_code = admin_cli(tmp_path, "init", "--org", "Riverside", "--name", "Admin")["code"]
    worker_code = admin_cli(tmp_path, "add-worker", "--name", "Ali")["code"]
    codes = [admin_cli(tmp_path, "add-worker", "--name", f"Worker {i}")["code"] for i in range(3)]
    app = create_app(Settings(data_dir=tmp_path, failure_limit=FAILURE_LIMIT))
    with TestClient(app, client=HERE) as client:
        clock = Clock()
        state: AppState = app.state.alongside
        state.directory = Directory(state.store, clock=clock)
        admin = enrol(client, admin_code)
        worker = enrol(client, worker_code)
        plan, key = create_plan(client, worker)
        yield Setup(client, clock, worker, admin, codes, plan, key)


def test_an_invite_admits_one_device_once(setup: Setup) -> None:
    invite = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    first = setup.redeem(invite.invite_id_hex, redemption(invite, generate_device_keys()))
    assert first.status_code == 201, first.text
    assert first.json()["plan_id"] == setup.plan
    token = first.json()["token"]

    for _ in range(2):
        again = setup.redeem(invite.invite_id_hex, redemption(invite, generate_device_keys()))
        assert_api_error(again, 403, "forbidden")
        assert "already been used" in again.json()["detail"]
    # The device that used it cannot use it again either, with or without its token.
    again = setup.redeem(invite.invite_id_hex, redemption(invite, generate_device_keys()), headers=bearer(token))
    assert_api_error(again, 403)

    members = setup.client.get(f"/api/v1/plans/{setup.plan}/members", headers=setup.worker.auth).json()["members"]
    assert sorted(m["role"] for m in members) == ["owner", "supporter", "worker"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_expired_invite_is_refused(setup: Setup) -> None:
    early = register_invite(setup.client, setup.worker, setup.key, now=setup.now, lifetime=60)
    late = register_invite(setup.client, setup.worker, setup.key, now=setup.now, lifetime=60)

    setup.clock.now += 59
    assert setup.redeem(early.invite_id_hex, redemption(early, generate_device_keys())).status_code == 201
    setup.clock.now += 1  # now == expires_at: expired, as docs/crypto.md §11.4 says
    refused = setup.redeem(late.invite_id_hex, redemption(late, generate_device_keys()))
    assert_api_error(refused, 403, "forbidden")
    assert "expired" in refused.json()["detail"]


@pytest.mark.parametrize("offset", [0, -5, 7 * 24 * 3600 + 1], ids=["now", "in-the-past", "after-7-days"])
def test_an_invite_must_expire_within_seven_days(setup: Setup, offset: int) -> None:
    invite = create_invite(setup.key, inviter=setup.worker.keys, now=setup.now)
    body = {**registration(invite), "expires_at": setup.now + offset}
    response = setup.client.post(f"/api/v1/plans/{setup.plan}/invites", json=body, headers=setup.worker.auth)
    assert_api_error(response, 400, "bad_request")


def test_a_wrong_token_or_invite_id_is_refused_and_does_not_use_the_invite(setup: Setup) -> None:
    one = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    two = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    keys = generate_device_keys()
    attempts = [
        (one.invite_id_hex, {**redemption(one, keys), "auth_token": invite_auth_token(two)}),  # another invite's token
        (one.invite_id_hex, {**redemption(one, keys), "auth_token": secrets.token_urlsafe(32)}),
        (secrets.token_hex(16), redemption(one, keys)),  # an invite id nobody registered
        ("not-an-invite", redemption(one, keys)),
    ]
    for invite_id, body in attempts:
        response = setup.redeem(invite_id, body)
        assert_api_error(response, 403, "forbidden")
        assert "not valid" in response.json()["detail"]
    # Both invites still work, each with its own token.
    assert setup.redeem(one.invite_id_hex, redemption(one, keys)).status_code == 201
    assert setup.redeem(two.invite_id_hex, redemption(two, generate_device_keys())).status_code == 201


def test_an_invite_is_bound_to_the_plan_it_was_registered_for(setup: Setup) -> None:
    other_plan, other_key = create_plan(setup.client, setup.worker)
    outsider = enrol(setup.client, setup.codes[0])  # a worker who is not a member of the plan

    # Nobody registers an invite for a plan they are not a member of, nor for a plan that does not exist.
    invite = create_invite(setup.key, inviter=outsider.keys, now=setup.now)
    refused = setup.client.post(f"/api/v1/plans/{setup.plan}/invites", json=registration(invite), headers=outsider.auth)
    assert_api_error(refused, 403, "forbidden")
    unknown = setup.client.post(f"/api/v1/plans/{'e' * 32}/invites", json=registration(invite), headers=outsider.auth)
    assert_api_error(unknown, 404, "not_found")

    # An invite id registered for one plan cannot be registered again for another (no hijacking of a QR code).
    invite = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    again = setup.client.post(
        f"/api/v1/plans/{other_plan}/invites", json=registration(invite), headers=setup.worker.auth
    )
    assert_api_error(again, 409, "conflict")

    # It admits to its own plan only; the answer names that plan, which the new device checks against the QR code.
    joined = open_invite(invite.to_text(), now=setup.now)
    keys = generate_device_keys()
    response = setup.redeem(
        invite.invite_id_hex, {"auth_token": joined.auth_token, "public_keys": keys.public.to_json()}
    )
    assert response.status_code == 201, response.text
    assert response.json()["plan_id"] == joined.plan_key.plan_id == setup.plan
    member = bearer(response.json()["token"])
    assert setup.client.get(f"/sync/{setup.plan}/_changes", headers=member).status_code == 200
    assert setup.client.get(f"/sync/{other_plan}/_changes", headers=member).status_code == 403
    assert setup.client.get(f"/api/v1/plans/{other_plan}/members", headers=member).status_code == 403
    plans = setup.client.get("/api/v1/plans", headers=member).json()["plans"]
    assert [p["plan_id"] for p in plans] == [setup.plan]
    assert other_key.plan_id == other_plan


def test_who_may_invite_whom(setup: Setup) -> None:
    reader = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, access="read"))
    writer = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, access="write"))
    person = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, role="owner"))

    def register(member: Member, **fields: str) -> Any:
        invite = create_invite(setup.key, inviter=member.keys, now=setup.now)
        body = {**registration(invite), **fields}
        return setup.client.post(f"/api/v1/plans/{setup.plan}/invites", json=body, headers=member.auth)

    assert_api_error(register(reader), 403)  # read-only members invite nobody
    # Only the person's and the worker's devices invite (docs/crypto.md §11): a supporter with write access
    # invites neither supporters nor the person's own device.
    refused = register(writer)
    assert_api_error(refused, 403, "forbidden")
    assert "the person's or the worker's devices" in refused.json()["detail"]
    assert_api_error(register(writer, role="owner"), 403)
    assert_api_error(register(setup.worker, role="worker"), 400)  # nobody is invited as a worker
    assert_api_error(register(setup.worker, access="admin"), 400)
    assert register(person, access="write").status_code == 201  # the person invites supporters…
    assert register(person, role="owner").status_code == 201  # …and their own next phone
    owner = register(setup.worker, role="owner", access="read")
    assert owner.status_code == 201 and owner.json()["access"] == "write"  # the person always has write access


def test_an_invite_a_supporter_registered_before_only_stewards_invited_is_refused(setup: Setup) -> None:
    """Servers before docs/crypto.md version 2 let supporters with write access register invites: such an
    invite, still in the directory, admits nobody now."""
    writer = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, access="write"))
    invite = create_invite(setup.key, inviter=writer.keys, now=setup.now)
    fields = registration(invite)
    legacy = {
        "_id": f"invite:{fields['invite_id']}",
        "type": "invite",
        "plan": setup.plan,
        "role": "supporter",
        "access": "read",
        "verifier": fields["verifier"],
        "expires_at": fields["expires_at"],
        "issued_by": writer.device_id,
        "issued_at": setup.now,
    }
    setup.client.portal.call(setup.state.directory.put, legacy)  # type: ignore[union-attr]
    response = setup.redeem(invite.invite_id_hex, redemption(invite, generate_device_keys()))
    assert_api_error(response, 403, "forbidden")
    assert "the person's or the worker's devices" in response.json()["detail"]


def test_an_invite_dies_with_the_access_of_whoever_made_it(setup: Setup) -> None:
    owner = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, role="owner"))
    phone = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, role="owner"))
    pending = register_invite(setup.client, phone, setup.key, now=setup.now)

    removed = setup.client.delete(f"/api/v1/plans/{setup.plan}/devices/{phone.device_id}", headers=owner.auth)
    assert removed.status_code == 200, removed.text
    # Nobody joins through an invite made on a phone taken off the plan (lost, say) before it was taken off…
    response = setup.redeem(pending.invite_id_hex, redemption(pending, generate_device_keys()))
    assert_api_error(response, 403, "forbidden")
    # …and an invite made by a worker whom the admin then switched off is refused too.
    from_worker = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    revoked = setup.client.post(f"/api/v1/workers/{setup.worker.account}/revoke", headers=setup.admin.auth)
    assert revoked.status_code == 200, revoked.text
    response = setup.redeem(from_worker.invite_id_hex, redemption(from_worker, generate_device_keys()))
    assert_api_error(response, 403, "forbidden")


def test_a_removed_member_can_be_invited_back(setup: Setup) -> None:
    owner = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now, role="owner"))
    supporter = join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now))
    gone = setup.client.delete(f"/api/v1/plans/{setup.plan}/members/{supporter.account}", headers=owner.auth)
    assert gone.status_code == 200
    assert setup.client.get(f"/sync/{setup.plan}/", headers=supporter.auth).status_code == 403

    # The person changes their mind and invites the same phone back.
    invite = register_invite(setup.client, owner, setup.key, now=setup.now, access="write")
    back = setup.redeem(invite.invite_id_hex, redemption(invite, supporter.keys), headers=supporter.auth)
    assert back.status_code == 201, back.text
    assert back.json()["account"] == supporter.account and back.json()["access"] == "write"
    assert setup.client.get(f"/sync/{setup.plan}/", headers=supporter.auth).status_code == 200

    # The person may leave their own plan too, and come back with a new phone through an owner invite.
    left = setup.client.delete(f"/api/v1/plans/{setup.plan}/members/{owner.account}", headers=owner.auth)
    assert left.status_code == 200, left.text
    assert setup.client.get(f"/sync/{setup.plan}/", headers=owner.auth).status_code == 403
    invite = register_invite(setup.client, setup.worker, setup.key, now=setup.now, role="owner")
    phone = join(setup.client, invite)
    assert phone.account == owner.account
    assert setup.client.get(f"/sync/{setup.plan}/", headers=phone.auth).status_code == 200


def test_a_flood_of_bad_codes_from_one_address_is_stopped_without_blocking_anyone_else(setup: Setup) -> None:
    good_invite = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    keys = generate_device_keys()
    for attempt in range(FAILURE_LIMIT):
        if attempt % 2:
            response = setup.client.post(
                "/api/v1/enrol", json={"code": f"AAAA-BBBB-{attempt:04d}", "public_keys": keys.public.to_json()}
            )
        else:
            bad = {**redemption(good_invite, keys), "auth_token": secrets.token_urlsafe(32)}
            response = setup.redeem(good_invite.invite_id_hex, bad)
        assert_api_error(response, 403, "forbidden")

    # From this address, every further attempt is refused before it is checked, even a right one.
    for response in (
        setup.redeem(good_invite.invite_id_hex, redemption(good_invite, keys)),
        setup.client.post("/api/v1/enrol", json={"code": setup.codes[0], "public_keys": keys.public.to_json()}),
    ):
        assert_api_error(response, 429, "too_many_requests")

    # Another address is not affected: it redeems the good invite and enrols with a good code.
    other = setup.elsewhere()
    assert setup.redeem(good_invite.invite_id_hex, redemption(good_invite, keys), client=other).status_code == 201
    assert enrol(other, setup.codes[0]).token
    # …while this one is still held back.
    assert setup.client.get("/api/v1/me", headers=setup.worker.auth).status_code == 200
    assert_api_error(setup.client.post("/api/v1/enrol", json={"code": setup.codes[1]}), 429)


def test_the_limit_counts_failures_only_and_forgets_them_after_the_window(setup: Setup) -> None:
    clock = Clock(1000.0)
    setup.state.limiter = FailureLimiter(FAILURE_LIMIT, 600.0, clock=clock)
    keys = generate_device_keys()

    def bad_code() -> Any:
        return setup.client.post("/api/v1/enrol", json={"code": "WRONG-CODE", "public_keys": keys.public.to_json()})

    for _ in range(FAILURE_LIMIT - 1):
        assert bad_code().status_code == 403
    for _ in range(3):  # people who get it right are never counted
        assert join(setup.client, register_invite(setup.client, setup.worker, setup.key, now=setup.now))
    assert bad_code().status_code == 403
    refused = bad_code()
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "600"  # the first failure expires in ten minutes
    clock.now += 599
    refused = bad_code()
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    clock.now += 1
    assert bad_code().status_code == 403  # the window has passed: the address may try again


def test_an_enrolment_code_works_once_and_expires(setup: Setup) -> None:
    first, second, third = setup.codes
    keys = generate_device_keys()
    enrolled = setup.client.post("/api/v1/enrol", json={"code": first, "public_keys": keys.public.to_json()})
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["kind"] == "worker"
    again = setup.client.post(
        "/api/v1/enrol", json={"code": first, "public_keys": generate_device_keys().public.to_json()}
    )
    assert_api_error(again, 403, "forbidden")
    # The same device cannot enrol twice (with another code).
    twice = setup.client.post("/api/v1/enrol", json={"code": second, "public_keys": keys.public.to_json()})
    assert_api_error(twice, 409, "conflict")

    # Codes are read forgivingly (case, dashes, spaces), as people type them.
    typed = second.lower().replace("-", " ")
    assert enrol(setup.client, typed).token

    # A code is good for 7 days.
    setup.clock.now += 7 * 24 * 3600
    late = setup.client.post(
        "/api/v1/enrol", json={"code": third, "public_keys": generate_device_keys().public.to_json()}
    )
    assert_api_error(late, 403, "forbidden")


def test_invite_and_enrolment_bodies_are_checked(setup: Setup) -> None:
    invite = register_invite(setup.client, setup.worker, setup.key, now=setup.now)
    good = redemption(invite, generate_device_keys())
    for bad in (
        {**good, "public_keys": {"enc": "x", "sig": "y"}},
        {**good, "public_keys": None},
        {"public_keys": good["public_keys"]},
        {**good, "auth_token": 7},
        {**good, "label": "x" * 81},
    ):
        assert_api_error(setup.redeem(invite.invite_id_hex, bad), 400, "bad_request")
    assert_api_error(setup.client.post(f"/api/v1/invites/{invite.invite_id_hex}/redeem", content=b"[1]"), 400)
    assert_api_error(setup.client.post("/api/v1/enrol", content=b"{nope"), 400)
    assert setup.redeem(invite.invite_id_hex, good).status_code == 201  # bad bodies did not use the invite
