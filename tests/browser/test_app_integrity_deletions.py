"""Deletions are signed, proven in Chromium (issue 13, "Must show" 2; docs/crypto.md §7.5, §8.3 step 2,
§14.3; docs/app.md "Versions the device remembers").

Dee's phone is the app in Chromium, reaching the server through a proxy that forwards everything until
told to lie; Ali's work tablet and Sam (a supporter with write access) are Python devices. A bare
tombstone the server (the proxy) serves for one of Dee's strengths leaves it readable on the phone,
marked "Removed without a signature", and "Put it back" makes it live on the server again. A deletion Dee
makes in the app is signed, and removes the strength on every device. A member's ``DELETE`` of a keyring
document is refused with a CouchDB-style error, and the phone still opens the plan.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from support import hand_made
from support.beside_the_app import PhonePlan, plan_with_phone, remembered_version, wait_until
from support.pwa import add_strength, open_section, wait_synced

REMOVED = "Removed without a signature."
REMOVED_TEXT = "It was removed without saying who removed it, so it is still here. You can put it back."


@pytest.fixture(scope="module")
def plan(chromium: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhonePlan]:
    with plan_with_phone(chromium, tmp_path_factory.mktemp("deletions")) as made:
        yield made


def dees_strength(plan: PhonePlan, said: str) -> str:
    """Dee says a strength on her phone; once the phone remembers it and the tablet has it, its id."""
    open_section(plan.phone, plan.plan_id, "strengths")
    add_strength(plan.phone, said, said_by="Dee")
    sid = plan.phone.locator("article.item", has_text=said).get_attribute("data-item")
    assert sid
    wait_synced(plan.phone)
    wait_until(lambda: remembered_version(plan.phone, plan.plan_id, sid), what="the phone remembers the strength")
    plan.run(plan.ali.sync)
    assert plan.ali.text_of(sid) == said
    return sid


def test_a_bare_tombstone_from_the_server_stays_readable_and_can_be_put_back(plan: PhonePlan) -> None:
    phone, said = plan.phone, "I keep going"
    sid = dees_strength(plan, said)
    version = plan.server_version(sid)
    assert version[0] == 1 and not version[2]

    # The server (the proxy in front of it) presents a bare tombstone as the strength's newest revision.
    plan.proxy.serve_bare_tombstone(plan.plan_id, sid)
    card = phone.locator(f'article.item[data-item="{sid}"]')
    note = card.locator("[data-flag=unsigned-removal]")
    expect(note).to_contain_text(REMOVED, timeout=30_000)
    expect(note).to_contain_text(REMOVED_TEXT)
    expect(card.locator(".item-text")).to_have_text(said)
    expect(card).to_have_attribute("data-flags", re.compile(r"\bunsigned-removal\b"))
    rewrite = plan.proxy.rewrite(plan.plan_id, sid)
    assert rewrite is not None and rewrite.served >= 1  # the tombstone did reach the phone
    phone.goto(f"{plan.proxy.url}/#/plan/{plan.plan_id}")
    expect(phone.locator("[data-integrity-banner]")).to_contain_text(
        "1 thing was removed without a signature. It is still here: have a look."
    )
    # Nothing was put back by itself: the tombstone is still what the server (as the proxy tells it) holds.
    wait_synced(phone)
    assert plan.run(hand_made.server_winner, plan.ali, sid)["_rev"] == rewrite.anchor

    # "Put it back": the version Dee's phone remembers, re-sealed on top of the tombstone, live on the server.
    open_section(phone, plan.plan_id, "strengths")
    card.get_by_role("button", name=re.compile("^Put it back")).click()
    expect(note).to_have_count(0)
    expect(card.locator(".item-text")).to_have_text(said)
    wait_until(lambda: plan.server_version(sid) == version, what="the strength is live on the server again")
    wait_synced(phone)
    plan.run(plan.ali.sync)
    assert plan.ali.text_of(sid) == said and plan.ali.shown[sid].vh == version[1]
    assert plan.ali.shown[sid].author == plan.phone_device_id() and plan.ali.events_about(sid) == []


def test_a_signed_deletion_made_in_the_app_removes_the_item_on_every_device(plan: PhonePlan) -> None:
    phone, said = plan.phone, "I walk the dog every day"
    sid = dees_strength(plan, said)
    plan.run(plan.sam.sync)
    assert plan.sam.text_of(sid) == said

    card = phone.locator(f'article.item[data-item="{sid}"]')
    card.get_by_role("button", name="Delete", exact=True).click()
    card.get_by_role("button", name="Yes, delete").click()
    expect(card).to_have_count(0)
    wait_synced(phone)

    # A signed deletion (spec §7.5) by the person's own device: every other device removes the strength too.
    leaves = plan.run(plan.ali.http.get, f"/sync/{plan.plan_id}/{sid}", params={"open_revs": "all"})
    [deletion] = [plan.ali.open_copy(leaf["ok"]) for leaf in leaves.json()]
    assert deletion.deleted and deletion.n == 2 and deletion.author == plan.phone_device_id()
    for device in (plan.ali, plan.sam):
        plan.run(device.sync)
        assert sid not in device.items(), device.name
        assert device.events_about(sid) == [], device.name  # a deletion, not a removal without a signature
    assert (plan.run(plan.ali.http.get, f"/sync/{plan.plan_id}/{sid}")).status_code == 404
    phone.reload()
    expect(phone.get_by_role("heading", name="Strengths")).to_be_visible()
    expect(phone.locator(f'article.item[data-item="{sid}"]')).to_have_count(0)


def test_a_members_delete_of_a_keyring_document_is_refused_and_the_phone_still_opens_the_plan(
    plan: PhonePlan,
) -> None:
    said = "I ask for help when I need it"
    sid = dees_strength(plan, said)
    sam, plan_id = plan.sam, plan.plan_id
    listing = plan.run(sam.http.get, f"/sync/{plan_id}/_all_docs", params={"include_docs": "true"})
    phones_grants = [
        row["doc"]
        for row in listing.json()["rows"]
        if row["doc"].get("kind") == "keyring" and row["doc"]["to"] == plan.phone_device_id()
    ]
    assert phones_grants  # the key the phone granted itself when it joined
    for grant in phones_grants:
        answer = plan.run(sam.http.delete, f"/sync/{plan_id}/{grant['_id']}", params={"rev": grant["_rev"]})
        assert answer.status_code == 403, answer.text
        refusal = answer.json()
        assert set(refusal) == {"error", "reason"} and refusal["error"] == "forbidden" and refusal["reason"]
        after = plan.run(sam.http.get, f"/sync/{plan_id}/{grant['_id']}")
        assert after.json() == grant

    # The phone, starting again, finds its key in the plan and reads it.
    plan.phone.reload()
    open_section(plan.phone, plan_id, "strengths")
    expect(plan.phone.locator(f'article.item[data-item="{sid}"] .item-text')).to_have_text(said)
    expect(plan.phone.get_by_text("This device does not have the key to this plan yet")).to_have_count(0)
