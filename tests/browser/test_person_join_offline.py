"""Joining the person's phone when neither device has signal (issue 7): the worker's tablet shows the QR code
offline, the person's phone reads it offline (through the same photo decoder as the QR test), both show the
same check number, and the phone says what it is waiting for. The phone gets a connection first: the invite's
signed registration lets the server admit it although the tablet never registered the invite, and the plan
arrives. When the tablet comes online its queued registration is accepted as done, and a second use of the
code is refused in plain words. And when the plan itself was started offline, the phone says it is waiting for
the tablet to connect, and the join completes once it has."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser, expect
from support.backends import SQLITE_ONLY
from support.devices import installed_device, plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    add_strength,
    expect_code_refused_a_second_time,
    invite,
    open_section,
    photograph_invite,
    read_qr_from_photo,
    start_plan,
    submit_join,
    wait_for_service_worker,
    wait_synced,
)

pytestmark = SQLITE_ONLY  # what this module shows does not depend on the storage

STRENGTH = "I make people laugh"


def test_both_devices_offline_the_join_is_kept_and_the_plan_arrives_when_the_phone_connects(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    tablet_context = tablet.context
    plan_id = plan_with_strengths(tablet, STRENGTH)
    wait_for_service_worker(tablet)

    # The person's phone has opened the app once before (it is installed), then nobody has signal.
    phone = installed_device(chromium, url)
    phone_context = phone.context
    tablet_context.set_offline(True)
    phone_context.set_offline(True)

    text = invite(tablet, plan_id)
    expect(tablet.locator("[data-invite-registered]")).to_have_attribute("data-invite-registered", "waiting")
    expect(tablet.get_by_text("the other device can still join with this code")).to_be_visible()
    photo = tmp_path / "invite-qr.png"
    worker_fingerprint = photograph_invite(tablet, photo)

    assert read_qr_from_photo(phone, url, photo) == text
    submit_join(phone)
    status = phone.locator(".sync")
    expect(status).to_have_attribute("data-sync-state", "waiting", timeout=20_000)
    expect(status).to_contain_text("Waiting for a connection to finish joining.")
    expect(status.locator("[data-fingerprint]")).to_have_text(worker_fingerprint)
    assert f"#/plan/{plan_id}" in phone.url
    phone.goto(f"{url}/#/plans")
    expect(phone.get_by_role("link", name="Waiting for a connection to finish joining")).to_be_visible()

    # The phone gets signal first; the tablet is still offline and has registered nothing.
    phone_context.set_offline(False)
    phone.get_by_role("link", name="Waiting for a connection to finish joining").click()
    wait_synced(phone)
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
    open_section(phone, plan_id, "share")
    expect(phone.locator("[data-fingerprint]")).to_have_text(worker_fingerprint)

    # The tablet comes online: its queued registration of the invite is accepted as done.
    tablet_context.set_offline(False)
    expect(tablet.locator("[data-invite-registered]")).to_have_attribute(
        "data-invite-registered", "sent", timeout=30_000
    )
    expect(tablet.get_by_text("This device has told the server about this code.")).to_be_visible()

    expect_code_refused_a_second_time(chromium, url, photo, text)


def test_a_join_to_a_plan_started_offline_waits_for_the_workers_device_then_completes(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    tablet_context = tablet.context
    wait_for_service_worker(tablet)
    phone = installed_device(chromium, url)
    phone_context = phone.context
    tablet_context.set_offline(True)
    phone_context.set_offline(True)

    # The whole visit happens with no signal: the plan is started, written and shared.
    plan_id = start_plan(tablet, "Sam")
    open_section(tablet, plan_id, "strengths")
    add_strength(tablet, STRENGTH)
    invite(tablet, plan_id)
    photo = tmp_path / "invite-qr.png"
    worker_fingerprint = photograph_invite(tablet, photo)
    read_qr_from_photo(phone, url, photo)
    submit_join(phone)
    status = phone.locator(".sync")
    expect(status).to_contain_text("Waiting for a connection to finish joining.", timeout=20_000)
    expect(status.locator("[data-fingerprint]")).to_have_text(worker_fingerprint)

    # The phone gets signal, but the plan is not on the server yet: it says what it is waiting for.
    phone_context.set_offline(False)
    expect(status).to_contain_text("Waiting for the device that showed the code to connect.", timeout=20_000)
    expect(status).to_have_attribute("data-sync-state", "waiting")

    # The tablet connects: it sets the plan up, registers the invite and syncs; the phone's join completes.
    tablet_context.set_offline(False)
    wait_synced(tablet)
    wait_synced(phone, timeout=60_000)
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
