"""The family's own meeting (issue 16, must show 3): three family members contribute from two devices (Sam's
tablet passed round between Sam and Jo with the speaker switched, and Kim's phone joining live by Sam's invite),
each item attributed to its speaker; what the family writes in private family time never reaches the worker's
device in readable form (its page, its stored data, the server's answers to it, and no key it holds opens it);
the family shares chosen items and the worker then reads exactly those; each participant's sign-up is recorded,
Jo's as recorded on Sam's tablet. The new screens are axe-core clean in English and Arabic at 360 by 740."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, worker_device
from support.documents import plaintext_strings
from support.page_crypto import try_own_keys
from support.processes import AlongsideServer
from support.pwa import (
    SCREENSHOTS,
    check_axe,
    device_token,
    invite,
    open_section,
    set_language,
    start_plan,
    wait_synced,
)

SAM_SAYS = "Sam cooks for everyone on Sundays"
JO_SAYS = "Jo worries about the school run"
KIM_IF = "If Sam misses the bus"
KIM_THEN = "Kim drives Sam to school"
KEPT = "Family only: Jo and Sam argue about money"  # never shared with the worker
SHARED = "Family only at first: Grandad can help on Fridays"  # shared after private family time
REVIEW = "2027-03-04"

# Every store of every IndexedDB database of the page's origin, and its localStorage, as one JSON text.
DUMP_STORAGE = """async () => {
  const out = {localStorage: {...localStorage}, databases: {}};
  for (const {name} of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const stores = {};
    for (const store of db.objectStoreNames) {
      stores[store] = await new Promise((resolve, reject) => {
        const all = db.transaction(store).objectStore(store).getAll();
        all.onsuccess = () => resolve(all.result);
        all.onerror = () => reject(all.error);
      });
    }
    db.close();
    out.databases[name] = stores;
  }
  const bytes = (value) => value instanceof Uint8Array || value instanceof ArrayBuffer;
  return JSON.stringify(out, (key, value) => (bytes(value) ? '' : value));
}"""


def open_meeting(page: Page, plan_id: str) -> None:
    open_section(page, plan_id, "meeting")
    expect(page.get_by_role("heading", name="Family meeting", level=1)).to_be_visible()


def say(page: Page, speaker: str, kind: str, *words: str) -> None:
    """Save what `speaker` says (the speaker chosen already) as a `kind`: one text, or "if" and "then"."""
    form = page.locator("section.contribute")
    expect(form.get_by_role("heading", level=2)).to_contain_text(speaker)
    form.get_by_role("radio", name=kind).check()
    if len(words) == 1:
        form.get_by_label("In their own words").fill(words[0])
    else:
        form.get_by_role("textbox", name="If…").fill(words[0])
        form.get_by_role("textbox", name="…then").fill(words[1])
    form.get_by_role("button", name=f"Save what {speaker} said").click()
    expect(form.get_by_role("status")).to_have_text(f"Saved, said by {speaker}.")


def choose_speaker(page: Page, name: str) -> None:
    page.locator(".speaker-switcher").get_by_role("radio", name=name, exact=True).check()
    expect(page.locator("[data-speaker]")).to_have_text(f"Now speaking: {name}")


def said_by(page: Page, text: str) -> str | None:
    return page.locator("[data-said-by]", has_text=text).get_attribute("data-said-by")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_family_meeting_on_a_tablet_passed_round_and_a_phone_keeps_family_time_from_the_worker(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    worker = worker_device(chromium, alongside_server, bypass_csp=True)  # axe-core and the crypto lab run in pages
    plan_id = start_plan(worker, "Sam")
    wait_synced(worker)
    tablet = joined_device(chromium, url, invite(worker, plan_id), plan_id, label="Sam's tablet", bypass_csp=True)
    problems: dict[str, Any] = {}

    # On Sam's tablet: the meeting, from the plan's home; who takes part, here and on their own phone.
    tablet.get_by_role("link", name="Family meeting").click()
    expect(tablet.get_by_role("heading", name="Family meeting", level=1)).to_be_visible()
    for name, where in (("Jo", "Here, using this device"), ("Kim", "On their own phone")):
        tablet.get_by_label("Their name").fill(name)
        tablet.get_by_role("radio", name=where).check()
        tablet.get_by_role("button", name="Add this person").click()
        expect(tablet.locator(f"[data-participant='{name}']")).to_be_visible()
    # Someone added by mistake is taken off the list.
    tablet.get_by_label("Their name").fill("Mo")
    tablet.get_by_role("button", name="Add this person").click()
    tablet.locator("[data-participant='Mo']").get_by_role("button", name=re.compile(r"^Remove\W+Mo$")).click()
    expect(tablet.locator("[data-participant='Mo']")).to_have_count(0)
    # Kim's phone joins live, by Sam's invite.
    expect(tablet.get_by_role("link", name="Invite a phone to join")).to_be_visible()
    kim_invite = invite(tablet, plan_id, "Someone they trust, who can write in the plan")
    phone = joined_device(chromium, url, kim_invite, plan_id, name="Kim", label="Kim's phone", bypass_csp=True)
    # Sam's tablet sees Kim's phone on the roster, asks the server who is in the plan, and gives Kim the
    # family's key there and then (no reopening).
    wait_synced(tablet)

    # The tablet is passed round: Sam speaks (the person's own device speaks for Sam at first), then Jo.
    open_meeting(tablet, plan_id)
    switcher = tablet.locator(".speaker-switcher")
    expect(switcher.get_by_role("radio")).to_have_count(3)  # Sam, Jo, Kim
    expect(switcher.get_by_role("radio", name="Sam", exact=True)).to_be_checked()
    say(tablet, "Sam", "Something that is going well, a strength", SAM_SAYS)
    # The keyboard moves between speakers (a radio group), and the change is announced.
    switcher.get_by_role("radio", name="Sam", exact=True).focus()
    tablet.keyboard.press("ArrowRight")
    expect(switcher.get_by_role("radio", name="Jo", exact=True)).to_be_checked()
    expect(tablet.locator("[data-speaker]")).to_have_attribute("aria-live", "polite")
    expect(tablet.locator("[data-speaker]")).to_have_text("Now speaking: Jo")
    tablet.screenshot(path=str(SCREENSHOTS / "80-family-meeting-speaker.png"))
    check_axe(tablet, "family meeting, speaker switched", "en", problems)
    say(tablet, "Jo", "A worry", JO_SAYS)
    # Kim, on their own phone, speaks as themself.
    open_meeting(phone, plan_id)
    expect(phone.locator("[data-speaker]")).to_have_text("Now speaking: Kim")
    say(phone, "Kim", "If… then… (what we do if something happens)", KIM_IF, KIM_THEN)
    wait_synced(tablet)
    wait_synced(phone)

    # Each item is attributed to its speaker, on every device, the worker's too.
    worker.reload()
    open_meeting(worker, plan_id)
    for page in (worker, tablet, phone):
        for text, speaker in ((SAM_SAYS, "Sam"), (JO_SAYS, "Jo"), (KIM_IF, "Kim")):
            expect(page.locator("[data-said-by]", has_text=text)).to_be_visible(timeout=30_000)
            assert said_by(page, text) == speaker, (text, said_by(page, text))
    for text, speaker in ((SAM_SAYS, "Sam"), (JO_SAYS, "Jo"), (KIM_IF, "Kim")):
        provenance = worker.locator("[data-said-by]", has_text=text).locator("[data-provenance]")
        expect(provenance).to_contain_text(f"Said by {speaker}")

    # Private family time, on the tablet: what the family writes is for the family only.
    open_meeting(tablet, plan_id)
    tablet.get_by_role("button", name="Start private family time").click()
    expect(tablet.locator("section.contribute")).to_have_attribute("data-audience", "family")
    choose_speaker(tablet, "Jo")
    say(tablet, "Jo", "A worry", KEPT)
    choose_speaker(tablet, "Sam")
    say(tablet, "Sam", "A next step", SHARED)
    kept_list = tablet.locator("[data-said='family']")
    expect(kept_list.locator("[data-item]")).to_have_count(2)
    family_ids = [
        kept_list.locator("[data-item]", has_text=text).get_attribute("data-item") or "" for text in (KEPT, SHARED)
    ]
    assert all(family_ids), family_ids
    tablet.screenshot(path=str(SCREENSHOTS / "81-private-family-time.png"), full_page=True)
    check_axe(tablet, "family meeting, private family time", "en", problems)
    wait_synced(tablet)
    # Kim is family: their phone reads it.
    phone.reload()
    open_meeting(phone, plan_id)
    expect(phone.locator("[data-said='family']").locator("[data-item]", has_text=KEPT)).to_be_visible(timeout=30_000)

    # The family shares one of the two with the worker.
    to_share = kept_list.locator("[data-item]", has_text=SHARED)
    to_share.get_by_role("button", name=re.compile("^Share with the worker")).click()
    expect(kept_list.locator("[data-item]", has_text=SHARED)).to_have_count(0)
    expect(tablet.locator("[data-said='everyone']").locator("[data-item]", has_text=SHARED)).to_be_visible()
    tablet.get_by_role("button", name="End private family time").click()
    expect(tablet.locator("section.contribute")).to_have_attribute("data-audience", "everyone")
    wait_synced(tablet)

    # The worker reads exactly what was shared: the item shared, and not the one kept in the family.
    worker.reload()
    open_meeting(worker, plan_id)
    expect(worker.locator("[data-said-by]", has_text=SHARED)).to_be_visible(timeout=30_000)
    assert said_by(worker, SHARED) == "Sam"
    expect(worker.get_by_text("This device cannot read what they write there", exact=False)).to_be_visible()
    for route in ("meeting", "steps", "matters", "readback", "mine", ""):
        open_section(worker, plan_id, route)
        expect(worker.locator("main h1")).to_be_visible()
        assert KEPT not in worker.content(), route
    # Nothing the worker's device stores, nor anything the server answers it, holds the kept words.
    stored = json.loads(worker.evaluate(DUMP_STORAGE))
    assert not any(KEPT in text for text in plaintext_strings(stored))
    assert KEPT not in json.dumps(stored)
    token = device_token(worker)
    answer = worker.request.get(
        f"{url}/sync/{plan_id}/_all_docs?include_docs=true", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert not any(KEPT in text for text in plaintext_strings(answer))
    # No key the worker's device holds opens the kept item; the same keys open the shared one.
    tried = try_own_keys(worker, url, plan_id, family_ids)
    assert tried["keys"] and all(audience != "family" for audience, _ in tried["keys"]), tried
    kept_id, shared_id = family_ids
    assert "opened" not in tried["outcomes"][kept_id], tried
    assert "opened" in tried["outcomes"][shared_id], tried

    # The review date, set at the meeting.
    open_meeting(tablet, plan_id)
    tablet.get_by_label("Review date").fill(REVIEW)
    tablet.get_by_role("button", name="Save the review date").click()
    expect(tablet.locator("[data-review]")).to_have_attribute("data-review", REVIEW)

    # Each participant signs up: Sam and Jo on the tablet passed round, Kim on their own phone.
    for name in ("Sam", "Jo"):
        choose_speaker(tablet, name)
        tablet.get_by_role("button", name=f"{name} agrees to this plan").click()
        expect(tablet.locator(f"[data-signed='{name}']")).to_be_visible()
    wait_synced(tablet)
    phone.reload()
    open_meeting(phone, plan_id)
    expect(phone.locator("[data-review]")).to_have_attribute("data-review", REVIEW, timeout=30_000)
    phone.get_by_role("button", name="Kim agrees to this plan").click()
    expect(phone.locator("[data-signed='Kim']")).to_be_visible()
    wait_synced(phone)
    worker.reload()
    open_meeting(worker, plan_id)
    signed = worker.locator("[data-signed]")
    expect(signed).to_have_count(3, timeout=30_000)
    expect(worker.locator("[data-signed='Sam']")).to_have_text(re.compile(r"^Sam agreed \("))
    expect(worker.locator("[data-signed='Jo']")).to_have_text(re.compile(r"^Jo agreed \(recorded on Sam's tablet, "))
    expect(worker.locator("[data-signed='Kim']")).to_have_text(re.compile(r"^Kim agreed \("))
    for name in ("Sam", "Jo", "Kim"):
        expect(worker.locator(f"[data-signed='{name}']")).to_have_attribute("data-current", "yes")
    expect(worker.locator("[data-review]")).to_have_attribute("data-review", REVIEW)
    worker.locator("section.sign-up").screenshot(path=str(SCREENSHOTS / "82-family-meeting-sign-up.png"))
    check_axe(worker, "family meeting, worker's device", "en", problems)
    open_meeting(tablet, plan_id)
    expect(tablet.locator("[data-signed]")).to_have_count(3, timeout=30_000)
    tablet.screenshot(path=str(SCREENSHOTS / "83-family-meeting.png"), full_page=True)
    check_axe(tablet, "family meeting, signed up", "en", problems)

    # In Arabic (right to left): the same screens.
    set_language(tablet, url, "ar", "العربية")
    open_section(tablet, plan_id, "meeting")
    expect(tablet.locator("[data-speaker]")).to_be_visible()
    tablet.locator(".speaker-switcher").get_by_role("radio", name="Jo", exact=True).check()
    expect(tablet.locator("[data-speaker]")).to_have_text("يتكلم الآن: Jo")
    check_axe(tablet, "family meeting (ar)", "ar", problems)
    tablet.get_by_role("button", name="ابدأ وقت العائلة الخاص").click()
    expect(tablet.locator("section.contribute")).to_have_attribute("data-audience", "family")
    check_axe(tablet, "private family time (ar)", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "ar-81-private-family-time.png"), full_page=True)
    assert not problems, problems
