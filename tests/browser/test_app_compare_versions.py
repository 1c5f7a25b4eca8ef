"""What changed between agreed versions, and the print view: three agreed versions with an item added, one
changed and one removed between the first and the last; the comparison lists them side by side, in the
words agreed, and the readable copy says the same; the print view carries who agreed to what and the date,
and leaves out the on-screen instructions and the focus ring."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import DESKTOP, PHONE, SCREENSHOTS, add_strength, check_axe, open_section, set_language, start_plan

# Whether an element shows in the current media: displayed, visible, and not inside anything hidden.
SHOWN = """(element) => {
  for (let node = element; node && node.nodeType === 1; node = node.parentElement) {
    const style = getComputedStyle(node);
    if (style.display === 'none' || style.visibility === 'hidden') return false;
  }
  return element.getClientRects().length > 0;
}"""

# The focus ring of whatever has the focus (the screen's heading, as a screen opens): outline and shadow.
FOCUS_RING = """() => {
  const style = getComputedStyle(document.activeElement);
  return {tag: document.activeElement.tagName, outline: style.outlineStyle, shadow: style.boxShadow};
}"""


def agree(page: Page, text: str) -> None:
    """On the read-back screen: record that Sam agrees with the item `text`."""
    page.get_by_role("button", name=re.compile(rf"^Sam agrees\W+{re.escape(text)}")).click()
    card = page.locator("article.item", has_text=text)
    expect(card.locator("[data-agreement=person]")).to_contain_text("Sam said they agree")


def keep_version(page: Page, plan_id: str) -> None:
    open_section(page, plan_id, "readback")
    page.get_by_role("button", name="Keep this version").click()
    expect(page.get_by_role("link", name="See it")).to_be_visible()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_print_view_shows_agreements_and_the_date_without_instructions_or_focus_ring(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    page = worker_device(chromium, alongside_server)
    plan_id = start_plan(page, "Sam")
    open_section(page, plan_id, "strengths")
    add_strength(page, "I make people laugh")
    open_section(page, plan_id, "readback")
    agree(page, "I make people laugh")
    page.reload()  # the screen as it opens: its heading has the focus
    expect(page.get_by_role("heading", name="Read back and agree")).to_be_focused()

    page.emulate_media(media="print")
    card = page.locator("article.item", has_text="I make people laugh")
    assert card.locator("[data-agreement=person]").evaluate(SHOWN), "the agreement mark is not printed"
    expect(card.locator("[data-agreement=person]")).to_contain_text(
        "Sam said they agree, recorded by Ali (work tablet)"
    )
    printed_on = page.locator("[data-printed-on]")
    assert printed_on.count() == 1 and printed_on.evaluate(SHOWN), "the print view has no date"
    expect(printed_on).to_contain_text(re.compile(r"\d{4}"))
    intro = page.get_by_text("Read the plan together. The person says what they agree with.")
    assert not intro.evaluate(SHOWN), "the on-screen instructions are printed"
    assert not card.locator(".history-link").evaluate(SHOWN), "the link to the item's history is printed"
    ring = page.evaluate(FOCUS_RING)
    assert ring["outline"] == "none" and ring["shadow"] == "none", f"a focus ring is printed: {ring}"
    page.screenshot(path=str(SCREENSHOTS / "129-print-view.png"), full_page=True)
    # On screen the instructions and the focus ring are back.
    page.emulate_media(media="screen")
    assert intro.evaluate(SHOWN)
    assert not printed_on.evaluate(SHOWN)
    assert page.evaluate(FOCUS_RING)["outline"] != "none"
    page.context.close()


STAYS = "I make people laugh"
CHANGES = "I like cooking"
CHANGED = "I like cooking for friends"
GOES = "I fix bikes"
ADDED = "Good with animals"


def strength_card(page: Page, text: str) -> Locator:
    return page.locator("article.item", has=page.locator(".item-text", has_text=re.compile(rf"^{re.escape(text)}$")))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_three_agreed_versions_compared_side_by_side_and_in_the_readable_copy(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    page = worker_device(chromium, alongside_server, bypass_csp=True)
    plan_id = start_plan(page, "Sam")
    open_section(page, plan_id, "strengths")
    for text in (STAYS, CHANGES, GOES):
        add_strength(page, text)
    open_section(page, plan_id, "readback")
    for text in (STAYS, CHANGES, GOES):
        agree(page, text)
    keep_version(page, plan_id)

    # Version 2: one strength's words change.
    open_section(page, plan_id, "strengths")
    strength_card(page, CHANGES).get_by_role("link", name=re.compile("^Change")).click()
    page.get_by_label("The strength").fill(CHANGED)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".item-text", has_text=CHANGED)).to_be_visible()
    keep_version(page, plan_id)

    # Version 3: one strength taken out, one added.
    open_section(page, plan_id, "strengths")
    strength_card(page, GOES).get_by_role("button", name="Delete", exact=True).click()
    strength_card(page, GOES).get_by_role("button", name="Yes, delete").click()
    expect(page.locator(".item-text", has_text=GOES)).to_have_count(0)
    add_strength(page, ADDED)
    keep_version(page, plan_id)

    # The agreed versions: compare the first and the latest (chosen at first).
    open_section(page, plan_id, "versions")
    expect(page.get_by_role("link", name=re.compile("^Version"))).to_have_count(3)
    expect(page.get_by_label("The earlier version")).to_have_value(re.compile(r"^[0-9a-f]{32}$"))
    expect(page.get_by_label("The earlier version").locator("option:checked")).to_contain_text("Version 1")
    expect(page.get_by_label("The later version").locator("option:checked")).to_contain_text("Version 3")
    problems: dict[str, Any] = {}
    check_axe(page, "versions en", "en", problems)
    page.get_by_role("button", name="Compare", exact=True).click()
    expect(page.get_by_role("heading", name="What changed between agreed versions")).to_be_visible()
    assert re.search(rf"#/plan/{plan_id}/compare/[0-9a-f]{{32}}\.\.[0-9a-f]{{32}}$", page.url), page.url
    compare_url = page.url
    expect(page.locator("[data-compare]")).to_contain_text("From version 1")
    expect(page.locator("[data-compare]")).to_contain_text("to version 3")

    added = page.locator("[data-diff=added] li")
    changed = page.locator("[data-diff=changed] li")
    removed = page.locator("[data-diff=removed] li")
    expect(added).to_have_count(1)
    expect(changed).to_have_count(1)
    expect(removed).to_have_count(1)
    expect(page.locator("[data-diff=added] h3")).to_have_text(["Strengths"])
    expect(added.locator("[data-side=newer] .item-text")).to_have_text(ADDED)
    expect(added.locator("[data-side=older]")).to_contain_text("Not in this version.")
    expect(added.locator("[data-side=newer] [data-agreement=person]")).to_have_text("Not asked yet")
    # Changed, field by field: the words as version 1 and version 3 kept them, and what Sam said then.
    older, newer = changed.locator("[data-side=older]"), changed.locator("[data-side=newer]")
    expect(older.locator("[data-field=text] dd")).to_have_text(CHANGES)
    expect(newer.locator("[data-field=text] dd")).to_have_text(CHANGED)
    expect(older.locator("[data-field=agreement]")).to_contain_text(
        "Sam said they agree, recorded by Ali (work tablet)"
    )
    expect(newer.locator("[data-field=agreement]")).to_contain_text("Agreed to an earlier wording")
    expect(removed.locator("[data-side=older] .item-text")).to_have_text(GOES)
    expect(removed.locator("[data-side=older] [data-agreement=person]")).to_contain_text("Sam said they agree")
    expect(removed.locator("[data-side=newer]")).to_contain_text("Not in this version.")
    expect(page.locator("[data-diff] li", has_text=STAYS)).to_have_count(0)
    # On a phone the newer side is below the older one.
    box_old, box_new = older.bounding_box(), newer.bounding_box()
    assert box_old and box_new and box_new["y"] >= box_old["y"] + box_old["height"] - 1
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "120-compare-versions-phone.png"), full_page=True)
    check_axe(page, "compare en", "en", problems)

    # On a wide screen, side by side: older | newer.
    page.set_viewport_size(DESKTOP)
    box_old, box_new = older.bounding_box(), newer.bounding_box()
    assert box_old and box_new and box_new["x"] > box_old["x"] + box_old["width"] - 1 and box_new["y"] == box_old["y"]
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "121-compare-versions-wide.png"), full_page=True)
    page.set_viewport_size(PHONE)

    # The readable copy carries the same difference, in the words agreed.
    with page.expect_download() as copy_info:
        page.get_by_role("button", name="Save a readable copy with these changes").click()
    html = copy_info.value.path().read_text()
    part = html.split('<section data-section="changes">')[1].split("</section>")[0]
    assert "What changed between agreed versions" in part
    added_html = part.split('<ul data-diff="added">')[1].split('<ul data-diff="changed">')[0]
    assert f'<span dir="auto">{ADDED}</span>' in added_html
    changed_html = part.split('<ul data-diff="changed">')[1].split('<ul data-diff="removed">')[0]
    assert f'Before: <span dir="auto">{CHANGES}</span>; After: <span dir="auto">{CHANGED}</span>' in changed_html
    assert f'<span dir="auto">{GOES}</span>' in part.split('<ul data-diff="removed">')[1]
    assert STAYS not in part

    # A strength taken out keeps its history, reached from the comparison.
    removed.get_by_role("link", name=re.compile("^What changed")).click()
    expect(page.get_by_role("heading", name="What changed", exact=True)).to_be_visible()
    expect(page.locator(".item-text")).to_have_text(GOES)
    entries = page.locator("[data-history] li")
    expect(entries.first).to_contain_text("Removed by Ali (work tablet)")
    expect(entries.last).to_contain_text("Written by Ali (work tablet)")

    # In Arabic, right to left, on a phone (360 by 740).
    base = page.url.split("#")[0].rstrip("/")
    set_language(page, base, "ar", "العربية")
    open_section(page, plan_id, "versions")
    expect(page.locator(".compare-form select")).to_have_count(2)
    check_axe(page, "versions ar", "ar", problems)
    page.goto(compare_url)
    expect(page.locator("[data-diff=changed] li")).to_have_count(1)
    check_axe(page, "compare ar", "ar", problems)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOTS / "ar-120-compare-versions-phone.png"), full_page=True)
    assert problems == {}
    page.context.close()
