"""The smaller defects of living with a plan, each seen fixed in Chromium: the start screen tells the truth about
starting offline; a "what matters" item can be deleted; sync never asks for `GET /sync/`; the join form suggests
"my phone"; the person lands on "My plan"; their phone speaks to them ("Your own words", "someone you trust");
read aloud speaks every part of an item, each in the language it is written in (the utterances recorded as the
app hands them to `speechSynthesis.speak`); Welsh dates and times in Welsh (Chromium has no Welsh `Intl` data),
Arabic ones in Arabic; the app speaks to the person in the grammatical form they chose, and about them (the
worker's tablet in Arabic says "her own words", and a section's introduction, a form's hint, an invite's "waits
for her yes" and the family meeting speak of her) in the form they chose for the plan."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import worker_device
from support.processes import REPO, AlongsideServer
from support.pwa import (
    GOAL,
    RESPONSE,
    SCREENSHOTS,
    STEP,
    STRENGTH,
    WORKER_VIEW,
    check_axe,
    invite,
    new_device,
    open_section,
    save,
    set_language,
    start_plan,
    submit_join,
    wait_synced,
    write_whole_plan,
)

AR = json.loads((REPO / "pwa" / "src" / "i18n" / "ar.json").read_text(encoding="utf-8"))
WELSH_MONTHS = "Ionawr Chwefror Mawrth Ebrill Mai Mehefin Gorffennaf Awst Medi Hydref Tachwedd Rhagfyr".split()
WORRY = "Money is tight at the end of the month"

# The browser's speech engine is not under test: what the app asks it to say is recorded, and nothing is said.
RECORD_SPEECH = """
window.__spoken = [];
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (utterance) => window.__spoken.push({text: utterance.text, lang: utterance.lang});
}
"""


def spoken(page: Page) -> list[dict[str, str]]:
    result: list[dict[str, str]] = page.evaluate("window.__spoken.splice(0)")
    return result


def read_my_plan(page: Page, url: str, plan_id: str) -> list[dict[str, str]]:
    page.goto(f"{url}/#/plan/{plan_id}/mine")
    expect(page.locator("#my-plan")).to_be_visible(timeout=20_000)
    page.locator('[data-read-aloud="my-plan"] button').first.click()
    return spoken(page)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_small_defects_of_living_with_a_plan_are_fixed(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    asked: list[str] = []
    tablet.context.on("request", lambda request: asked.append(urlsplit(request.url).path))

    # The start screen says the truth: a plan can be started with no signal.
    tablet.get_by_role("link", name="Start a plan with someone").click()
    expect(tablet.get_by_text("You can start a plan with no signal")).to_be_visible()
    expect(tablet.get_by_text("You need a connection")).to_have_count(0)
    tablet.go_back()
    plan_id = start_plan(tablet, "Sam")

    # A "what matters" item is deleted like any other: asked first, then gone.
    open_section(tablet, plan_id, "matters")
    tablet.get_by_role("button", name="Add a worry").click()
    tablet.get_by_label("How the person sees it").fill(WORRY)
    save(tablet)
    card = tablet.locator('article[data-type="matter"]', has_text=WORRY)
    card.get_by_role("button", name="Delete").click()
    expect(card.get_by_text("Delete this?")).to_be_visible()
    card.get_by_role("button", name="No, keep it").click()
    card.get_by_role("button", name="Delete").click()
    card.get_by_role("button", name="Yes, delete").click()
    expect(tablet.locator('article[data-type="matter"]', has_text=WORRY)).to_have_count(0)

    write_whole_plan(tablet, plan_id)
    wait_synced(tablet)
    # Sync asks for the plan's database only, never for the bare /sync/ (a 404).
    assert any(path.startswith(f"/sync/{plan_id}") for path in asked)
    assert "/sync/" not in asked

    # The person's phone: the join form suggests "my phone", and the person lands on "My plan".
    phone = new_device(chromium, init_script=RECORD_SPEECH).new_page()
    phone.goto(f"{url}/join#{invite(tablet, plan_id)}")
    hint = phone.locator(".field", has=phone.get_by_label("A name for this device")).locator(".hint")
    expect(hint).to_contain_text('For example "my phone"')
    expect(hint).not_to_contain_text("tablet")
    submit_join(phone)
    expect(phone.get_by_role("heading", name="My plan", exact=True, level=1)).to_be_visible(timeout=20_000)
    assert phone.url.endswith(f"#/plan/{plan_id}/mine")
    wait_synced(phone)

    # Read aloud: every part of each item (who, by when, who checks, "…then", the other view).
    english = read_my_plan(phone, url, plan_id)
    texts = [u["text"] for u in english]
    assert {u["lang"] for u in english} == {"en-GB"}
    assert f"What to do: {RESPONSE}" in texts
    assert f"How Ali sees it: {WORKER_VIEW}" in texts
    assert "Who will do it: Sam. By 15 January 2026. Who will check: Ali" in texts
    assert "By 1 March 2026" in texts  # the goal's date

    # In Arabic, the app's words in Arabic and the plan's English words in English, part by part.
    set_language(phone, url, "ar", "العربية")
    arabic = [(u["text"], u["lang"]) for u in read_my_plan(phone, url, plan_id)]
    assert (STRENGTH, "en-GB") in arabic
    assert (GOAL, "en-GB") in arabic
    assert (STEP, "en-GB") in arabic
    then = arabic.index((AR["mine.then"], "ar"))
    assert arabic[then + 1] == (RESPONSE, "en-GB")
    other = arabic.index((AR["mine.other_view"].format(name="Ali"), "ar"))
    assert arabic[other + 1] == (WORKER_VIEW, "en-GB")
    who = arabic.index((AR["mine.who"], "ar"))
    assert arabic[who + 1] == ("Sam", "en-GB")
    between, lang = arabic[who + 2]  # by when (in Arabic words: Chromium has Arabic data), and who checks
    assert lang == "ar" and "يناير" in between and AR["mine.checker"] in between, between
    assert arabic[who + 3] == ("Ali", "en-GB")
    assert {lang for _, lang in arabic} == {"ar", "en-GB"}

    # The person's own phone speaks to them: "Your own words", "someone you trust".
    set_language(phone, url, "en", "English")
    open_section(phone, plan_id, "strengths")
    phone.get_by_role("button", name="Add a strength").click()
    voice = phone.get_by_role("group", name="How it is written")
    expect(voice.get_by_role("radio", name="Your own words")).to_be_checked()
    expect(voice.get_by_text("Their own words")).to_have_count(0)
    open_section(phone, plan_id, "share")
    expect(phone.get_by_role("radio", name="Someone you trust, who can write in the plan")).to_be_visible()
    expect(phone.get_by_text("Someone they trust")).to_have_count(0)

    # Welsh dates and times in Welsh words on a 24-hour clock, not US English.
    set_language(phone, url, "cy", "Cymraeg")
    phone.goto(f"{url}/#/plan/{plan_id}/mine")
    steps = phone.locator("#mine-steps")
    expect(steps.locator(".mine-details").first).to_contain_text("Erbyn 15 Ionawr 2026")
    typed = steps.locator("[data-provenance]").first.inner_text()
    assert re.search(rf"\b\d{{1,2}} ({'|'.join(WELSH_MONTHS)}) \d{{4}}, \d\d:\d\d\b", typed), typed
    assert not re.search(r"\b(AM|PM|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b", typed), typed
    synced = phone.locator(".sync").inner_text()
    assert re.search(r"Wedi cysoni am \d\d:\d\d\.", synced), synced
    steps.locator("article").first.evaluate("e => e.scrollIntoView({block: 'center'})")
    phone.screenshot(path=str(SCREENSHOTS / "140-welsh-dates.png"))


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_app_speaks_to_the_person_in_the_form_they_chose(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    phone = new_device(chromium, bypass_csp=True).new_page()  # bypass_csp: for axe-core only
    phone.goto(f"{url}/#/settings")
    problems: dict[str, Any] = {}
    setting = phone.get_by_role("group", name="How should the app speak to you?")
    expect(setting.get_by_role("radio", name="No preference")).to_be_checked()
    check_axe(phone, "settings, address form", "en", problems)

    set_language(phone, url, "ar", "العربية")
    phone.get_by_role("radio", name=AR["fix.address.feminine"]).check()
    expect(phone.get_by_role("group", name=AR["fix.address.legend.f"])).to_be_visible()
    assert phone.evaluate("localStorage.getItem('alongside-address-form')") == "f"
    check_axe(phone, "settings, address form", "ar", problems)
    phone.screenshot(path=str(SCREENSHOTS / "141-address-form.png"), full_page=True)

    # The join screen speaks to her, and stays so after a reload (a setting of this device).
    phone.goto(f"{url}/join")
    phone.reload()
    expect(phone.get_by_text(AR["join.intro.f"])).to_be_visible(timeout=20_000)
    expect(phone.get_by_role("button", name=AR["join.submit.f"])).to_be_visible()
    # No preference: the plain words again.
    phone.goto(f"{url}/#/settings")
    phone.get_by_role("radio", name=AR["fix.address.none"]).check()
    phone.goto(f"{url}/join")
    expect(phone.get_by_role("button", name=AR["join.submit"])).to_be_visible()
    assert problems == {}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_words_about_the_person_follow_the_form_she_chose_on_the_workers_tablet(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)  # bypass_csp: for axe-core only
    plan_id = start_plan(tablet, "Amira")
    phone = new_device(chromium, bypass_csp=True).new_page()
    phone.goto(f"{url}/join#{invite(tablet, plan_id)}")
    submit_join(phone, name="Amira", label="Amira's phone")
    expect(phone.get_by_role("heading", name="My plan", exact=True, level=1)).to_be_visible(timeout=20_000)
    problems: dict[str, Any] = {}

    # On her own phone, Amira chooses how the app speaks about her on other people's devices.
    phone.goto(f"{url}/#/plan/{plan_id}/details")
    about = phone.get_by_role("group", name="How the app speaks about you on other people's devices")
    expect(about.get_by_role("radio", name="No preference")).to_be_checked()
    check_axe(phone, "plan details, words about the person", "en", problems)
    about.get_by_role("radio", name="She / her").check()
    phone.get_by_role("button", name="Save the plan details").click()
    expect(phone.locator("[data-details-saved]")).to_be_visible()
    expect(phone.locator('[data-field-provenance="address"]')).to_contain_text("Amira")
    wait_synced(phone)
    set_language(phone, url, "ar", "العربية")
    phone.goto(f"{url}/#/plan/{plan_id}/details")
    about = phone.get_by_role("group", name=AR["address.about.legend_you"])
    expect(about.get_by_role("radio", name=AR["address.about.choice_she"])).to_be_checked()
    check_axe(phone, "plan details, words about the person", "ar", problems)
    phone.screenshot(path=str(SCREENSHOTS / "142-words-about-the-person.png"), full_page=True)

    # The worker's tablet in Arabic speaks of her in the feminine: the choice arrived in the plan (encrypted).
    set_language(tablet, url, "ar", "العربية")
    tablet.goto(f"{url}/#/plan/{plan_id}/details")
    about = tablet.get_by_role("group", name=AR["address.about.legend"].format(name="Amira"))
    expect(about.get_by_role("radio", name=AR["address.about.choice_she"])).to_be_checked(timeout=30_000)
    expect(tablet.locator('[data-field-provenance="address"]')).to_contain_text("Amira")
    check_axe(tablet, "plan details, words about the person (worker)", "ar", problems)

    # What she says, "in her own words" (not "his own words"), and who said it; the section's introduction
    # and the form's hints speak of her too.
    open_section(tablet, plan_id, "strengths")
    expect(tablet.get_by_text(AR["strengths.intro.she"], exact=True)).to_be_visible(timeout=20_000)
    expect(tablet.get_by_text(AR["strengths.intro"], exact=True)).to_have_count(0)
    tablet.get_by_role("button", name=AR["add.strength"]).click()
    expect(tablet.get_by_text(AR["form.strength.noticed.hint.she"], exact=True)).to_be_visible()
    voice = tablet.get_by_role("group", name=AR["prov.voice"])
    expect(voice.get_by_role("radio", name=AR["choice.voice.own.she"])).to_be_checked()
    expect(voice.get_by_text(AR["choice.voice.own"], exact=True)).to_have_count(0)
    tablet.get_by_label(AR["form.strength.text"]).fill(STRENGTH)
    tablet.get_by_role("button", name=AR["form.save"], exact=True).click()
    expect(tablet.locator("form.item-form")).to_have_count(0)
    provenance = tablet.locator('article[data-type="strength"] [data-provenance]').first
    expect(provenance).to_contain_text(AR["prov.said_by_short.she"])
    expect(provenance).to_contain_text(AR["choice.voice.own.she"])
    tablet.screenshot(path=str(SCREENSHOTS / "143-words-about-her-ar.png"), full_page=True)

    # Reading back: what she agrees to, what she would like to change.
    tablet.goto(f"{url}/#/plan/{plan_id}/readback")
    expect(tablet.get_by_text(AR["readback.intro.she"])).to_be_visible(timeout=20_000)
    disagree = AR["readback.disagree_for"].format(name="Amira")
    tablet.get_by_role("button", name=re.compile("^" + re.escape(disagree))).first.click()
    expect(tablet.get_by_label(AR["readback.why_not.she"])).to_be_visible()
    expect(tablet.get_by_text(AR["readback.why_not"], exact=True)).to_have_count(0)
    tablet.screenshot(path=str(SCREENSHOTS / "144-readback-about-her-ar.png"), full_page=True)

    # Who can see the plan: "the woman whose plan this is"; someone she trusts, added from the tablet, waits
    # for her yes.
    open_section(tablet, plan_id, "share")
    expect(tablet.get_by_text(AR["members.owner.she"])).to_be_visible(timeout=20_000)
    tablet.get_by_role("radio", name=AR["share.who.writer.she"], exact=True).check()
    tablet.get_by_role("button", name=AR["share.create"]).click()
    expect(tablet.locator("[data-invite-pending]")).to_have_text(AR["consent.invite_waits.she"], timeout=20_000)

    # The family meeting: what does she want to say, and her agreement to the plan.
    open_section(tablet, plan_id, "meeting")
    says = AR["meeting.says.she"].format(name="Amira")
    expect(tablet.get_by_role("heading", name=says)).to_be_visible(timeout=20_000)
    expect(tablet.get_by_role("button", name=AR["meeting.save.she"].format(name="Amira"))).to_be_visible()
    expect(tablet.get_by_role("button", name=AR["meeting.signup_button.she"].format(name="Amira"))).to_be_visible()
    tablet.screenshot(path=str(SCREENSHOTS / "146-meeting-about-her-ar.png"), full_page=True)
    assert problems == {}
