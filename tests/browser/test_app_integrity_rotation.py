"""Rotations nobody can hijack, proven in Chromium (issue 13, "Must show" 3; docs/crypto.md §10, §19;
docs/api.md §11; docs/app.md "Trust").

Dee's phone and Bo's phone (a supporter who can only read, invited from Dee's phone) are the app in
Chromium; Ali's work tablet and Sam (a supporter with write access) are Python devices. Sam's rotation is
refused by the server, and so is an epoch jump. Ali's tablet, a steward's, records a rotation whose new
key only it can open: Bo's phone says it is waiting for the person's or the worker's device, and Dee's
phone, a steward's, replaces it with a rotation of its own (the recorded epoch plus one), granted to every
device that remains. Afterwards every device reads what is written, Bo's phone included, and every device
with write access writes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from support import hand_made
from support.beside_the_app import PhonePlan, plan_with_phone, wait_until
from support.devices import joined_device
from support.pwa import add_strength, invite, open_section, wait_synced

from alongside.crypto import new_plan_key, roster_document_id

WAITING = (
    "The key to this plan was changed, and this device does not have the new one yet. It is waiting for the "
    "person's device or their worker's device to pass it on. What is already here is safe."
)
BEFORE = "I ask for help when I need it"


@dataclass
class RotationPlan:
    plan: PhonePlan
    bo: Page  # the read-only supporter's phone


@pytest.fixture(scope="module")
def family(chromium: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RotationPlan]:
    with plan_with_phone(chromium, tmp_path_factory.mktemp("rotation")) as plan:
        phone = plan.phone
        open_section(phone, plan.plan_id, "strengths")
        add_strength(phone, BEFORE, said_by="Dee")
        wait_synced(phone)
        # Dee's phone invites Bo, who may only read; Bo's phone joins before any rotation and is admitted.
        text = invite(phone, plan.plan_id, "Someone they trust, who can only read it")
        bo = joined_device(chromium, plan.proxy.url, text, plan.plan_id, name="Bo", label="Bo's phone")
        open_section(bo, plan.plan_id, "strengths")
        expect(bo.locator(".item-text", has_text=BEFORE)).to_be_visible()
        wait_until(lambda: "Bo" in names_in_roster(plan) and bo_is_admitted(plan), what="Bo's admission")
        try:
            yield RotationPlan(plan, bo)
        finally:
            bo.context.close()


def names_in_roster(plan: PhonePlan) -> set[str]:
    plan.run(plan.ali.sync)
    return {entry.name for entry in plan.ali.roster.values()}


def bo_is_admitted(plan: PhonePlan) -> bool:
    """Ali's tablet reads an admission of Bo's phone by Dee's phone (docs/crypto.md §19.2): supporter, read."""
    [bo] = [entry.device_id for entry in plan.ali.roster.values() if entry.name == "Bo"]
    role = plan.ali.roles.get(bo)
    return role is not None and (role.role, role.access) == ("supporter", "read")


def assert_api_error(answer: object, status: int) -> None:
    assert getattr(answer, "status_code", None) == status, getattr(answer, "text", answer)
    body = answer.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "detail"} and body["detail"], body


def test_a_supporters_rotation_and_an_epoch_jump_are_refused(family: RotationPlan) -> None:
    plan = family.plan
    current = plan.sam.keyring.current.kid
    own_key = new_plan_key(plan.plan_id, 2)
    answer = plan.run(hand_made.rotation, plan.sam, {"epoch": 2, "kid": own_key.kid, "retire": [current]})
    assert_api_error(answer, 403)
    jumped = new_plan_key(plan.plan_id, 2**31 - 1)
    answer = plan.run(hand_made.rotation, plan.ali, {"epoch": 2**31 - 1, "kid": jumped.kid, "retire": [current]})
    assert_api_error(answer, 409)
    assert plan.run(plan.ali.recorded_keys)["current"] is None


def test_a_rotation_nobody_else_can_open_is_replaced_by_the_persons_phone(family: RotationPlan) -> None:
    plan, phone, bo = family.plan, family.plan.phone, family.bo
    first_kid = plan.ali.keyring.current.kid

    # Ali's tablet rotates, re-seals what it shows, but grants the new key to itself alone.
    stuck = plan.run(hand_made.stuck_rotation, plan.ali)
    assert stuck.status_code == 201, stuck.text
    stuck_kid = stuck.json()["current"]["kid"]
    assert stuck.json()["current"]["epoch"] == 2

    # Bo's phone, opening the plan again, notices that nobody gave it the recorded key, and waits.
    bo.goto(f"{plan.proxy.url}/#/plan/{plan.plan_id}")
    bo.reload()
    expect(bo.locator("[data-key-problem=waiting]")).to_have_text(WAITING, timeout=45_000)
    open_section(bo, plan.plan_id, "strengths")
    expect(bo.locator(".item-text", has_text=BEFORE)).to_be_visible()

    # Dee's phone, opening the plan again, replaces the stuck rotation with its own: epoch 3, for everyone.
    phone.goto(f"{plan.proxy.url}/#/plan/{plan.plan_id}")
    phone.reload()
    recorded = wait_until(
        lambda: (current := plan.run(plan.ali.recorded_keys)["current"]) and current["epoch"] == 3 and current,
        timeout=60,
        what="the phone's rotation",
    )
    keys = plan.run(plan.ali.recorded_keys)
    assert recorded["kid"] not in (stuck_kid, first_kid)
    assert {stuck_kid, first_kid} <= set(keys["retired"])
    expect(phone.get_by_role("heading", name="The plan")).to_be_visible()
    expect(phone.locator("[data-key-problem]")).to_have_count(0)  # a steward's device never waits
    wait_synced(phone)

    # What Dee writes now, under the new key, reaches every device: Bo's phone (read only) too.
    after = "I changed the lock on the plan"
    open_section(phone, plan.plan_id, "strengths")
    add_strength(phone, after, said_by="Dee")
    wait_synced(phone)
    open_section(bo, plan.plan_id, "strengths")
    expect(bo.locator(".item-text", has_text=after)).to_be_visible(timeout=45_000)
    expect(bo.locator(".item-text", has_text=BEFORE)).to_be_visible()
    bo.goto(f"{plan.proxy.url}/#/plan/{plan.plan_id}")
    expect(bo.get_by_role("heading", name="The plan")).to_be_visible()
    expect(bo.locator("[data-key-problem]")).to_have_count(0)  # no longer waiting: it has the key
    open_section(bo, plan.plan_id, "strengths")
    for device in (plan.ali, plan.sam):
        plan.run(device.sync)
        assert device.keyring.current.kid == recorded["kid"] and device.key_problem is None, device.name
        assert after in {item.body["f"]["text"]["v"] for item in device.items("strength").values()}, device.name

    # Every device with write access writes under the new key; both phones show what they wrote.
    for device in (plan.ali, plan.sam):
        plan.run(device.create, "strength", {"text": f"{device.name} writes again", "said_by": device.name})
        plan.run(device.sync)
    for page in (phone, bo):
        for name in ("Ali", "Sam"):
            expect(page.locator(".item-text", has_text=f"{name} writes again")).to_be_visible(timeout=45_000)
    assert not plan.ali.refusals and not plan.sam.refusals

    # Bo's phone put its own roster entry under the new key (the one thing a read-only member may write),
    # so that the stewards keep it in the next rotation.
    [bo_id] = [entry.device_id for entry in plan.ali.roster.values() if entry.name == "Bo"]
    entry = wait_until(
        lambda: (
            (doc := plan.run(hand_made.server_winner, plan.ali, roster_document_id(plan.plan_id, bo_id)))
            and doc["kid"] == recorded["kid"]
            and doc
        ),
        what="Bo's roster entry under the new key",
    )
    assert entry["kid"] == recorded["kid"]
