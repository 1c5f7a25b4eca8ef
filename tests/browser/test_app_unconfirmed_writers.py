"""Signatures are checked after the plan is shown, in the background, and an item whose signature does not
check out is marked in plain words, never hidden and never shown as if it were fine: one written by a
device the plan does not know (it holds the plan key, so it can be read), and one whose words were
changed after a known device signed them."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from support.app_bundle import bundle
from support.processes import AlongsideServer
from support.pwa import add_strength, enrol, new_device, open_section, start_plan, wait_synced, worker_code

GENUINE = "Genuine words"
BY_STRANGER = "Written by a device nobody added"
TAMPERED = "Words changed after signing"
UNCONFIRMED = "We could not check who wrote this"

# Two items written straight into the plan's local database with the app's own modules.
FORGE = """
import {
  SignedItem, generateDeviceKeys, newDocumentId, sealItem, sealSignedItem, signItem,
} from './src/crypto/index.js';
import { loadDevice, trustedDevices } from './src/data/device.js';
import { editField } from './src/data/merge.js';
import { SCHEMA } from './src/data/model.js';
import { Plan } from './src/data/plan.js';

export async function forge(planId, strangerText, tamperedText) {
  const device = await loadDevice();
  const plan = await new Plan(planId, device).start(await trustedDevices(planId));
  plan.stop();
  const key = plan.keyring.current;
  const stamp = { at: Date.now(), dev: device.deviceId };
  const body = (text) => ({
    a: SCHEMA, type: 'strength', created: stamp,
    f: { text: editField(undefined, text, stamp), voice: editField(undefined, 'own', stamp) },
  });
  const stranger = await generateDeviceKeys();
  const strangerId = newDocumentId();
  const byStranger = await sealItem(body(strangerText), { planId, docId: strangerId, key, author: stranger });
  const tamperedId = newDocumentId();
  const written = body('What this device really wrote');
  const signed = await signItem(written, { planId, docId: tamperedId, author: device.keys });
  const changed = new SignedItem({ ...signed.body, f: body(tamperedText).f }, signed.by, signed.sig);
  const tampered = await sealSignedItem(changed, { planId, docId: tamperedId, key });
  await plan.save([byStranger, tampered]);
}
"""


def test_items_whose_writer_cannot_be_confirmed_are_marked_after_the_plan_shows(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    context = new_device(chromium, bypass_csp=True)
    page = context.new_page()
    enrol(page, alongside_server.url, worker_code(alongside_server))
    plan_id = start_plan(page, "Sam")
    open_section(page, plan_id, "strengths")
    add_strength(page, GENUINE)
    wait_synced(page)

    # Written while no plan is open, so the app reads them when it next opens the plan.
    page.goto(f"{alongside_server.url}/#/settings")
    page.reload()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible()
    page.evaluate(bundle(FORGE, "Forge"))
    page.evaluate("([planId, a, b]) => Forge.forge(planId, a, b)", [plan_id, BY_STRANGER, TAMPERED])

    open_section(page, plan_id, "strengths")
    cards = page.locator("article.item")
    expect(cards).to_have_count(3)
    for text in (BY_STRANGER, TAMPERED):
        expect(cards.filter(has_text=text).locator("[data-provenance]")).to_contain_text(UNCONFIRMED)
    expect(cards.filter(has_text=GENUINE).locator("[data-provenance]")).to_be_visible()
    expect(cards.filter(has_text=GENUINE).locator("[data-provenance]")).not_to_contain_text(UNCONFIRMED)
    expect(page.get_by_text(UNCONFIRMED)).to_have_count(2)
    context.close()
