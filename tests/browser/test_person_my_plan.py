"""The person's own view, "My plan", on their phone: plain words in large text or easy read (symbols beside
the text, remembered on this device, people's own words unchanged); read aloud, the whole plan or one part,
in reading order and in the chosen language (utterances recorded as they reach `speechSynthesis.speak`);
steps ticked off and unticked with a real checkbox and seen on the worker's device after sync; good news
added between visits, shown on both devices with provenance and in the read-back and print views; and a
plain note instead of the buttons where the browser cannot speak."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    GOAL,
    PERSON,
    SCREENSHOTS,
    STEP,
    STRENGTH,
    WORKING,
    invite,
    open_section,
    start_plan,
    wait_synced,
    write_whole_plan,
)

GOOD_NEWS = "I went swimming with Mo on Tuesday"

# Records every utterance handed to speechSynthesis.speak (text and language) and every cancel, then
# calls through to the browser's own speech synthesis.
RECORD_SPEECH = """
window.__spoken = [];
window.__cancels = 0;
if (window.speechSynthesis) {
  const synth = window.speechSynthesis;
  const speak = synth.speak.bind(synth);
  const cancel = synth.cancel.bind(synth);
  synth.speak = (utterance) => {
    window.__spoken.push({text: utterance.text, lang: utterance.lang});
    speak(utterance);
  };
  synth.cancel = () => {
    window.__cancels += 1;
    cancel();
  };
}
"""

NO_SPEECH = """
delete window.speechSynthesis;
delete window.SpeechSynthesisUtterance;
"""


def spoken(page: Page) -> list[dict[str, str]]:
    result: list[dict[str, str]] = page.evaluate("window.__spoken.splice(0)")
    return result


def on_screen_texts(page: Page, container: str) -> list[str]:
    """The texts marked for reading inside `container`, in document order, as shown."""
    texts: list[str] = page.locator(f"{container} [data-speak]").evaluate_all(
        "els => els.filter(e => e.getClientRects().length).map(e => e.innerText.replace(/\\s+/g, ' ').trim())"
    )
    return [t for t in texts if t]


def index_of(texts: list[str], fragment: str) -> int:
    return next(i for i, text in enumerate(texts) if fragment in text)


def open_my_plan(page: Page, plan_id: str) -> None:
    open_section(page, plan_id, "")
    page.get_by_role("link", name="My plan: read it, tick off steps, add good news").click()
    expect(page.get_by_role("heading", name="My plan", exact=True, level=1)).to_be_visible()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_my_plan_reads_aloud_ticks_steps_and_adds_good_news(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = start_plan(tablet, "Sam")
    write_whole_plan(tablet, plan_id)
    wait_synced(tablet)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, init_script=RECORD_SPEECH)
    open_my_plan(phone, plan_id)

    # Plain words, the person's own words exactly as written, each part in the order of the plan.
    mine = phone.locator("#my-plan")
    expect(mine.locator(".item-text", has_text=STRENGTH)).to_have_text(STRENGTH)
    headings = mine.locator("h2").all_inner_texts()
    assert headings == [
        "What I am good at",
        "What is working",
        "My goals",
        "Next steps",
        "My people",
        "Good news",
    ]
    # Agreed at the visit on the worker's tablet: the person's agreement, recorded by Ali, said so.
    expect(mine.locator(".agreed-mark").first).to_have_text("You said you agree, recorded by Ali (work tablet)")
    assert mine.locator("svg[data-symbol]").count() == 0  # symbols belong to easy read
    phone.screenshot(path=str(SCREENSHOTS / "40-my-plan.png"), full_page=True)

    # Read the whole plan aloud: what is on screen, in reading order, in the chosen language.
    phone.get_by_role("button", name="Read my whole plan aloud").click()
    whole = spoken(phone)
    assert [u["text"] for u in whole] == on_screen_texts(phone, "#my-plan")
    texts = [u["text"] for u in whole]
    order = [index_of(texts, t) for t in ("What I am good at", STRENGTH, WORKING, GOAL, STEP, PERSON, "Good news")]
    assert order == sorted(order)
    assert {u["lang"] for u in whole} == {"en-GB"}
    assert phone.evaluate("window.__cancels") >= 1  # a new reading starts by cancelling any other

    # One part only, then stop.
    phone.get_by_role("button", name=re.compile(r"^Read this part aloud\W+Next steps$")).click()
    part = [u["text"] for u in spoken(phone)]
    assert part == on_screen_texts(phone, "#mine-steps")
    assert part[0] == "Next steps"
    assert any(STEP in t for t in part)
    assert not any(STRENGTH in t for t in part)
    cancels = phone.evaluate("window.__cancels")
    phone.get_by_role("button", name="Stop reading").click()
    assert phone.evaluate("window.__cancels") == cancels + 1
    assert spoken(phone) == []

    # Easy read: other headings and fixed text, a symbol beside each part and item, own words unchanged.
    phone.get_by_label("Easy read: short sentences and pictures").check()
    expect(mine).to_have_attribute("data-easy-read", "on")
    assert mine.locator("h2").all_inner_texts()[:3] == ["Good things about me", "What is going well", "What I want"]
    expect(mine.locator(".item-text", has_text=STRENGTH)).to_have_text(STRENGTH)
    symbols = mine.locator("svg[data-symbol]")
    assert symbols.count() >= 12
    for index in range(symbols.count()):
        expect(symbols.nth(index)).to_have_attribute("aria-hidden", "true")
    names = set(symbols.evaluate_all("els => els.map(e => e.dataset.symbol)"))
    assert {"strengths", "working", "goals", "steps", "contingency", "people", "news", "agreed"} <= names
    font_plain = 1.2 * 16
    assert float(mine.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) > font_plain
    phone.screenshot(path=str(SCREENSHOTS / "41-my-plan-easy-read.png"), full_page=True)
    # Remembered on this device: still easy read after a reload; a setting, not plan content.
    phone.reload()
    expect(phone.locator("#my-plan")).to_have_attribute("data-easy-read", "on", timeout=20_000)
    assert phone.evaluate("localStorage.getItem('alongside-easy-read')") == "1"
    phone.get_by_role("button", name=re.compile(r"^Read this part out loud\W+Good things about me$")).click()
    easy_part = [u["text"] for u in spoken(phone)]
    assert easy_part[:2] == ["Good things about me", "You do these things well."]

    # Tick the step off: a real checkbox, an ordinary signed edit that syncs.
    done = phone.get_by_role("checkbox", name=re.compile(f"^I did this\\W+{re.escape(STEP)}"))
    expect(done).not_to_be_checked()
    done.check()
    expect(done).to_be_checked()
    expect(phone.locator("#mine-steps .done-mark")).to_have_text("This is done.")
    wait_synced(phone)
    open_section(tablet, plan_id, "steps")
    step_card = tablet.locator(f'article[data-type="step"]:has(.item-text:text-is("{STEP}"))')
    expect(step_card.locator("dd", has_text="Done")).to_be_visible(timeout=30_000)
    expect(step_card.locator("[data-ticked-by]")).to_contain_text("Ticked off by Sam (Sam's phone)")

    # Untick it (by keyboard): back to where it was.
    done.focus()
    phone.keyboard.press("Space")
    expect(done).not_to_be_checked()
    wait_synced(phone)
    expect(step_card.locator("dd", has_text="Not started")).to_be_visible(timeout=30_000)
    expect(step_card.locator("[data-ticked-by]")).to_have_count(0)

    # Good news between visits, in the person's own words.
    phone.get_by_label("Easy read: short sentences and pictures").uncheck()
    phone.get_by_role("button", name="Add good news").click()
    expect(phone.get_by_text("Write what went well first.")).to_be_visible()
    phone.get_by_label("Something that went well").fill(GOOD_NEWS)
    phone.get_by_role("button", name="Add good news").click()
    expect(phone.get_by_role("status").filter(has_text="Your good news is in your plan.")).to_be_visible()
    news = phone.locator('#mine-news article[data-type="good_news"]')
    expect(news.locator(".item-text")).to_have_text(GOOD_NEWS)
    expect(news.locator("[data-provenance]")).to_contain_text("Said by you")
    expect(news.locator("[data-provenance]")).to_contain_text("Your own words")
    expect(news.locator("[data-provenance]")).to_contain_text("typed by Sam (Sam's phone)")
    phone.screenshot(path=str(SCREENSHOTS / "42-good-news.png"), full_page=True)
    wait_synced(phone)

    # The worker's device: in the plan (its own part), in the read-back and in the print view.
    open_section(tablet, plan_id, "news")
    card = tablet.locator('article[data-type="good_news"]')
    expect(card.locator(".item-text")).to_have_text(GOOD_NEWS, timeout=30_000)
    expect(card.locator("[data-provenance]")).to_contain_text(
        "Said by Sam · Their own words · typed by Sam (Sam's phone)"
    )
    expect(card.locator(".warn")).to_have_count(0)  # signature checked
    open_section(tablet, plan_id, "readback")
    readback = tablet.locator("#readback-items")
    expect(readback.locator("h2", has_text="Good news")).to_be_visible()
    expect(readback.locator(".item-text", has_text=GOOD_NEWS)).to_be_visible()
    tablet.emulate_media(media="print")
    expect(readback.locator(".item-text", has_text=GOOD_NEWS)).to_be_visible()
    tablet.emulate_media(media="screen")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_read_aloud_uses_the_chosen_language(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server, init_script=RECORD_SPEECH)
    plan_id = start_plan(page, "Sam")
    open_section(page, plan_id, "strengths")
    page.get_by_role("button", name="Add a strength").click()
    page.get_by_label("The strength").fill("أطبخ لعائلتي")
    page.get_by_role("button", name="Save", exact=True).click()
    page.goto(f"{url}/#/settings")
    page.get_by_role("radio", name="العربية").check()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    page.goto(f"{url}/#/plan/{plan_id}/mine")
    expect(page.locator("#my-plan")).to_be_visible(timeout=20_000)
    page.locator('[data-read-aloud="my-plan"] button').first.click()
    utterances: list[dict[str, Any]] = spoken(page)
    assert [u["text"] for u in utterances] == on_screen_texts(page, "#my-plan")
    assert "أطبخ لعائلتي" in [u["text"] for u in utterances]
    assert utterances[1]["text"] == "ما أُجيده"
    assert {u["lang"] for u in utterances} == {"ar"}

    # The read-back reads in the same way.
    page.goto(f"{url}/#/plan/{plan_id}/readback")
    page.locator('[data-read-aloud="readback-items"] button').first.click()
    back = spoken(page)
    assert [u["text"] for u in back] == on_screen_texts(page, "#readback-items")
    assert {u["lang"] for u in back} == {"ar"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_without_speech_synthesis_the_buttons_give_way_to_a_note(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    page = worker_device(chromium, alongside_server, init_script=NO_SPEECH)
    plan_id = start_plan(page, "Sam")
    assert page.evaluate("typeof window.speechSynthesis") == "undefined"
    open_my_plan(page, plan_id)
    note = "This browser cannot read aloud. You can still read the plan on screen."
    expect(page.get_by_text(note)).to_be_visible()
    expect(page.locator("[data-read-aloud]")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("aloud"))).to_have_count(0)
    open_section(page, plan_id, "readback")
    expect(page.get_by_text(note)).to_be_visible()
    expect(page.get_by_role("button", name="Read aloud")).to_have_count(0)
