"""Audiences with their own keys (issue 16, must show 2): the worker's tablet, Sam's phone (the person) and two
family members' phones, each a browser context. On Sam's phone, "Who can read this?" puts one strength in the
family-only audience and one in the person-and-worker audience. The worker's device neither shows the family
item nor holds a key that opens it (tried with the app's crypto module in its own context), and neither the
server's answers nor its storage hold the words; the family's phones neither show nor open the worker item.
Sam removes Kim: the plan key and the family key change, the worker key does not. The picker and "Who can read
what" are axe-core clean in English and Arabic at 360 by 740."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, worker_device
from support.documents import plaintext_strings
from support.page_crypto import try_own_keys
from support.processes import AlongsideServer
from support.pwa import (
    SCREENSHOTS,
    check_axe,
    device_token,
    invite,
    open_section,
    save,
    set_language,
    start_plan,
    wait_synced,
)

FAMILY = "Family only: Gran's party is a surprise"
WORKER = "Worker only: the rent is three months behind"
EVERYONE = "Sam makes everyone laugh"
FAMILY_WORDS = "Only me and my family and friends"
WORKER_WORDS = "Only me and my worker"
WRITER = "Someone they trust, who can write in the plan"


def add_strength_for(page: Page, text: str, audience: str) -> str:
    """Add a strength on the strengths screen, readable by `audience` (the choice's words); its item id."""
    page.get_by_role("button", name="Add a strength").click()
    page.get_by_label("The strength").fill(text)
    page.get_by_role("radio", name="Your own words", exact=True).check()  # on the person's own phone
    page.locator("[data-audience-field]").get_by_role("radio", name=audience, exact=True).check()
    save(page)
    card = page.locator("article.item", has_text=text)
    expect(card).to_be_visible()
    item_id = card.get_attribute("data-item")
    assert item_id
    return item_id


def fresh(page: Page) -> None:
    page.reload()
    wait_synced(page)


def server_docs(url: str, plan_id: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{url}/sync/{plan_id}/_all_docs",
        params={"include_docs": "true"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text
    return [row["doc"] for row in answer.json()["rows"]]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_family_and_worker_audiences_are_kept_apart_by_keys_and_a_removal_rotates_only_theirs(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)
    plan_id = start_plan(tablet, "Sam")
    wait_synced(tablet)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, bypass_csp=True)
    jo = joined_device(
        chromium, url, invite(phone, plan_id, WRITER), plan_id, name="Jo", label="Jo's phone", bypass_csp=True
    )
    kim = joined_device(chromium, url, invite(phone, plan_id, WRITER), plan_id, name="Kim", label="Kim's phone")
    # Each steward's device learns who the server now serves, and gives its audiences' keys to those in them.
    for page in (tablet, phone, tablet, phone):
        fresh(page)
    problems: dict[str, Any] = {}

    # On Sam's phone: "Who can read this?" offers the three audiences; one strength for each narrower one.
    open_section(phone, plan_id, "strengths")
    phone.get_by_role("button", name="Add a strength").click()
    picker = phone.locator("[data-audience-field]")
    expect(picker.get_by_role("radio")).to_have_count(3, timeout=30_000)
    expect(picker.get_by_role("radio", name="Everyone in this plan")).to_be_checked()
    phone.screenshot(path=str(SCREENSHOTS / "85-who-can-read-this.png"), full_page=True)
    check_axe(phone, "who can read this", "en", problems)
    phone.get_by_role("button", name="Cancel").click()
    family_id = add_strength_for(phone, FAMILY, FAMILY_WORDS)
    worker_id = add_strength_for(phone, WORKER, WORKER_WORDS)
    everyone_id = add_strength_for(phone, EVERYONE, "Everyone in this plan")
    family_card = phone.locator("article.item", has_text=FAMILY)
    expect(family_card.locator("[data-audience]")).to_have_text("Only the person's family and friends can read this")
    expect(phone.locator("article.item", has_text=EVERYONE).locator("[data-audience]")).to_have_count(0)
    wait_synced(phone)

    # The family's phones read the family item, not the worker one; the worker's tablet the other way round.
    for page in (jo, kim):
        fresh(page)
        open_section(page, plan_id, "strengths")
        expect(page.locator(".item-text", has_text=FAMILY)).to_be_visible(timeout=30_000)
        expect(page.locator(".item-text", has_text=EVERYONE)).to_be_visible()
        expect(page.locator(".item-text", has_text=WORKER)).to_have_count(0)
    fresh(tablet)
    open_section(tablet, plan_id, "strengths")
    expect(tablet.locator(".item-text", has_text=WORKER)).to_be_visible(timeout=30_000)
    expect(tablet.locator(".item-text", has_text=EVERYONE)).to_be_visible()
    expect(tablet.locator(".item-text", has_text=FAMILY)).to_have_count(0)
    assert FAMILY not in tablet.content()

    # At the crypto level: no key the worker's device is given opens the family item (each key is tried on
    # it); its keys open the worker item. No key Jo's phone is given opens the worker item.
    tried = try_own_keys(tablet, url, plan_id, [family_id, worker_id])
    assert {audience for audience, _ in tried["keys"]} == {"everyone", "worker"}, tried
    assert set(tried["outcomes"][family_id]) == {"DecryptionError"}, tried
    assert "opened" in tried["outcomes"][worker_id], tried
    tried = try_own_keys(jo, url, plan_id, [worker_id, family_id])
    assert {audience for audience, _ in tried["keys"]} == {"everyone", "family"}, tried
    assert set(tried["outcomes"][worker_id]) == {"DecryptionError"}, tried
    assert "opened" in tried["outcomes"][family_id], tried

    # The server: its answers to the worker's device and everything it stores hold neither text.
    docs = server_docs(url, plan_id, device_token(tablet))
    readable = " ".join(plaintext_strings(docs))
    for words in (FAMILY, WORKER, "Gran's party", "three months behind"):
        assert words not in readable
        assert words not in json.dumps(docs)
    for path in Path(alongside_server.data_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            for words in (b"Gran's party", b"three months behind"):
                assert words not in content, path

    # Sam removes Kim: the plan key and the family key change; the worker key stays.
    before = {doc["_id"]: doc["kid"] for doc in docs}
    open_section(phone, plan_id, "share")
    member = phone.locator(".member").filter(has_text="Kim")
    member.get_by_role("button", name="Remove Kim").click()
    member.get_by_role("button", name="Yes, remove them").click()
    expect(phone.get_by_role("status").filter(has_text="Kim can no longer see this plan.")).to_be_visible(
        timeout=30_000
    )
    wait_synced(phone)
    after = {doc["_id"]: doc["kid"] for doc in server_docs(url, plan_id, device_token(phone))}
    keys = httpx.get(f"{url}/api/v1/plans/{plan_id}/keys", headers={"Authorization": f"Bearer {device_token(phone)}"})
    recorded = keys.json()
    assert after[worker_id] == before[worker_id]
    assert after[family_id] != before[family_id]
    assert after[everyone_id] != before[everyone_id] and after[everyone_id] == recorded["current"]["kid"]
    assert before[everyone_id] in recorded["retired"] and before[family_id] in recorded["retired"]
    assert before[worker_id] not in recorded["retired"]
    tried = try_own_keys(phone, url, plan_id, [family_id])
    assert [kid for audience, kid in tried["keys"] if audience == "family" and kid == after[family_id]], tried
    # Jo (still family) reads on; the worker too.
    fresh(jo)
    open_section(jo, plan_id, "strengths")
    expect(jo.locator(".item-text", has_text=FAMILY)).to_be_visible(timeout=30_000)
    tried = try_own_keys(jo, url, plan_id, [family_id])
    assert "opened" in tried["outcomes"][family_id], tried

    # "Who can read what": the person's choices for each part of the plan and for people from a service.
    open_section(phone, plan_id, "sharing")
    expect(phone.get_by_role("heading", name="Who can read what", level=1)).to_be_visible()
    phone.get_by_label("Good news").select_option("family")
    phone.locator(".field").filter(has_text="Jo").get_by_role("checkbox").check()
    phone.get_by_role("button", name="Save", exact=True).click()
    expect(phone.locator("[data-saved]")).to_have_text("Saved.", timeout=30_000)
    # Jo, now from a service, leaves the family's audience: its key changes again, the worker's still not.
    wait_synced(phone)
    marked = {doc["_id"]: doc["kid"] for doc in server_docs(url, plan_id, device_token(phone))}
    assert marked[family_id] != after[family_id] and marked[worker_id] == before[worker_id]
    phone.screenshot(path=str(SCREENSHOTS / "86-who-can-read-what.png"), full_page=True)
    check_axe(phone, "who can read what", "en", problems)

    # In Arabic (right to left): the same two screens.
    set_language(phone, url, "ar", "العربية")
    open_section(phone, plan_id, "sharing")
    expect(phone.locator("[data-saved]")).to_have_count(0)
    phone.screenshot(path=str(SCREENSHOTS / "ar-86-who-can-read-what.png"), full_page=True)
    check_axe(phone, "who can read what", "ar", problems)
    open_section(phone, plan_id, "strengths")
    phone.get_by_role("button", name="أضف نقطة قوة").click()
    expect(phone.locator("[data-audience-field]").get_by_role("radio")).to_have_count(3)
    phone.screenshot(path=str(SCREENSHOTS / "ar-85-who-can-read-this.png"), full_page=True)
    check_axe(phone, "who can read this", "ar", problems)
    assert not problems, problems
    for page in (tablet, phone, jo, kim):
        page.context.close()
