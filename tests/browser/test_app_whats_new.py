"""What's new since you last looked (issue 16, must show 6): the person ticks a step and adds good news on their
phone; the worker's "My plans" and the plan's home say so in plain words, the cards are marked, and none of it
is new any more once the worker has looked. In English and Arabic at 360 by 740, axe-core clean."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, worker_device
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, check_axe, invite, open_section, save, set_language, start_plan, wait_synced

STEP = "Ring the leisure centre about quiet swims"
GOOD_NEWS = "I went swimming with Mo on Tuesday"
MORE_NEWS = "I slept well all week"
NEWS = "Since you last looked: 1 step done, 1 piece of good news."


def to_my_plans(page: Page) -> None:
    page.goto(f"{page.url.split('#')[0]}#/plans")
    expect(page.get_by_role("heading", name="My plans", level=1)).to_be_visible()


def add_good_news(phone: Page, text: str) -> None:
    phone.get_by_role("button", name="Add good news").click()
    phone.get_by_label("Something that went well").fill(text)
    phone.get_by_role("button", name="Add good news").click()
    expect(phone.get_by_role("status").filter(has_text="Your good news is in your plan.")).to_be_visible()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_persons_ticked_step_and_good_news_are_new_to_the_worker_until_they_look(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)  # to run axe-core in the page
    plan_id = start_plan(tablet, "Sam")
    open_section(tablet, plan_id, "steps")
    tablet.get_by_role("button", name="Add a step").click()
    tablet.get_by_label("What will happen").fill(STEP)
    save(tablet)
    wait_synced(tablet)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id)

    # The worker leaves the plan: they have looked at everything it holds.
    to_my_plans(tablet)
    row = tablet.locator(".plan-row", has_text="Sam")
    expect(row).to_have_attribute("data-news-read", "")
    expect(row.locator("[data-whats-new]")).to_have_count(0)

    # On the person's phone: a step ticked off and good news, both synced.
    open_section(phone, plan_id, "mine")
    phone.get_by_role("checkbox", name=re.compile(f"^Done\\W+{re.escape(STEP)}")).check()
    add_good_news(phone, GOOD_NEWS)
    wait_synced(phone)

    # "My plans" on the worker's tablet says what changed, in plain words (the plan still open in this page) …
    expect(row.locator("[data-whats-new]")).to_have_text(NEWS, timeout=30_000)
    problems: dict[str, Any] = {}
    check_axe(tablet, "my plans, what's new", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "60-whats-new-my-plans.png"), full_page=True)
    # … and so it does after the app is opened again (read from this device's copy).
    tablet.reload()
    expect(tablet.locator(".plan-row", has_text="Sam").locator("[data-whats-new]")).to_have_text(NEWS, timeout=30_000)

    # The plan's home: the same sentence, how many are new in each part, and the cards marked.
    tablet.locator(".plan-row", has_text="Sam").get_by_role("link").click()
    expect(tablet.locator("ol.sections")).to_have_attribute("data-news-read", "", timeout=30_000)
    banner = tablet.locator("[data-whats-new]")
    expect(banner).to_have_text(NEWS, timeout=30_000)
    expect(banner).to_have_attribute("role", "status")
    for section in ("Next steps", "Good news"):
        link = tablet.locator(".section-link", has_text=section)
        expect(link.locator("[data-new-in-section]")).to_have_text("1 new")
    expect(tablet.locator(".section-link", has_text="Strengths").locator("[data-new-in-section]")).to_have_count(0)
    check_axe(tablet, "plan home, what's new", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "61-whats-new-plan.png"), full_page=True)
    tablet.locator(".section-link", has_text="Next steps").click()
    step_card = tablet.locator('article[data-type="step"]', has_text=STEP)
    expect(step_card.locator(".new-mark")).to_have_text("Changed (since you last looked)")
    expect(step_card.locator(".new-mark")).to_have_attribute("data-new", "changed")
    tablet.locator(".next-section a").click()
    news_card = tablet.locator('article[data-type="good_news"]', has_text=GOOD_NEWS)
    expect(news_card.locator(".new-mark")).to_have_attribute("data-new", "new")
    check_axe(tablet, "good news, marked new", "en", problems)

    # Once looked at, nothing is new: not in "My plans", not on the plan's screens, not after a reload.
    to_my_plans(tablet)
    expect(tablet.locator(".plan-row", has_text="Sam")).to_have_attribute("data-news-read", "")
    expect(tablet.locator("[data-whats-new]")).to_have_count(0)
    tablet.locator(".plan-row", has_text="Sam").get_by_role("link").click()
    expect(tablet.locator("ol.sections")).to_have_attribute("data-news-read", "")
    expect(tablet.locator("[data-whats-new], [data-new-in-section]")).to_have_count(0)
    open_section(tablet, plan_id, "news")
    expect(tablet.locator('article[data-type="good_news"]', has_text=GOOD_NEWS)).to_be_visible()
    expect(tablet.locator(".new-mark")).to_have_count(0)
    to_my_plans(tablet)
    tablet.reload()
    expect(tablet.locator(".plan-row", has_text="Sam")).to_have_attribute("data-news-read", "", timeout=30_000)
    expect(tablet.locator("[data-whats-new]")).to_have_count(0)

    # More good news later, read in Arabic: "My plans" and the plan's home, axe-clean right to left.
    add_good_news(phone, MORE_NEWS)
    wait_synced(phone)
    set_language(tablet, url, "ar", "العربية")
    tablet.goto(f"{url}/#/plans")
    arabic_row = tablet.locator(".plan-row", has_text="Sam").locator("[data-whats-new]")
    expect(arabic_row).to_have_text("منذ آخر مرة نظرت فيها: خبر سار واحد.", timeout=30_000)
    check_axe(tablet, "my plans, what's new (ar)", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "ar-60-whats-new-my-plans.png"), full_page=True)
    tablet.locator(".plan-row", has_text="Sam").get_by_role("link").click()
    expect(tablet.locator("[data-whats-new]")).to_have_text("منذ آخر مرة نظرت فيها: خبر سار واحد.", timeout=30_000)
    check_axe(tablet, "plan home, what's new (ar)", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "ar-61-whats-new-plan.png"), full_page=True)
    assert problems == {}
