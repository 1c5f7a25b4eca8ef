"""Nobody rolls an item back unseen (issue 13, "Must show" 1; docs/crypto.md §8.3).

A member with an ordinary write token pushes an earlier envelope of an item as a new winning revision,
with ``new_edits: false`` or as an ordinary write; and a hostile server (a proxy rewriting the real
server's answers) serves an older version. In every case the devices that had seen the newer version
keep showing it, say in plain words what happened, and the devices with write access put it back, so
that the server's winner is the newer version again and nothing is lost.
"""

from __future__ import annotations

import pytest
from support import hand_made
from support.hostile_proxy import HostileProxy
from support.plan_client import PlanDevice
from support.plan_world import Family

pytestmark = pytest.mark.anyio

ROLLBACK_WORDS = "An older copy of this came back from the server or another device; we kept the newer one."


async def strength_with_three_versions(family: Family) -> tuple[str, list[str]]:
    """Dee says a strength, then rewords it; Ali adds an example: three versions everyone has seen."""
    sid = await family.dee.create("strength", {"text": "I cook", "said_by": "Dee", "voice": "own"})
    await family.sync()
    await family.dee.update(sid, {"text": "I cook for my kids"})
    await family.sync()
    await family.ali.update(sid, {"example": "Sunday dinners"})
    await family.sync()
    texts = ["I cook", "I cook for my kids", "I cook for my kids"]
    return sid, texts


async def server_version(device: PlanDevice, doc_id: str) -> tuple[int, str]:
    """``(n, vh)`` of the server's winning revision, opened by ``device``."""
    opened = device.open_copy(await hand_made.server_winner(device, doc_id))
    return opened.n, opened.vh


@pytest.mark.parametrize("how", ["new_edits_false", "ordinary_write"])
async def test_an_earlier_version_pushed_by_a_member_is_kept_from_every_device_and_put_back(
    family: Family, how: str
) -> None:
    sid, _ = await strength_with_three_versions(family)
    newest = {device.name: device.shown[sid].vh for device in family.everyone}
    assert len(set(newest.values())) == 1 and family.ali.shown[sid].n == 3
    first = hand_made.earlier_envelopes(family.sam, sid)[0]
    assert family.sam.open_copy(first).n == 1

    # Sam, an ordinary member with write access, replays the first version as the newest revision.
    if how == "new_edits_false":
        answer = await hand_made.push_as_new_revision(family.sam, sid, first)
        assert answer.status_code == 201 and answer.json() == [], answer.text
    else:
        answer = await hand_made.write_over(family.sam, sid, first)
        assert answer.status_code == 201, answer.text
    assert (await server_version(family.ali, sid))[0] == 1  # the server holds the old version as its winner

    # Bo (read-only) syncs first: keeps the newer version and says so, but cannot put it back.
    await family.bo.sync()
    assert family.bo.shown[sid].vh == newest["Bo"] and family.bo.shown[sid].shown == "memory"
    assert family.bo.text_of(sid) == "I cook for my kids" and family.bo.text_of(sid, "example") == "Sunday dinners"
    assert family.bo.events_about(sid) == ["rollback"]
    assert [event.text for event in family.bo.events] == [ROLLBACK_WORDS]
    assert (await server_version(family.ali, sid))[0] == 1

    # Ali (write) syncs: keeps the newer version, says so, and writes it back on top.
    await family.ali.sync()
    assert family.ali.shown[sid].vh == newest["Ali"] and family.ali.events_about(sid) == ["rollback"]
    assert await server_version(family.ali, sid) == (3, newest["Ali"])

    # Afterwards every device shows the newer version; nothing was lost.
    await family.sync()
    for device in family.everyone:
        assert device.shown[sid].vh == newest[device.name], device.name
        assert device.text_of(sid) == "I cook for my kids" and device.text_of(sid, "example") == "Sunday dinners"
        assert device.shown[sid].author == family.ali.device_id  # the version's author, as before
    assert family.dee.events_about(sid) in ([], ["rollback"])  # Dee may have seen the restored version only
    assert not family.ali.refusals and not family.dee.refusals


async def test_a_replayed_version_beside_the_winner_is_never_shown_or_merged(family: Family) -> None:
    sid, _ = await strength_with_three_versions(family)
    newest = family.ali.shown[sid].vh
    first = hand_made.earlier_envelopes(family.sam, sid)[0]
    answer = await hand_made.push_as_branch(family.sam, sid, first, length=4)  # a longer branch: it wins
    assert answer.status_code == 201 and answer.json() == [], answer.text
    assert (await server_version(family.ali, sid))[0] == 1
    for device in (family.bo, family.ali):  # the read-only device keeps the newer one; Ali also puts it back
        await device.sync()
        assert device.shown[sid].vh == newest and device.text_of(sid) == "I cook for my kids", device.name
        assert device.events_about(sid) == ["rollback"], device.name
    assert (await server_version(family.ali, sid))[1] == newest
    await family.sync()
    for device in family.everyone:
        assert device.shown[sid].vh == newest and device.text_of(sid) == "I cook for my kids", device.name


async def test_a_server_serving_an_older_version_does_not_make_a_device_show_it(
    family: Family, proxy: HostileProxy
) -> None:
    sid, _ = await strength_with_three_versions(family)
    newest = family.ali.shown[sid].vh
    first = hand_made.earlier_envelopes(family.ali, sid)[0]

    # The server (the proxy in front of it) presents the first version as a new revision to Bo and Dee.
    proxy.serve_older_version(family.dee.plan_id, sid, first)
    await family.bo.sync()
    rewrite = proxy.rewrite(family.dee.plan_id, sid)
    assert rewrite is not None and rewrite.served >= 1  # the older version did reach the device
    assert family.bo.shown[sid].vh == newest and family.bo.text_of(sid) == "I cook for my kids"
    assert family.bo.events_about(sid) == ["rollback"] and family.bo.events[-1].text == ROLLBACK_WORDS

    # Dee's phone (write) keeps the newer version too, and writes it back on top of the served revision.
    await family.dee.sync()
    assert family.dee.shown[sid].vh == newest and family.dee.events_about(sid) == ["rollback"]
    assert await server_version(family.ali, sid) == (3, newest)

    # The proxy keeps lying only as long as the real winner is what it lied on top of: now everyone agrees.
    await family.sync()
    for device in family.everyone:
        assert device.shown[sid].vh == newest and device.text_of(sid) == "I cook for my kids", device.name
    assert family.ali.events_about(sid) == [] and family.sam.events_about(sid) == []


async def test_the_honest_limit_a_device_with_no_memory_of_the_item_takes_the_older_version(family: Family) -> None:
    """What is not caught (docs/crypto.md §1, §8.3): a device that never saw the newer versions (here Bo's
    device starting afresh, with an empty replica) cannot tell a replayed version from the newest one."""
    sid, _ = await strength_with_three_versions(family)
    first = hand_made.earlier_envelopes(family.sam, sid)[0]
    answer = await hand_made.push_as_new_revision(family.sam, sid, first)
    assert answer.status_code == 201 and answer.json() == [], answer.text
    fresh = await family.world.restart(family.bo)
    assert fresh.text_of(sid) == "I cook" and fresh.shown[sid].n == 1 and fresh.shown[sid].reports == ()
    # As soon as a device that remembers the newer version syncs, it is put back, and the fresh device follows.
    await family.ali.sync()
    await fresh.sync()
    assert fresh.text_of(sid) == "I cook for my kids" and fresh.shown[sid].n == 3
