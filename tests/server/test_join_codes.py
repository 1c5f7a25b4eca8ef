"""Join codes on the server (docs/api.md §7a, docs/crypto.md §21): who may put a box, how long it stays, that it
goes once its invite is redeemed, and that looking up codes that do not exist is limited per client address.

Time is controlled, not waited for: the directory gets a test clock, and so does the failure limiter.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.answers import assert_api_error
from support.api import Member, admin_cli, create_plan, enrol, join, redemption, register_invite

from alongside.crypto import Invite, PlanKey, create_invite, generate_device_keys, open_invite
from alongside.crypto.encoding import b64u_decode, b64u_encode, base32_decode
from alongside.crypto.joincode import join_code_keys, new_join_code, open_join_box, seal_join_box
from alongside.server.app import create_app
from alongside.server.directory import Directory
from alongside.server.directory_ids import join_code_doc_id
from alongside.server.ratelimit import FailureLimiter
from alongside.server.settings import Settings
from alongside.server.state import AppState

FAILURE_LIMIT = 4
WINDOW = 600.0
HERE = ("10.0.0.7", 1)
ELSEWHERE = ("10.0.0.8", 1)
NO_SUCH_CODE = "No invite has this code. Check the letters, or ask for a new code."


class Clock:
    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


@dataclass
class World:
    client: TestClient
    clock: Clock
    limiter_clock: Clock
    worker: Member
    plan: str
    key: PlanKey

    @property
    def state(self) -> AppState:
        state: AppState = self.client.app.state.alongside  # type: ignore[attr-defined]
        return state

    @property
    def now(self) -> int:
        return int(self.clock.now)

    def put(self, lookup: str, body: dict[str, Any], member: Member | None = None) -> Any:
        return self.client.put(f"/api/v1/join-codes/{lookup}", json=body, headers=(member or self.worker).auth)

    def open(self, lookup: str, client: TestClient | None = None) -> Any:
        return (client or self.client).post(f"/api/v1/join-codes/{lookup}/open")

    def elsewhere(self) -> TestClient:
        other = TestClient(self.client.app, client=ELSEWHERE)
        other.portal = self.client.portal
        return other


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    admin_cli(tmp_path, "init", "--org", "Riverside", "--name", "Admin")
    code = admin_cli(tmp_path, "add-worker", "--name", "Ali")["code"]
    with TestClient(create_app(Settings(data_dir=tmp_path, failure_limit=FAILURE_LIMIT)), client=HERE) as client:
        clock, limiter_clock = Clock(time.time()), Clock(1000.0)
        state: AppState = client.app.state.alongside  # type: ignore[attr-defined]
        state.directory = Directory(state.store, clock=clock)
        state.limiter = FailureLimiter(FAILURE_LIMIT, WINDOW, clock=limiter_clock)
        worker = enrol(client, code)
        plan, key = create_plan(client, worker)
        yield World(client, clock, limiter_clock, worker, plan, key)


@dataclass
class Boxed:
    code: str
    lookup: str
    body: dict[str, Any]


def boxed(invite: Invite, plan: str, *, expires_at: int | None = None) -> Boxed:
    """What the inviting device sends: the invite's binary form sealed under a new code's box key."""
    code = new_join_code()
    keys = join_code_keys(code)
    payload = base32_decode(invite.to_text().removeprefix("AS1:"))
    box = b64u_encode(seal_join_box(keys, payload))
    expiry = invite.expires_at if expires_at is None else expires_at
    body = {"plan_id": plan, "invite_id": invite.invite_id_hex, "box": box, "expires_at": expiry}
    return Boxed(code, keys.lookup, body)


def test_a_box_put_by_the_inviting_device_opens_with_the_code_and_admits_the_new_device(world: World) -> None:
    invite = register_invite(world.client, world.worker, world.key, now=world.now)
    sent = boxed(invite, world.plan)
    stored = world.put(sent.lookup, sent.body)
    assert stored.status_code == 201, stored.text
    assert stored.json() == {
        "lookup": sent.lookup,
        "plan_id": world.plan,
        "invite_id": invite.invite_id_hex,
        "expires_at": invite.expires_at,
    }
    assert world.put(sent.lookup, sent.body).status_code == 200  # a repeat (a lost answer) is the same

    # The joining device types the code (in lower case, with dashes), fetches the box and opens the invite.
    typed = "-".join(sent.code.lower()[i : i + 4] for i in range(0, 16, 4))
    answer = world.open(join_code_keys(typed).lookup)
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"box", "expires_at"}
    payload = open_join_box(join_code_keys(typed), b64u_decode(answer.json()["box"]))
    opened = open_invite(payload, now=world.now)
    assert opened.plan_key == world.key
    joined = world.client.post(
        f"/api/v1/invites/{invite.invite_id_hex}/redeem", json=redemption(invite, generate_device_keys())
    )
    assert joined.status_code == 201, joined.text

    # Once the invite is redeemed its box is deleted: the code finds nothing, and the server keeps nothing.
    gone = world.open(sent.lookup)
    assert_api_error(gone, 404, "not_found")
    assert gone.json()["detail"] == NO_SUCH_CODE
    assert world.client.portal.call(world.state.directory.get, join_code_doc_id(sent.lookup)) is None


def test_only_a_device_that_may_invite_puts_a_box(world: World) -> None:
    supporter = join(world.client, register_invite(world.client, world.worker, world.key, access="write"))
    invite = create_invite(world.key, inviter=supporter.keys, now=world.now)
    sent = boxed(invite, world.plan)
    refused = world.put(sent.lookup, sent.body, supporter)
    assert_api_error(refused, 403, "forbidden")
    unknown_plan = world.put(sent.lookup, {**sent.body, "plan_id": "e" * 32})
    assert_api_error(unknown_plan, 404, "not_found")
    nobody = world.client.put(f"/api/v1/join-codes/{sent.lookup}", json=sent.body)
    assert_api_error(nobody, 401, "unauthorized")
    assert_api_error(world.open(sent.lookup), 404, "not_found")  # nothing was kept


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"expires_at": 0}, 400),  # in the past
        ({"expires_at": 24 * 3600 + 1}, 400),  # more than a day ahead (the invite lives longer here)
        ({"expires_at": "soon"}, 400),
        ({"box": "not base64url!"}, 400),
        ({"box": "A" * 1404}, 400),  # longer than a box of 1024 bytes of invite
        ({"invite_id": "XYZ"}, 400),
    ],
    ids=["past", "over-a-day", "not-a-number", "not-base64url", "too-long", "bad-invite-id"],
)
def test_a_malformed_box_or_expiry_is_refused_and_nothing_is_kept(
    world: World, change: dict[str, Any], status: int
) -> None:
    invite = register_invite(world.client, world.worker, world.key, now=world.now, lifetime=2 * 24 * 3600)
    sent = boxed(invite, world.plan)
    if isinstance(change.get("expires_at"), int):
        change = {"expires_at": world.now + change["expires_at"]}
    refused = world.put(sent.lookup, {**sent.body, **change})
    assert_api_error(refused, status, "bad_request")
    assert_api_error(world.open(sent.lookup), 404, "not_found")


def test_a_box_may_not_outlive_its_invite_nor_open_a_used_one_nor_another_plan_s(world: World) -> None:
    invite = register_invite(world.client, world.worker, world.key, now=world.now, lifetime=600)
    sent = boxed(invite, world.plan, expires_at=world.now + 601)
    assert_api_error(world.put(sent.lookup, sent.body), 400, "bad_request")
    other_plan, _ = create_plan(world.client, world.worker)
    assert_api_error(world.put(sent.lookup, {**sent.body, "plan_id": other_plan}), 409, "conflict")
    join(world.client, invite)
    assert_api_error(world.put(sent.lookup, {**sent.body, "expires_at": world.now + 60}), 409, "conflict")


def test_another_box_under_a_lookup_id_in_use_is_a_conflict(world: World) -> None:
    one = boxed(register_invite(world.client, world.worker, world.key, now=world.now), world.plan)
    two = boxed(register_invite(world.client, world.worker, world.key, now=world.now), world.plan)
    assert world.put(one.lookup, one.body).status_code == 201
    assert_api_error(world.put(one.lookup, two.body), 409, "conflict")
    assert world.open(one.lookup).json()["box"] == one.body["box"]


def test_an_expired_box_is_not_found_and_purged(world: World) -> None:
    invite = register_invite(world.client, world.worker, world.key, now=world.now, lifetime=300)
    sent = boxed(invite, world.plan)
    later = boxed(register_invite(world.client, world.worker, world.key, now=world.now, lifetime=900), world.plan)
    assert world.put(sent.lookup, sent.body).status_code == 201
    assert world.put(later.lookup, later.body).status_code == 201
    world.clock.now += 300  # now == expires_at: expired
    expired = world.open(sent.lookup)
    assert_api_error(expired, 404, "not_found")
    assert expired.json()["detail"] == NO_SUCH_CODE
    assert world.client.portal.call(world.state.directory.get, join_code_doc_id(sent.lookup)) is None
    assert world.open(later.lookup).status_code == 200  # the one still valid is untouched


def test_wrong_codes_count_towards_the_limit_and_then_even_the_right_code_waits_for_the_window(world: World) -> None:
    sent = boxed(register_invite(world.client, world.worker, world.key, now=world.now), world.plan)
    assert world.put(sent.lookup, sent.body).status_code == 201
    for n in range(FAILURE_LIMIT):
        wrong = world.open(join_code_keys(new_join_code()).lookup) if n % 2 else world.open("not-a-lookup")
        assert_api_error(wrong, 404, "not_found")
        assert wrong.json()["detail"] == NO_SUCH_CODE
    for _ in range(2):  # the right code too, until the window passes
        limited = world.open(sent.lookup)
        assert_api_error(limited, 429, "too_many_requests")
        assert 1 <= int(limited.headers["Retry-After"]) <= WINDOW
    assert world.open(sent.lookup, world.elsewhere()).status_code == 200  # another address is not held back
    world.limiter_clock.now += WINDOW
    assert world.open(sent.lookup).status_code == 200
