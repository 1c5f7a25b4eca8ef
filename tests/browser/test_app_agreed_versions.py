"""Read-back and agreement: the worker's device records the person's agreement with each item or not (with
what they would change), with attribution; an agreed version is frozen; a later change of the words makes
the agreement one with "an earlier wording" and drops "their own words", while the version keeps what was
agreed; older versions stay readable on every device."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect
from support.backends import SQLITE_ONLY
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import add_goal, add_strength, open_section, start_plan, wait_synced

pytestmark = SQLITE_ONLY  # what this module shows does not depend on the storage

# Runs before the app: while `window.__sealDelay` is set, every encryption (each item sealed before it is
# saved) waits that many milliseconds first, as on a slow phone, so a write is still under way when the
# next button is pressed; while `window.__sealFails` is set, encryption fails (a write that cannot be saved).
SLOW_SEALING = """
(() => {
  const encrypt = SubtleCrypto.prototype.encrypt;
  SubtleCrypto.prototype.encrypt = async function (...args) {
    if (window.__sealDelay) await new Promise((resolve) => setTimeout(resolve, window.__sealDelay));
    if (window.__sealFails) throw new DOMException('test: sealing fails', 'OperationError');
    return encrypt.apply(this, args);
  };
})();
"""


def plan_with_a_strength(chromium: Browser, server: AlongsideServer) -> tuple[BrowserContext, Page, str]:
    """A worker's device (sealing under the test's control) with Sam's plan holding one strength."""
    page = worker_device(chromium, server, init_script=SLOW_SEALING)
    plan_id = start_plan(page, "Sam")
    open_section(page, plan_id, "strengths")
    add_strength(page, "I make people laugh")
    return page.context, page, plan_id


def test_an_agreed_version_is_frozen_and_viewable(chromium: Browser, alongside_server: AlongsideServer) -> None:
    context, page, plan_id = plan_with_a_strength(chromium, alongside_server)
    open_section(page, plan_id, "goals")
    add_goal(page, "Move to a flat near my sister")

    open_section(page, plan_id, "readback")
    expect(page.locator(".readback.large")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Sam agrees\W+I make people laugh")).click()
    page.get_by_role("button", name=re.compile(r"^Sam does not agree\W+Move to a flat")).click()
    page.get_by_label("What would they change? (optional)").fill("Near my sister or my aunt")
    # "Keep this version" pressed while the note is still being saved: the version waits for it.
    page.evaluate("window.__sealDelay = 1500")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("button", name="Saving…")).to_be_disabled()
    page.get_by_role("button", name="Keep this version").click()
    page.get_by_role("link", name="See it").click()
    page.evaluate("window.__sealDelay = 0")

    expect(page.get_by_role("heading", name="Version 1")).to_be_visible()
    expect(page.get_by_text(re.compile("This version cannot be changed"))).to_be_visible()
    frozen = page.locator("[data-version] article")
    expect(frozen).to_have_count(2)
    expect(frozen.nth(0)).to_contain_text("I make people laugh")
    expect(frozen.nth(0)).to_contain_text("Sam said they agree, recorded by Ali (work tablet)")
    expect(frozen.nth(1)).to_contain_text(
        "Sam said they do not agree, recorded by Ali (work tablet) — Near my sister or my aunt"
    )
    expect(page.get_by_role("link", name=re.compile("^Change"))).to_have_count(0)
    expect(page.get_by_role("button")).to_have_text(["Exit this page"])

    # The plan moves on; version 1 does not.
    open_section(page, plan_id, "strengths")
    page.get_by_role("link", name=re.compile("^Change")).click()
    page.get_by_label("The strength").fill("I make people laugh, even on bad days")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", name="Strengths")).to_be_visible()
    # Sam's words changed on the tablet: no longer "their own words", and the agreement was with other words.
    provenance = page.locator("article.item", has_text="even on bad days").locator("[data-provenance]")
    expect(provenance).to_contain_text("Said by Sam · changed by Ali (work tablet)")
    expect(provenance).not_to_contain_text("Their own words")
    open_section(page, plan_id, "readback")
    strength = page.locator("article.item", has_text="even on bad days")
    expect(strength.locator("[data-agreement=person]")).to_contain_text("Agreed to an earlier wording")
    expect(strength.locator("button[aria-pressed=true]")).to_have_count(0)
    expect(page.get_by_text("0 of 2 agreed.")).to_be_visible()
    # A note typed and not saved is kept in the new version too (it is what the person said).
    page.get_by_label("What would they change? (optional)").fill("Near my aunt")
    page.get_by_role("button", name="Keep this version").click()
    expect(page.get_by_role("link", name="See it")).to_be_visible()
    open_section(page, plan_id, "versions")
    expect(page.get_by_role("link", name=re.compile("^Version"))).to_have_count(2)
    page.get_by_role("link", name=re.compile("^Version 1")).click()
    expect(page.locator("[data-version]")).to_contain_text("I make people laugh")
    expect(page.locator("[data-version]")).not_to_contain_text("even on bad days")
    expect(page.locator("[data-version]")).not_to_contain_text("Near my aunt")
    expect(page.locator("[data-version] article").nth(0)).to_contain_text("Sam said they agree")
    open_section(page, plan_id, "versions")
    page.get_by_role("link", name=re.compile("^Version 2")).click()
    expect(page.locator("[data-version]")).to_contain_text("I make people laugh, even on bad days")
    expect(page.locator("[data-version] article").nth(0)).to_contain_text("Agreed to an earlier wording")
    expect(page.locator("[data-version] article").nth(1)).to_contain_text(
        "recorded by Ali (work tablet) — Near my aunt"
    )
    wait_synced(page)
    context.close()


def test_an_agreement_that_could_not_be_saved_says_so(chromium: Browser, alongside_server: AlongsideServer) -> None:
    context, page, plan_id = plan_with_a_strength(chromium, alongside_server)
    open_section(page, plan_id, "readback")
    agree = page.get_by_role("button", name=re.compile(r"^Sam agrees\W+I make people laugh"))

    page.evaluate("window.__sealFails = true")
    agree.click()
    expect(page.get_by_role("alert")).to_have_text("This could not be saved. Try again.")
    expect(page.get_by_text("0 of 1 agreed.")).to_be_visible()

    page.evaluate("window.__sealFails = false")
    agree.click()
    expect(page.get_by_text("1 of 1 agreed.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    context.close()
