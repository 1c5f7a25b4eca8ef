"""The person's own copy, joined by QR code: the worker's device shows the invite as a QR code, the
person's phone reads it (from a photo, through the same decoder the camera frames go through), both
devices show the same plan check number, the plan arrives, and a second use of the code is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from support.devices import installed_device, plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    DIST,
    expect_code_refused_a_second_time,
    invite,
    new_device,
    open_section,
    photograph_invite,
    read_qr_from_photo,
    start_plan,
    submit_join,
    wait_synced,
)


def asset_chunks() -> dict[str, dict[str, list[str]]]:
    """The build's code-split chunks and what each holds (pwa/dist/asset-manifest.json)."""
    chunks: dict[str, dict[str, list[str]]] = json.loads((DIST / "asset-manifest.json").read_text())["chunks"]
    return chunks


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_join_by_qr_code(chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, "I make people laugh")

    text = invite(tablet, plan_id)
    photo = tmp_path / "invite-qr.png"
    worker_fingerprint = photograph_invite(tablet, photo)

    # The person's phone reads the code from the picture and joins with it.
    phone = new_device(chromium).new_page()
    read = read_qr_from_photo(phone, url, photo)
    assert read == text
    submit_join(phone)
    expect(phone.get_by_role("heading", name="My plan", exact=True)).to_be_visible(timeout=20_000)
    assert phone.url.endswith(f"#/plan/{plan_id}/mine")
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

    expect_code_refused_a_second_time(chromium, url, photo, text)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_qr_decoder_loads_only_when_scanning_and_works_offline(
    chromium: Browser, alongside_server: AlongsideServer, tmp_path: Path
) -> None:
    # jsQR lives in a chunk of its own (pwa/build.mjs): the app does not fetch it to start, only when a
    # picture is read; the service worker precaches it, so a phone with no signal still reads codes.
    decoder = next(path for path, holds in asset_chunks().items() if "jsqr" in holds["packages"])
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = start_plan(tablet, "Sam")
    text = invite(tablet, plan_id)
    photo = tmp_path / "invite-qr.png"
    tablet.get_by_role("img", name="QR code for the other device").screenshot(path=str(photo))

    phone = installed_device(chromium, url)
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
