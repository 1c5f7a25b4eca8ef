"""Safety by default: the quick exit leaves nothing of the plan behind it (Back, or the app opened again, shows
only a neutral "Open" screen, with the app lock off and on); with the neutral name the exit control says
nothing that gives the app away; a new PIN needs at least 6 digits, while a lock set before with 4 still opens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import NEUTRAL, PHONE, SCREENSHOTS, check_axe, open_section, set_language

from alongside.crypto import lock_secret

PERSON = "Morwenna"
STRENGTH = "Quillfeather pottery on Saturdays"
CANARIES = (PERSON, STRENGTH, "Quillfeather", "Strengths")

# The device record of the device store, with its byte arrays as hex.
READ_DEVICE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('alongside-device', 1);
  open.onsuccess = () => {
    const get = open.result.transaction('kv').objectStore('kv').get('device');
    get.onsuccess = () => {
      const { secret, ...rest } = get.result;
      const bytes = new Uint8Array(secret.buffer || secret);
      resolve({ rest, secret: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') });
    };
    get.onerror = () => reject(get.error);
  };
  open.onerror = () => reject(open.error);
})"""

WRITE_DEVICE = """(record) => new Promise((resolve, reject) => {
  const open = indexedDB.open('alongside-device', 1);
  open.onsuccess = () => {
    const tx = open.result.transaction('kv', 'readwrite');
    tx.objectStore('kv').put(record, 'device');
    tx.oncomplete = () => resolve(true);
    tx.onerror = () => reject(tx.error);
  };
  open.onerror = () => reject(open.error);
})"""


def worker_with_plan(browser: Browser, server: AlongsideServer, **options: Any) -> tuple[Page, str]:
    """A worker's device with a plan for PERSON holding STRENGTH, synced; the plan's id."""
    page = worker_device(browser, server, **options)
    return page, plan_with_strengths(page, STRENGTH, person=PERSON)


def expect_nothing_of_the_plan(page: Page, plan_id: str) -> None:
    """The neutral screen after a quick exit: "Open", the app's name as title, no plan words, no plan id."""
    expect(page.get_by_role("button", name="Open", exact=True)).to_be_visible(timeout=20_000)
    text = page.locator("body").inner_text()
    for word in CANARIES:
        assert word not in text, word
    assert page.title() == "Alongside"
    # A plan's address followed in the same page is a change of fragment only: the screen replaces it just after.
    expect(page).not_to_have_url(re.compile(re.escape(plan_id)), timeout=5_000)
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)


def quick_exit_from_plan(page: Page, plan_id: str) -> None:
    open_section(page, plan_id, "strengths")
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(NEUTRAL)
    assert PERSON not in page.content()


def set_pin(page: Page, url: str, pin: str) -> None:
    page.goto(f"{url}/#/settings")
    page.get_by_label("New PIN or passphrase").fill(pin)
    page.get_by_label("The same again").fill(pin)
    page.get_by_role("button", name="Turn on the app lock").click()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_quick_exit_then_back_or_reopening_shows_nothing_with_the_lock_off(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page, plan_id = worker_with_plan(chromium, alongside_server)

    # Back, after the quick exit: the app starts on the neutral screen, and the plan's address is gone.
    quick_exit_from_plan(page, plan_id)
    page.go_back()
    expect_nothing_of_the_plan(page, plan_id)

    # Opening the app again, at a plan's address or its start, in this tab or another: the same.
    page.goto(f"{url}/#/plan/{plan_id}/strengths")
    expect_nothing_of_the_plan(page, plan_id)
    page.reload()
    expect_nothing_of_the_plan(page, plan_id)
    other = page.context.new_page()
    other.goto(f"{url}/")
    expect_nothing_of_the_plan(other, plan_id)
    other.close()

    # Choosing "Open" opens the app as before.
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_text(PERSON).first).to_be_visible(timeout=20_000)
    page.reload()
    expect(page.get_by_text(PERSON).first).to_be_visible(timeout=20_000)
    page.context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_quick_exit_with_the_lock_on_shows_nothing_and_a_new_pin_needs_six_digits(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page, plan_id = worker_with_plan(chromium, alongside_server)

    # A 4- or 5-digit PIN is refused in plain words; 6 digits will do.
    for short in ("1234", "12345"):
        set_pin(page, url, short)
        expect(page.get_by_role("alert")).to_contain_text("A PIN needs at least 6 digits.")
        expect(page.get_by_role("status").filter(has_text="The app lock is on.")).to_have_count(0)
    set_pin(page, url, "abc")
    expect(page.get_by_role("alert")).to_contain_text("Use at least 6 characters.")
    set_pin(page, url, "246813")
    expect(page.get_by_role("status").filter(has_text="The app lock is on.")).to_be_visible(timeout=20_000)

    quick_exit_from_plan(page, plan_id)
    page.go_back()
    expect_nothing_of_the_plan(page, plan_id)
    page.goto(f"{url}/#/plan/{plan_id}")
    expect_nothing_of_the_plan(page, plan_id)

    # "Open" leads to the lock screen, still showing nothing; the PIN opens the plans.
    page.get_by_role("button", name="Open", exact=True).click()
    expect(page.get_by_role("heading", name="Alongside is locked")).to_be_visible(timeout=20_000)
    text = page.locator("body").inner_text()
    for word in CANARIES:
        assert word not in text, word
    page.get_by_label("PIN or passphrase").fill("246813")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text(PERSON).first).to_be_visible(timeout=20_000)

    # A new PIN in place of this one follows the same rule.
    page.goto(f"{url}/#/settings")
    page.get_by_role("button", name="Change the PIN or passphrase").click()
    page.get_by_label("The PIN or passphrase you use now").fill("246813")
    page.get_by_label("New PIN or passphrase").fill("97531")
    page.get_by_label("The same again").fill("97531")
    page.get_by_role("button", name="Save the new PIN or passphrase").click()
    expect(page.get_by_role("alert")).to_contain_text("A PIN needs at least 6 digits.")
    page.context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_lock_set_before_with_four_digits_still_opens(chromium: Browser, alongside_server: AlongsideServer) -> None:
    page, _ = worker_with_plan(chromium, alongside_server)
    # The device store as an earlier version of the app left it: the keys wrapped under the PIN "1357".
    device = page.evaluate(READ_DEVICE)
    locked = lock_secret(bytes.fromhex(device["secret"]), "1357")
    page.evaluate(WRITE_DEVICE, {**device["rest"], "locked": locked})
    page.reload()
    expect(page.get_by_role("heading", name="Alongside is locked")).to_be_visible(timeout=20_000)
    page.get_by_label("PIN or passphrase").fill("1357")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text(PERSON).first).to_be_visible(timeout=20_000)
    page.context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_neutral_name_gives_the_exit_a_neutral_name(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    page, plan_id = worker_with_plan(chromium, alongside_server)
    page.goto(f"{url}/#/settings")
    page.get_by_label('Call the app "Notes" on this phone').check()
    expect(page.locator("header .brand")).to_have_text("Notes")

    open_section(page, plan_id, "strengths")
    bar = page.locator(".exit-bar")
    expect(bar).to_have_text("Close")
    for giveaway in ("Exit", "exit", "Shift", "Alongside"):
        assert giveaway not in bar.inner_text()
        assert giveaway not in (bar.locator(".exit").get_attribute("aria-label") or "")
    expect(page.get_by_role("button", name="Exit this page")).to_have_count(0)

    # It leaves as the other does, by a tap or Shift three times, and Back shows nothing.
    page.get_by_role("button", name="Close", exact=True).click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    expect(page.get_by_role("button", name="Open", exact=True)).to_be_visible(timeout=20_000)
    assert page.title() == "Notes"
    assert STRENGTH not in page.locator("body").inner_text()
    page.get_by_role("button", name="Open", exact=True).click()
    open_section(page, plan_id, "strengths")
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(re.compile(r"^https://www\.bbc\.co\.uk/weather"))
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_quick_exit_screens_pass_axe(chromium: Browser, alongside_server: AlongsideServer, lang: str) -> None:
    url = alongside_server.url
    prefix = "" if lang == "en" else "ar-"
    problems: dict[str, Any] = {}
    page, plan_id = worker_with_plan(chromium, alongside_server, viewport=PHONE, bypass_csp=True)
    if lang != "en":
        set_language(page, url, lang, "العربية")

    # A short PIN refused, in plain words.
    page.goto(f"{url}/#/settings")
    page.locator("input[name=pin-new]").fill("1234")
    page.locator("input[name=pin-again]").fill("1234")
    page.locator("form:has(input[name=pin-new]) button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    check_axe(page, "a short PIN refused", lang, problems)
    page.screenshot(path=str(SCREENSHOTS / f"{prefix}70-short-pin.png"), full_page=True)

    # The neutral name's exit control, on a plan's screen.
    page.locator("input[name=neutral-name]").check()
    open_section(page, plan_id, "strengths")
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
    expect(page.locator(".exit-hint")).to_have_count(0)
    check_axe(page, "the neutral exit", lang, problems)
    page.screenshot(path=str(SCREENSHOTS / f"{prefix}71-neutral-exit.png"))

    # After the quick exit, and Back.
    page.locator(".exit-bar .exit").click()
    page.wait_for_url(NEUTRAL)
    page.go_back()
    expect(page.locator("main button")).to_be_visible(timeout=20_000)
    assert STRENGTH not in page.locator("body").inner_text()
    check_axe(page, "after a quick exit", lang, problems)
    page.screenshot(path=str(SCREENSHOTS / f"{prefix}72-after-quick-exit.png"))
    assert not problems, problems
    page.context.close()
