""" "My plans" is cheap: every plan's names come from this device's copy without opening a live sync for
each plan. Only the plan on screen keeps a live changes feed to the server; the others sync one at a time
with a one-shot replication, so their changes still arrive. Counted from the requests the page makes. "Start a
plan with someone" sits above the plans, so their rows never move it as they are drawn."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from playwright.sync_api import Browser, Page, Request, expect
from support.backends import SQLITE_ONLY
from support.devices import worker_device
from support.processes import AlongsideServer
from support.pwa import start_plan, wait_synced

pytestmark = SQLITE_ONLY  # what this module shows does not depend on the storage

PLANS = [("Sam", "Feeling more like me"), ("Jo", "Back to college"), ("Ray", "A place of my own")]
CHANGES = re.compile(r"/sync/([0-9a-f]{32})/_changes\?")


class Feeds:
    """The page's requests to /sync/{plan}/_changes: live (long-poll) ones still open, one-shot ones seen."""

    def __init__(self, page: Page) -> None:
        self.open_live: dict[Request, str] = {}
        self.one_shot: set[str] = set()
        page.on("request", self.started)
        page.on("requestfinished", self.ended)
        page.on("requestfailed", self.ended)

    def started(self, request: Request) -> None:
        match = CHANGES.search(request.url)
        if not match:
            return
        if "feed=longpoll" in request.url:
            self.open_live[request] = match.group(1)
        else:
            self.one_shot.add(match.group(1))

    def ended(self, request: Request) -> None:
        self.open_live.pop(request, None)

    @property
    def live_plans(self) -> set[str]:
        return set(self.open_live.values())


def wait_until(page: Page, condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        page.wait_for_timeout(100)


# Everything this device keeps outside the plans' (encrypted) databases, as text: its IndexedDB store
# and localStorage. CryptoKey objects are left out (they cannot be read as text anyway).
STORED_OUTSIDE_PLANS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const open = indexedDB.open('alongside-device');
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
  });
  const records = [];
  for (const name of db.objectStoreNames) {
    records.push(await new Promise((resolve, reject) => {
      const all = db.transaction(name).objectStore(name).getAll();
      all.onsuccess = () => resolve(all.result);
      all.onerror = () => reject(all.error);
    }));
  }
  const skipKeys = (key, value) => (value instanceof CryptoKey ? null : value);
  return JSON.stringify(records, skipKeys) + JSON.stringify({ ...localStorage });
}"""


def expect_every_plan_named(page: Page) -> None:
    rows = page.get_by_role("list", name="My plans").get_by_role("listitem")
    expect(rows).to_have_count(len(PLANS))
    for person, title in PLANS:
        expect(rows.filter(has_text=person)).to_contain_text(title)


def test_my_plans_names_every_plan_with_at_most_one_live_feed(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    context = page.context
    ids = {}
    for person, title in PLANS:
        page.goto(f"{url}/#/plans")
        ids[person] = start_plan(page, person, title)
        wait_synced(page)

    # A fresh start on "My plans": every plan named, none with a live feed, each synced once in the background.
    feeds = Feeds(page)
    page.goto(f"{url}/#/plans")
    page.reload()
    expect_every_plan_named(page)
    start = page.get_by_role("link", name="Start a plan with someone").bounding_box()
    listed = page.get_by_role("list", name="My plans").bounding_box()
    assert start and listed and start["y"] + start["height"] <= listed["y"]
    wait_until(page, lambda: feeds.one_shot == set(ids.values()))
    assert feeds.one_shot == set(ids.values())
    assert feeds.live_plans == set()

    # Open one plan, then another: only the plan on screen keeps its live feed.
    for person in ("Sam", "Jo"):
        page.goto(f"{url}/#/plans")
        page.get_by_role("link", name=re.compile(f"^{person} ")).click()
        expect(page.get_by_role("heading", name="The plan")).to_be_visible()
        wait_synced(page)
        on_screen = {ids[person]}
        wait_until(page, lambda: feeds.live_plans == on_screen)  # noqa: B023 (called before the loop moves on)
        assert feeds.live_plans == on_screen

    # Back on the list: still every name, still at most that one live feed.
    page.goto(f"{url}/#/plans")
    expect_every_plan_named(page)
    page.wait_for_timeout(1000)
    assert len(feeds.live_plans) <= 1 and feeds.live_plans <= {ids["Jo"]}

    # The names shown were never stored readable outside the plans' encrypted copies.
    stored = page.evaluate(STORED_OUTSIDE_PLANS)
    assert ids["Sam"] in stored  # the device store was read
    for person, title in PLANS:
        assert title not in stored and f'"{person}"' not in stored
    context.close()
