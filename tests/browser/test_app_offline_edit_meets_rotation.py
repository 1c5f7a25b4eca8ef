"""A device writes (changes, deletes, adds) with no signal while, elsewhere, someone leaves the plan and the
person's phone locks it with a new key. What the device wrote is sealed under the key the plan no longer uses,
so the server refuses it. Nothing is lost: once the device holds the new key, it seals its own words again under
it, they reach the server and the person's phone, and its "waiting to sync" clears. Nothing on the server stays
under the old key."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from support.backends import SQLITE_ONLY
from support.devices import joined_device, worker_and_person
from support.page_crypto import try_old_key
from support.processes import AlongsideServer
from support.pwa import (
    add_strength,
    change_item,
    device_token,
    invite,
    open_section,
    wait_for_service_worker,
    wait_synced,
)

pytestmark = SQLITE_ONLY  # the server's refusal is the same on every store

BEFORE = "I look after my neighbour's dog"
CHANGED = "I look after my neighbour's dog and her cat"
OFFLINE_NEW = "I cook for my brother on Sundays"
DELETED = "I used to run on Saturdays"
OLDER_COPY = "An older copy of this came back"


def test_words_written_offline_under_a_key_retired_meanwhile_are_sealed_again_and_reach_everyone(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet, phone, plan_id = worker_and_person(chromium, alongside_server, BEFORE, DELETED)
    text = invite(phone, plan_id, "Someone they trust, who can write in the plan")
    friend = joined_device(chromium, url, text, plan_id, name="Mo", label="Mo's phone")
    open_section(tablet, plan_id, "strengths")
    tablet.reload()
    wait_synced(tablet)
    wait_for_service_worker(tablet)

    # At a visit with no signal, the worker's tablet changes a strength, deletes one and adds one.
    tablet.context.set_offline(True)
    change_item(tablet, plan_id, "strengths", BEFORE, {"The strength": CHANGED})
    deleted = tablet.locator("article.item", has_text=DELETED)
    deleted.get_by_role("button", name="Delete", exact=True).click()
    deleted.get_by_role("button", name="Yes, delete").click()
    expect(tablet.locator(".item-text", has_text=DELETED)).to_have_count(0)
    add_strength(tablet, OFFLINE_NEW)
    expect(tablet.locator(".sync")).to_have_attribute("data-sync-state", "offline")

    # Meanwhile Mo leaves, and the person's phone locks the plan with a new key.
    open_section(friend, plan_id, "share")
    friend.get_by_role("button", name="Leave this plan").click()
    friend.get_by_role("button", name="Yes, leave the plan").click()
    expect(friend.locator("[data-notice]")).to_have_text("You have left the plan. It is no longer on this phone.")
    open_section(phone, plan_id, "share")
    phone.reload()
    expect(phone.locator(".members")).not_to_contain_text("Mo")
    token = device_token(phone)
    result = try_old_key(chromium, url, text, plan_id, token)
    deadline_tries = 60
    while not result["keys"]["current"] and deadline_tries:
        phone.wait_for_timeout(500)
        deadline_tries -= 1
        result = try_old_key(chromium, url, text, plan_id, token)
    assert result["keys"]["current"], "the person's phone did not lock the plan with a new key"
    wait_synced(phone)

    # Signal again: the tablet's words were sealed under the old key. They are sealed again and sync.
    tablet.context.set_offline(False)
    wait_synced(tablet, timeout=60_000)
    expect(tablet.locator(".item-text", has_text=CHANGED)).to_be_visible()
    expect(tablet.locator(".item-text", has_text=OFFLINE_NEW)).to_be_visible()
    tablet.reload()
    wait_synced(tablet)
    expect(tablet.locator(".item-text", has_text=CHANGED)).to_be_visible()
    expect(tablet.locator(".item-text", has_text=OFFLINE_NEW)).to_be_visible()

    expect(tablet.locator(".item-text", has_text=DELETED)).to_have_count(0)

    # The person's phone gets all three, as the tablet made them, with no question about two versions.
    open_section(phone, plan_id, "strengths")
    phone.reload()
    wait_synced(phone)
    expect(phone.locator(".item-text", has_text=CHANGED)).to_be_visible()
    expect(phone.locator(".item-text", has_text=OFFLINE_NEW)).to_be_visible()
    expect(phone.locator(".item-text", has_text=re.compile(f"^{re.escape(BEFORE)}$"))).to_have_count(0)
    expect(phone.locator(".item-text", has_text=DELETED)).to_have_count(0)
    expect(phone.locator("article.item", has_text=CHANGED).locator("[data-provenance]")).to_contain_text(
        "changed by Ali (work tablet)"
    )
    # Nobody is told an older copy came back: the phone's re-seal of the strength as it stood is retired, as
    # the tablet's change replaced it.
    for page in (tablet, phone):
        open_section(page, plan_id, "strengths")
        expect(page.locator(".item-text", has_text=CHANGED)).to_be_visible()
        expect(page.get_by_text(OLDER_COPY)).to_have_count(0)

    # Nothing the server holds is under the key Mo had.
    result = try_old_key(chromium, url, text, plan_id, token)
    new_kid = result["keys"]["current"]["kid"]
    assert result["oldKid"] in result["keys"]["retired"]
    assert set(result["kids"]) == {new_kid}
    assert set(result["outcomes"]) == {"DecryptionError"}
