"""Removal by the person: "Who can see this plan" lists the members and their devices in plain words;
the person removes their worker; their phone then locks the plan with a new key for the devices that
remain and re-seals the live items. The worker's device is told plainly on its next sync, and an item
written after the rotation cannot be opened with the old key (checked with the crypto module in Chromium)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from support.devices import joined_device, plan_with_strengths, worker_device
from support.page_crypto import try_old_key
from support.processes import AlongsideServer
from support.pwa import add_strength, device_token, invite, open_section, wait_synced

BEFORE = "I look after my neighbour's dog"
AFTER = "I want to move somewhere new"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_person_removes_their_worker(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, BEFORE)
    text = invite(tablet, plan_id)
    phone = joined_device(chromium, url, text, plan_id)

    # Who can see my plan, in plain words.
    open_section(phone, plan_id, "share")
    members = phone.locator(".member")
    expect(members).to_have_count(2)
    sam = members.filter(has_text="you: this is your plan")
    ali = members.filter(has_text="your worker")
    expect(sam).to_contain_text("Sam")
    expect(sam).to_contain_text("Sam's phone (this device)")
    expect(ali).to_contain_text("Ali")
    expect(ali).to_contain_text("work tablet")
    expect(sam.get_by_role("button")).to_have_count(0)

    ali.get_by_role("button", name="Remove Ali").click()
    expect(ali).to_contain_text("Ali will no longer see this plan")
    ali.get_by_role("button", name="Yes, remove them").click()
    expect(phone.get_by_role("status").filter(has_text="Ali can no longer see this plan.")).to_be_visible(
        timeout=30_000
    )
    expect(phone.locator(".member")).to_have_count(1)

    # An item written after the rotation, synced.
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text=BEFORE)).to_be_visible()
    add_strength(phone, AFTER)
    wait_synced(phone)

    # The worker's device, on its next sync: told plainly, and nothing new arrives.
    tablet.reload()
    expect(tablet.locator(".sync")).to_contain_text("You no longer have access to this plan.", timeout=30_000)
    expect(tablet.locator(".sync")).to_have_attribute("data-sync-state", "problem")
    open_section(tablet, plan_id, "strengths")
    expect(tablet.locator(".item-text", has_text=BEFORE)).to_be_visible()
    expect(tablet.locator(".item-text", has_text=AFTER)).to_have_count(0)

    # At the crypto level: nothing on the server opens with the old key.
    result = try_old_key(chromium, url, text, plan_id, device_token(phone))
    new_kid = result["keys"]["current"]["kid"]
    assert result["oldKid"] in result["keys"]["retired"]
    assert new_kid != result["oldKid"]
    assert len(result["kids"]) >= 5  # the plan, two rosters, two strengths
    assert set(result["kids"]) == {new_kid}
    assert set(result["outcomes"]) == {"DecryptionError"}
