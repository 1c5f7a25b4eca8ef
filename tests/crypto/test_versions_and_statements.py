"""Versions (spec §8.2), field statements (§8.5), admission binds (§11.5) and rotation epochs (§10.3) as an API.

The known-answer vectors fix the bytes; these tests fix how the Python functions behave around them:
what they accept, what they refuse, and what they keep when a version is re-sealed.
"""

from __future__ import annotations

import pytest

from alongside.crypto import (
    FormatError,
    Keyring,
    SignatureError,
    VersionMemory,
    admission_bind,
    create_invite,
    generate_device_keys,
    invite_bind_key,
    lock_secret,
    new_document_id,
    new_plan_id,
    new_plan_key,
    next_version,
    open_grant,
    open_invite,
    open_item,
    parse_pinlock,
    reseal_item,
    rotate_plan_key,
    seal_item,
    sign_field,
    sign_item,
    verify_field,
    verify_statement,
)
from alongside.crypto.provenance import item_signature_message

PLAN = new_plan_id()
ALICE, BOB = generate_device_keys(), generate_device_keys()
DEVICES = {d.device_id: d.public for d in (ALICE, BOB)}
KEY = new_plan_key(PLAN)


def test_next_version_takes_opened_items_and_gives_one_more_than_the_highest_n() -> None:
    doc_id = new_document_id()
    first = open_item(
        seal_item({"t": 1}, plan_id=PLAN, doc_id=doc_id, key=KEY, author=ALICE),
        plan_id=PLAN,
        keyring=Keyring(PLAN, [KEY]),
        devices=DEVICES,
    )
    n, prev = next_version([first])
    edited = seal_item({"t": 2}, plan_id=PLAN, doc_id=doc_id, key=KEY, author=BOB, n=n, prev=prev)
    second = open_item(edited, plan_id=PLAN, keyring=Keyring(PLAN, [KEY]), devices=DEVICES)
    assert (second.n, second.prev) == (2, (first.vh,))
    assert next_version([first, second]) == (3, tuple(sorted([first.vh, second.vh])))


@pytest.mark.parametrize(
    ("n", "prev"),
    [(0, ()), (-1, ()), (True, ()), (2**53, ()), (2, ("Q" * 43, "A" * 43)), (2, ("A" * 43, "A" * 43)), (2, "A" * 43)],
)
def test_signing_a_version_with_a_bad_n_or_prev_is_refused(n: int, prev: tuple[str, ...]) -> None:
    with pytest.raises(FormatError):
        sign_item({}, plan_id=PLAN, doc_id=new_document_id(), author=ALICE, n=n, prev=prev)


def test_a_version_one_message_cannot_carry_n_or_prev() -> None:
    with pytest.raises(FormatError):
        item_signature_message(
            {}, by=ALICE.device_id, plan_id=PLAN, doc_id=new_document_id(), deleted=False, n=1, version=1
        )


def test_resealing_a_version_two_item_after_rotation_keeps_n_prev_author_and_version_hash() -> None:
    doc_id = new_document_id()
    prev = ("A" * 43,)
    doc = seal_item({"t": "x"}, plan_id=PLAN, doc_id=doc_id, key=KEY, author=BOB, n=5, prev=prev, rev="5-abc")
    new_key, _ = rotate_plan_key(Keyring(PLAN, [KEY]), remaining=[ALICE.public], granter=ALICE)
    rotated = Keyring(PLAN, [KEY, new_key])
    resealed = reseal_item(doc, plan_id=PLAN, keyring=rotated, devices=DEVICES, key=new_key)
    before = open_item(doc, plan_id=PLAN, keyring=Keyring(PLAN, [KEY]), devices=DEVICES)
    after = open_item(resealed, plan_id=PLAN, keyring=rotated, devices=DEVICES)
    assert (resealed["v"], resealed["_rev"], resealed["kid"]) == (2, "5-abc", new_key.kid)
    assert (after.n, after.prev, after.vh, after.author, after.version) == (5, prev, before.vh, BOB.device_id, 2)


def test_a_stuck_rotation_is_superseded_with_the_epoch_asked_for_and_never_a_lower_one() -> None:
    keyring = Keyring(PLAN, [KEY])
    superseding, grants = rotate_plan_key(keyring, remaining=[ALICE.public, BOB.public], granter=ALICE, epoch=3)
    assert superseding.epoch == 3
    assert open_grant(grants[1], plan_id=PLAN, device=BOB, trusted=DEVICES).key == superseding
    for epoch in (1, 0, 2**32):
        with pytest.raises(FormatError):
            rotate_plan_key(keyring, remaining=[ALICE.public], granter=ALICE, epoch=epoch)
    assert rotate_plan_key(keyring, remaining=[], granter=ALICE)[0].epoch == 2


def test_the_joining_device_and_the_inviter_compute_the_same_bind_and_nobody_sees_the_key_in_a_repr() -> None:
    invite = create_invite(KEY, inviter=ALICE, role="owner", access="write", now=1_000)
    joined = open_invite(invite.to_text(), now=1_001)
    assert joined.bind_key == invite_bind_key(invite) and len(joined.bind_key) == 32
    assert joined.bind_key.hex() not in repr(joined) and str(joined.bind_key) not in repr(joined)
    bind = admission_bind(joined.bind_key, plan_id=PLAN, device_id=BOB.device_id)
    assert bind == admission_bind(invite_bind_key(invite), plan_id=PLAN, device_id=BOB.device_id)
    assert bind != admission_bind(joined.bind_key, plan_id=PLAN, device_id=ALICE.device_id)
    other = create_invite(KEY, inviter=ALICE, now=1_000)
    assert bind != admission_bind(invite_bind_key(other), plan_id=PLAN, device_id=BOB.device_id)


def test_a_field_statement_verifies_for_its_device_only_and_covers_its_whole_history() -> None:
    doc_id = new_document_id()
    sig = sign_field(plan_id=PLAN, doc_id=doc_id, name="text", value="I cook", h=["f2", "f1"], at=7, author=BOB)
    field = {"v": "I cook", "h": ["f2", "f1"], "at": 7, "dev": BOB.device_id, "sig": sig}
    verify_field(plan_id=PLAN, doc_id=doc_id, name="text", field=field, devices=DEVICES)
    for history in (["f2"], ["f2", "f9"], ["f2", "f1", "f0"]):
        with pytest.raises(SignatureError):  # an old field version cannot claim to descend from a newer one
            verify_field(plan_id=PLAN, doc_id=doc_id, name="text", field={**field, "h": history}, devices=DEVICES)
    with pytest.raises(SignatureError):
        verify_field(plan_id=PLAN, doc_id=doc_id, name="text", field={**field, "dev": ALICE.device_id}, devices=DEVICES)
    with pytest.raises(FormatError):
        verify_field(plan_id=PLAN, doc_id=doc_id, name="text", field={**field, "at": True}, devices=DEVICES)


def test_a_statement_with_a_context_outside_alongside_is_a_format_error() -> None:
    with pytest.raises(FormatError):
        verify_statement("v2/field", {}, "A" * 86, signer=ALICE.device_id, devices=DEVICES)


def test_a_version_memory_round_trips_through_json_and_refuses_a_boolean_n() -> None:
    memory = VersionMemory(3, "A" * 43, False, "3-abc", ("B" * 42 + "A",))
    assert VersionMemory.from_json(memory.to_json()) == memory
    with pytest.raises(FormatError):
        VersionMemory.from_json({**memory.to_json(), "n": True})


@pytest.mark.parametrize("version", [1.0, True, "1"])
def test_a_pin_lock_whose_version_is_not_the_integer_one_is_refused(version: object) -> None:
    blob = lock_secret(b"secret", "2468")
    with pytest.raises(FormatError):
        parse_pinlock({**blob, "v": version})
