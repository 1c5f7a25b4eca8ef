"""Provenance that stays true and agreement bound to words, proven in Chromium (issue 13, "Must show" 4;
docs/app.md "Items and provenance", "Who may do what", "Agreements"; docs/crypto.md §8.5).

Ali's work tablet, Dee's phone and Sam's phone (a supporter with write access) are the app in Chromium.
Dee says a strength on her phone and agrees with it there; Ali rewords it on the tablet. Dee's phone then
says who changed her words and no longer calls them her own words, and her agreement is one with an
earlier wording: on screen, in the item's history and in the readable copy the phone saves. Sam's phone
offers Sam only Sam's own agreement and cannot keep versions; an agreement "for the person" that a
hand-made client writes with the very keys of Sam's phone is shown on Dee's phone and on the tablet as not
Dee's, and is not counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from anyio.from_thread import BlockingPortal
from playwright.sync_api import Browser, Page, expect
from support import hand_made
from support.beside_the_app import page_device_keys, python_devices
from support.devices import approved_device, joined_device, plan_with_strengths, worker_device
from support.plan_client import PlanDevice
from support.plan_roles import Role
from support.plan_world import serving
from support.pwa import add_strength, invite, open_section, wait_synced

from alongside.crypto import Keyring

SAID = "I never give up"
CHANGED = "Dee never gives up on her kids"
NOT_DEES = (
    "Sam (Sam's phone) recorded this as Dee's agreement, but only Dee's own devices or their worker can, "
    "so it does not count"
)


@dataclass
class ThreeDevices:
    portal: BlockingPortal
    url: str
    plan_id: str
    tablet: Page
    phone: Page
    sam: Page


@pytest.fixture(scope="module")
def plan(chromium: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ThreeDevices]:
    directory = tmp_path_factory.mktemp("agreements")
    with python_devices() as portal, contextmanager(serving)(directory) as server:
        url = server.url
        tablet = worker_device(chromium, server)
        try:
            plan_id = plan_with_strengths(tablet, person="Dee")
            phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, name="Dee", label="Dee's phone")
            writer = invite(tablet, plan_id, "Someone they trust, who can write in the plan")
            # The worker's code for a supporter waits for the person's yes: Dee says yes on her phone.
            sam = approved_device(chromium, url, writer, plan_id, phone, name="Sam", label="Sam's phone")
            yield ThreeDevices(portal, url, plan_id, tablet, phone, sam)
        finally:
            for context in chromium.contexts:
                context.close()


@pytest.fixture(scope="module")
def reworded(plan: ThreeDevices) -> ThreeDevices:
    """Dee says a strength on her phone, in her own words, and agrees with it there; Ali's tablet, once it
    shows Dee's agreement, rewords the strength."""
    phone, tablet = plan.phone, plan.tablet
    open_section(phone, plan.plan_id, "strengths")
    add_strength(phone, SAID, said_by="Dee")
    mine = phone.locator("article.item", has_text=SAID)
    expect(mine.locator("[data-provenance]")).to_contain_text(
        "Said by you · Your own words · typed by Dee (Dee's phone)"
    )
    open_section(phone, plan.plan_id, "readback")
    phone.get_by_role("button", name=re.compile(f"^I agree\\W+{SAID}")).click()
    expect(phone.locator("[data-agreement=person]")).to_have_text("You agreed with this")
    expect(phone.get_by_text("1 of 1 agreed.")).to_be_visible()
    wait_synced(phone)

    open_section(tablet, plan.plan_id, "readback")
    expect(tablet.locator("[data-agreement=person]")).to_have_text("Dee agreed with this", timeout=30_000)
    open_section(tablet, plan.plan_id, "strengths")
    tablet.locator("article.item", has_text=SAID).get_by_role("link", name=re.compile("^Change")).click()
    tablet.get_by_label("The strength").fill(CHANGED)
    tablet.get_by_role("button", name="Save", exact=True).click()
    expect(tablet.locator(".item-text", has_text=CHANGED)).to_be_visible()
    wait_synced(tablet)
    return plan


def test_the_workers_edit_shows_changed_by_and_an_agreement_to_an_earlier_wording(reworded: ThreeDevices) -> None:
    plan, phone = reworded, reworded.phone
    # Dee's phone: who changed the words, not "your own words"; the agreement was to an earlier wording.
    open_section(phone, plan.plan_id, "strengths")
    provenance = phone.locator("article.item", has_text=CHANGED).locator("[data-provenance]")
    expect(provenance).to_contain_text("Said by you · changed by Ali (work tablet)", timeout=30_000)
    expect(provenance).not_to_contain_text("own words")
    expect(provenance).to_have_attribute("data-voice-dropped", "true")
    open_section(phone, plan.plan_id, "readback")
    agreement = phone.locator("article.item", has_text=CHANGED).locator("[data-agreement=person]")
    expect(agreement).to_contain_text("Agreed to an earlier wording")
    expect(phone.get_by_role("button", name=re.compile(f"^I agree\\W+{CHANGED}"))).to_have_attribute(
        "aria-pressed", "false"
    )
    expect(phone.get_by_text("0 of 1 agreed.")).to_be_visible()

    # The item's history on the phone: who wrote each version, when, and what changed.
    phone.locator("article.item", has_text=CHANGED).get_by_role("link", name=re.compile("^What changed")).click()
    history = phone.locator("[data-history]")
    expect(history.locator(".version-entry")).to_have_count(2)
    expect(history.locator(".version-entry").nth(0)).to_contain_text("Changed by Ali (work tablet)")
    expect(history.locator(".version-entry").nth(0)).to_contain_text(SAID)
    expect(history.locator(".version-entry").nth(0)).to_contain_text(CHANGED)
    expect(history.locator(".version-entry").nth(1)).to_contain_text("Written by Dee (Dee's phone)")


def test_a_supporter_records_only_their_own_agreement_and_a_forged_one_is_not_the_persons(
    reworded: ThreeDevices, tmp_path: Path
) -> None:
    plan = reworded
    phone, tablet, sam = plan.phone, plan.tablet, plan.sam

    # Sam's phone offers Sam's own agreement only, and no way to keep a version of the plan.
    open_section(sam, plan.plan_id, "readback")
    expect(sam.locator(".item-text", has_text=CHANGED)).to_be_visible(timeout=30_000)
    group = sam.get_by_role("group", name="Do you agree?")
    expect(group).to_have_count(1)
    expect(sam.get_by_role("button", name=re.compile("^Dee (agrees|does not agree)"))).to_have_count(0)
    expect(sam.get_by_role("group", name=re.compile("^Does Dee agree"))).to_have_count(0)
    expect(sam.get_by_role("button", name="Keep this version")).to_have_count(0)
    expect(sam.locator("[data-cannot-keep]")).to_have_text(
        "Only the person's own devices and their worker's can keep a version of the plan."
    )
    group.get_by_role("button", name=re.compile(f"^I agree\\W+{CHANGED}")).click()
    expect(sam.locator("[data-agreement=mine]")).to_have_text("You agree with this")
    wait_synced(sam)

    # A hand-made client with the very keys and token of Sam's phone writes an agreement "for the person".
    keys, token = page_device_keys(sam)
    client = PlanDevice(
        name="Sam",
        keys=keys,
        token=token,
        plan_id=plan.plan_id,
        url=plan.url,
        workdir=tmp_path,
        me=Role("supporter", "write"),
        keyring=Keyring(plan.plan_id),
        label="Sam's phone",
    )
    with plan.portal.wrap_async_context_manager(client):
        plan.portal.call(client.sync)
        [sid] = [doc_id for doc_id, item in client.items("strength").items() if item.body["f"]["text"]["v"] == CHANGED]
        plan.portal.call(hand_made.agreement, client, sid)  # for: person, value: yes, the current words
        plan.portal.call(client.push)
        assert not client.refusals  # the server sees only ciphertext: it cannot tell

    # Dee's phone and Ali's tablet show it as not Dee's, and do not count it; Sam's own agreement is Sam's.
    for page in (phone, tablet):
        open_section(page, plan.plan_id, "readback")
        card = page.locator("article.item", has_text=CHANGED)
        expect(card.locator("[data-agreement=refused]")).to_have_text(NOT_DEES, timeout=30_000)
        expect(card.locator("[data-agreement=person]")).to_contain_text("Agreed to an earlier wording")
        expect(card.locator("[data-agreement=other]")).to_have_text("Sam agrees")
        expect(page.get_by_text("0 of 1 agreed.")).to_be_visible()
    open_section(phone, plan.plan_id, "strengths")
    provenance = phone.locator("article.item", has_text=CHANGED).locator("[data-provenance]")
    expect(provenance).not_to_contain_text("own words")  # a forged agreement confirms nothing

    # The readable copy Dee's phone saves says the same.
    open_section(phone, plan.plan_id, "readback")
    with phone.expect_download() as saved:
        phone.get_by_role("button", name="Save a copy to read (web page)").click()
    path = tmp_path / "copy.html"
    saved.value.save_as(path)
    reader = phone.context.new_page()
    reader.goto(path.as_uri())
    article = reader.locator("article", has_text=CHANGED)
    expect(article.locator(".who")).to_contain_text("Said by Dee · changed by Ali (work tablet)")
    expect(article.locator(".who")).not_to_contain_text("own words")
    expect(article.locator("[data-agreement=person]")).to_contain_text("Agreed to an earlier wording")
    expect(article.locator("[data-agreement=refused]")).to_have_text(NOT_DEES)
    # Its history: the first version, in Dee's own words, and Ali's change.
    expect(article.locator(".history li").nth(0)).to_contain_text("Changed by Ali (work tablet)")
    expect(article.locator(".history li").nth(0)).to_contain_text(f"Before: {SAID}; After: {CHANGED}")
    expect(article.locator(".history")).to_contain_text("Written by Dee (Dee's phone)")
    reader.close()
