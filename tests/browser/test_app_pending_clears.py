"""A page closed just after a push reached the server, before the device noted it: the documents stay
listed as waiting in `_local/alongside-status`, and the server (already holding them) never reports them
again. On the next sync the app asks the server which of them it holds and stops saying they wait."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import start_plan, wait_synced

# Runs in the page: the plan's PouchDB (IndexedDB adapter) stores; `pending` null only reads.
STATUS = """async ([planId, markAll]) => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(`_pouch_plan-${planId}`);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const run = (store, mode, work) => new Promise((resolve, reject) => {
    const tx = db.transaction([store], mode);
    const req = work(tx.objectStore(store));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error);
  });
  try {
    if (markAll) {
      const ids = (await run('document-store', 'readonly', (s) => s.getAllKeys())).filter((id) => !id.startsWith('_'));
      const status = await run('local-store', 'readonly', (s) => s.get('_local/alongside-status'));
      const rev = `0-${parseInt(status._rev.split('-')[1], 10) + 1}`;
      await run('local-store', 'readwrite', (s) => s.put({ ...status, _rev: rev, pending: ids }));
    }
    const status = await run('local-store', 'readonly', (s) => s.get('_local/alongside-status'));
    return status.pending;
  } finally {
    db.close();
  }
}"""


def pending(page: Page, plan_id: str, *, mark_all: bool = False) -> list[str]:
    return page.evaluate(STATUS, [plan_id, mark_all])


def test_changes_the_server_already_holds_stop_waiting_after_a_reload(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    tablet = page.context
    plan_id = start_plan(page, "Sam")
    wait_synced(page)
    assert pending(page, plan_id) == []

    # As if the page had gone away between the push and the note that it was pushed.
    stuck = pending(page, plan_id, mark_all=True)
    assert len(stuck) >= 3, stuck
    page.reload()

    wait_synced(page)
    expect(page.locator(".sync")).not_to_contain_text("waiting to sync")
    assert pending(page, plan_id) == []

    # A page reloaded while the first push may be in flight settles the same way.
    page.goto(f"{url}/#/plans")
    start_plan(page, "Jo")
    page.wait_for_timeout(30)
    page.reload()
    wait_synced(page)
    expect(page.locator(".sync")).not_to_contain_text("waiting to sync")
    tablet.close()
