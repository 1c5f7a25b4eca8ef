"""Taking the plan away as a file: the person's phone saves the whole plan as a file locked with a
passphrase (no plan content readable in it); another device opens the file again (a wrong passphrase is
refused in plain words) and shows the plan, with who wrote what, as a copy that stays on that device."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from support.devices import joined_device, plan_with_strengths, worker_device
from support.documents import plaintext_strings
from support.processes import AlongsideServer
from support.pwa import invite, open_plan_file, open_section, save_plan_file

STRENGTH = "I know every bus route in town"
PASSPHRASE = "blue kettle on sunday"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_save_the_plan_as_a_file_and_open_it_again(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, STRENGTH, title="Getting out more")
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id)

    # The person saves the plan as a file from the read-back screen.
    open_section(phone, plan_id, "readback")
    expect(phone.locator(".item-text", has_text=STRENGTH)).to_be_visible()
    saved = save_plan_file(phone, PASSPHRASE, tmp_path)
    assert "Sam" not in saved.name
    expect(phone.get_by_text("The file is saved.")).to_be_visible()
    readable = " ".join(plaintext_strings(json.loads(saved.read_text())))
    for plain in (STRENGTH, "Sam", "Getting out more", "bus route"):
        assert plain not in readable

    # Another device (never a member of this plan) opens the file.
    other = worker_device(chromium, alongside_server, name="Bea", label="office laptop")
    open_plan_file(other, saved, "wrong passphrase")
    expect(other.get_by_text("That passphrase does not open this file. Try again.")).to_be_visible(timeout=20_000)
    other.get_by_label("Passphrase for the file").fill(PASSPHRASE)
    other.get_by_role("button", name="Open the plan").click()
    expect(other.get_by_role("heading", name="The plan")).to_be_visible(timeout=20_000)
    expect(other.locator(".person-name")).to_have_text("Sam")
    expect(other.locator("[data-copy]")).to_contain_text("This copy stays on this device and does not sync.")
    open_section(other, plan_id, "strengths")
    item = other.locator("article.item", has_text=STRENGTH)
    expect(item).to_be_visible()
    expect(item).to_contain_text("typed by Ali")
    expect(item).not_to_contain_text("We could not check who wrote this")

    # It is there after a restart, with no connection.
    other.context.set_offline(True)
    other.reload()
    expect(other.locator("article.item", has_text=STRENGTH)).to_be_visible(timeout=20_000)
