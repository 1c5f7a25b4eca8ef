"""The person's-copy screens at phone size (360x740), in English and in Arabic (right to left): axe-core
finds no serious or critical violations on the join screen after reading a QR code, "My plan" in plain
words and in easy read (after a step ticked off and good news added; with an agreement the worker's
device recorded for words it then changed), the read-back, an item's "What changed", the app lock settings, changing
the PIN (with a wrong old PIN message), the lock screen (with a wrong PIN message), and "Who can see this
plan" with the removal question open; the new actions on "My plan" and the PIN change are done by
keyboard alone; the print view of the read-back and the new screens are saved to docs/screenshots/."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from support.devices import joined_device, plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    PHONE,
    SCREENSHOTS,
    check_axe,
    invite,
    open_section,
    press_by_keyboard,
    save,
    set_language,
    tab_to,
    wait_synced,
)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_person_screens_pass_axe(
    chromium: Browser, alongside_server: AlongsideServer, lang: str, tmp_path: Path
) -> None:
    base = alongside_server.url
    name = "العربية" if lang == "ar" else "English"
    problems: dict[str, Any] = {}
    tablet = worker_device(chromium, alongside_server, viewport=PHONE, bypass_csp=True)
    plan_id = plan_with_strengths(tablet, "I make people laugh")
    open_section(tablet, plan_id, "steps")
    tablet.get_by_role("button", name="Add a step").click()
    tablet.get_by_label("What will happen").fill("Phone the library about the Tuesday group")
    save(tablet)
    # Agreed at the visit, then the words changed on the tablet: "changed by", "an earlier wording".
    open_section(tablet, plan_id, "readback")
    tablet.get_by_role("button", name=re.compile(r"^Sam agrees\W+I make people laugh")).click()
    expect(tablet.locator("button[aria-pressed=true]")).to_have_count(1)
    open_section(tablet, plan_id, "strengths")
    tablet.get_by_role("link", name=re.compile("^Change")).click()
    tablet.get_by_label("The strength").fill("I make people laugh, even on bad days")
    save(tablet)
    wait_synced(tablet)
    text = invite(tablet, plan_id)
    photo = tmp_path / "qr.png"
    tablet.locator("[data-qr]").screenshot(path=str(photo))

    phone = joined_device(chromium, base, text, plan_id, viewport=PHONE, bypass_csp=True)

    # The print view of the read-back: the plan alone, without the app around it.
    if lang == "en":
        open_section(phone, plan_id, "readback")
        expect(phone.get_by_role("button", name="Print or save as PDF")).to_be_visible()
        phone.emulate_media(media="print")
        for chrome in (".exit-bar", "header.top", ".sync", "main button"):
            expect(phone.locator(chrome).first).to_be_hidden()
        expect(phone.locator(".print-heading")).to_contain_text("Sam")
        expect(phone.locator(".item-text", has_text="I make people laugh")).to_be_visible()
        phone.screenshot(path=str(SCREENSHOTS / "21-print-view.png"), full_page=True)
        phone.emulate_media(media="screen")
    if lang != "en":
        set_language(phone, base, lang, name)

    # Join, after reading a QR code from a photo.
    phone.goto(f"{base}/#/join")
    phone.locator("#invite-photo").set_input_files(str(photo))
    expect(phone.locator(".scan-status")).to_be_visible()
    check_axe(phone, "join after reading a code", lang, problems)

    # My plan, in plain words; then by keyboard: easy read on, a step ticked off, good news added.
    open_section(phone, plan_id, "mine")
    expect(phone.locator("#my-plan")).to_have_attribute("data-easy-read", "off")
    expect(phone.locator("#my-plan [data-agreement=person]")).to_be_visible()
    expect(phone.locator("#my-plan [data-voice-dropped]")).to_be_visible()
    check_axe(phone, "my plan", lang, problems)
    phone.locator("main h1").focus()
    tab_to(phone, "input[name=easy-read]")
    phone.keyboard.press("Space")
    expect(phone.locator("#my-plan")).to_have_attribute("data-easy-read", "on")
    tab_to(phone, '[data-read-aloud="my-plan"] button')
    phone.keyboard.press("Enter")
    tab_to(phone, "#mine-steps input[type=checkbox]")
    phone.keyboard.press("Space")
    expect(phone.locator("#mine-steps input[type=checkbox]")).to_be_checked()
    expect(phone.locator("#mine-steps .done-mark")).to_be_visible()
    tab_to(phone, "textarea[name=good-news]")
    phone.keyboard.type("ذهبت إلى المكتبة" if lang == "ar" else "I went to the library group")
    press_by_keyboard(phone, ".add-news button[type=submit]")
    expect(phone.locator('#mine-news article[data-type="good_news"]')).to_have_count(1)
    expect(phone.locator(".add-news [role=status]")).to_be_visible()
    check_axe(phone, "my plan, easy read", lang, problems)
    if lang == "ar":
        phone.screenshot(path=str(SCREENSHOTS / "ar-41-my-plan-easy-read.png"), full_page=True)

    # The read-back with its agreements, and what changed in the strength (this phone holds only its newest version).
    open_section(phone, plan_id, "readback")
    expect(phone.locator("[data-agreement=person]")).to_be_visible()
    check_axe(phone, "read back", lang, problems)
    strength = phone.locator("#readback-items article").first.get_attribute("data-item")
    phone.goto(f"{base}/#/plan/{plan_id}/item/{strength}/history")
    expect(phone.locator("[data-history-incomplete]")).to_be_visible()
    check_axe(phone, "what changed", lang, problems)
    if lang == "ar":
        phone.screenshot(path=str(SCREENSHOTS / "ar-24-what-changed.png"), full_page=True)

    # Who can see this plan, with the removal question open.
    open_section(phone, plan_id, "share")
    expect(phone.locator(".member")).to_have_count(2)
    phone.locator(".member button").first.click()
    expect(phone.locator(".member .confirm")).to_be_visible()
    check_axe(phone, "who can see this plan", lang, problems)

    # App lock settings, then the lock screen with a wrong PIN.
    phone.goto(f"{base}/#/settings")
    phone.locator("input[name=pin-new]").fill("246800")
    phone.locator("input[name=pin-again]").fill("246800")
    phone.locator("form:has(input[name=pin-new]) button[type=submit]").click()
    expect(phone.locator("input[name=pin-off]")).to_be_visible(timeout=20_000)
    check_axe(phone, "app lock settings", lang, problems)
    # Change the PIN, by keyboard, with a wrong old PIN first.
    phone.locator("main h1").focus()
    press_by_keyboard(phone, "#lock-h ~ .actions button")
    tab_to(phone, "input[name=pin-old]")
    phone.keyboard.type("1111")
    tab_to(phone, "input[name=pin-new]")
    phone.keyboard.type("135790")
    tab_to(phone, "input[name=pin-again]")
    phone.keyboard.type("135790")
    phone.keyboard.press("Enter")
    expect(phone.locator(".error-summary")).to_be_visible(timeout=20_000)
    check_axe(phone, "change the PIN", lang, problems)
    phone.screenshot(path=str(SCREENSHOTS / f"{'' if lang == 'en' else 'ar-'}43-change-pin.png"), full_page=True)
    tab_to(phone, "input[name=pin-old]")
    phone.keyboard.type("246800")
    phone.keyboard.press("Enter")
    expect(phone.locator("input[name=pin-off]")).to_be_visible(timeout=20_000)
    expect(phone.locator("section[aria-labelledby=lock-h] [role=status]")).to_be_visible()
    check_axe(phone, "app lock settings after a change", lang, problems)
    phone.reload()
    phone.locator("input[name=pin]").fill("246800")
    phone.locator("main button[type=submit]").click()
    expect(phone.locator(".error-summary, [role=alert]").first).to_be_visible(timeout=20_000)
    check_axe(phone, "lock screen", lang, problems)
    prefix = "" if lang == "en" else "ar-"
    phone.screenshot(path=str(SCREENSHOTS / f"{prefix}22-app-locked.png"))
    assert not problems, problems
