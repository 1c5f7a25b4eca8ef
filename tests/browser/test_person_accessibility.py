"""The person's-copy screens at phone size (360x740), in English and in Arabic (right to left): axe-core
finds no serious or critical violations on the join screen after reading a QR code, the app lock
settings, the lock screen (with a wrong PIN message), and "Who can see this plan" with the removal
question open; the print view of the read-back is saved to docs/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.processes import AlongsideServer
from support.pwa import (
    PHONE,
    SCREENSHOTS,
    add_strength,
    enrol,
    invite,
    join,
    new_device,
    open_section,
    run_axe,
    start_plan,
    wait_synced,
    worker_code,
)


def set_language(page: Page, base: str, code: str, name: str) -> None:
    page.goto(f"{base}/#/settings")
    page.get_by_role("radio", name=name).check()
    expect(page.locator("html")).to_have_attribute("lang", code)


def check(page: Page, where: str, lang: str, problems: dict[str, Any]) -> None:
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    # From the top of the screen, as it opens (a sticky bar partly over a scrolled control is not a fault).
    page.evaluate("window.scrollTo(0, 0)")
    violations = run_axe(page)
    if violations:
        problems[where] = violations


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
def test_person_screens_pass_axe(
    chromium: Browser, alongside_server: AlongsideServer, lang: str, tmp_path: Path
) -> None:
    base = alongside_server.url
    name = "العربية" if lang == "ar" else "English"
    problems: dict[str, Any] = {}
    tablet = new_device(chromium, viewport=PHONE, bypass_csp=True).new_page()
    enrol(tablet, base, worker_code(alongside_server))
    plan_id = start_plan(tablet, "Sam")
    open_section(tablet, plan_id, "strengths")
    add_strength(tablet, "I make people laugh")
    wait_synced(tablet)
    text = invite(tablet, plan_id)
    photo = tmp_path / "qr.png"
    tablet.locator("[data-qr]").screenshot(path=str(photo))

    phone = new_device(chromium, viewport=PHONE, bypass_csp=True).new_page()
    join(phone, base, text)
    wait_synced(phone)

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
    check(phone, "join after reading a code", lang, problems)

    # Who can see this plan, with the removal question open.
    open_section(phone, plan_id, "share")
    expect(phone.locator(".member")).to_have_count(2)
    phone.locator(".member button").first.click()
    expect(phone.locator(".member .confirm")).to_be_visible()
    check(phone, "who can see this plan", lang, problems)

    # App lock settings, then the lock screen with a wrong PIN.
    phone.goto(f"{base}/#/settings")
    phone.locator("input[name=pin-new]").fill("2468")
    phone.locator("input[name=pin-again]").fill("2468")
    phone.locator("form:has(input[name=pin-new]) button[type=submit]").click()
    expect(phone.locator("input[name=pin-off]")).to_be_visible(timeout=20_000)
    check(phone, "app lock settings", lang, problems)
    phone.reload()
    phone.locator("input[name=pin]").fill("0000")
    phone.locator("main button[type=submit]").click()
    expect(phone.locator(".error-summary, [role=alert]").first).to_be_visible(timeout=20_000)
    check(phone, "lock screen", lang, problems)
    prefix = "" if lang == "en" else "ar-"
    phone.screenshot(path=str(SCREENSHOTS / f"{prefix}22-app-locked.png"))
    assert not problems, problems
