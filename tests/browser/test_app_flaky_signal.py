"""A whole home visit on one bar of signal, in Chromium, through the flaky proxy (tests/support/flaky_proxy.py).

The worker's tablet enrols while the server's answers are lost after it committed: the app says "No
connection. Trying again…" and asks again by itself with the same keys, and ends enrolled, no dead end. Then
nobody has signal: the plan is started and written on the tablet, the person's phone joins with the code
shown on it and adds items of its own. Then both get one bar of signal: every ``/api`` and ``/sync`` request
may be cut short, have its answer cut short or lost after the server committed, or be delayed, on a fixed
seed. The visit ends with every item on both devices and on the server, once: nothing duplicated, nothing lost.
"""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect
from support.devices import installed_device
from support.flaky_proxy import Fault, FlakyProxy, route_of
from support.processes import AlongsideServer
from support.pwa import (
    add_goal,
    add_strength,
    device_token,
    fill_enrolment,
    invite,
    new_device,
    open_section,
    start_plan,
    submit_join,
    wait_for_service_worker,
    wait_synced,
    worker_code,
)

SEED = 14
ONE_BAR = {Fault.DELAY: 0.15, Fault.DROP_REQUEST: 0.05, Fault.TRUNCATE_ANSWER: 0.03, Fault.LOSE_ANSWER: 0.07}
ENROL = route_of("POST", "/api/v1/enrol")
LOST_ENROLMENTS = 6
LOST_JOINS = 4
REDEEM = route_of("POST", f"/api/v1/invites/{'0' * 32}/redeem")
TABLET_ITEMS = ["I'm good with my hands", "I keep going when things are hard", "My sister Jo helps"]
TABLET_GOAL = "Get back to swimming"
PHONE_ITEMS = ["I make people laugh", "I look after my plants"]
SYNCED = 120_000  # ms: an overall limit on a sync over one bar of signal, never a timing target

# Keeps every status sentence the page shows, however briefly (window.__said).
SAID = """() => {
  window.__said = [];
  new MutationObserver(() => {
    for (const el of document.querySelectorAll('[role=status]')) {
      if (!window.__said.includes(el.textContent)) window.__said.push(el.textContent);
    }
  }).observe(document.body, { subtree: true, childList: true, characterData: true });
}"""

# Every live document the plan's PouchDB holds on this device, with its winning revision.
LOCAL_REVS = """async (planId) => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open(`_pouch_plan-${planId}`);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  try {
    const rows = await new Promise((resolve, reject) => {
      const req = db.transaction(['document-store']).objectStore('document-store').getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    return Object.fromEntries(rows.filter((m) => !m.deleted).map((m) => [m.id, m.winningRev || m.rev]));
  } finally {
    db.close();
  }
}"""


def local_revs(page: Page, plan_id: str) -> dict[str, str]:
    revs: dict[str, str] = page.evaluate(LOCAL_REVS, plan_id)
    return revs


def server_revs(server: AlongsideServer, plan_id: str, token: str) -> dict[str, str]:
    """What the server holds, read from it directly (not through the proxy)."""
    response = httpx.get(server.plan_url(plan_id) + "_all_docs", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return {row["id"]: row["value"]["rev"] for row in response.json()["rows"]}


def texts_once(page: Page, plan_id: str, section: str, texts: list[str]) -> None:
    """Each of ``texts`` is in ``section`` exactly once."""
    open_section(page, plan_id, section)
    for text in texts:
        expect(page.locator(".item-text", has_text=text)).to_have_count(1, timeout=20_000)


def test_a_visit_on_one_bar_of_signal_ends_with_every_item_on_both_devices_and_the_server_once(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    proxy = FlakyProxy(alongside_server.url, seed=SEED)
    with proxy.running():
        url = proxy.url
        tablet_context = new_device(chromium)
        tablet = tablet_context.new_page()

        # Enrolment: the server enrols the tablet, and its answers are lost on the way, six times. (Chromium
        # itself sends a request again when a connection it reused breaks before any answer: a few of these.)
        proxy.script(ENROL, [Fault.LOSE_ANSWER] * LOST_ENROLMENTS)
        fill_enrolment(tablet, url, worker_code(alongside_server))
        tablet.evaluate(SAID)
        tablet.get_by_role("button", name="Set up this device").click()
        expect(tablet.get_by_role("heading", name="My plans")).to_be_visible(timeout=30_000)
        assert "No connection. Trying again…" in tablet.evaluate("window.__said")
        assert "This device is already set up." not in tablet.content()
        enrolments = proxy.seen(ENROL)
        assert [e.status for e in enrolments] == [201] * (LOST_ENROLMENTS + 1)
        assert enrolments[-1].fault is Fault.NONE
        wait_for_service_worker(tablet)

        # The person's phone has opened the app once before; then nobody has signal.
        phone = installed_device(chromium, url)
        phone_context = phone.context
        tablet_context.set_offline(True)
        phone_context.set_offline(True)

        plan_id = start_plan(tablet, "Sam", "Feeling more like me")
        open_section(tablet, plan_id, "strengths")
        for text in TABLET_ITEMS:
            add_strength(tablet, text)
        open_section(tablet, plan_id, "goals")
        add_goal(tablet, TABLET_GOAL)
        text = invite(tablet, plan_id)

        phone.goto(f"{url}/#/join")
        phone.get_by_label("Code", exact=True).fill(text)
        submit_join(phone, name="Sam", label="Sam's phone")  # "Not now" to the app lock offered next
        expect(phone.locator(".sync")).to_contain_text("Waiting for a connection to finish joining.", timeout=20_000)
        assert f"#/plan/{plan_id}" in phone.url
        open_section(phone, plan_id, "strengths")
        for item in PHONE_ITEMS:
            add_strength(phone, item)

        # One bar of signal for both: drops, answers cut short or lost after the server committed, delays.
        proxy.set_rates(ONE_BAR)
        tablet_context.set_offline(False)
        wait_synced(tablet, timeout=SYNCED)  # the plan is set up on the server, and the tablet's items are there
        # The phone's join goes through, and its answers are lost on the way: the app sends it again by itself.
        proxy.script(REDEEM, [Fault.LOSE_ANSWER] * LOST_JOINS)
        phone_context.set_offline(False)
        wait_synced(phone, timeout=SYNCED)
        assert [e.status for e in proxy.seen(REDEEM)[:LOST_JOINS]] == [201] * LOST_JOINS
        wait_synced(tablet, timeout=SYNCED)
        for page in (tablet, phone):
            texts_once(page, plan_id, "strengths", TABLET_ITEMS + PHONE_ITEMS)
            texts_once(page, plan_id, "goals", [TABLET_GOAL])
        # Each device holds exactly what the server holds, every document at the same revision.
        token = device_token(tablet)
        deadline = time.monotonic() + SYNCED / 1000
        while not (
            local_revs(tablet, plan_id) == server_revs(alongside_server, plan_id, token) == local_revs(phone, plan_id)
        ):
            assert time.monotonic() < deadline, "the devices and the server did not come to hold the same documents"
            time.sleep(0.5)
        faults = {e.fault for e in proxy.exchanges if e.route.split(" ")[1].startswith("/sync/")}
        assert faults >= {Fault.DROP_REQUEST, Fault.TRUNCATE_ANSWER, Fault.LOSE_ANSWER}, faults
        # The join went through once: the phone is one device of the person's, in the plan once.
        members: list[dict[str, Any]] = httpx.get(
            f"{alongside_server.url}/api/v1/plans/{plan_id}/members",
            headers={"Authorization": f"Bearer {device_token(tablet)}"},
        ).json()["members"]
        assert sorted(m["role"] for m in members) == ["owner", "worker"]
        owner = next(m for m in members if m["role"] == "owner")
        assert [d["label"] for d in owner["devices"]] == ["Sam's phone"]
        assert re.fullmatch(r"[0-9a-f]{32}\..+", device_token(phone))
        tablet_context.close()
        phone_context.close()
