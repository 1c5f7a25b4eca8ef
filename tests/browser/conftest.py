"""Fixtures for the app's browser tests: one Chromium per module (never a downloaded browser), the app built."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, sync_playwright
from support.pwa import ensure_built, launch


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    ensure_built()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()
