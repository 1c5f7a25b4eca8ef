"""Fixtures for the app's browser tests: one Chromium per module (never a downloaded browser), the app built.

When a browser test fails, what each of its pages showed is printed with the failure (the address and the
start of the visible text), and the end of the server's log: a timeout on a missing field then says which screen
was there instead, and whether the server had trouble.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest
from playwright.sync_api import Browser, Error, sync_playwright
from support.processes import AlongsideServer
from support.pwa import ensure_built, launch

SHOWN_CHARACTERS = 600
SERVER_LOG_LINES = 40


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    report = yield
    if call.when == "call" and getattr(report, "failed", False) and isinstance(report, pytest.TestReport):
        funcargs = getattr(item, "funcargs", {})
        # Read right after the failure, before the fixtures stop anything: a page read after its server
        # stopped says "Cannot reach the server" whatever it said when the test failed.
        browser = funcargs.get("chromium")
        if isinstance(browser, Browser):
            report.sections.append(("the pages shown at the failure", pages_shown(browser)))
        # The end of the server's log, shown with the failure: whether the server had trouble.
        server = funcargs.get("alongside_server")
        if isinstance(server, AlongsideServer) and server.log_path is not None and server.log_path.exists():
            lines = server.log_path.read_text(errors="replace").splitlines()[-SERVER_LOG_LINES:]
            if lines:
                report.sections.append((f"the server's log, last {len(lines)} lines", "\n".join(lines)))
    return report


def pages_shown(browser: Browser) -> str:
    """Each open page's address and the start of its visible text."""
    shown = []
    for number, context in enumerate(browser.contexts, 1):
        for page in context.pages:
            try:
                text = page.evaluate("() => document.body ? document.body.innerText : ''")
            except Error as exc:
                text = f"(unreadable: {exc.message.splitlines()[0]})"
            shown.append(f"context {number}: {page.url}\n  {' '.join(str(text).split())[:SHOWN_CHARACTERS]}")
    return "\n".join(shown)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    ensure_built()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()
