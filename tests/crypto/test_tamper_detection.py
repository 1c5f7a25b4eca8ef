"""Tampering is detected, and the error says nothing about what was wrong."""

from __future__ import annotations

from typing import Any

import pytest

from alongside.crypto import (
    DecryptionError,
    DeviceKeys,
    FormatError,
    InviteExpiredError,
    Keyring,
    Leaf,
    PlanKey,
    SignatureError,
    b64u_decode,
    b64u_encode,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    judge_versions,
    lock_device_keys,
    new_document_id,
    new_plan_id,
    new_plan_key,
    next_version,
    open_grant,
    open_invite,
    open_item,
    reseal_item,
    rotate_plan_key,
    seal_item,
    seal_signed_item,
    sign_item,
    unlock_device_keys,
)
from alongside.crypto.errors import DECRYPTION_FAILED
from alongside.crypto.provenance import SignedItem

Json = dict[str, Any]


class Plan:
    """A plan with three member devices and one sealed item."""

    def __init__(self) -> None:
        self.id = new_plan_id()
        self.alice, self.bob, self.caro = generate_device_keys(), generate_device_keys(), generate_device_keys()
        self.key = new_plan_key(self.id)
        self.keyring = Keyring(self.id, [self.key])
        self.devices = {d.device_id: d.public for d in (self.alice, self.bob, self.caro)}
        self.doc_id = new_document_id()
        self.body: Json = {"type": "worry", "text": "Rent arrears since March", "voice": "own_words"}
        self.doc = seal_item(self.body, plan_id=self.id, doc_id=self.doc_id, key=self.key, author=self.alice)

    def open(self, doc: Json, **kwargs: Any) -> Any:
        options: dict[str, Any] = {"plan_id": self.id, "keyring": self.keyring, "devices": self.devices}
        options.update(kwargs)
        return open_item(doc, **options)


@pytest.fixture
def plan() -> Plan:
    return Plan()


def assert_detail_free(error: BaseException, doc: Json) -> None:
    """The message is the fixed text and echoes nothing from the document."""
    assert str(error) == DECRYPTION_FAILED
    for value in doc.values():
        if isinstance(value, str) and len(value) > 4:
            assert value not in str(error)


def test_an_untouched_envelope_opens_to_its_body_and_author(plan: Plan) -> None:
    opened = plan.open(plan.doc)
    assert (opened.body, opened.author, opened.kid) == (plan.body, plan.alice.device_id, plan.key.kid)


def test_every_flipped_bit_in_the_ciphertext_is_rejected_with_the_same_message(plan: Plan) -> None:
    raw = b64u_decode(str(plan.doc["ct"]))
    for bit in range(0, len(raw) * 8, 7):
        tampered = bytearray(raw)
        tampered[bit // 8] ^= 1 << (bit % 8)
        doc = {**plan.doc, "ct": b64u_encode(bytes(tampered))}
        with pytest.raises(DecryptionError) as caught:
            plan.open(doc)
        assert_detail_free(caught.value, doc)


def test_every_flipped_bit_in_the_nonce_is_rejected(plan: Plan) -> None:
    raw = b64u_decode(str(plan.doc["nonce"]))
    for bit in range(96):
        tampered = bytearray(raw)
        tampered[bit // 8] ^= 1 << (bit % 8)
        with pytest.raises(DecryptionError):
            plan.open({**plan.doc, "nonce": b64u_encode(bytes(tampered))})


def test_ciphertext_moved_to_another_document_id_is_rejected(plan: Plan) -> None:
    moved = {**plan.doc, "_id": new_document_id()}
    with pytest.raises(DecryptionError) as caught:
        plan.open(moved)
    assert_detail_free(caught.value, moved)


def test_ciphertext_moved_to_another_plan_is_rejected_even_with_the_same_key_bytes(plan: Plan) -> None:
    other = new_plan_id()
    same_secret = Keyring(other, [PlanKey(other, 1, plan.key.secret)])
    with pytest.raises(DecryptionError):
        open_item(
            {**plan.doc, "kid": same_secret.current.kid}, plan_id=other, keyring=same_secret, devices=plan.devices
        )
    with pytest.raises(DecryptionError):
        open_item(plan.doc, plan_id=other, keyring=same_secret, devices=plan.devices)


def test_every_truncation_of_the_envelope_is_rejected(plan: Plan) -> None:
    ct = str(plan.doc["ct"])
    for length in range(0, len(ct), 3):
        with pytest.raises(DecryptionError):
            plan.open({**plan.doc, "ct": ct[:length]})
    for field in ("v", "kind", "kid", "nonce", "ct"):
        with pytest.raises(DecryptionError):
            plan.open({k: v for k, v in plan.doc.items() if k != field})


def test_marking_a_live_envelope_deleted_is_rejected(plan: Plan) -> None:
    with pytest.raises(DecryptionError):
        plan.open({**plan.doc, "_deleted": True})


def test_an_unknown_key_id_is_rejected(plan: Plan) -> None:
    with pytest.raises(DecryptionError):
        plan.open({**plan.doc, "kid": "00000000000000ff"})


def test_a_wrong_key_with_the_right_key_id_never_opens(plan: Plan) -> None:
    other_key = new_plan_key(plan.id)
    forged_ring = Keyring(plan.id, [other_key])
    with pytest.raises(DecryptionError):
        plan.open({**plan.doc, "kid": other_key.kid}, keyring=forged_ring)


def test_a_signature_by_a_device_that_is_not_the_claimed_author_is_rejected(plan: Plan) -> None:
    mallory = generate_device_keys()
    signed = sign_item(plan.body, plan_id=plan.id, doc_id=plan.doc_id, author=mallory)
    claimed = SignedItem(signed.body, plan.alice.device_id, signed.sig)
    doc = seal_signed_item(claimed, plan_id=plan.id, doc_id=plan.doc_id, key=plan.key)
    with pytest.raises(SignatureError):
        plan.open(doc, devices={**plan.devices, mallory.device_id: mallory.public})


def test_an_item_by_a_device_outside_the_roster_is_rejected(plan: Plan) -> None:
    outsider = generate_device_keys()
    doc = seal_item(plan.body, plan_id=plan.id, doc_id=plan.doc_id, key=plan.key, author=outsider)
    with pytest.raises(SignatureError):
        plan.open(doc)


def test_a_member_copying_a_signed_item_to_another_document_id_is_rejected(plan: Plan) -> None:
    signed = sign_item(plan.body, plan_id=plan.id, doc_id=plan.doc_id, author=plan.alice)
    copy = seal_signed_item(signed, plan_id=plan.id, doc_id=new_document_id(), key=plan.key)
    with pytest.raises(SignatureError):
        plan.open(copy)


def test_a_document_under_a_rotated_out_key_presented_as_current_is_rejected(plan: Plan) -> None:
    new_key, _ = rotate_plan_key(plan.keyring, remaining=[plan.alice.public, plan.caro.public], granter=plan.alice)
    rotated = plan.keyring.with_key(new_key)
    assert rotated.is_retired(plan.key.kid)
    with pytest.raises(DecryptionError) as caught:
        plan.open(plan.doc, keyring=rotated)
    assert_detail_free(caught.value, plan.doc)
    # A removed member who still holds the old key writes under it after removal: also rejected.
    late = seal_item(
        {"text": "written after removal"}, plan_id=plan.id, doc_id=new_document_id(), key=plan.key, author=plan.bob
    )
    with pytest.raises(DecryptionError):
        plan.open(late, keyring=rotated)


def test_history_mode_opens_a_document_under_a_retired_key(plan: Plan) -> None:
    new_key, _ = rotate_plan_key(plan.keyring, remaining=[plan.alice.public], granter=plan.alice)
    opened = plan.open(plan.doc, keyring=plan.keyring.with_key(new_key), allow_retired=True)
    assert opened.body == plan.body


def test_resealing_after_rotation_keeps_the_original_authors_signature(plan: Plan) -> None:
    new_key, _ = rotate_plan_key(plan.keyring, remaining=[plan.alice.public, plan.caro.public], granter=plan.caro)
    rotated = plan.keyring.with_key(new_key)
    resealed = reseal_item(
        {**plan.doc, "_rev": "1-abc"}, plan_id=plan.id, keyring=rotated, devices=plan.devices, key=new_key
    )
    assert resealed["kid"] == new_key.kid and resealed["_rev"] == "1-abc"
    opened = plan.open(resealed, keyring=rotated)
    assert (opened.body, opened.author) == (plan.body, plan.alice.device_id)


def test_a_removed_member_gets_no_grant_of_the_new_epoch_key(plan: Plan) -> None:
    new_key, grants = rotate_plan_key(plan.keyring, remaining=[plan.alice.public, plan.caro.public], granter=plan.alice)
    assert {g["to"] for g in grants} == {plan.alice.device_id, plan.caro.device_id}
    for grant in grants:
        with pytest.raises(DecryptionError):
            open_grant(grant, plan_id=plan.id, device=plan.bob, trusted=plan.devices)
    assert open_grant(grants[1], plan_id=plan.id, device=plan.caro, trusted=plan.devices).key == new_key
    after = seal_item({"text": "new address"}, plan_id=plan.id, doc_id=new_document_id(), key=new_key, author=plan.caro)
    with pytest.raises(DecryptionError):
        plan.open(after)  # bob's keyring has only the old key


def test_two_devices_rotating_at_once_agree_on_the_current_key(plan: Plan) -> None:
    key_a, _ = rotate_plan_key(plan.keyring, remaining=[plan.alice.public], granter=plan.alice)
    key_c, _ = rotate_plan_key(plan.keyring, remaining=[plan.caro.public], granter=plan.caro)
    assert key_a.epoch == key_c.epoch == 2
    seen_by_a = plan.keyring.with_key(key_a).with_key(key_c)
    seen_by_c = plan.keyring.with_key(key_c).with_key(key_a)
    assert seen_by_a.current == seen_by_c.current == max(key_a, key_c, key=lambda k: k.kid)


def test_a_grant_signed_by_an_untrusted_device_is_rejected(plan: Plan) -> None:
    stranger = generate_device_keys()
    grant = grant_plan_key(new_plan_key(plan.id, epoch=2), recipient=plan.bob.public, granter=stranger)
    with pytest.raises(SignatureError):
        open_grant(grant, plan_id=plan.id, device=plan.bob, trusted=plan.devices)


def test_a_grant_moved_to_another_document_id_or_readdressed_is_rejected(plan: Plan) -> None:
    grant = grant_plan_key(plan.key, recipient=plan.bob.public, granter=plan.alice)
    for doc in ({**grant, "_id": new_document_id()}, {**grant, "to": plan.caro.device_id}):
        for device in (plan.bob, plan.caro):
            with pytest.raises(DecryptionError):
                open_grant(doc, plan_id=plan.id, device=device, trusted=plan.devices)


def test_an_altered_invite_is_rejected_and_an_expired_one_refused(plan: Plan) -> None:
    invite = create_invite(plan.key, inviter=plan.alice, now=1_000, lifetime=600)
    raw = invite.to_bytes()
    for offset in range(2, len(raw)):
        tampered = bytearray(raw)
        tampered[offset] ^= 0x01
        with pytest.raises((DecryptionError, FormatError)):
            open_invite(bytes(tampered), now=1_001)
    with pytest.raises(InviteExpiredError):
        open_invite(raw, now=1_600)
    assert open_invite(raw, now=1_599).plan_key == plan.key


def test_a_wrong_pin_is_rejected_with_the_same_message_as_any_other_failure(plan: Plan) -> None:
    blob = lock_device_keys(plan.alice, "1357")
    with pytest.raises(DecryptionError) as caught:
        unlock_device_keys(blob, "1358")
    assert str(caught.value) == DECRYPTION_FAILED
    assert unlock_device_keys(blob, "1357") == plan.alice


def test_private_keys_never_appear_in_reprs(plan: Plan) -> None:
    text = repr(plan.alice) + repr(plan.key) + repr(create_invite(plan.key, inviter=plan.alice))
    assert plan.alice.encryption_private.hex() not in text
    assert str(plan.alice.signing_private) not in text
    assert str(plan.key.secret) not in text
    assert isinstance(plan.alice, DeviceKeys)


def test_a_re_pushed_earlier_envelope_still_opens_as_its_author_but_its_version_gives_it_away(plan: Plan) -> None:
    first = plan.open(plan.doc)
    n, prev = next_version([first])
    newer_doc = seal_item(
        {**plan.body, "text": "Rent paid off in June"},
        plan_id=plan.id,
        doc_id=plan.doc_id,
        key=plan.key,
        author=plan.bob,
        n=n,
        prev=prev,
    )
    newer = plan.open(newer_doc)
    # Any member can push the earlier envelope again as a new revision: the envelope is authentic ...
    replayed = plan.open({**plan.doc, "_rev": "3-abc"})
    assert (replayed.author, replayed.body) == (plan.alice.device_id, plan.body)
    # ... but its place in the history is signed, so a device that saw the newer version keeps it.
    assert (replayed.n, replayed.vh) == (first.n, first.vh) and newer.prev == (first.vh,) and newer.n > replayed.n
    seen = judge_versions(None, Leaf("1-a", "valid", first.n, first.vh), [Leaf("1-a", "valid", first.n, first.vh)])
    later = judge_versions(
        seen.memory, Leaf("2-b", "valid", newer.n, newer.vh), [Leaf("2-b", "valid", newer.n, newer.vh)]
    )
    back = Leaf("3-abc", "valid", replayed.n, replayed.vh)
    judged = judge_versions(later.memory, back, [back])
    assert (judged.current, judged.reports, judged.restore) == ("memory", ("rollback",), True)
    assert judged.memory is not None and judged.memory.vh == newer.vh


def test_changing_n_or_prev_inside_a_signed_item_breaks_its_signature(plan: Plan) -> None:
    signed = sign_item(plan.body, plan_id=plan.id, doc_id=plan.doc_id, author=plan.alice, n=4, prev=["A" * 43])
    for changed in (
        SignedItem(signed.body, signed.by, signed.sig, 5, signed.prev),
        SignedItem(signed.body, signed.by, signed.sig, 4, ()),
        SignedItem(signed.body, signed.by, signed.sig, 4, ("E" * 43,)),
    ):
        doc = seal_signed_item(changed, plan_id=plan.id, doc_id=plan.doc_id, key=plan.key)
        with pytest.raises(SignatureError):
            plan.open(doc)
    assert plan.open(seal_signed_item(signed, plan_id=plan.id, doc_id=plan.doc_id, key=plan.key)).n == 4
