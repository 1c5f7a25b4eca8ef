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
FAILED = pytest.StashKey[bool]()  # set on a test whose call failed (the report hook below)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, object, object]:
    report = yield
    if call.when == "call" and getattr(report, "failed", False):
        item.stash[FAILED] = True
        # The end of the server's log, shown with the failure: an error there explains a page stuck on
        # "Cannot reach the server".
        server = getattr(item, "funcargs", {}).get("alongside_server")
        if isinstance(server, AlongsideServer) and server.log_path is not None and server.log_path.exists():
            lines = server.log_path.read_text(errors="replace").splitlines()[-SERVER_LOG_LINES:]
            if lines and isinstance(report, pytest.TestReport):
                report.sections.append((f"the server's log, last {len(lines)} lines", "\n".join(lines)))
    return report


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    ensure_built()
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(autouse=True)
def pages_shown_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if not request.node.stash.get(FAILED, False) or "chromium" not in request.fixturenames:
        return
    browser: Browser = request.getfixturevalue("chromium")
    for number, context in enumerate(browser.contexts, 1):
        for page in context.pages:
            try:
                text = page.evaluate("() => document.body ? document.body.innerText : ''")
            except Error as exc:
                text = f"(unreadable: {exc.message.splitlines()[0]})"
            shown = " ".join(str(text).split())[:SHOWN_CHARACTERS]
            print(f"page shown at the failure (context {number}): {page.url}\n  {shown}")
