"""Drive the web app in Debian's Chromium: launch, enrol, start a plan, add items, invite, join, wait for sync."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Playwright, ViewportSize, expect

from support.browser import CHROMIUM_ARGS, browser_under_test

from .processes import REPO, AlongsideServer

PWA = REPO / "pwa"
DIST = PWA / "dist"
AXE = PWA / "node_modules" / "axe-core" / "axe.min.js"
# The screenshots in docs/ are written only by `make screenshots` (ALONGSIDE_SCREENSHOTS=1), so that a test
# run leaves the work tree as it found it; otherwise they go to a folder of the run's own.
SCREENSHOTS = (
    REPO / "docs" / "screenshots"
    if os.environ.get("ALONGSIDE_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / f"alongside-screenshots-{os.getpid()}"
)
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
PHONE: ViewportSize = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
NEUTRAL = "https://www.bbc.co.uk/weather"


def ensure_built() -> None:
    """Build the app once if pwa/dist is missing (make builds it; this helps a bare pytest run)."""
    if not (DIST / "asset-manifest.json").exists():
        subprocess.run(["npm", "run", "build"], cwd=PWA, check=True, capture_output=True)


def launch(playwright: Playwright, executable: str | None = None) -> Browser:
    """The browser the tests drive (support.browser.browser_under_test), or the one at `executable`."""
    return playwright.chromium.launch(executable_path=executable or browser_under_test(), args=CHROMIUM_ARGS)


def new_device(
    browser: Browser, *, viewport: ViewportSize = PHONE, init_script: str | None = None, **options: Any
) -> BrowserContext:
    """A browser context is one device: its own IndexedDB, keys and service worker (`init_script` runs in each of
    its pages before the app's own scripts)."""
    context = browser.new_context(viewport=viewport, **options)
    if init_script is not None:
        context.add_init_script(init_script)
    context.on("weberror", lambda error: print("page error:", error.error))
    context.on("response", lambda r: print("api:", r.status, r.url) if "/api/" in r.url and r.status >= 400 else None)
    context.on("console", lambda m: print("console:", m.type, m.text) if m.type in ("error", "warning") else None)
    context.route(
        re.compile(r"^https://www\.bbc\.co\.uk/.*"),
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<title>Weather</title><h1>Weather</h1>"
        ),
    )
    return context


def admin(server: AlongsideServer, *args: str) -> dict[str, str]:
    result: dict[str, str] = server.admin(*args, "--json")
    return result


def worker_code(server: AlongsideServer, name: str = "Ali") -> str:
    """An enrolment code for a worker (creating the organisation on first use)."""
    if not getattr(server, "_org_ready", False):
        admin(server, "init", "--org", "Riverside Family Support", "--name", "Admin")
        server._org_ready = True  # type: ignore[attr-defined]
    return admin(server, "add-worker", "--name", name)["code"]


def wait_synced(page: Page, timeout: float = 30_000) -> None:
    expect(page.locator('.sync[data-sync-state="synced"][data-pending="0"]')).to_be_visible(timeout=timeout)


def fill_enrolment(page: Page, url: str, code: str, *, name: str = "Ali", label: str = "work tablet") -> None:
    """Open "Set up this device for work" and fill it in (the button is not pressed yet)."""
    page.goto(url + "/")
    page.get_by_role("link", name="Set up this device for work").click()
    page.get_by_label("Your code").fill(code)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("A name for this device").fill(label)


def enrol(page: Page, url: str, code: str, *, name: str = "Ali", label: str = "work tablet") -> None:
    fill_enrolment(page, url, code, name=name, label=label)
    page.get_by_role("button", name="Set up this device").click()
    expect(page.get_by_role("heading", name="My plans")).to_be_visible()


# True once "My plans" has drawn every plan's row from its summary (each says "Opening…" until then).
ROWS_DRAWN = "() => ![...document.querySelectorAll('[data-plan-row]')].some((r) => r.textContent.includes('Opening…'))"


def start_plan(page: Page, person: str = "Sam", title: str = "") -> str:
    # The rows grow as they are drawn, moving the link below them: click it once they have.
    page.wait_for_function(ROWS_DRAWN)
    page.get_by_role("link", name="Start a plan with someone").click()
    page.get_by_label("The person's name, as they like to be called").fill(person)
    if title:
        page.get_by_label("What they call their plan (optional)").fill(title)
    page.get_by_role("button", name="Start the plan").click()
    expect(page.get_by_role("heading", name="The plan")).to_be_visible()
    match = re.search(r"#/plan/([0-9a-f]{32})", page.url)
    assert match, page.url
    return match.group(1)


def open_section(page: Page, plan_id: str, section: str) -> None:
    page.goto(f"{page.url.split('#')[0]}#/plan/{plan_id}/{section}")


def save(page: Page) -> None:
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("form.item-form")).to_have_count(0)


def reader_words(label: str) -> str | re.Pattern[str]:
    """A choice's words as either reader sees them: on the person's own phone the app speaks to them, so
    "Their own words" reads "Your own words", "Someone they trust" reads "Someone you trust" and "The person's
    own phone" reads "Another phone or tablet of your own"."""
    for theirs, yours in (
        ("Their own words", "Your own words"),
        ("Someone they trust", "Someone you trust"),
        ("The person's own phone", "Another phone or tablet of your own"),
    ):
        if label.startswith(theirs):
            rest = re.escape(label[len(theirs) :])
            return re.compile(f"^({re.escape(theirs)}|{re.escape(yours)}){rest}$")
    return label


def change_item(page: Page, plan_id: str, section: str, text: str, values: dict[str, str]) -> None:
    """Open "Change" on the item of `section` showing `text`, fill `values` (field label -> text) and save."""
    open_section(page, plan_id, section)
    page.locator("article.item", has_text=text).get_by_role("link", name=re.compile("^Change")).click()
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("form.item-form")).to_have_count(0)


def add_strength(page: Page, text: str, *, said_by: str | None = None, voice: str = "Their own words") -> None:
    page.get_by_role("button", name="Add a strength").click()
    page.get_by_label("The strength").fill(text)
    if said_by is not None:
        page.get_by_label("Who said it").fill(said_by)
    page.get_by_role("radio", name=reader_words(voice), exact=True).check()
    save(page)
    expect(page.locator(".item-text", has_text=text)).to_be_visible()


def add_goal(page: Page, text: str, *, due: str = "", low: str = "", high: str = "", horizon: str = "Possible") -> None:
    page.get_by_role("button", name="Add a goal").click()
    page.get_by_label("The goal").fill(text)
    page.get_by_role("radio", name=horizon, exact=True).check()
    if due:
        page.get_by_label("By when (optional)").fill(due)
    if low:
        page.get_by_label("What 0 looks like").fill(low)
    if high:
        page.get_by_label("What 10 looks like").fill(high)
    save(page)


def invite(page: Page, plan_id: str, who: str = "The person's own phone") -> str:
    """Show an invite on this device (Who can read this plan → Add a device) and return its text."""
    open_section(page, plan_id, "share")
    code = page.locator("[data-invite]")
    shown = code.get_attribute("data-invite") if code.count() else None  # a code shown before, on this screen
    page.get_by_role("radio", name=reader_words(who), exact=True).check()
    page.get_by_role("button", name="Show a code for the other device").click()
    expect(code).to_be_visible(timeout=20_000)  # made and sealed on the device: slower on a busy machine
    if shown:
        expect(code).not_to_have_attribute("data-invite", shown)
    text = code.get_attribute("data-invite")
    assert text and text.startswith("AS1:")
    return text


def submit_join(page: Page, *, name: str = "Sam", label: str | None = "Sam's phone", pin: str | None = None) -> None:
    """On "Join a plan" with a code in place: give a name (and a device name) and press "Join the plan". A device
    new to the app is then offered the app lock: lock it with `pin`, or (None) choose "Not now"."""
    page.get_by_label("Your name").fill(name)
    if label is not None:
        page.get_by_label("A name for this device").fill(label)
    page.get_by_role("button", name="Join the plan").click()
    step = page.get_by_role("heading", name=LOCK_STEP)
    settled = step.or_(page.get_by_role("heading", name=LANDED)).or_(page.get_by_role("alert"))
    expect(settled.first).to_be_visible(timeout=20_000)
    if step.is_visible():
        answer_lock_step(page, pin)


LOCK_STEP = "Lock this app?"
# Where a device lands after joining: "My plan" (the person, a supporter) or the plan's home (a worker).
LANDED = re.compile(r"^(My plan|The plan)$")


def answer_lock_step(page: Page, pin: str | None) -> None:
    """The step after joining: lock the app with `pin`, or (None) choose "Not now" and open the plan."""
    if pin is None:
        page.get_by_role("radio", name="Not now").check()
        page.get_by_role("button", name="Open the plan without a lock").click()
        return
    page.get_by_role("radio", name="Yes, lock it with a PIN or passphrase").check()
    page.get_by_label("New PIN or passphrase").fill(pin)
    page.get_by_label("The same again").fill(pin)
    page.get_by_role("button", name="Lock the app and open the plan").click()


def join(page: Page, url: str, text: str, *, name: str = "Sam", label: str = "Sam's phone") -> str:
    """Open the join link on a new device and join the plan; returns the plan id, with the plan's home on screen."""
    page.goto(f"{url}/join#{text}")
    expect(page.get_by_role("heading", name="Join a plan")).to_be_visible()
    submit_join(page, name=name, label=label)
    expect(page.get_by_role("heading", name=LANDED)).to_be_visible(timeout=20_000)
    match = re.search(r"#/plan/([0-9a-f]{32})", page.url)
    assert match, page.url
    open_section(page, match.group(1), "")
    expect(page.get_by_role("heading", name="The plan")).to_be_visible(timeout=20_000)
    return match.group(1)


def device_token(page: Page) -> str:
    """This device's bearer token, read from its IndexedDB store (for checking what the server holds)."""
    token: str = page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('alongside-device', 1);
            open.onsuccess = () => {
              const get = open.result.transaction('kv').objectStore('kv').get('device');
              get.onsuccess = () => resolve(get.result.token);
              get.onerror = () => reject(get.error);
            };
            open.onerror = () => reject(open.error);
        })"""
    )
    return token


def wait_for_service_worker(page: Page) -> None:
    """Wait until the service worker controls the page (reloading once if needed)."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
        page.wait_for_function("!!navigator.serviceWorker.controller")


def run_axe(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the current screen (WCAG 2.0-2.2 A/AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate(
        """async () => await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']},
        })"""
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def set_language(page: Page, base: str, code: str, name: str) -> None:
    """Choose the UI language `name` (lang `code`) in this device's settings."""
    page.goto(f"{base}/#/settings")
    page.get_by_role("radio", name=name).check()
    expect(page.locator("html")).to_have_attribute("lang", code)


FOCUS_VISIBLE = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until the focused element matches `selector`; it must show a visible focus outline."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
            assert page.evaluate(FOCUS_VISIBLE), f"no visible focus on {selector}"
            return
    raise AssertionError(f"could not reach {selector!r} with the keyboard")


def press_by_keyboard(page: Page, selector: str) -> None:
    """Reach `selector` with Tab alone (see `tab_to`) and press Enter on it."""
    tab_to(page, selector)
    page.keyboard.press("Enter")


def check_axe(page: Page, where: str, lang: str, problems: dict[str, Any]) -> None:
    """The screen's direction follows `lang`; its axe-core violations, if any, go into `problems[where]`."""
    expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
    # From the top of the screen, as it opens (a sticky bar partly over a scrolled control is not a fault).
    page.evaluate("window.scrollTo(0, 0)")
    violations = run_axe(page)
    if violations:
        problems[where] = violations


def read_qr_from_photo(page: Page, url: str, photo: Path) -> str:
    """Open "Join a plan" and give it a photo of the QR code; returns what landed in the code field."""
    page.goto(f"{url}/#/join")
    expect(page.get_by_role("heading", name="Join a plan")).to_be_visible()
    page.get_by_label("Or choose a photo of the code").set_input_files(str(photo))
    expect(page.get_by_role("status").filter(has_text="The code was read.")).to_be_visible()
    return page.get_by_label("Code", exact=True).input_value()


def photograph_invite(page: Page, photo: Path) -> str:
    """Save the QR code this device shows as a photo at `photo`; returns the plan check number shown with it."""
    qr = page.get_by_role("img", name="QR code for the other device")
    expect(qr).to_be_visible()
    qr.screenshot(path=str(photo))
    fingerprint = page.locator("[data-fingerprint]").inner_text()
    assert re.fullmatch(r"\d{5} \d{5} \d{5} \d{5}", fingerprint)
    return fingerprint


def expect_code_refused_a_second_time(browser: Browser, url: str, photo: Path, text: str) -> None:
    """The same QR code a second time, on another device: refused in plain words."""
    other = new_device(browser).new_page()
    assert read_qr_from_photo(other, url, photo) == text
    submit_join(other, name="Someone", label=None)
    expect(other.get_by_text("This code did not work. Ask for a new one.")).to_be_visible()
    expect(other.get_by_role("heading", name="Join a plan")).to_be_visible()


def save_plan_file(page: Page, passphrase: str, folder: Path) -> Path:
    """On the read-back screen: save the whole plan as a file locked with `passphrase`, into `folder`."""
    page.get_by_label("Passphrase for the file").fill(passphrase)
    page.get_by_label("The same again").fill(passphrase)
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Save the file").click()
    saved = folder / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    return saved


def open_plan_file(page: Page, plan_file: Path, passphrase: str) -> None:
    """From "My plans" on a worker's device: open a plan from `plan_file` with `passphrase`."""
    page.get_by_role("link", name="Open a plan from a file").click()
    expect(page.get_by_role("heading", name="Open a plan from a file")).to_be_visible()
    page.get_by_label("The plan file").set_input_files(str(plan_file))
    page.get_by_label("Passphrase for the file").fill(passphrase)
    page.get_by_role("button", name="Open the plan").click()


STRENGTH = "I'm good with my hands"
WORKING = "Cooking for the kids on Sundays"
WORKER_VIEW = "The family eats together more often"
GOAL = "Get back to swimming"
READING_WHY = "I went once last month"
PERSON = "Auntie Mo"
STEP = "Ask about the pool's quiet hours"
TRIGGER = "If I can't face going"
RESPONSE = "then I'll ring Mo and we go together"


def write_whole_plan(page: Page, plan_id: str, person: str = "Sam") -> None:
    """Every section of the plan written on a worker's device, each item agreed (recorded for `person`), kept."""
    open_section(page, plan_id, "strengths")
    add_strength(page, STRENGTH)

    open_section(page, plan_id, "matters")
    page.get_by_role("button", name="Add something that is working").click()
    page.get_by_label("How the person sees it").fill(WORKING)
    page.get_by_label("How someone else sees it (optional)").fill(WORKER_VIEW)
    page.get_by_label("Whose view is that").fill("Ali")
    page.get_by_label("We see this differently").check()
    save(page)
    expect(page.get_by_text("We see this differently").first).to_be_visible()

    open_section(page, plan_id, "goals")
    add_goal(page, GOAL, low="I never leave the house", high="Swimming twice a week with friends", due="2026-03-01")
    page.get_by_role("link", name=re.compile("^Scale and readings")).click()
    page.get_by_role("button", name="Add a reading").click()
    page.get_by_label("Who is rating").fill("Sam")
    page.get_by_role("radio", name="4", exact=True).check()
    page.get_by_label("Why this number and not lower?").fill(READING_WHY)
    page.get_by_label("What would one point higher look like?").fill("Going with Mo")
    page.get_by_role("button", name="Save the reading").click()
    expect(page.locator(".reading-value")).to_have_text("4")
    expect(page.get_by_role("img", name=re.compile("^Readings over time"))).to_be_visible()

    open_section(page, plan_id, "people")
    page.get_by_role("button", name="Add someone Friends and family").click()
    page.get_by_label("Name", exact=True).fill(PERSON)
    page.get_by_label("Who they are to the person").fill("my aunt")
    page.get_by_role("checkbox", name=GOAL).check()
    save(page)
    expect(page.locator(".item-text", has_text=PERSON)).to_be_visible()

    open_section(page, plan_id, "steps")
    page.get_by_role("button", name="Add a step").click()
    page.get_by_label("What will happen").fill(STEP)
    page.get_by_label("Who will do it").fill("Sam")
    page.get_by_label("By when").fill("2026-01-15")
    page.get_by_label("Who will check").fill("Ali")
    page.get_by_role("checkbox", name=GOAL).check()
    save(page)
    page.get_by_role("button", name='Add an "if… then…"').click()
    page.get_by_role("textbox", name="If…", exact=True).fill(TRIGGER)
    page.get_by_role("textbox", name="…then", exact=True).fill(RESPONSE)
    save(page)

    open_section(page, plan_id, "readback")
    # The worker's device records the person's agreement, with attribution ("Sam agrees").
    # One at a time, as a person would: each agreement shows before the next button is pressed (the line it
    # adds moves the buttons below it, and a click aimed while they move can land beside its target).
    for button in page.get_by_role("button", name=re.compile(f"^{re.escape(person)} agrees")).all():
        button.click()
        expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator("button[aria-pressed=true]")).to_have_count(6)
    page.get_by_role("button", name="Keep this version").click()
    expect(page.get_by_text("This version is kept.")).to_be_visible()
