"""Keyboard-only use of a visit's core path, the quick exit (one tap, or Shift three times), and the
service worker's update prompt ("A new version is ready — Reload")."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import (
    DIST,
    FOCUS_VISIBLE,
    NEUTRAL,
    new_device,
    start_plan,
    wait_for_service_worker,
    wait_synced,
    worker_code,
)

FOCUS_NAME = """() => {
  const el = document.activeElement;
  if (!el) return '';
  const label = el.labels && el.labels[0] ? el.labels[0].textContent : '';
  return (label || el.getAttribute('aria-label') || el.textContent || '').trim();
}"""


def tab_to(page: Page, pattern: str, limit: int = 60) -> None:
    """Press Tab until the focused element's name matches; it must show a visible focus outline."""
    wanted = re.compile(pattern)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if wanted.search(page.evaluate(FOCUS_NAME)):
            assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {pattern}"
            return
    raise AssertionError(f"could not reach {pattern!r} with the keyboard")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_visit_by_keyboard_alone(chromium: Browser, alongside_server: AlongsideServer) -> None:
    context = new_device(chromium)
    page = context.new_page()
    page.goto(alongside_server.url + "/")
    expect(page.get_by_role("heading", name="Welcome to Alongside")).to_be_visible()
    tab_to(page, "^Set up this device for work$")
    page.keyboard.press("Enter")
    tab_to(page, "^Your code")
    page.keyboard.type(worker_code(alongside_server))
    tab_to(page, "^Your name")
    page.keyboard.type("Ali")
    tab_to(page, "^A name for this device")
    page.keyboard.type("work tablet")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My plans")).to_be_visible()
    tab_to(page, "^Start a plan with someone$")
    page.keyboard.press("Enter")
    tab_to(page, "^The person's name")
    page.keyboard.type("Sam")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="The plan")).to_be_visible()
    tab_to(page, "^1?Strengths")
    page.keyboard.press("Enter")
    tab_to(page, "^Add a strength$")
    page.keyboard.press("Enter")
    tab_to(page, "^The strength")
    page.keyboard.type("I listen to people")
    tab_to(page, "^Save$")
    page.keyboard.press("Enter")
    expect(page.locator(".item-text", has_text="I listen to people")).to_be_visible()
    tab_to(page, "^Next: What matters")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="What matters")).to_be_visible()
    plan_url = page.url.rsplit("/", 1)[0]
    page.goto(plan_url + "/readback")
    tab_to(page, "^Sam agrees")
    page.keyboard.press("Space")
    expect(page.locator("button[aria-pressed=true]")).to_have_count(1)
    wait_synced(page)

    # Shift pressed three times leaves at once for a neutral page.
    for _ in range(3):
        page.keyboard.press("Shift")
    page.wait_for_url(re.compile(r"^https://www\.bbc\.co\.uk/weather"))
    expect(page.get_by_role("heading", name="Weather")).to_be_visible()
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_quick_exit_button_on_every_screen(chromium: Browser, alongside_server: AlongsideServer) -> None:
    page = worker_device(chromium, alongside_server)
    context = page.context
    plan_id = start_plan(page, "Sam")
    for route in ("plans", f"plan/{plan_id}", f"plan/{plan_id}/goals", f"plan/{plan_id}/share", "settings"):
        page.goto(f"{alongside_server.url}/#/{route}")
        expect(page.get_by_role("button", name="Exit this page")).to_be_visible()
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(NEUTRAL)
    assert "Sam" not in page.content()
    # Going back does not show the plan: the exit replaced the app's history entry.
    page.go_back()
    assert "Sam" not in page.content()
    context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_new_version_offers_reload(chromium: Browser, tmp_path: Path, backend: str) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(DIST, dist)
    server = AlongsideServer(data_dir=tmp_path / "data", env={"ALONGSIDE_PWA_DIST": str(dist)}).start()
    try:
        context = new_device(chromium)
        page = context.new_page()
        page.goto(server.url + "/")
        wait_for_service_worker(page)
        old_caches = page.evaluate("caches.keys()")
        assert len(old_caches) == 1 and old_caches[0].startswith("alongside-shell-")
        expect(page.get_by_text("A new version is ready.")).to_have_count(0)

        # A new build is deployed: the service worker's version changes.
        sw = (dist / "sw.js").read_text()
        version = re.search(r"const VERSION = '([0-9a-f]+)'", sw)
        assert version
        (dist / "sw.js").write_text(sw.replace(version.group(1), "0" * len(version.group(1))))
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        expect(page.get_by_text("A new version is ready.")).to_be_visible(timeout=20_000)
        page.get_by_role("button", name="Reload").click()
        page.wait_for_function("caches.keys().then((k) => k.includes('alongside-shell-' + '0'.repeat(10)))")
        expect(page.get_by_role("heading", name="Welcome to Alongside")).to_be_visible()
        page.wait_for_function("caches.keys().then((k) => k.length === 1)")
        context.close()
    finally:
        server.stop()
