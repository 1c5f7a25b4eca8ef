"""Provenance that stays true, and agreement bound to words (issue 13, "Must show" 4; docs/app.md
"Items and provenance", "Who may do what", "Agreements"; docs/crypto.md §8.5).

The worker changes the person's words: the person's phone shows who changed them, drops "their own
words", and shows the person's earlier agreement as an agreement to an earlier wording, until the person
agrees again. Only the person's devices record the person's agreement, or the worker's device with
attribution; a supporter's device is refused by the app, and a record a hand-made client writes anyway is
read as not the person's, as is one whose field statements claim another device.
"""

from __future__ import annotations

import pytest
from support import hand_made
from support.plan_world import Family

pytestmark = pytest.mark.anyio


async def agreed_strength(family: Family) -> str:
    """Dee says a strength in her own words on her phone and agrees with it."""
    sid = await family.dee.create("strength", {"text": "I never give up", "said_by": "Dee", "voice": "own"})
    await family.dee.agree(sid)
    await family.sync()
    return sid


async def test_the_workers_edit_shows_changed_by_and_the_agreement_is_to_an_earlier_wording(family: Family) -> None:
    sid = await agreed_strength(family)
    for device in family.everyone:
        said = device.provenance_of(sid)
        assert (said.said_by, said.voice, said.changed_by) == ("Dee", "own", None), device.name
        person = device.agreements_for(sid).person
        assert person is not None and person.value == "yes" and person.current, device.name
        assert person.recorded_by == family.dee.device_id and person.party == "self"

    await family.ali.update(sid, {"text": "Dee never gives up on her kids"})
    await family.sync()
    for device in family.everyone:
        said = device.provenance_of(sid)
        assert said.said_by == "Dee" and said.voice is None, device.name  # no longer "their own words"
        assert said.changed_by == family.ali.device_id and said.changed_at is not None, device.name
        person = device.agreements_for(sid).person
        assert person is not None and person.value == "yes" and not person.current, device.name  # earlier wording

    # Dee agrees to the new wording on her phone: the agreement is current, and the words are confirmed.
    await family.dee.agree(sid)
    await family.sync()
    for device in family.everyone:
        said = device.provenance_of(sid)
        assert said.voice == "own" and said.confirmed and said.changed_by == family.ali.device_id, device.name
        person = device.agreements_for(sid).person
        assert person is not None and person.current, device.name


async def test_the_person_changing_their_own_words_keeps_them_their_own(family: Family) -> None:
    sid = await agreed_strength(family)
    await family.dee.update(sid, {"text": "I never, ever give up"})
    await family.sync()
    said = family.ali.provenance_of(sid)
    assert said.voice == "own" and said.changed_by is None
    person = family.ali.agreements_for(sid).person
    assert person is not None and not person.current  # the agreement named the earlier words all the same


async def test_the_worker_records_the_persons_agreement_with_attribution(family: Family) -> None:
    sid = await family.ali.create("strength", {"text": "Dee is patient", "said_by": "Ali", "voice": "practitioner"})
    await family.ali.agree(sid, note="Dee said she agrees")
    await family.sync()
    for device in family.everyone:
        person = device.agreements_for(sid).person
        assert person is not None and person.party == "person" and person.current, device.name
        assert person.recorded_by == family.ali.device_id, device.name  # recorded by Ali, never unattributed


async def test_a_supporter_cannot_record_the_persons_agreement(family: Family) -> None:
    sid = await family.ali.create("strength", {"text": "Dee is brave", "said_by": "Sam", "voice": "paraphrase"})
    await family.sync()

    # The app refuses: a supporter records only their own agreement; a read-only supporter none.
    with pytest.raises(PermissionError):
        await family.sam.agree(sid, party="person")
    with pytest.raises(PermissionError):
        await family.bo.agree(sid)
    await family.sam.agree(sid)  # Sam's own agreement is fine

    # A hand-made client writes one anyway (the server cannot tell: it sees only ciphertext), and another
    # that claims Dee's phone set its fields.
    forged = await hand_made.agreement(family.sam, sid, party="person")
    claimed = await hand_made.agreement(family.sam, sid, party="self", claim_device=family.dee.device_id)
    await family.sam.push()
    assert not family.sam.refusals
    await family.sync()
    for device in family.others_than_sam:
        agreements = device.agreements_for(sid)
        assert agreements.person is None, device.name
        assert [record.doc_id for record in agreements.refused] == [forged], device.name  # "not the person's"
        assert [(record.recorded_by, record.party) for record in agreements.others] == [
            (family.sam.device_id, "self")
        ], device.name
        assert not device.items()[claimed].checked, device.name  # its statements do not verify
        assert "unchecked" in device.events_about(claimed), device.name
