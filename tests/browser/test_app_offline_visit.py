"""A home visit with no signal: the app loads offline, a whole plan is written offline, it syncs when the
connection comes back, and another device of the plan (the person's phone, joined by invite) sees every
item with who said it, in whose words, and who typed it on which device."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from support.backends import SQLITE_ONLY
from support.devices import joined_device, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    GOAL,
    PERSON,
    READING_WHY,
    RESPONSE,
    STEP,
    STRENGTH,
    TRIGGER,
    WORKER_VIEW,
    WORKING,
    invite,
    open_section,
    start_plan,
    wait_for_service_worker,
    wait_synced,
    write_whole_plan,
)

pytestmark = SQLITE_ONLY  # what this module shows does not depend on the storage


def test_offline_visit_syncs_and_the_persons_phone_sees_everything(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    tablet = page.context
    plan_id = start_plan(page, "Sam", "Feeling more like me")
    wait_synced(page)
    wait_for_service_worker(page)

    # No signal at the kitchen table: the app and its plans still load.
    tablet.set_offline(True)
    page.goto(f"{url}/#/plans")
    page.reload()
    expect(page.get_by_role("heading", name="My plans")).to_be_visible()
    expect(page.get_by_text("Sam", exact=True)).to_be_visible()
    page.get_by_role("link", name=re.compile("Sam")).click()
    expect(page.locator('.sync[data-sync-state="offline"]')).to_be_visible()

    write_whole_plan(page, plan_id)
    status = page.locator(".sync")
    expect(status).to_have_attribute("data-sync-state", "offline")
    expect(status).to_contain_text("Saved on this device. No connection.")
    assert int(status.get_attribute("data-pending") or 0) >= 8

    # Signal again: everything goes up.
    tablet.set_offline(False)
    wait_synced(page)

    # The person's own phone joins with the invite shown on the tablet and gets every item.
    text = invite(page, plan_id)
    person = joined_device(chromium, url, text, plan_id)
    expect(person.get_by_text("Sam", exact=True)).to_be_visible()

    open_section(person, plan_id, "strengths")
    card = person.locator("article.item", has_text=STRENGTH)
    # On the person's own phone, the person is "you".
    expect(card.locator("[data-provenance]")).to_contain_text(
        "Said by you · Your own words · typed by Ali (work tablet)"
    )
    open_section(person, plan_id, "matters")
    matter = person.locator("article.item", has_text=WORKING)
    expect(matter).to_contain_text(WORKER_VIEW)
    expect(matter).to_contain_text("We see this differently")
    expect(matter.locator("[data-provenance]")).to_contain_text("typed by Ali (work tablet)")
    open_section(person, plan_id, "goals")
    expect(person.locator("article.item", has_text=GOAL)).to_contain_text("1 March 2026")
    person.get_by_role("link", name=re.compile("^Scale and readings")).click()
    expect(person.locator(".scale-ends")).to_contain_text("Swimming twice a week with friends")
    expect(person.get_by_text(READING_WHY, exact=True)).to_be_visible()
    open_section(person, plan_id, "people")
    expect(person.locator("article.item", has_text=PERSON)).to_contain_text(GOAL)
    open_section(person, plan_id, "steps")
    expect(person.locator("article.item", has_text=STEP)).to_contain_text("15 January 2026")
    expect(person.locator("article.item", has_text=TRIGGER)).to_contain_text(RESPONSE)
    open_section(person, plan_id, "readback")
    expect(person.locator("button[aria-pressed=true]")).to_have_count(6)
    expect(person.locator("[data-agreement=person]").first).to_have_text(
        "You said you agree, recorded by Ali (work tablet)"
    )
    person.get_by_role("link", name="1 agreed version").click()
    expect(person.get_by_role("link", name=re.compile("Version 1"))).to_be_visible()

    # The phone is in the plan's roster with its own name.
    open_section(page, plan_id, "share")
    expect(page.locator(".roster")).to_contain_text("Sam's phone")
    tablet.close()
    person.context.close()
