"""The person's own copy, joined by QR code: the worker's device shows the invite as a QR code, the
person's phone reads it (from a photo, through the same decoder the camera frames go through), both
devices show the same plan check number, the plan arrives, and a second use of the code is refused."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from support.processes import AlongsideServer
from support.pwa import (
    DIST,
    add_strength,
    enrol,
    invite,
    new_device,
    open_section,
    start_plan,
    wait_for_service_worker,
    wait_synced,
    worker_code,
)


def asset_chunks() -> dict[str, dict[str, list[str]]]:
    """The build's code-split chunks and what each holds (pwa/dist/asset-manifest.json)."""
    chunks: dict[str, dict[str, list[str]]] = json.loads((DIST / "asset-manifest.json").read_text())["chunks"]
    return chunks


def read_qr_from_photo(page: Page, url: str, photo: Path) -> str:
    """Open "Join a plan" and give it a photo of the QR code; returns what landed in the code field."""
    page.goto(f"{url}/#/join")
    expect(page.get_by_role("heading", name="Join a plan")).to_be_visible()
    page.get_by_label("Or choose a photo of the code").set_input_files(str(photo))
    expect(page.get_by_role("status").filter(has_text="The code was read.")).to_be_visible()
    return page.get_by_label("Code", exact=True).input_value()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_join_by_qr_code(chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path) -> None:
    url = alongside_server.url
    tablet = new_device(chromium).new_page()
    enrol(tablet, url, worker_code(alongside_server))
    plan_id = start_plan(tablet, "Sam")
    open_section(tablet, plan_id, "strengths")
    add_strength(tablet, "I make people laugh")
    wait_synced(tablet)

    text = invite(tablet, plan_id)
    qr = tablet.get_by_role("img", name="QR code for the other device")
    expect(qr).to_be_visible()
    photo = tmp_path / "invite-qr.png"
    qr.screenshot(path=str(photo))
    worker_fingerprint = tablet.locator("[data-fingerprint]").inner_text()
    assert re.fullmatch(r"\d{5} \d{5} \d{5} \d{5}", worker_fingerprint)

    # The person's phone reads the code from the picture and joins with it.
    phone = new_device(chromium).new_page()
    read = read_qr_from_photo(phone, url, photo)
    assert read == text
    phone.get_by_label("Your name").fill("Sam")
    phone.get_by_label("A name for this device").fill("Sam's phone")
    phone.get_by_role("button", name="Join the plan").click()
    expect(phone.get_by_role("heading", name="The plan")).to_be_visible(timeout=20_000)
    assert f"#/plan/{plan_id}" in phone.url
    wait_synced(phone)
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text="I make people laugh")).to_be_visible(timeout=20_000)
    open_section(phone, plan_id, "share")
    expect(phone.locator("[data-fingerprint]")).to_have_text(worker_fingerprint)

    # A picture with no code in it says so plainly.
    blank = tmp_path / "blank.png"
    phone.locator("h1").screenshot(path=str(blank))
    phone.goto(f"{url}/#/join")
    phone.get_by_label("Or choose a photo of the code").set_input_files(str(blank))
    expect(phone.get_by_role("status").filter(has_text="could not find a code")).to_be_visible()

    # The same QR code a second time, on another device: refused in plain words.
    other = new_device(chromium).new_page()
    assert read_qr_from_photo(other, url, photo) == text
    other.get_by_label("Your name").fill("Someone")
    other.get_by_role("button", name="Join the plan").click()
    expect(other.get_by_text("This code did not work. Ask for a new one.")).to_be_visible()
    expect(other.get_by_role("heading", name="Join a plan")).to_be_visible()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_qr_decoder_loads_only_when_scanning_and_works_offline(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    # jsQR lives in a chunk of its own (pwa/build.mjs): the app does not fetch it to start, only when a
    # picture is read; the service worker precaches it, so a phone with no signal still reads codes.
    decoder = next(path for path, holds in asset_chunks().items() if "jsqr" in holds["packages"])
    url = alongside_server.url
    tablet = new_device(chromium).new_page()
    enrol(tablet, url, worker_code(alongside_server))
    plan_id = start_plan(tablet, "Sam")
    text = invite(tablet, plan_id)
    photo = tmp_path / "invite-qr.png"
    tablet.get_by_role("img", name="QR code for the other device").screenshot(path=str(photo))

    phone = new_device(chromium).new_page()
    phone.goto(url + "/")
    wait_for_service_worker(phone)
    phone.wait_for_function("async (path) => !!(await caches.match(path))", arg=decoder, timeout=20_000)
    phone.context.set_offline(True)
    phone.goto(f"{url}/#/join")
    phone.reload()
    expect(phone.get_by_role("heading", name="Join a plan")).to_be_visible()
    fetched = "(path) => performance.getEntriesByType('resource').some((e) => new URL(e.name).pathname === path)"
    assert not phone.evaluate(fetched, decoder)
    phone.get_by_label("Or choose a photo of the code").set_input_files(str(photo))
    expect(phone.get_by_role("status").filter(has_text="The code was read.")).to_be_visible()
    assert phone.get_by_label("Code", exact=True).input_value() == text
    assert phone.evaluate(fetched, decoder)
