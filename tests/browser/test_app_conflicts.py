"""Two devices edit the same plan with no signal. One changes a goal's words, the other its date: once both
sync, the goal is merged field by field with no question asked. Both change the same strength: both
versions are kept and shown side by side; people choose on one device, and afterwards both devices hold
the same plan. The server held only ciphertext throughout."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from playwright.sync_api import Browser, expect
from support.devices import back_online_in_turn, joined_device, plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, add_goal, change_item, device_token, invite, open_section, run_axe, wait_synced

ENVELOPE_FIELDS = {"_id", "_rev", "_deleted", "v", "kind", "kid", "nonce", "ct", "epk", "to"}


def test_two_devices_offline_merge_fields_and_ask_about_the_same_text(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, "Kind")
    open_section(tablet, plan_id, "goals")
    add_goal(tablet, "Walk the dog", due="2026-01-10")
    wait_synced(tablet)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, bypass_csp=True)
    open_section(phone, plan_id, "goals")
    expect(phone.locator("article.item", has_text="Walk the dog")).to_be_visible()

    # Apart, with no signal, each device changes things.
    tablet.context.set_offline(True)
    phone.context.set_offline(True)
    change_item(tablet, plan_id, "goals", "Walk the dog", {"The goal": "Walk the dog every morning"})
    change_item(phone, plan_id, "goals", "Walk the dog", {"By when (optional)": "2026-02-01"})
    change_item(tablet, plan_id, "strengths", "Kind", {"The strength": "Kind to animals"})
    change_item(phone, plan_id, "strengths", "Kind", {"The strength": "Kind and patient"})

    # Signal again: the tablet syncs first, then the phone.
    back_online_in_turn(tablet, phone)

    # Different fields: merged with no question, on both devices.
    for page in (tablet, phone):
        open_section(page, plan_id, "goals")
        goal = page.locator("article.item", has_text="Walk the dog every morning")
        expect(goal).to_contain_text("1 February 2026", timeout=15_000)
        expect(goal.locator(".conflict-note")).to_have_count(0)

    # The same text: both kept and shown side by side on the phone, which resolves.
    open_section(phone, plan_id, "")
    expect(phone.get_by_role("alert")).to_contain_text("1 thing was changed on two devices")
    phone.get_by_role("link", name="Choose what to keep").click()
    expect(phone.get_by_role("heading", name="You and the other device both changed this strength")).to_be_visible()
    options = phone.locator(".option-value")
    expect(options).to_have_count(2)
    assert sorted(options.all_inner_texts()) == ["Kind and patient", "Kind to animals"]
    assert run_axe(phone) == []
    if alongside_server.backend == "sqlite":
        phone.screenshot(path=str(SCREENSHOTS / "20-choose-what-to-keep.png"), full_page=True)
    phone.get_by_label("Or put them together").fill("Kind to animals, and patient")
    phone.get_by_role("button", name="Use these words").click()
    phone.get_by_role("button", name="Save what we chose").click()
    expect(phone.get_by_role("heading", name="The plan")).to_be_visible()
    expect(phone.get_by_role("alert")).to_have_count(0)
    wait_synced(phone)

    for page in (tablet, phone):
        open_section(page, plan_id, "strengths")
        expect(page.locator("article.item .item-text")).to_have_text(["Kind to animals, and patient"], timeout=15_000)
        expect(page.locator(".conflict-note")).to_have_count(0)
        open_section(page, plan_id, "goals")
        expect(page.locator("article.item .item-text")).to_have_text(["Walk the dog every morning"])

    # What the server holds: envelopes only, and none of the words anywhere in its storage.
    response = httpx.get(
        f"{url}/sync/{plan_id}/_all_docs",
        params={"include_docs": "true", "conflicts": "true"},
        headers={"Authorization": f"Bearer {device_token(tablet)}"},
    )
    assert response.status_code == 200, response.text
    docs = [row["doc"] for row in response.json()["rows"]]
    assert docs and all(set(doc) <= ENVELOPE_FIELDS | {"_conflicts"} for doc in docs), docs
    assert not any(doc.get("_conflicts") for doc in docs)
    raw = json.dumps(docs)
    for words in ("Kind to animals", "Walk the dog", "and patient", "2026-02-01"):
        assert words not in raw
    if alongside_server.backend == "sqlite":
        for path in Path(alongside_server.data_dir).rglob("*"):
            if path.is_file():
                content = path.read_bytes()
                for words in (b"Kind to animals", b"Walk the dog", b"patient"):
                    assert words not in content, path
    tablet.context.close()
    phone.context.close()
