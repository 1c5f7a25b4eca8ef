"""The app's words arrive in the browser's language on a first load (the catalog a chunk of its own, preloaded by
the HTML shell beside the entry script), and another language chosen in settings works offline too, from the
service worker's precache, and stays chosen after a reload with no connection."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from support.processes import AlongsideServer
from support.pwa import PHONE, wait_for_service_worker


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_first_load_speaks_the_browsers_language_and_another_is_chosen_offline(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    context = chromium.new_context(viewport=PHONE, locale="ar")
    try:
        page = context.new_page()
        page.goto(alongside_server.url + "/")
        expect(page.get_by_role("heading", name="مرحبًا بك في Alongside")).to_be_visible()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        wait_for_service_worker(page)

        context.set_offline(True)
        page.goto(alongside_server.url + "/#/settings")
        page.get_by_role("radio", name="Cymraeg").check()
        expect(page.get_by_role("heading", name="Gosodiadau", exact=True)).to_be_visible()
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        expect(page.locator("html")).to_have_attribute("dir", "ltr")

        page.reload()
        expect(page.get_by_role("heading", name="Gosodiadau", exact=True)).to_be_visible()
        expect(page.get_by_role("radio", name="Cymraeg")).to_be_checked()
    finally:
        context.close()
