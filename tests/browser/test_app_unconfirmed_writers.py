"""Signatures are checked after the plan is shown, in the background, and an item whose signature does not
check out is marked in plain words, never hidden and never shown as if it were fine: one written by a
device the plan does not know (it holds the plan key, so it can be read), and one whose words were
changed after a known device signed them."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from support.app_bundle import bundle
from support.backends import SQLITE_ONLY
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import add_strength, open_section, start_plan, wait_synced

GENUINE = "Genuine words"
BY_STRANGER = "Written by a device nobody added"
TAMPERED = "Words changed after signing"
UNCONFIRMED = "We could not check who wrote this"

pytestmark = SQLITE_ONLY  # what this module shows does not depend on the storage

# Two items written straight into the plan's local database with the app's own modules.
FORGE = """
import {
  SignedItem, generateDeviceKeys, newDocumentId, sealItem, sealSignedItem, signField, signItem,
} from './src/crypto/index.js';
import { loadDevice, trustedDevices } from './src/data/device.js';
import { openLocalDatabase } from './src/data/localdb.js';
import { editField } from './src/data/merge.js';
import { SCHEMA } from './src/data/model.js';
import { Plan } from './src/data/plan.js';

export async function forge(planId, strangerText, tamperedText) {
  const device = await loadDevice();
  const db = await openLocalDatabase(planId);
  const plan = await new Plan(planId, device, { db }).start(await trustedDevices(planId));
  plan.stop();
  const key = plan.keyring.current;
  // A body whose fields `author` set and signed (spec §8.5).
  const body = async (docId, text, author) => {
    const stamp = { at: Date.now(), dev: author.deviceId };
    const sign = (name, field) =>
      signField({ planId, docId, name, value: field.v, h: field.h, at: field.at, author });
    const f = {
      text: await editField(undefined, text, stamp, { name: 'text', sign }),
      voice: await editField(undefined, 'own', stamp, { name: 'voice', sign }),
    };
    return { a: SCHEMA, type: 'strength', created: stamp, f };
  };
  const stranger = await generateDeviceKeys();
  const strangerId = newDocumentId();
  const strangerBody = await body(strangerId, strangerText, stranger);
  const byStranger = await sealItem(strangerBody, { planId, docId: strangerId, key, author: stranger });
  const tamperedId = newDocumentId();
  const written = await body(tamperedId, 'What this device really wrote', device.keys);
  const signed = await signItem(written, { planId, docId: tamperedId, author: device.keys });
  const words = (await body(tamperedId, tamperedText, device.keys)).f;
  const version = { n: signed.n, prev: signed.prev };
  const changed = new SignedItem({ ...signed.body, f: words }, signed.by, signed.sig, version);
  const tampered = await sealSignedItem(changed, { planId, docId: tamperedId, key });
  await plan.save([byStranger, tampered]);
}
"""


def test_items_whose_writer_cannot_be_confirmed_are_marked_after_the_plan_shows(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    page = worker_device(chromium, alongside_server, bypass_csp=True)
    context = page.context
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
