"""Deletions are signed (issue 13, "Must show" 2; docs/crypto.md §7.5, §8.3 step 2, §14.3).

A member's bare ``DELETE ?rev=`` of an item, or of a keyring document, is refused with a CouchDB-style
error and changes nothing. A bare tombstone that reaches a device anyway (from a hostile server: here a
proxy rewriting the real server's answers) leaves the item readable as "removed without a signature",
and the device can put it back. A signed deletion by a steward removes the item on every device; a
signed deletion by a member who may not delete the item is treated like a bare tombstone.
"""

from __future__ import annotations

import pytest
from support import hand_made
from support.hostile_proxy import HostileProxy
from support.plan_world import Family

pytestmark = pytest.mark.anyio

REMOVED_WORDS = "This was removed without a signature. We kept it, and you can put it back."


async def dees_strength(family: Family) -> str:
    sid = await family.dee.create("strength", {"text": "I keep going", "said_by": "Dee", "voice": "own"})
    await family.sync()
    return sid


def assert_forbidden(answer: object, status: int = 403) -> None:
    """A CouchDB-style refusal: ``{"error": "forbidden", "reason": <plain words>}``."""
    assert getattr(answer, "status_code", None) == status, getattr(answer, "text", answer)
    body = answer.json()  # type: ignore[attr-defined]
    assert set(body) == {"error", "reason"} and body["error"] == "forbidden" and body["reason"], body


async def test_a_members_bare_delete_of_an_item_is_refused_and_changes_nothing(family: Family) -> None:
    sid = await dees_strength(family)
    before = await hand_made.server_winner(family.ali, sid)
    for device in (family.sam, family.ali):  # an ordinary member, and even the worker's own device
        assert_forbidden(await hand_made.bare_delete(device, sid))
        bulk = await device.http.post(
            f"/sync/{device.plan_id}/_bulk_docs",
            json={"docs": [{"_id": sid, "_rev": before["_rev"], "_deleted": True}]},
        )
        assert bulk.status_code == 201 and bulk.json()[0]["error"] == "forbidden", bulk.text
    assert await hand_made.server_winner(family.ali, sid) == before
    await family.sync()
    for device in family.everyone:
        assert device.text_of(sid) == "I keep going" and device.events_about(sid) == [], device.name


async def test_a_bare_tombstone_from_the_server_stays_readable_and_can_be_put_back(
    family: Family, proxy: HostileProxy
) -> None:
    sid = await dees_strength(family)
    version = family.dee.shown[sid].vh
    proxy.serve_bare_tombstone(family.dee.plan_id, sid)

    # Bo (read-only) keeps the item readable and says it was removed without a signature.
    await family.bo.sync()
    assert family.bo.text_of(sid) == "I keep going" and family.bo.shown[sid].shown == "memory"
    assert family.bo.events_about(sid) == ["unsigned-removal"] and family.bo.events[-1].text == REMOVED_WORDS

    # Dee's phone too; it does not put it back by itself, but can.
    await family.dee.sync()
    assert family.dee.text_of(sid) == "I keep going" and family.dee.events_about(sid) == ["unsigned-removal"]
    rewrite = proxy.rewrite(family.dee.plan_id, sid)
    assert rewrite is not None and rewrite.served >= 1
    await family.dee.restore(sid)
    await family.dee.sync()
    assert family.dee.shown[sid].shown == "winner" and family.dee.shown[sid].vh == version

    # Put back on the server (on top of the tombstone it was shown), the same signed version for everyone.
    assert family.dee.open_copy(await hand_made.server_winner(family.ali, sid)).vh == version
    await family.sync()
    for device in family.everyone:
        assert device.text_of(sid) == "I keep going" and device.shown[sid].vh == version, device.name
        assert device.shown[sid].author == family.dee.device_id


async def test_a_signed_deletion_by_a_steward_removes_the_item_on_every_device(family: Family) -> None:
    sid = await dees_strength(family)
    with pytest.raises(PermissionError):
        await family.sam.delete(sid)  # the app offers a supporter no delete button for the person's words
    await family.ali.delete(sid)
    await family.sync()
    for device in family.everyone:
        assert sid not in device.items(), device.name
        assert device.events_about(sid) == [], device.name
    assert (await family.ali.http.get(f"/sync/{family.ali.plan_id}/{sid}")).status_code == 404


@pytest.mark.parametrize("stamp", ["deleted", "superseded"])
async def test_a_signed_deletion_by_a_member_who_may_not_delete_is_an_unsigned_removal(
    family: Family, stamp: str
) -> None:
    sid = await dees_strength(family)
    await hand_made.signed_deletion(family.sam, sid, stamp=stamp)  # a hand-made client signs it anyway
    await family.sam.push()
    assert (await family.ali.http.get(f"/sync/{family.ali.plan_id}/{sid}")).status_code == 404
    await family.bo.sync()
    assert family.bo.text_of(sid) == "I keep going" and family.bo.events_about(sid) == ["unsigned-removal"]
    await family.ali.sync()
    assert family.ali.events_about(sid) == ["unsigned-removal"]
    await family.ali.restore(sid)
    await family.sync()
    for device in family.others_than_sam:
        assert device.text_of(sid) == "I keep going", device.name


async def test_delete_of_a_keyring_document_is_refused_and_the_document_is_unchanged(family: Family) -> None:
    plan = family.ali.plan_id
    listing = await family.ali.http.get(f"/sync/{plan}/_all_docs", params={"include_docs": "true"})
    keyring_docs = {row["id"]: row["doc"] for row in listing.json()["rows"] if row["doc"]["kind"] == "keyring"}
    assert len(keyring_docs) >= 4  # a grant each device gave itself
    for doc_id, doc in keyring_docs.items():
        for device in (family.sam, family.ali):
            assert_forbidden(await device.http.delete(f"/sync/{plan}/{doc_id}", params={"rev": doc["_rev"]}))
            tombstone = {"_id": doc_id, "_rev": doc["_rev"], "_deleted": True}
            bulk = await device.http.post(f"/sync/{plan}/_bulk_docs", json={"docs": [tombstone]})
            assert bulk.json()[0]["error"] == "forbidden", bulk.text
        assert (await family.ali.http.get(f"/sync/{plan}/{doc_id}")).json() == doc
    # Every device still finds its key in the plan at its next start, and reads the plan with it.
    sid = await dees_strength(family)
    for device in family.everyone:
        restarted = await family.world.restart(device)
        assert restarted.keyring.current.kid == family.ali.keyring.current.kid, device.name
        assert restarted.text_of(sid) == "I keep going", device.name
