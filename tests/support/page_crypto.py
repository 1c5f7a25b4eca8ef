"""The app's own crypto modules inside Chromium, for tests that check what the server holds with them: a page
on the app's origin imports ``pwa/src/crypto`` and tries an old plan key on every item."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, Route

from .processes import REPO
from .pwa import new_device

CRYPTO = REPO / "pwa" / "src" / "crypto"

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
    """Answer ``/__crypto__/<name>.js`` with the app's own module of that name from ``pwa/src/crypto``."""
    name = route.request.url.split("/__crypto__/", 1)[1].split("?")[0]
    path = (CRYPTO / name).resolve()
    assert path.parent == CRYPTO and path.suffix == ".js", name
    route.fulfill(status=200, content_type="text/javascript", body=path.read_text())


def try_old_key(browser: Browser, url: str, invite_text: str, plan_id: str, token: str) -> dict[str, Any]:
    """With the plan key from `invite_text`, try to open every item the server holds (as the device of `token`):
    ``{"oldKid", "keys" (the plan's key list), "kids" (each item's key id), "outcomes" (one per try)}``."""
    lab_context = new_device(browser, bypass_csp=True)
    lab_context.route(re.compile(r".*/__crypto__/.*"), serve_crypto)
    lab = lab_context.new_page()
    lab.goto(url + "/manifest.webmanifest")
    result: dict[str, Any] = lab.evaluate(CHECK_OLD_KEY, {"text": invite_text, "planId": plan_id, "token": token})
    lab_context.close()
    return result


# In a page of a device's own context (same IndexedDB), with the app's crypto module: every key the keyring
# documents on the server grant to this device, unwrapped with its private keys and tried on each item given.
TRY_OWN_KEYS = """async ({planId, ids}) => {
  const c = await import('/__crypto__/index.js');
  const stored = await new Promise((resolve, reject) => {
    const open = indexedDB.open('alongside-device');
    open.onsuccess = () => {
      const get = open.result.transaction('kv').objectStore('kv').get('device');
      get.onsuccess = () => resolve(get.result);
      get.onerror = () => reject(get.error);
    };
    open.onerror = () => reject(open.error);
  });
  const device = await c.DeviceKeys.fromPrivateBytes(new Uint8Array(stored.secret));
  const auth = {headers: {Authorization: `Bearer ${stored.token}`}};
  const members = await (await fetch(`/api/v1/plans/${planId}/members`, auth)).json();
  const trusted = new Map();
  for (const member of members.members) {
    for (const d of member.devices) {
      const keys = await c.DevicePublicKeys.fromJSON(d.public_keys);
      trusted.set(keys.deviceId, keys);
    }
  }
  const docs = (await (await fetch(`/sync/${planId}/_all_docs?include_docs=true`, auth)).json()).rows.map((r) => r.doc);
  const keys = [];
  for (const doc of docs.filter((d) => d.kind === 'keyring' && d.to === device.deviceId)) {
    try {
      keys.push((await c.openGrant(doc, {planId, device, trusted})).key);
    } catch {
      /* granted by a device no longer listed */
    }
  }
  const outcomes = {};
  for (const id of ids) {
    const doc = docs.find((d) => d._id === id);
    outcomes[id] = [];
    for (const key of keys) {
      try {
        await c.openItem({...doc, kid: key.kid}, {planId, keyring: new c.Keyring(planId, [key]), devices: trusted});
        outcomes[id].push('opened');
      } catch (error) {
        outcomes[id].push(error.name);
      }
    }
  }
  return {keys: keys.map((k) => [k.audience, k.kid]), outcomes};
}"""


def try_own_keys(page: Page, url: str, plan_id: str, ids: list[str]) -> dict[str, Any]:
    """Every key the server's keyring documents give `page`'s device (its context made with ``bypass_csp``), tried
    on each item of `ids`: ``{"keys": [[audience, kid], …], "outcomes": {id: ["opened" | error name, …]}}``."""
    page.context.route(re.compile(r".*/__crypto__/.*"), serve_crypto)
    lab = page.context.new_page()
    lab.goto(url + "/manifest.webmanifest")
    result: dict[str, Any] = lab.evaluate(TRY_OWN_KEYS, {"planId": plan_id, "ids": ids})
    lab.close()
    return result
