"""One device deletes an item while another, with no signal, changes it. CouchDB and PouchDB would let the
change win and the deletion vanish without a word; the app finds the hidden deletion and asks, in plain
words, with who did what: keep it, or remove it. Settled either way, on either device, both devices and
the server end with the same plan."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, Locator, Page, expect
from support.devices import back_online_in_turn, joined_device, plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, device_token, invite, open_section, run_axe, wait_synced

KEPT, KEPT_CHANGED = "Patient", "Patient with animals"
REMOVED, REMOVED_CHANGED = "Good cook", "Good cook for the kids"


def card(page: Page, text: str) -> Locator:
    """The item whose own words are exactly `text`."""
    exact = page.locator(".item-text", has_text=re.compile(f"^{re.escape(text)}$"))
    return page.locator("article.item").filter(has=exact)


def item_id(page: Page, text: str) -> str:
    value = card(page, text).get_attribute("data-item")
    assert value
    return value


def delete_item(page: Page, plan_id: str, text: str) -> None:
    open_section(page, plan_id, "strengths")
    card(page, text).get_by_role("button", name="Delete").click()
    card(page, text).get_by_role("button", name="Yes, delete").click()
    expect(page.locator(".item-text", has_text=text)).to_have_count(0)


def change_strength(page: Page, plan_id: str, text: str, new_text: str) -> None:
    open_section(page, plan_id, "strengths")
    card(page, text).get_by_role("link", name=re.compile("^Change")).click()
    page.get_by_label("The strength", exact=True).fill(new_text)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("form.item-form")).to_have_count(0)


def server_doc(url: str, plan_id: str, doc_id: str, token: str) -> tuple[int, dict[str, Any]]:
    response = httpx.get(
        f"{url}/sync/{plan_id}/{doc_id}",
        params={"conflicts": "true", "deleted_conflicts": "true"},
        headers={"Authorization": f"Bearer {token}"},
    )
    return response.status_code, response.json()


def settle(
    page: Page, plan_id: str, text: str, who_removed: str, who_changed: str, button: str, screenshot: Path | None = None
) -> None:
    """From the item's card: open what to decide, check who did what, then choose."""
    open_section(page, plan_id, "strengths")
    card(page, text).get_by_role("link", name="Choose what to keep").click()
    removal = page.locator("[data-removal]")
    expect(removal.get_by_role("heading")).to_have_text(
        "One device removed this; the other changed it. Keep it, or remove it?"
    )
    expect(page.locator("main p.muted").first).to_have_text(text)
    expect(removal).to_contain_text(who_removed)
    expect(removal).to_contain_text(who_changed)
    assert run_axe(page) == []
    if screenshot:
        page.screenshot(path=str(screenshot), full_page=True)
    removal.get_by_role("button", name=button, exact=True).click()
    expect(page.locator("main").get_by_text(text, exact=True)).to_have_count(0)


def test_an_edit_that_meets_a_deletion_is_asked_about_and_settles_the_same_everywhere(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)
    plan_id = plan_with_strengths(tablet, KEPT, REMOVED)
    kept_id, removed_id = item_id(tablet, KEPT), item_id(tablet, REMOVED)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, bypass_csp=True)

    # Apart, with no signal: the tablet deletes both strengths, the phone changes both.
    tablet.context.set_offline(True)
    phone.context.set_offline(True)
    delete_item(tablet, plan_id, KEPT)
    delete_item(tablet, plan_id, REMOVED)
    change_strength(phone, plan_id, KEPT, KEPT_CHANGED)
    change_strength(phone, plan_id, REMOVED, REMOVED_CHANGED)

    back_online_in_turn(tablet, phone)

    # The server holds both sides: the change wins, the deletion is a deleted leaf beside it.
    token = device_token(tablet)
    status, kept_doc = server_doc(url, plan_id, kept_id, token)
    assert status == 200, kept_doc
    hidden_deletions = kept_doc.get("_deleted_conflicts", [])
    assert len(hidden_deletions) == 1, kept_doc

    # Nothing dropped silently: both devices ask.
    for page in (tablet, phone):
        open_section(page, plan_id, "")
        expect(page.get_by_role("alert")).to_contain_text("2 things were changed on two devices", timeout=15_000)
        open_section(page, plan_id, "strengths")
        expect(page.locator(".conflict-note")).to_have_count(2)
        expect(page.locator(".conflict-note").first).to_contain_text("Removed on one device and changed on another.")

    # The phone keeps one; the tablet removes the other.
    shot = SCREENSHOTS / "20b-keep-or-remove.png" if alongside_server.backend == "sqlite" else None
    settle(phone, plan_id, KEPT_CHANGED, "Removed by Ali (work tablet)", "Changed on this device", "Keep it", shot)
    wait_synced(phone)
    open_section(tablet, plan_id, "")
    expect(tablet.get_by_role("alert")).to_contain_text("1 thing was changed on two devices", timeout=15_000)
    settle(tablet, plan_id, REMOVED_CHANGED, "Removed on this device", "Changed by Sam (Sam's phone)", "Remove it")
    expect(tablet.get_by_role("heading", name="The plan")).to_be_visible()
    wait_synced(tablet)
    phone.reload()
    wait_synced(phone)

    # Both devices: the kept strength with the phone's words, the other gone, nothing left to decide.
    for page in (tablet, phone):
        open_section(page, plan_id, "strengths")
        expect(page.locator("article.item .item-text")).to_have_text([KEPT_CHANGED], timeout=15_000)
        expect(page.locator(".conflict-note")).to_have_count(0)
        open_section(page, plan_id, "")
        expect(page.get_by_role("heading", name="The plan")).to_be_visible()
        expect(page.get_by_role("alert")).to_have_count(0)

    # The server: the removed strength is deleted; the kept one's deletion is retired (no longer a leaf).
    status, removed_doc = server_doc(url, plan_id, removed_id, token)
    assert status == 404, removed_doc
    status, kept_doc = server_doc(url, plan_id, kept_id, token)
    assert status == 200, kept_doc
    assert not kept_doc.get("_conflicts")
    assert hidden_deletions[0] not in kept_doc.get("_deleted_conflicts", []), kept_doc
    tablet.context.close()
    phone.context.close()
