"""On a flaky signal the status line says "Syncing…" and "Cannot reach the server. Trying again…" in turn: one
line, then three. The plan below it must not jump up and down under the worker's finger each time: the line
keeps the tallest height it had on the plan's screens, so the plan moves at most once, when it first grows."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from support.backends import SQLITE_ONLY
from support.devices import plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import PHONE, add_strength, open_section, wait_synced

pytestmark = SQLITE_ONLY  # the app's layout; the store plays no part

SYNC = re.compile(r".*/sync/.*")


def top_of_plan(page: Page) -> float:
    """Where the plan's screen starts in the page (not the window: adding an item scrolls it)."""
    top: float = page.evaluate("() => document.querySelector('main#main').getBoundingClientRect().top + scrollY")
    return top


def test_the_plan_does_not_jump_back_when_the_status_line_gets_shorter(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    tablet = worker_device(chromium, alongside_server)
    assert tablet.viewport_size == PHONE  # a phone's width: the longer line wraps
    plan_id = plan_with_strengths(tablet, "Kind to animals")
    open_section(tablet, plan_id, "strengths")
    wait_synced(tablet)
    status = tablet.locator(".sync")
    before = top_of_plan(tablet)

    # The signal goes: the line grows to say it cannot reach the server, and the plan moves down once.
    tablet.context.route(SYNC, lambda route: route.abort())
    add_strength(tablet, "Patient with my brother")
    expect(status).to_have_attribute("data-sync-state", "retrying")
    expect(status).to_contain_text("Cannot reach the server")
    retrying = top_of_plan(tablet)
    assert retrying > before, "the longer line should have taken more room"

    # It comes back: the line says "Synced" in one line of words, and the plan stays where it was.
    tablet.context.unroute(SYNC)
    wait_synced(tablet, timeout=60_000)
    assert top_of_plan(tablet) == retrying

    # Another plan's screen does not inherit that height: its line keeps only its own tallest (its set-up may
    # have said "Syncing… 1 change waiting to sync." on two lines, never the three of a lost connection).
    tablet.goto(tablet.url.split("#")[0] + "#/plans")
    other = plan_with_strengths(tablet, "Good with numbers", person="Jo")
    open_section(tablet, other, "strengths")
    wait_synced(tablet)
    assert top_of_plan(tablet) < retrying
