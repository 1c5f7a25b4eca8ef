"""Leaving a plan, and deleting this phone's copy (issue 7, "Who can see my plan"). A supporter leaves:
their phone forgets the plan and destroys its database, the server refuses them, the person's phone no
longer lists them and locks the plan with a new key that the leaver's key cannot open. The person
deletes their copy from a second phone: it is gone there (from the caseload summary at rest too) and the
server stops serving that phone, while the person's other phone and the worker keep the whole plan.
Deleting with no connection warns about unsent changes first, and the removal reaches the server once
there is a connection. The new questions pass axe-core in English and Arabic at phone size, by keyboard
alone."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.beside_the_app import kept_caseload, kept_caseload_when
from support.devices import joined_device, worker_and_person
from support.page_crypto import try_old_key
from support.processes import AlongsideServer
from support.pwa import (
    PHONE,
    SCREENSHOTS,
    add_strength,
    check_axe,
    device_token,
    invite,
    open_section,
    press_by_keyboard,
    set_language,
    wait_synced,
)

BEFORE = "I look after my neighbour's dog"
AFTER = "I want to move somewhere new"
OFFLINE_NOTE = "I rang my sister today"


def status_of(url: str, token: str) -> int:
    """The HTTP status the server answers a device's request with."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def plans_served(base: str, token: str) -> list[str]:
    request = urllib.request.Request(base + "/api/v1/plans", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return [p["plan_id"] for p in json.load(response)["plans"]]


def wait_for_status(url: str, token: str, wanted: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while (status := status_of(url, token)) != wanted:
        assert time.monotonic() < deadline, f"{url} still answers {status}, not {wanted}"
        time.sleep(0.5)


def wait_for_rotation(base: str, plan_id: str, token: str, timeout: float = 30) -> dict[str, Any]:
    """The key the server has recorded once a remaining device rotated (api.md §11)."""
    deadline = time.monotonic() + timeout
    while True:
        request = urllib.request.Request(
            f"{base}/api/v1/plans/{plan_id}/keys", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            keys: dict[str, Any] = json.load(response)
        if keys["current"]:
            return keys
        assert time.monotonic() < deadline, "no remaining device rotated the plan key"
        time.sleep(0.5)


def local_databases(page: Page) -> list[str]:
    names: list[str] = page.evaluate("async () => (await indexedDB.databases()).map((d) => d.name)")
    return names


def plan_is_gone_here(page: Page, plan_id: str) -> None:
    expect(page.get_by_role("heading", name="My plans")).to_be_visible()
    expect(page.locator(f'a[href*="{plan_id}"]')).to_have_count(0)
    page.reload()
    expect(page.get_by_role("heading", name="My plans")).to_be_visible()
    expect(page.locator(f'a[href*="{plan_id}"]')).to_have_count(0)
    assert f"_pouch_plan-{plan_id}" not in local_databases(page)
    stored = page.evaluate(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('alongside-device', 1);
            open.onsuccess = () => {
              const tx = open.result.transaction('kv');
              const device = tx.objectStore('kv').get('device');
              const outbox = tx.objectStore('kv').get('outbox');
              tx.oncomplete = () =>
                resolve({plans: Object.keys(device.result.plans || {}), outbox: outbox.result || []});
            };
        })"""
    )
    assert plan_id not in stored["plans"]
    assert [a["kind"] for a in stored["outbox"] if a["plan"] == plan_id] in ([], ["remove-device"])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_supporter_leaves_and_the_person_locks_the_plan_with_a_new_key(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    _tablet, phone, plan_id = worker_and_person(chromium, alongside_server, BEFORE)
    text = invite(phone, plan_id, "Someone they trust, who can write in the plan")
    friend = joined_device(chromium, url, text, plan_id, name="Mo", label="Mo's phone")
    token = device_token(friend)

    open_section(friend, plan_id, "share")
    friend.get_by_role("button", name="Leave this plan").click()
    expect(friend.locator(".leave-question")).to_contain_text(
        "You will no longer see this plan or get its changes. What you already wrote stays in the plan."
    )
    friend.get_by_role("button", name="Yes, leave the plan").click()
    expect(friend.locator("[data-notice]")).to_have_text("You have left the plan. It is no longer on this phone.")
    plan_is_gone_here(friend, plan_id)
    assert status_of(f"{url}/sync/{plan_id}/", token) == 403
    assert plan_id not in plans_served(url, token)

    # The person's phone: Mo is gone from "Who can see this plan", and the plan gets a new key.
    open_section(phone, plan_id, "share")
    phone.reload()
    expect(phone.locator(".member")).to_have_count(2)
    expect(phone.locator(".members")).not_to_contain_text("Mo")
    keys = wait_for_rotation(url, plan_id, device_token(phone))
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text=BEFORE)).to_be_visible()
    add_strength(phone, AFTER)
    wait_synced(phone)

    # Nothing on the server opens with the key Mo had (from the code Mo joined with).
    result = try_old_key(chromium, url, text, plan_id, device_token(phone))
    new_kid = result["keys"]["current"]["kid"]
    assert new_kid == keys["current"]["kid"] != result["oldKid"]
    assert result["oldKid"] in result["keys"]["retired"]
    assert len(result["kids"]) >= 6  # the plan, three rosters, two strengths
    assert set(result["kids"]) == {new_kid}
    assert set(result["outcomes"]) == {"DecryptionError"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_person_deletes_their_copy_from_a_second_phone(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet, phone, plan_id = worker_and_person(chromium, alongside_server, BEFORE)
    second = joined_device(chromium, url, invite(phone, plan_id), plan_id, label="Sam's old phone")
    token = device_token(second)
    assert status_of(f"{url}/sync/{plan_id}/", token) == 200
    # "My plans" keeps the plan's row in its summary at rest (sealed); deleting the copy drops it from there.
    second.goto(f"{url}/#/plans")
    expect(second.locator("[data-plan-row][data-facts-read]")).to_have_count(1)
    assert set(kept_caseload_when(second, lambda record: record is not None) or {}) == {plan_id}

    open_section(second, plan_id, "share")
    expect(second.get_by_role("button", name="Leave this plan")).to_have_count(0)  # not from their own plan
    second.get_by_role("button", name="Delete my copy from this phone").click()
    expect(second.locator(".leave-question")).to_contain_text(
        "The plan stays on the server and on the other devices you chose. "
        "To see it here again you will need a new code."
    )
    expect(second.locator("[data-unsent]")).to_have_count(0)
    second.get_by_role("button", name="Yes, delete it from this phone").click()
    expect(second.locator("[data-notice]")).to_contain_text("The copy on this phone is deleted.")
    plan_is_gone_here(second, plan_id)
    assert kept_caseload(second) == {}
    assert status_of(f"{url}/sync/{plan_id}/", token) == 403
    assert plan_id not in plans_served(url, token)
    second.get_by_role("button", name="Check for new plans").click()
    expect(second.locator(f'a[href*="{plan_id}"]')).to_have_count(0)

    # The person's other phone still has it all, and no longer lists the deleted phone; the plan gets
    # a new key, which the worker's tablet receives too.
    open_section(phone, plan_id, "share")
    phone.reload()
    expect(phone.locator(".member")).to_have_count(2)
    expect(phone.locator(".members")).not_to_contain_text("Sam's old phone")
    expect(phone.locator(".members")).to_contain_text("Sam's phone")
    wait_for_rotation(url, plan_id, device_token(phone))
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text=BEFORE)).to_be_visible()
    add_strength(phone, AFTER)
    wait_synced(phone)
    tablet.reload()
    open_section(tablet, plan_id, "strengths")
    expect(tablet.locator(".item-text", has_text=BEFORE)).to_be_visible(timeout=30_000)
    expect(tablet.locator(".item-text", has_text=AFTER)).to_be_visible(timeout=30_000)
    wait_synced(tablet)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_deleting_offline_warns_about_unsent_changes_and_tells_the_server_later(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    _tablet, phone, plan_id = worker_and_person(chromium, alongside_server, BEFORE)
    token = device_token(phone)
    phone.context.set_offline(True)
    open_section(phone, plan_id, "strengths")
    add_strength(phone, OFFLINE_NOTE)
    expect(phone.locator(".sync")).to_have_attribute("data-sync-state", "offline")

    open_section(phone, plan_id, "share")
    phone.get_by_role("button", name="Delete my copy from this phone").click()
    warning = phone.locator("[data-unsent]")
    expect(warning).to_have_text("1 change on this phone has not reached the server yet; it will be lost.")
    phone.get_by_role("button", name="Yes, delete it from this phone").click()
    expect(phone.locator("[data-notice]")).to_have_text(
        "The copy on this phone is deleted now. The server will be told when there is a connection."
    )
    assert f"_pouch_plan-{plan_id}" not in local_databases(phone)
    assert status_of(f"{url}/sync/{plan_id}/", token) == 200  # not told yet

    phone.context.set_offline(False)
    wait_for_status(f"{url}/sync/{plan_id}/", token, 403)
    phone.wait_for_function(
        """() => new Promise((resolve) => {
            const open = indexedDB.open('alongside-device', 1);
            open.onsuccess = () => {
              const get = open.result.transaction('kv').objectStore('kv').get('outbox');
              get.onsuccess = () => resolve((get.result || []).length === 0);
            };
        })"""
    )
    plan_is_gone_here(phone, plan_id)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_leave_and_delete_questions_pass_axe_by_keyboard(
    chromium: Browser, alongside_server: AlongsideServer, lang: str
) -> None:
    base = alongside_server.url
    name = "العربية" if lang == "ar" else "English"
    problems: dict[str, Any] = {}
    tablet, phone, plan_id = worker_and_person(chromium, alongside_server, BEFORE, viewport=PHONE, bypass_csp=True)
    prefix = "" if lang == "en" else "ar-"
    # The person's phone writes something that cannot reach the server (its sync is cut off).
    phone.context.route(re.compile(r".*/sync/.*"), lambda route: route.abort())
    open_section(phone, plan_id, "strengths")
    add_strength(phone, "I like cooking")
    for page in (tablet, phone):
        if lang != "en":
            set_language(page, base, lang, name)

    # The worker hands over: leave the plan, by keyboard.
    open_section(tablet, plan_id, "share")
    tablet.reload()
    # The worker's own changes have reached the server (with one still on its way, the question rightly
    # warns about it, which is the person's case below, not this one).
    wait_synced(tablet)
    tablet.locator("main h1").focus()
    press_by_keyboard(tablet, ".leave button[aria-pressed]")
    expect(tablet.locator('.leave-question[data-asking="leave"] p[tabindex="-1"]')).to_be_focused()
    expect(tablet.locator("[data-unsent]")).to_have_count(0)
    check_axe(tablet, "leave question", lang, problems)
    tablet.screenshot(path=str(SCREENSHOTS / f"{prefix}44-leave-plan.png"), full_page=True)
    press_by_keyboard(tablet, ".leave-question button:not(.secondary)")
    expect(tablet.locator("[data-notice]")).to_be_visible(timeout=30_000)
    check_axe(tablet, "my plans after leaving", lang, problems)

    # The person: delete the copy from this phone, by keyboard, with the change not sent.
    open_section(phone, plan_id, "share")
    phone.locator("main h1").focus()
    press_by_keyboard(phone, ".leave button[aria-pressed]")
    expect(phone.locator('.leave-question[data-asking="delete"] p[tabindex="-1"]')).to_be_focused()
    expect(phone.locator("[data-unsent]")).to_be_visible()
    check_axe(phone, "delete question", lang, problems)
    phone.screenshot(path=str(SCREENSHOTS / f"{prefix}45-delete-my-copy.png"), full_page=True)
    press_by_keyboard(phone, ".leave-question button:not(.secondary)")
    expect(phone.locator("[data-notice]")).to_be_visible(timeout=30_000)
    check_axe(phone, "my plans after deleting", lang, problems)
    phone.screenshot(path=str(SCREENSHOTS / f"{prefix}46-copy-deleted.png"), full_page=True)
    assert not problems, problems
