"""The community activities directory on a worker's phone (issue 18): the organisation's catalogue, imported by
an admin, reaches the device when it enrols, and is searched by words, day, tag and cost with no connection at
all (the page reloaded offline). The screen passes axe-core in English and Arabic at 360 by 740 pixels."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.activities import activities_csv
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import PHONE, SCREENSHOTS, check_axe, wait_for_service_worker, worker_code


def show(page: Page, path: str) -> None:
    """Go to a screen by its hash (no request: the page may be offline)."""
    page.evaluate("(path) => { location.hash = path; }", path)


def found(page: Page) -> list[str]:
    return page.locator("[data-activity] h2").all_inner_texts()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_worker_searches_the_organisations_activities_offline_in_english_and_arabic(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    server = alongside_server
    worker_code(server, "Bea")  # sets up the organisation, whose admin then imports its activities
    file = tmp_path / "activities.csv"
    file.write_text(activities_csv(), encoding="utf-8")
    assert server.admin("activities", "import", str(file), "--json")["added"] == 4
    problems: dict[str, Any] = {}

    phone = worker_device(chromium, server, viewport=PHONE, bypass_csp=True)
    wait_for_service_worker(phone)
    phone.get_by_role("link", name="Community activities").click()
    expect(phone.get_by_role("heading", name="Community activities")).to_be_visible()
    phone.get_by_role("button", name="Check for updates").click()
    # Fetched now, or already in the background when the device enrolled.
    expect(phone.locator("[data-activities-news]")).to_have_text(re.compile("up to date|Nothing has changed"))
    expect(phone.locator("[data-found]")).to_have_text("4 activities")

    # No connection at all: the page reloads from the service worker and the copy from the device's database.
    phone.context.set_offline(True)
    phone.reload()
    show(phone, "#/activities")
    expect(phone.locator("[data-found]")).to_have_text("4 activities")
    assert found(phone) == ["Cooking together", "Côr y Cwm", "Repair café", "Riverside walking group"]
    phone.get_by_label("Search", exact=True).fill("cor")
    expect(phone.locator("[data-found]")).to_have_text("1 activity of 4 matches")
    assert found(phone) == ["Côr y Cwm"]
    phone.get_by_label("Search", exact=True).fill("")
    phone.get_by_label("Tag", exact=True).select_option("music")
    assert found(phone) == ["Côr y Cwm", "Repair café"]
    phone.get_by_label("Free only", exact=True).check()
    expect(phone.locator("[data-found]")).to_have_text("1 activity of 4 matches")
    assert found(phone) == ["Repair café"]
    phone.get_by_label("Tag", exact=True).select_option("")
    phone.get_by_label("Free only", exact=True).uncheck()
    phone.get_by_label("Day", exact=True).select_option("th")
    assert found(phone) == ["Riverside walking group"]
    walk = phone.locator('[data-activity="walk"]')
    expect(walk).to_contain_text("Thursdays 10:00 · Thursday")
    expect(walk).to_contain_text("Free")
    expect(walk.get_by_role("link", name="029 2000 0000")).to_have_attribute("href", "tel:02920000000")
    phone.get_by_role("button", name="Check for updates").click()
    expect(phone.locator("[data-activities-news]")).to_have_text("No connection: showing the copy on this device.")
    phone.get_by_label("Day", exact=True).select_option("")
    check_axe(phone, "activities", "en", problems)
    phone.screenshot(path=str(SCREENSHOTS / "160-community-activities.png"), full_page=True)

    show(phone, "#/settings")
    phone.get_by_role("radio", name="العربية").check()
    expect(phone.locator("html")).to_have_attribute("lang", "ar")
    show(phone, "#/activities")
    expect(phone.get_by_role("heading", name="أنشطة المجتمع")).to_be_visible()
    expect(phone.locator("[data-found]")).to_have_text("4 أنشطة")
    phone.get_by_label("وسم", exact=True).select_option("music")
    expect(phone.locator("[data-found]")).to_have_text("نشاطان من 4 يطابقان")
    check_axe(phone, "activities (Arabic)", "ar", problems)
    phone.screenshot(path=str(SCREENSHOTS / "161-community-activities-ar.png"), full_page=True)
    assert problems == {}
