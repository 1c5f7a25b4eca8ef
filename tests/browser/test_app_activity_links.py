"""A community activity linked to a step "when I'm ready", and the person's follow-up (issue 18, must-show 2):
with no connection, the worker's tablet searches the organisation's directory and links the walking group to a
new step that waits until Sam is ready; back online, Sam's phone shows the activity (when, where, a number to
call) and "When you're ready" with no directory of its own; Sam answers "Did you go? How was it? Would you go
again?" on the phone, and the tablet's next review lists the answer in Sam's words. The link picker and the
follow-up form pass axe-core in English and Arabic at 360 by 740 pixels."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.activities import activities_csv
from support.devices import worker_and_person
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, check_axe, set_language, wait_for_service_worker, wait_synced, worker_code


def show(page: Page, path: str) -> None:
    """Go to a screen by its hash (no request: the page may be offline)."""
    page.evaluate("(path) => { location.hash = path; }", path)


def follow_up_form(page: Page) -> None:
    """Open the follow-up form of the (only) step with a linked activity."""
    page.locator("[data-followups] button").first.click()
    expect(page.locator("[data-followup-form]")).to_be_visible()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_activity_linked_offline_when_ready_reaches_the_phone_and_its_follow_up_the_review(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    server = alongside_server
    worker_code(server, "Bea")  # sets up the organisation, whose admin then imports its activities
    file = tmp_path / "activities.csv"
    file.write_text(activities_csv(), encoding="utf-8")
    assert server.admin("activities", "import", str(file), "--json")["added"] == 4
    problems: dict[str, Any] = {}
    tablet, phone, plan_id = worker_and_person(chromium, server, bypass_csp=True)  # bypass_csp: axe-core
    url = server.url

    # The tablet has the directory (fetched when the plan list was refreshed, or now), then loses its signal.
    wait_for_service_worker(tablet)
    show(tablet, "#/activities")
    tablet.get_by_role("button", name="Check for updates").click()
    expect(tablet.locator("[data-activities-news]")).to_have_text(re.compile("up to date|Nothing has changed"))
    tablet.context.set_offline(True)

    show(tablet, f"#/plan/{plan_id}/steps")
    tablet.get_by_role("link", name="Link a community activity to a step").click()
    expect(tablet.get_by_role("heading", name="Link a community activity")).to_be_visible()
    tablet.get_by_label("Search", exact=True).fill("walk")
    expect(tablet.locator("[data-activity]")).to_have_count(1)
    walk = tablet.locator('[data-activity="walk"]')
    expect(walk).to_contain_text("Riverside walking group")
    check_axe(tablet, "link picker", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "170-link-activity-search.png"), full_page=True)
    walk.get_by_role("button", name=re.compile("^Choose")).click()
    form = tablet.locator('[data-link-form="walk"]')
    expect(form.get_by_label("What will happen")).to_have_value("Try Riverside walking group")
    expect(form.get_by_role("radio", name="When they're ready")).to_be_checked()
    check_axe(tablet, "link form", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "171-link-activity-when-ready.png"), full_page=True)
    form.get_by_role("button", name="Link the activity").click()
    expect(tablet.get_by_role("heading", name="Next steps")).to_be_visible()
    card = tablet.locator('[data-type="step"]').filter(has_text="Try Riverside walking group")
    expect(card.locator("[data-ready]")).to_have_text("When they're ready")
    expect(card.locator('[data-linked-activity="walk"]')).to_contain_text("Library steps, CF10 1AA")
    expect(tablet.locator(".sync")).not_to_have_attribute("data-sync-state", "synced")

    # Signal again: the step (and its copy of the activity) goes up; the phone, with no directory, shows it.
    tablet.context.set_offline(False)
    wait_synced(tablet)
    phone.goto(f"{url}/#/plan/{plan_id}/mine")
    wait_synced(phone)
    step = phone.locator('[data-type="step"]').filter(has_text="Try Riverside walking group")
    expect(step).to_be_visible(timeout=30_000)
    expect(step.locator('[data-field="ready"]')).to_contain_text("When you're ready")
    activity = step.locator('[data-linked-activity="walk"]')
    expect(activity).to_contain_text("Thursdays 10:00 · Thursday")
    expect(activity).to_contain_text("Free")
    expect(activity.get_by_role("link", name="029 2000 0000")).to_have_attribute("href", "tel:02920000000")
    expect(activity.get_by_role("link", name="walks@example.org")).to_have_attribute("href", "mailto:walks@example.org")
    phone.screenshot(path=str(SCREENSHOTS / "172-my-plan-linked-activity.png"), full_page=True)

    # Sam says how it went, on the phone, in Sam's own words.
    follow_up_form(phone)
    answer = phone.locator("[data-followup-form]")
    answer.get_by_role("group", name="Did you go?").get_by_label("Yes").check()
    answer.get_by_label("How was it?").fill("Lovely people, and tea after")
    answer.get_by_role("group", name="Would you go again?").get_by_label("Yes").check()
    check_axe(phone, "follow-up form", "en", problems)
    phone.screenshot(path=str(SCREENSHOTS / "173-follow-up.png"), full_page=True)
    answer.get_by_role("button", name="Save", exact=True).click()
    expect(phone.get_by_role("status").filter(has_text="Thank you. It is saved in the plan.")).to_be_visible()
    expect(step.locator('[data-answer="how"] dd')).to_have_text("Lovely people, and tea after — Sam")
    good_news = phone.locator('[data-part="news"] [data-liked]')
    expect(good_news).to_contain_text("You went, and would go again: Riverside walking group")
    wait_synced(phone)

    # The worker's next review lists it, in Sam's words, with who said it.
    tablet.goto(f"{url}/#/plan/{plan_id}/review")
    wait_synced(tablet)
    listed = tablet.locator("[data-followup-item]")
    expect(listed).to_have_count(1, timeout=30_000)
    expect(listed).to_contain_text("Riverside walking group")
    expect(listed.locator('[data-answer="went"]')).to_contain_text("Yes")
    expect(listed.locator('[data-answer="how"] dd')).to_have_text("Lovely people, and tea after — Sam")
    expect(listed.locator('[data-answer="again"]')).to_contain_text("Yes")
    tablet.screenshot(path=str(SCREENSHOTS / "174-review-follow-ups.png"), full_page=True)

    # In Arabic: the follow-up form on the phone, the link picker's form on the tablet.
    set_language(phone, url, "ar", "العربية")
    phone.goto(f"{url}/#/plan/{plan_id}/mine")
    expect(phone.locator('[data-field="ready"]')).to_contain_text("عندما تكون مستعدًا")
    follow_up_form(phone)
    check_axe(phone, "follow-up form (Arabic)", "ar", problems)
    phone.screenshot(path=str(SCREENSHOTS / "175-follow-up-ar.png"), full_page=True)
    set_language(tablet, url, "ar", "العربية")
    tablet.goto(f"{url}/#/plan/{plan_id}/link")
    expect(tablet.get_by_role("heading", name="ربط نشاط مجتمعي")).to_be_visible()
    check_axe(tablet, "link picker (Arabic)", "ar", problems)
    tablet.locator('[data-activity="walk"] button').click()
    expect(tablet.locator('[data-link-form="walk"]')).to_be_visible()
    check_axe(tablet, "link form (Arabic)", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "176-link-activity-ar.png"), full_page=True)
    assert problems == {}
