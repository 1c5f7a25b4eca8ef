"""A kind of item declared once in the registry (pwa/src/data/kinds.js) and worded in the catalogs, end to end
in the real app: a community activity (something the person does, or wants to try, in their community) has
its section on the plan's home and its own route, a form with its fields and default, a card, a place in the
read-back and its print view, in "My plan" (plain words and easy read with its symbol), in the readable copy
and in the FHIR bundle."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, expect
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import open_section, save, start_plan

ACTIVITY = "The walking group"
WHERE = "The park, Tuesday mornings"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_community_activity_everywhere(chromium: Browser, alongside_server: AlongsideServer) -> None:
    """From the plan's home and the form to the read-back, print, "My plan", the readable copy and FHIR."""
    tablet = worker_device(chromium, alongside_server)
    plan_id = start_plan(tablet, "Sam", "Getting out more")

    # The plan's home lists the section in the order of a visit; its link opens its own route.
    sections = tablet.locator(".section-link .section-name").all_inner_texts()
    assert sections.index("Community") == sections.index("My people") + 1
    tablet.locator(".section-link", has_text="Community").click()
    expect(tablet.get_by_role("heading", name="Community", level=1)).to_be_visible()
    assert tablet.url.endswith(f"#/plan/{plan_id}/community")

    # The form: the kind's fields, its default choice, the person's own words.
    tablet.get_by_role("button", name="Add something in the community").click()
    expect(tablet.get_by_role("radio", name="Wants to try it")).to_be_checked()
    tablet.get_by_label("What it is").fill(ACTIVITY)
    tablet.get_by_label("Where and when").fill(WHERE)
    tablet.get_by_label("Who goes with them").fill("Mo")
    tablet.get_by_role("radio", name="Trying it").check()
    save(tablet)
    card = tablet.locator("article[data-type=activity]")
    expect(card.locator(".item-text")).to_have_text(ACTIVITY)
    expect(card).to_contain_text(WHERE)
    expect(card).to_contain_text("How it is going")
    expect(card).to_contain_text("Trying it")
    expect(card.locator("[data-provenance]")).to_contain_text("Their own words")

    # The read-back, and the same page as printed: under its section, with the person's agreement to give.
    open_section(tablet, plan_id, "readback")
    readback = tablet.locator("#readback-items")
    expect(readback.get_by_role("heading", name="Community")).to_be_visible()
    expect(readback.locator(".item-text", has_text=ACTIVITY)).to_be_visible()
    expect(readback.get_by_role("button", name=re.compile("^Sam agrees"))).to_have_count(1)
    tablet.emulate_media(media="print")
    expect(readback.locator(".item-text", has_text=ACTIVITY)).to_be_visible()
    expect(readback).to_contain_text(WHERE)
    tablet.emulate_media(media="screen")

    # The readable copy and the FHIR bundle carry it, with its fields in words.
    with tablet.expect_download() as copy_info:
        tablet.get_by_role("button", name="Save a copy to read (web page)").click()
    html = copy_info.value.path().read_text()
    community = html.split('<section data-section="community">')[1].split("</section>")[0]
    assert f'<p dir="auto" class="text">{ACTIVITY}</p>' in community
    assert "<dt>How it is going</dt><dd>Trying it</dd>" in community
    with tablet.expect_download() as fhir_info:
        tablet.get_by_role("button", name="For health and care services (FHIR)").click()
    bundle: dict[str, Any] = json.loads(fhir_info.value.path().read_text())
    (care_plan,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan"]
    (note,) = [n["text"] for n in care_plan["note"] if n["text"].startswith("Community:")]
    assert note.startswith(
        f"Community: {ACTIVITY}\nWhere and when: {WHERE}\nWho goes with them: Mo\nHow it is going: Trying it"
    )

    # "My plan": its own part, in plain words, then in easy read with its symbol.
    open_section(tablet, plan_id, "mine")
    mine = tablet.locator("#my-plan")
    part = mine.locator("[data-part=community]")
    expect(part.get_by_role("heading", name="In my community")).to_be_visible()
    expect(part.locator(".item-text")).to_have_text(ACTIVITY)
    expect(part.locator(".mine-details")).to_have_text(
        f"Where and when: {WHERE}. Who goes with you: Mo. How it is going: Trying it"
    )
    assert (
        mine.locator("h2").all_inner_texts().index("In my community") == len(mine.locator("h2").all_inner_texts()) - 2
    )
    tablet.get_by_label("Easy read: short sentences and pictures").check()
    expect(part.get_by_role("heading", name="Things I do near me")).to_be_visible()
    expect(part.locator("article svg[data-symbol=community]")).to_have_count(1)
    expect(part.locator(".mine-details")).to_contain_text("Who comes with you: Mo")
