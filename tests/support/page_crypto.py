"""The app's own crypto modules inside Chromium, for tests that check what the server holds with them: a page
on the app's origin imports ``pwa/src/crypto`` and tries an old plan key on every item."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Route

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
