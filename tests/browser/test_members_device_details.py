""" "Who can see this plan" for a supporter: names and device names come from the plan's own encrypted
roster, and when other people's devices last synced is not shown (the server no longer tells supporters,
docs/security.md section 3). The person still sees when each device last synced."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect
from support.devices import joined_device, worker_and_person
from support.processes import AlongsideServer
from support.pwa import invite, open_section


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_supporter_sees_names_from_the_roster_and_no_one_elses_last_sync(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    _tablet, phone, plan_id = worker_and_person(chromium, alongside_server)
    text = invite(phone, plan_id, "Someone they trust, who can only read it")
    friend = joined_device(chromium, url, text, plan_id, name="Mo", label="Mo's phone")

    open_section(friend, plan_id, "share")
    members = friend.locator(".member")
    expect(members).to_have_count(3)
    sam = members.filter(has_text="the person whose plan this is")
    ali = members.filter(has_text="their worker")
    mo = members.filter(has_text="Mo")
    expect(sam).to_contain_text("Sam's phone")  # from the roster entry Sam's phone wrote, not the server
    expect(ali).to_contain_text("Ali")
    expect(ali).to_contain_text("work tablet")
    expect(mo).to_contain_text("Mo's phone (this device)")
    expect(mo).to_contain_text("last synced")  # its own device
    expect(sam).not_to_contain_text("last synced")
    expect(ali).not_to_contain_text("last synced")

    # The person sees every device's last sync.
    phone.reload()
    open_section(phone, plan_id, "share")
    person_view = phone.locator(".member")
    expect(person_view).to_have_count(3)
    for member in person_view.all():
        expect(member).to_contain_text("last synced")
