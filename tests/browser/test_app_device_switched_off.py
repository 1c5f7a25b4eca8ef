"""A worker who leaves is switched off by the organisation's admin (``POST /api/v1/workers/{account}/revoke``).
Their device is told in plain words on its next sync that it can no longer sync the plan, stops trying,
and keeps what was written on it."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Browser, expect
from support.processes import AlongsideServer
from support.pwa import add_strength, admin, enrol, new_device, open_section, start_plan, wait_synced

from alongside.crypto import generate_device_keys

BEFORE = "Good at fixing bikes"
AFTER = "Written after the worker was switched off"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_switched_off_worker_device_is_told_it_can_no_longer_sync(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    admin_code = admin(alongside_server, "init", "--org", "Riverside Family Support", "--name", "Admin")["code"]
    worker = admin(alongside_server, "add-worker", "--name", "Ali")
    keys = generate_device_keys()
    enrolled = httpx.post(f"{url}/api/v1/enrol", json={"code": admin_code, "public_keys": keys.public.to_json()})
    assert enrolled.status_code == 201, enrolled.text
    admin_auth = {"Authorization": f"Bearer {enrolled.json()['token']}"}

    page = new_device(chromium).new_page()
    enrol(page, url, worker["code"])
    plan_id = start_plan(page, "Sam")
    open_section(page, plan_id, "strengths")
    add_strength(page, BEFORE)
    wait_synced(page)

    switched_off = httpx.post(f"{url}/api/v1/workers/{worker['account']}/revoke", headers=admin_auth)
    assert switched_off.status_code == 200, switched_off.text
    assert len(switched_off.json()["revoked_devices"]) == 1

    add_strength(page, AFTER)
    status = page.locator(".sync")
    expect(status).to_contain_text(
        "This device can no longer sync this plan. Your changes are safe on this device.", timeout=30_000
    )
    expect(status).to_have_attribute("data-sync-state", "problem")
    expect(status.get_by_role("button")).to_have_count(0)  # nothing to retry: the server said no

    # Still so after a restart, and what was written here is still here.
    page.reload()
    expect(status).to_contain_text("This device can no longer sync this plan.", timeout=30_000)
    for text in (BEFORE, AFTER):
        expect(page.locator(".item-text", has_text=text)).to_be_visible()
