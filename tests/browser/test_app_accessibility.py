"""Every screen, at phone (360x740) and desktop (1280x800) size, in English and in Arabic (right to left):
axe-core finds no serious or critical WCAG 2.x A/AA violations, the document's lang and dir follow the
UI language, and no plan content reaches the page title; among them an item's "What changed", and the
notice a device shows when an older copy of an item comes back (on the item and on the plan's home). At
phone size in English (and a few in Arabic) each screen is saved to docs/screenshots/ for the README."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import (
    DESKTOP,
    GOAL,
    PHONE,
    RESPONSE,
    SCREENSHOTS,
    STRENGTH,
    TRIGGER,
    device_token,
    new_device,
    open_section,
    run_axe,
    save,
    set_language,
    start_plan,
    wait_synced,
    write_whole_plan,
)

# (file name, route after "#/", what to do on the screen before checking it)
PLAN_SCREENS = [
    ("03-my-plans", "plans", None),
    ("04-start-a-plan", "new", None),
    ("05-plan", "plan/{plan}", None),
    ("06-strengths", "plan/{plan}/strengths", None),
    ("07-add-a-strength", "plan/{plan}/strengths", "add-strength"),
    ("08-what-matters", "plan/{plan}/matters", None),
    ("09-goals", "plan/{plan}/goals", None),
    ("10-goal-scale", "plan/{plan}/goal/{goal}", None),
    ("11-add-a-reading", "plan/{plan}/goal/{goal}", "add-reading"),
    ("12-my-people", "plan/{plan}/people", None),
    ("13-next-steps", "plan/{plan}/steps", None),
    ("14-read-back", "plan/{plan}/readback", None),
    ("15-agreed-versions", "plan/{plan}/versions", None),
    ("16-agreed-version", "plan/{plan}/version/{version}", None),
    ("17-change-a-strength", "plan/{plan}/item/{strength}", None),
    ("18-who-can-read", "plan/{plan}/share", "invite"),
    ("19-settings", "settings", None),
    ("24-what-changed", "plan/{plan}/item/{contingency}/history", None),
]
FIRST_SCREENS = [("00-welcome", "", None), ("01-set-up-device", "enrol", None), ("02-join-a-plan", "join", None)]
ARABIC_SHOTS = {
    "00-welcome",
    "05-plan",
    "06-strengths",
    "08-what-matters",
    "10-goal-scale",
    "12-my-people",
    "14-read-back",
}


def act(page: Page, action: str | None) -> None:
    if action == "add-strength":
        page.locator("main .actions button").last.click()
        expect(page.locator("form.item-form")).to_be_visible()
    elif action == "add-reading":
        page.locator("main section button").last.click()
        expect(page.locator("form.add-form")).to_be_visible()
    elif action == "invite":
        page.locator("main fieldset.radios + button").click()  # "Show a code", in any language
        expect(page.locator("[data-invite]")).to_be_visible()


def check_screen(page: Page, url: str, lang: str, shot: str | None, problems: dict[str, Any]) -> None:
    page.goto(url)
    expect(page.locator("main h1")).to_be_visible()
    page.wait_for_timeout(150)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    assert page.title() == "Alongside"
    violations = run_axe(page)
    if violations:
        problems[url] = violations
    if shot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_every_screen_passes_axe(
    chromium: Browser, alongside_server: AlongsideServer, lang: str, viewport: str
) -> None:
    size = PHONE if viewport == "phone" else DESKTOP
    base = alongside_server.url
    shots = viewport == "phone"
    prefix = "" if lang == "en" else "ar-"
    problems: dict[str, Any] = {}
    language_name = "العربية" if lang == "ar" else "English"

    # Before this device belongs to anyone: welcome, set up, join.
    fresh = new_device(chromium, viewport=size, bypass_csp=True)
    page = fresh.new_page()
    if lang != "en":
        page.goto(base + "/")
        set_language(page, base, lang, language_name)
    for name, route, action in FIRST_SCREENS:
        keep = shots and (lang == "en" or name in ARABIC_SHOTS)
        check_screen(page, f"{base}/#/{route}", lang, prefix + name if keep else None, problems)
        act(page, action)
    fresh.close()

    # A worker's device with a whole plan written (in English), then read in the UI language.
    page = worker_device(chromium, alongside_server, viewport=size, bypass_csp=True)
    plan_id = start_plan(page, "Sam", "Feeling more like me")
    write_whole_plan(page, plan_id)
    wait_synced(page)
    open_section(page, plan_id, "goals")
    goal = page.locator("article.item", has_text=GOAL).get_attribute("data-item")
    open_section(page, plan_id, "strengths")
    strength = page.locator("article.item", has_text=STRENGTH).get_attribute("data-item")
    open_section(page, plan_id, "versions")
    version_href = page.locator("main a.card-link").first.get_attribute("href") or ""
    version = version_href.rsplit("/", 1)[-1]
    # The worker's words of the "if… then…" changed after the visit: its history holds two versions.
    open_section(page, plan_id, "steps")
    contingency = page.locator("article.item", has_text=TRIGGER).get_attribute("data-item") or ""
    auth = {"Authorization": f"Bearer {device_token(page)}"}
    earlier = httpx.get(f"{base}/sync/{plan_id}/{contingency}", headers=auth).json()
    page.locator("article.item", has_text=TRIGGER).get_by_role("link", name=re.compile("^Change")).click()
    page.get_by_role("textbox", name="…then", exact=True).fill(RESPONSE + ", or Mo comes round")
    save(page)
    wait_synced(page)
    if lang != "en":
        set_language(page, base, lang, language_name)
    ids = {"plan": plan_id, "goal": goal, "strength": strength, "version": version, "contingency": contingency}
    for name, route, action in PLAN_SCREENS:
        url = f"{base}/#/{route.format(**ids)}"
        keep = shots and (lang == "en" or name in ARABIC_SHOTS)
        check_screen(page, url, lang, None if action else (prefix + name if keep else None), problems)
        if action:
            act(page, action)
            # From the top of the screen, as check_axe does: a sticky bar partly over a control the action
            # scrolled up (the goal's links under the sync bar once "Add a reading" is pressed) is not a fault.
            page.evaluate("window.scrollTo(0, 0)")
            violations = run_axe(page)
            if violations:
                problems[url + " " + action] = violations
            if keep:
                page.screenshot(path=str(SCREENSHOTS / f"{prefix}{name}.png"), full_page=True)
        assert "Sam" not in page.title() and GOAL not in page.title()

    # A member writes the earlier envelope back on top (docs/crypto.md §8.3): the device keeps the newer
    # version and says so, on the item and on the plan's home.
    current = httpx.get(f"{base}/sync/{plan_id}/{contingency}", headers=auth).json()
    replay = {key: value for key, value in earlier.items() if key != "_rev"} | {"_rev": current["_rev"]}
    written = httpx.put(f"{base}/sync/{plan_id}/{contingency}", json=replay, headers=auth)
    assert written.status_code == 201, written.text
    for name, route, flagged in (
        ("25-older-copy-kept", "plan/{plan}/steps", f'article[data-item="{contingency}"] [data-flag=rollback]'),
        ("26-older-copy-banner", "plan/{plan}", "[data-integrity-banner]"),
    ):
        url = f"{base}/#/{route.format(**ids)}"
        page.goto(url)
        expect(page.locator(flagged)).to_be_visible(timeout=30_000)
        check_screen(page, url, lang, prefix + name if shots and lang == "en" else None, problems)
    page.goto(f"{base}/#/plan/{plan_id}/steps")
    expect(page.locator(f'article[data-item="{contingency}"]')).to_contain_text("or Mo comes round")
    page.context.close()
    assert not problems, problems
