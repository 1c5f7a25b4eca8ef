"""Rotations nobody can hijack (issue 13, "Must show" 3; docs/crypto.md §10, §19; docs/api.md §11).

Only the person's and the worker's devices may record a rotation, and only to the next epoch. A steward's
rotation whose new key the other devices cannot open is detected by them; the person's device replaces
it with the next rotation, granted to every remaining device (a read-only supporter's included, whose
roster entry that device could write itself), after which everyone reads, and the write devices write,
under the new key.
"""

from __future__ import annotations

import pytest
from support import hand_made
from support.plan_world import Family

from alongside.crypto import new_plan_key, roster_document_id

pytestmark = pytest.mark.anyio


def assert_api_error(answer: object, statuses: tuple[int, ...]) -> None:
    assert getattr(answer, "status_code", None) in statuses, getattr(answer, "text", answer)
    body = answer.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "detail"} and body["detail"], body


async def test_a_supporters_rotation_is_refused_by_the_app_and_by_the_server(family: Family) -> None:
    with pytest.raises(PermissionError):
        await family.sam.rotate()
    own_key = new_plan_key(family.sam.plan_id, 2)
    body = {"epoch": 2, "kid": own_key.kid, "retire": [family.sam.keyring.current.kid]}
    assert_api_error(await hand_made.rotation(family.sam, body), (403,))
    assert (await family.ali.recorded_keys())["current"] is None
    await family.sync()
    assert all(device.key_problem is None for device in family.everyone)


async def test_an_epoch_jump_is_refused_and_the_next_epoch_is_taken(family: Family) -> None:
    current = family.dee.keyring.current.kid
    for epoch in (2**31 - 1, 3, 1):
        jumped = new_plan_key(family.dee.plan_id, epoch)
        answer = await hand_made.rotation(family.dee, {"epoch": epoch, "kid": jumped.kid, "retire": [current]})
        assert_api_error(answer, (400, 409))
    assert (await family.dee.recorded_keys())["current"] is None
    answer = await family.dee.rotate()
    assert answer.status_code == 201, answer.text
    assert answer.json()["current"]["epoch"] == 2
    await family.sync()
    for device in family.everyone:
        assert device.keyring.current.kid == answer.json()["current"]["kid"] and device.key_problem is None


async def test_a_rotation_nobody_else_can_open_is_replaced_by_the_persons_device(family: Family) -> None:
    plan = family.ali.plan_id
    sid = await family.dee.create("strength", {"text": "I ask for help", "said_by": "Dee", "voice": "own"})
    await family.sync()

    # The worker's tablet (a steward) rotates, re-seals everything, but grants the new key to itself only.
    stuck = await hand_made.stuck_rotation(family.ali)
    assert stuck.status_code == 201, stuck.text
    stuck_kid = stuck.json()["current"]["kid"]

    # The others notice: no grant they can open gives them the recorded key. They keep what they had.
    for device in (family.sam, family.bo):
        await device.sync()
        assert device.key_problem == "waiting" and "waiting-for-key" in [e.kind for e in device.events]
        assert device.text_of(sid) == "I ask for help", device.name
    late = await family.sam.create("good_news", {"text": "Went to the group"})
    await family.sam.push()
    assert [refusal["id"] for refusal in family.sam.refusals] == [late]  # under a key the server retired

    # The person's phone is a steward: it replaces the stuck rotation at once (recorded epoch + 1).
    await family.dee.sync()
    recorded = (await family.dee.recorded_keys())["current"]
    assert recorded["epoch"] == 3 and recorded["kid"] != stuck_kid
    assert "key-replaced" in [e.kind for e in family.dee.events]
    assert stuck_kid in (await family.dee.recorded_keys())["retired"]

    # Everyone, the read-only supporter included, now holds the new key and reads the plan with it.
    await family.sync(rounds=3)
    for device in family.everyone:
        assert device.keyring.current.kid == recorded["kid"], device.name
        assert device.key_problem is None, device.name
        assert device.text_of(sid) == "I ask for help", device.name
    # Bo (read-only) wrote its own roster entry under the new key: the server took it.
    bo_entry = await hand_made.server_winner(family.bo, roster_document_id(plan, family.bo.device_id))
    assert bo_entry["kid"] == recorded["kid"] and not family.bo.refusals

    # And every device with write access writes again; the others read what they wrote.
    written = {}
    for device in (family.ali, family.dee, family.sam):
        written[device.name] = await device.create("good_news", {"text": f"{device.name} writes again"})
        await device.sync()
    await family.sync()
    for device in family.everyone:
        for name, doc_id in written.items():
            assert device.text_of(doc_id) == f"{name} writes again", (device.name, name)
        # What Sam wrote while the key was stuck went again under the new key: nothing lost.
        assert device.text_of(late) == "Went to the group", device.name
    assert not family.ali.refusals and not family.dee.refusals and not family.bo.refusals
