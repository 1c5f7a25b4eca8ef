"""A new device joining a plan of a few hundred items shows how much has arrived: an accessible progress bar
("Downloading the plan: n of total") whose value rises batch by batch and which goes away when the plan
is all there. The values are recorded by the page itself as the bar changes, not by timing."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect
from support.app_bundle import bundle
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import invite, join, new_device, open_section, start_plan, wait_synced

ITEMS = 300

# Many strengths sealed and saved with the app's own data layer (the path Plan.create takes, in bulk),
# marked waiting to sync, so the app's sync pushes them when the plan is next open.
SEED = """
import { newDocumentId } from './src/crypto/index.js';
import { loadDevice, trustedDevices } from './src/data/device.js';
import { openLocalDatabase } from './src/data/localdb.js';
import { editField } from './src/data/merge.js';
import { SCHEMA } from './src/data/model.js';
import { Plan } from './src/data/plan.js';

export async function seed(planId, count) {
  const device = await loadDevice();
  const db = await openLocalDatabase(planId);
  const plan = await new Plan(planId, device, { db }).start(await trustedDevices(planId));
  plan.stop();
  const docs = [];
  for (let n = 0; n < count; n += 1) {
    const id = newDocumentId();
    const stamp = { at: Date.now() + n, dev: device.deviceId };
    const field = (name, value) => editField(undefined, value, stamp, { name, sign: plan.signer(id) });
    const f = { text: await field('text', `Strength ${n}`), voice: await field('voice', 'own') };
    docs.push(await plan.seal(id, { a: SCHEMA, type: 'strength', created: stamp, f }));
  }
  for (let i = 0; i < docs.length; i += 100) await plan.save(docs.slice(i, i + 100));
}
"""

# Runs before the app on the joining device: every change of the progress bar, as the page sees it
# (null once it has gone).
WATCH_PROGRESS = """
(() => {
  const seen = [];
  window.__progress = seen;
  let last = 'null';
  const look = () => {
    const bar = document.querySelector('[role="progressbar"], progress');
    const now = bar ? { value: bar.value, max: bar.max, label: bar.labels?.[0]?.textContent ?? '' } : null;
    const key = JSON.stringify(now);
    if (key === last) return;
    last = key;
    seen.push(now);
  };
  const all = { subtree: true, childList: true, characterData: true, attributes: true };
  new MutationObserver(look).observe(document, all);
})();
"""


# Runs before the app on the joining device: the server's first answer to the plan's changes feed comes
# late (as from a busy server), so the device's own push (its roster entry) is idle long before the
# download has begun. The bar must still rise and only go once the plan is all there.
SLOW_FIRST_CHANGES = """
(() => {
  const fetchNow = window.fetch.bind(window);
  let heldBack = false;
  window.fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    if (!heldBack && /\\/sync\\/[0-9a-f]{32}\\/_changes/.test(url)) {
      heldBack = true;
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    return fetchNow(input, init);
  };
})();
"""


def test_a_joining_device_shows_the_download_rising_then_gone(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)
    tablet_context = tablet.context
    plan_id = start_plan(tablet, "Sam")
    wait_synced(tablet)
    tablet.goto(f"{url}/#/settings")
    tablet.reload()
    expect(tablet.get_by_role("heading", name="Settings")).to_be_visible()
    tablet.evaluate(bundle(SEED, "Seed"))
    tablet.evaluate("([planId, count]) => Seed.seed(planId, count)", [plan_id, ITEMS])
    open_section(tablet, plan_id, "")
    wait_synced(tablet, timeout=120_000)
    text = invite(tablet, plan_id)

    phone_context = new_device(chromium)
    phone_context.add_init_script(WATCH_PROGRESS)
    phone_context.add_init_script(SLOW_FIRST_CHANGES)
    phone = phone_context.new_page()
    join(phone, url, text)
    wait_synced(phone, timeout=120_000)
    open_section(phone, plan_id, "")
    expect(phone.locator("a.section-link", has_text="Strengths")).to_contain_text(f"{ITEMS} ")
    expect(phone.get_by_role("progressbar")).to_have_count(0)

    seen: list[dict[str, Any] | None] = phone.evaluate("window.__progress")
    shown = [entry for entry in seen if entry]
    assert len(shown) >= 2, seen
    values = [entry["value"] for entry in shown]
    assert values == sorted(values), seen  # it only rises
    assert values[-1] > values[0], seen
    total = shown[0]["max"]
    assert total >= ITEMS and all(entry["max"] == total for entry in shown), seen
    for entry in shown:
        assert entry["label"] == f"Downloading the plan: {entry['value']:.0f} of {total:.0f}", entry
    assert seen[-1] is None, seen  # gone once the plan is all there
    tablet_context.close()
    phone_context.close()
