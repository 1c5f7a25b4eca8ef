"""Plans written under version 1 of the spec keep opening with the version-2 code (spec §20).

Version-1 envelopes open with ``n`` 0 and no ``prev``; re-sealing one keeps it version 1; a version-2
edit of one has ``n`` 1 and lists its version hash; and a version-1 envelope replayed after a version-2
version is judged a rollback.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from vector_support import load, open_vector

from alongside.crypto import (
    DecryptionError,
    DeviceKeys,
    DevicePublicKeys,
    Keyring,
    Leaf,
    OpenedItem,
    PlanKey,
    generate_device_keys,
    judge_versions,
    new_document_id,
    new_plan_id,
    new_plan_key,
    next_version,
    open_item,
    reseal_item,
    rotate_plan_key,
    seal_item,
    seal_signed_item,
)
from alongside.crypto.provenance import sign_item_v1


@dataclass
class OldPlan:
    """A plan whose one item was written by an app of version 1."""

    plan_id: str
    person: DeviceKeys
    worker: DeviceKeys
    key: PlanKey
    doc_id: str
    legacy: dict[str, object]

    @property
    def keyring(self) -> Keyring:
        return Keyring(self.plan_id, [self.key])

    @property
    def devices(self) -> dict[str, DevicePublicKeys]:
        return {d.device_id: d.public for d in (self.person, self.worker)}

    def open(self, doc: dict[str, object], keyring: Keyring | None = None) -> OpenedItem:
        return open_item(
            doc,
            plan_id=self.plan_id,
            keyring=keyring or self.keyring,
            devices=self.devices,
            allow_retired=True,
        )


@pytest.fixture
def old_plan() -> OldPlan:
    plan_id = new_plan_id()
    person, worker = generate_device_keys(), generate_device_keys()
    key = new_plan_key(plan_id)
    doc_id = new_document_id()
    body = {"type": "strength", "text": "I make people laugh", "said_by": "person", "voice": "own_words"}
    signed = sign_item_v1(body, plan_id=plan_id, doc_id=doc_id, author=person)
    legacy = seal_signed_item(signed, plan_id=plan_id, doc_id=doc_id, key=key, rev="1-aaa")
    return OldPlan(plan_id, person, worker, key, doc_id, legacy)


def test_the_version_one_vectors_open_with_n_zero_and_no_prev() -> None:
    legacy = [case for case in load("envelope.json")["verify"] if case["expected"]["version"] == 1]
    assert len(legacy) == 2
    for case in legacy:
        opened = open_vector(case)
        assert case["document"]["v"] == 1
        assert (opened.version, opened.n, opened.prev) == (1, 0, ())
        assert opened.vh == case["expected"]["vh"]


def test_a_version_one_envelope_opens_with_the_version_two_code(old_plan: OldPlan) -> None:
    opened = old_plan.open(old_plan.legacy)
    assert old_plan.legacy["v"] == 1
    assert (opened.version, opened.n, opened.prev, opened.author) == (1, 0, (), old_plan.person.device_id)
    assert opened.body["text"] == "I make people laugh"


def test_resealing_a_version_one_item_keeps_it_version_one_with_its_signature_and_hash(old_plan: OldPlan) -> None:
    new_key, _ = rotate_plan_key(old_plan.keyring, remaining=[old_plan.person.public], granter=old_plan.worker)
    rotated = old_plan.keyring.with_key(new_key)
    resealed = reseal_item(
        old_plan.legacy, plan_id=old_plan.plan_id, keyring=rotated, devices=old_plan.devices, key=new_key
    )
    assert (resealed["v"], resealed["kid"], resealed["_rev"]) == (1, new_key.kid, "1-aaa")
    before, after = old_plan.open(old_plan.legacy), old_plan.open(resealed, rotated)
    assert (after.version, after.author, after.vh, after.body) == (1, before.author, before.vh, before.body)


def test_a_version_two_edit_of_a_version_one_item_has_n_one_and_lists_its_hash(old_plan: OldPlan) -> None:
    before = old_plan.open(old_plan.legacy)
    n, prev = next_version([before])
    assert (n, prev) == (1, (before.vh,))
    edited = seal_item(
        {**before.body, "text": "I make people laugh, even on bad days"},
        plan_id=old_plan.plan_id,
        doc_id=old_plan.doc_id,
        key=old_plan.key,
        author=old_plan.worker,
        n=n,
        prev=prev,
    )
    after = old_plan.open(edited)
    assert (edited["v"], after.version, after.n, after.prev) == (2, 2, 1, (before.vh,))
    assert after.vh != before.vh


def test_a_version_one_envelope_replayed_after_a_version_two_version_is_judged_a_rollback(old_plan: OldPlan) -> None:
    before = old_plan.open(old_plan.legacy)
    n, prev = next_version([before])
    edited = seal_item(
        {"type": "strength", "text": "I am funny"},
        plan_id=old_plan.plan_id,
        doc_id=old_plan.doc_id,
        key=old_plan.key,
        author=old_plan.worker,
        n=n,
        prev=prev,
    )
    after = old_plan.open(edited)
    original = Leaf("1-aaa", "valid", before.n, before.vh)
    first = judge_versions(None, original, [original])
    newer = Leaf("2-bbb", "valid", after.n, after.vh)
    second = judge_versions(first.memory, newer, [newer])
    assert second.current == "winner" and second.memory is not None and second.memory.old == (before.vh,)
    # A member pushes the version-1 envelope again as a new winning revision.
    replayed = old_plan.open({**old_plan.legacy, "_rev": "3-ccc"})
    leaf = Leaf("3-ccc", "valid", replayed.n, replayed.vh)
    third = judge_versions(second.memory, leaf, [leaf])
    assert (third.current, third.reports, third.restore, third.replays) == ("memory", ("rollback",), True, ("3-ccc",))
    assert third.memory == second.memory


def test_a_version_one_envelope_relabelled_version_two_does_not_open(old_plan: OldPlan) -> None:
    with pytest.raises(DecryptionError):
        old_plan.open({**old_plan.legacy, "v": 2})
