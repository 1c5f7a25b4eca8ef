"""Removal by the person: "Who can see this plan" lists the members and their devices in plain words;
the person removes their worker; their phone then locks the plan with a new key for the devices that
remain and re-seals the live items. The worker's device is told plainly on its next sync, and an item
written after the rotation cannot be opened with the old key (checked with the crypto module in Chromium)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect
from support.processes import AlongsideServer
from support.pwa import (
    add_strength,
    device_token,
    enrol,
    invite,
    join,
    new_device,
    open_section,
    start_plan,
    wait_synced,
    worker_code,
)

CRYPTO = Path(__file__).resolve().parents[2] / "pwa" / "src" / "crypto"
BEFORE = "I look after my neighbour's dog"
AFTER = "I want to move somewhere new"

# In Chromium, with the app's own crypto module: every item on the server is under the new key and
# none opens with a keyring holding only the old key (from the invite), even with its key id swapped.
CHECK_OLD_KEY = """async ({text, planId, token}) => {
  const c = await import('/__crypto__/index.js');
  const old = (await c.openInvite(text)).planKey;
  const auth = {headers: {Authorization: `Bearer ${token}`}};
  const keys = await (await fetch(`/api/v1/plans/${planId}/keys`, auth)).json();
  const all = await (await fetch(`/sync/${planId}/_all_docs?include_docs=true`, auth)).json();
  const items = all.rows.map((r) => r.doc).filter((d) => d.kind === 'item');
  const oldRing = new c.Keyring(planId, [old]);
  const outcomes = [];
  for (const doc of items) {
    for (const candidate of [doc, {...doc, kid: old.kid}]) {
      try {
        await c.openItem(candidate, {planId, keyring: oldRing, devices: new Map()});
        outcomes.push('opened');
      } catch (error) {
        outcomes.push(error.name);
      }
    }
  }
  return {oldKid: old.kid, keys, kids: items.map((d) => d.kid), outcomes};
}"""


def serve_crypto(route: Route) -> None:
    name = route.request.url.split("/__crypto__/", 1)[1].split("?")[0]
    path = (CRYPTO / name).resolve()
    assert path.parent == CRYPTO and path.suffix == ".js", name
    route.fulfill(status=200, content_type="text/javascript", body=path.read_text())


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_person_removes_their_worker(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    tablet = new_device(chromium).new_page()
    enrol(tablet, url, worker_code(alongside_server))
    plan_id = start_plan(tablet, "Sam")
    open_section(tablet, plan_id, "strengths")
    add_strength(tablet, BEFORE)
    wait_synced(tablet)
    text = invite(tablet, plan_id)

    phone = new_device(chromium).new_page()
    assert join(phone, url, text) == plan_id
    wait_synced(phone)

    # Who can see my plan, in plain words.
    open_section(phone, plan_id, "share")
    members = phone.locator(".member")
    expect(members).to_have_count(2)
    sam = members.filter(has_text="the person whose plan this is")
    ali = members.filter(has_text="their worker")
    expect(sam).to_contain_text("Sam")
    expect(sam).to_contain_text("Sam's phone (this device)")
    expect(ali).to_contain_text("Ali")
    expect(ali).to_contain_text("work tablet")
    expect(sam.get_by_role("button")).to_have_count(0)

    ali.get_by_role("button", name="Remove Ali").click()
    expect(ali).to_contain_text("Ali will no longer see this plan")
    ali.get_by_role("button", name="Yes, remove them").click()
    expect(phone.get_by_role("status").filter(has_text="Ali can no longer see this plan.")).to_be_visible(
        timeout=30_000
    )
    expect(phone.locator(".member")).to_have_count(1)

    # An item written after the rotation, synced.
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text=BEFORE)).to_be_visible()
    add_strength(phone, AFTER)
    wait_synced(phone)

    # The worker's device, on its next sync: told plainly, and nothing new arrives.
    tablet.reload()
    expect(tablet.locator(".sync")).to_contain_text("You no longer have access to this plan.", timeout=30_000)
    expect(tablet.locator(".sync")).to_have_attribute("data-sync-state", "problem")
    open_section(tablet, plan_id, "strengths")
    expect(tablet.locator(".item-text", has_text=BEFORE)).to_be_visible()
    expect(tablet.locator(".item-text", has_text=AFTER)).to_have_count(0)

    # At the crypto level: nothing on the server opens with the old key.
    lab_context = new_device(chromium, bypass_csp=True)
    lab_context.route(re.compile(r".*/__crypto__/.*"), serve_crypto)
    lab = lab_context.new_page()
    lab.goto(url + "/manifest.webmanifest")
    result: dict[str, Any] = lab.evaluate(
        CHECK_OLD_KEY, {"text": text, "planId": plan_id, "token": device_token(phone)}
    )
    new_kid = result["keys"]["current"]["kid"]
    assert result["oldKid"] in result["keys"]["retired"]
    assert new_kid != result["oldKid"]
    assert len(result["kids"]) >= 5  # the plan, two rosters, two strengths
    assert set(result["kids"]) == {new_kid}
    assert set(result["outcomes"]) == {"DecryptionError"}
