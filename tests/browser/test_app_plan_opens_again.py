"""A plan opened again on the same device reads the versions it decrypted before, kept sealed in its own database
(`_local/alongside-opened`, pwa/src/data/openedcache.js; docs/crypto.md §13.4), instead of reading and decrypting
every envelope: in IndexedDB the record is bytes and holds no word of the plan; while nothing changed the
plan opens without reading one revision body; a change made on another device shows when the plan opens again."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from support.backends import SQLITE_ONLY
from support.devices import worker_and_person
from support.processes import AlongsideServer
from support.pwa import change_item, open_section, wait_synced

pytestmark = SQLITE_ONLY  # what the app keeps on the device; the stores do not take part

# Counts the reads of revision bodies (PouchDB's by-sequence store) since the page started.
COUNT_BODY_READS = """
window.__bodyReads = 0;
for (const type of [IDBObjectStore, IDBIndex]) {
  const get = type.prototype.get;
  type.prototype.get = function (...args) {
    const store = this instanceof IDBIndex ? this.objectStore : this;
    if (store.name === 'by-sequence') window.__bodyReads += 1;
    return get.apply(this, args);
  };
}
"""

# The kept record of plan `planId` as IndexedDB holds it (the bench and the tests run without the app lock), or null.
KEPT_RECORD = """async ([planId, words]) => {
  const request = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const db = await request(indexedDB.open(`_pouch_plan-${planId}`));
  const doc = await request(db.transaction('local-store').objectStore('local-store').get('_local/alongside-opened'));
  db.close();
  if (!doc) return null;
  const text = new TextDecoder('latin1').decode(doc.ct);
  return {
    rev: doc._rev,
    members: Object.keys(doc).filter((k) => !k.startsWith('_')).sort(),
    kind: doc.kind,
    bytes: doc.ct instanceof Uint8Array && doc.nonce instanceof Uint8Array,
    size: doc.ct.length,
    inClear: words.filter((word) => text.includes(word) || JSON.stringify(doc).includes(word)),
  };
}"""

STRENGTHS = ("Kind to animals", "Patient with my brother")


def kept_record(page: Page, plan_id: str, *, steady_ms: int = 3000) -> dict[str, object]:
    """The plan's kept record once it has stopped changing for ``steady_ms`` (each check of the plan after a change
    writes it again: what arrives from the other device is kept too)."""
    last, steady = None, 0
    for _ in range(300):
        record: dict[str, object] | None = page.evaluate(KEPT_RECORD, [plan_id, [*STRENGTHS, "Sam"]])
        if record is not None and last is not None and record["rev"] == last["rev"]:
            steady += 200
            if steady >= steady_ms:
                return record
        else:
            steady = 0
        last = record
        page.wait_for_timeout(200)
    raise AssertionError(f"the plan's opened versions were never kept for good: {last}")


def test_a_plan_opens_again_from_its_kept_versions_and_shows_what_changed_elsewhere(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    tablet, phone, plan_id = worker_and_person(chromium, alongside_server, *STRENGTHS, init_script=COUNT_BODY_READS)
    open_section(tablet, plan_id, "strengths")
    wait_synced(tablet)
    record = kept_record(tablet, plan_id)
    assert record["members"] == ["ct", "kind", "nonce", "v"] and record["kind"] == "sealed-opened", record
    assert record["bytes"] is True, record  # IndexedDB keeps bytes: nothing to decode from base64
    assert record["inClear"] == [], record

    # Opened again with nothing changed: every strength shows, and not one revision body was read for it.
    tablet.context.set_offline(True)
    tablet.reload()
    for strength in STRENGTHS:
        expect(tablet.locator(".item-text", has_text=strength)).to_be_visible()
    assert tablet.evaluate("window.__bodyReads") == 0
    tablet.context.set_offline(False)
    wait_synced(tablet)

    # Sam changes a strength on the phone while the tablet shows its list of plans, which syncs the plan's copy
    # (the plan itself closed) and reads it for its row; opened again with no signal, the plan shows Sam's words,
    # not the kept ones. (Tests/pwa/opened_versions.test.mjs shows a change nobody read yet read in full.)
    tablet.goto(f"{alongside_server.url}/#/plans")
    change_item(phone, plan_id, "strengths", "Kind to animals", {"The strength": "Kind to animals and to people"})
    wait_synced(phone)
    tablet.reload()
    expect(tablet.locator("[data-plan-row]")).to_contain_text("1 thing changed")
    tablet.context.set_offline(True)
    open_section(tablet, plan_id, "strengths")
    tablet.reload()
    expect(tablet.locator(".item-text", has_text="Kind to animals and to people")).to_be_visible()
    expect(tablet.locator(".item-text", has_text="Patient with my brother")).to_be_visible()
    expect(tablet.locator(".item-text")).to_have_count(2)
