"""The first screen drawn in the HTML shell: a browser that never opened the app sees the welcome, styled and in
its language, before the app's script has arrived (on a slow line that is seconds sooner); the quick exit works
already; the app then takes the screen over without changing a thing on it, and the page's own policy refuses
nothing. A browser that has opened the app before never sees it, not even for a moment, and the service
worker's copy of the shell has none. A join link shows the top of the join screen before the script, and the
app adds the form below it without moving it, the invite read from the address as ever."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Route, expect
from support.backends import SQLITE_ONLY
from support.devices import plan_with_strengths, worker_device
from support.processes import REPO, AlongsideServer
from support.pwa import LOCK_STEP, NEUTRAL, invite, new_device

pytestmark = SQLITE_ONLY  # the shell does not depend on the storage

ENTRY_SCRIPT = re.compile(r"/assets/app-[^/]+\.js$")
DRAWN = "#app[data-first-screen]"
WITHOUT_NOSCRIPT = "() => document.getElementById('app').innerHTML.replace(/<noscript>.*?<\\/noscript>/s, '')"


def catalog_text(lang: str, key: str) -> str:
    catalog = json.loads((REPO / "pwa" / "src" / "i18n" / f"{lang}.json").read_text())
    return str(catalog[key])


def welcome_title(lang: str) -> str:
    return catalog_text(lang, "welcome.title")


def hold_the_entry_script(context: BrowserContext) -> list[Route]:
    """The app's script is held back (as a slow line would) until each returned route is continued."""
    held: list[Route] = []
    context.route(ENTRY_SCRIPT, lambda route: held.append(route))
    return held


def release_the_entry_script(context: BrowserContext, held: list[Route]) -> None:
    """Let the held script through, and whatever asks for it next (the service worker's precache) too."""
    context.unroute(ENTRY_SCRIPT)
    for route in held:
        route.continue_()


def refusals(context: BrowserContext) -> list[str]:
    """What the page's Content-Security-Policy refused, as the console says it."""
    refused: list[str] = []
    context.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


@pytest.mark.parametrize("lang", ["en", "cy", "ar"])
def test_a_new_browser_sees_the_welcome_before_the_script_arrives_and_the_app_takes_it_over_unchanged(
    chromium: Browser, alongside_server: AlongsideServer, lang: str
) -> None:
    context = new_device(chromium, locale=lang)
    refused = refusals(context)
    held = hold_the_entry_script(context)
    page = context.new_page()
    page.goto(f"{alongside_server.url}/", wait_until="commit")

    # Before the script: the welcome, in the browser's language, styled by the styles that came with it.
    heading = page.get_by_role("heading", name=welcome_title(lang), exact=True)
    expect(heading).to_be_visible()
    expect(page.locator(DRAWN)).to_have_count(1)
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    enrol = page.locator("a.button.primary")
    assert enrol.evaluate("(e) => getComputedStyle(e).backgroundColor") == "rgb(29, 77, 79)"
    assert held, "the app's script was not asked for"
    drawn = page.evaluate(WITHOUT_NOSCRIPT)

    # The app arrives and takes the screen over: the same markup, the heading focused as on any screen.
    release_the_entry_script(context, held)
    expect(page.locator(DRAWN)).to_have_count(0)
    expect(heading).to_be_focused()
    assert page.evaluate(WITHOUT_NOSCRIPT) == drawn
    assert refused == []

    # The service worker's copy of the shell (what every later visit shows first) has no drawn screen.
    cached = page.evaluate(
        "async () => { await navigator.serviceWorker.ready; const r = await caches.match('/'); return r && r.text(); }"
    )
    assert cached and "data-first-screen" not in cached and 'rel="stylesheet"' in cached
    context.close()


def test_the_quick_exit_leaves_before_the_script_has_arrived(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    context = new_device(chromium)
    held = hold_the_entry_script(context)
    page = context.new_page()
    page.goto(f"{alongside_server.url}/", wait_until="commit")
    expect(page.get_by_role("heading", name=welcome_title("en"), exact=True)).to_be_visible()
    assert held
    page.get_by_role("button", name="Exit this page").click()
    page.wait_for_url(NEUTRAL)
    context.close()


def test_space_on_the_quick_exit_leaves_once_the_app_is_there(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    context = new_device(chromium)
    page = context.new_page()
    page.goto(f"{alongside_server.url}/")
    expect(page.locator("#app h1")).to_be_focused()
    page.get_by_role("button", name="Exit this page").focus()
    page.keyboard.press("Space")
    page.wait_for_url(NEUTRAL)
    context.close()


def test_a_browser_that_opened_the_app_before_never_sees_the_drawn_welcome(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    # No service worker: every visit asks the server for the shell, as a reload that bypasses it does.
    context = new_device(chromium, service_workers="block")
    page = context.new_page()
    page.goto(f"{alongside_server.url}/")
    expect(page.locator(DRAWN)).to_have_count(0)
    expect(page.locator("#app h1")).to_be_focused()

    held = hold_the_entry_script(context)
    page.reload(wait_until="commit")
    # The server drew it (it cannot know this browser), and the shell's own check hid it before it showed.
    expect(page.locator(f"{DRAWN} h1")).to_have_count(1)
    expect(page.locator(f"{DRAWN} h1")).to_be_hidden()
    assert page.locator("body").inner_text().strip() == ""
    release_the_entry_script(context, held)
    expect(page.locator("#app h1")).to_be_focused()
    context.close()

    # A new browser opened at another screen's address does not see the welcome flash either.
    context = new_device(chromium)
    held = hold_the_entry_script(context)
    page = context.new_page()
    page.goto(f"{alongside_server.url}/#/settings", wait_until="commit")
    expect(page.locator(f"{DRAWN} h1")).to_have_count(1)
    expect(page.locator(f"{DRAWN} h1")).to_be_hidden()
    release_the_entry_script(context, held)
    expect(page.locator(DRAWN)).to_have_count(0)
    context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_a_join_link_shows_the_top_of_the_join_screen_before_the_script_and_the_app_adds_the_form_below_it(
    chromium: Browser, alongside_server: AlongsideServer, lang: str
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    invite_text = invite(tablet, plan_with_strengths(tablet, "Knows every bus route"))
    context = new_device(chromium, locale=lang)
    refused = refusals(context)
    held = hold_the_entry_script(context)
    page = context.new_page()
    page.goto(f"{url}/join#{invite_text}", wait_until="commit")

    # Before the script: "Join a plan" and what it says under it, styled, in the browser's language.
    heading = page.get_by_role("heading", name=catalog_text(lang, "join.title"), exact=True)
    expect(heading).to_be_visible()
    expect(page.get_by_text(catalog_text(lang, "join.intro"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    expect(page.get_by_role("button", name=catalog_text(lang, "exit.button"))).to_be_visible()
    assert held, "the app's script was not asked for"
    before = heading.bounding_box()

    # The app arrives: the form appears below, nothing drawn moves, the invite is in its field as ever.
    release_the_entry_script(context, held)
    expect(page.locator(DRAWN)).to_have_count(0)
    expect(heading).to_be_focused()
    assert heading.bounding_box() == before
    expect(page.locator("input[name=invite]")).to_have_value(invite_text)
    assert refused == []
    page.locator("input[name=name]").fill("Zephyrine")
    page.locator("form button[type=submit]").click()
    expect(page.locator("form[data-join-lock]")).to_be_visible(timeout=30_000)
    context.close()
    tablet.context.close()


def test_a_browser_that_opened_the_app_before_never_sees_the_drawn_join_screen(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    invite_text = invite(tablet, plan_with_strengths(tablet, "Knows every bus route"))
    context = new_device(chromium, service_workers="block")
    page = context.new_page()
    page.goto(f"{url}/")
    expect(page.locator("#app h1")).to_be_focused()

    held = hold_the_entry_script(context)
    page.goto(f"{url}/join#{invite_text}", wait_until="commit")
    expect(page.locator(f"{DRAWN} h1")).to_have_count(1)
    expect(page.locator(f"{DRAWN} h1")).to_be_hidden()
    assert page.locator("body").inner_text().strip() == ""
    release_the_entry_script(context, held)
    expect(page.get_by_role("heading", name="Join a plan", exact=True)).to_be_focused()
    expect(page.locator("input[name=invite]")).to_have_value(invite_text)
    page.get_by_label("Your name").fill("Zephyrine")
    page.get_by_role("button", name="Join the plan").click()
    expect(page.get_by_role("heading", name=LOCK_STEP)).to_be_visible(timeout=30_000)
    context.close()
    tablet.context.close()
