"""A plan started with no signal: the worker's tablet draws the plan id itself, people write at once, a reload
offline still shows the plan, and when the connection comes back the queued set-up runs, the plan syncs (the
server holds only ciphertext) and another device of the plan sees what was written. A plan started with signal
says "Syncing…" while its set-up is on the way (no long line that would be gone a moment later, moving the
screen under a finger), and what it waits for once that try fails; nothing asks the server about it before then."""

from __future__ import annotations

import httpx
from playwright.sync_api import Browser, Route, expect
from support.backends import SQLITE_ONLY
from support.devices import approved_device, worker_device
from support.documents import plaintext_strings
from support.processes import AlongsideServer
from support.pwa import (
    add_strength,
    device_token,
    invite,
    open_section,
    start_plan,
    wait_for_service_worker,
    wait_synced,
)

pytestmark = SQLITE_ONLY  # what this module shows does not depend on the storage

STRENGTH = "I always remember everyone's birthday"


def test_a_plan_started_offline_is_set_up_when_the_connection_comes_back(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    tablet = page.context
    wait_for_service_worker(page)
    token = device_token(page)

    # No signal at the kitchen table: the plan starts anyway and takes what people say.
    tablet.set_offline(True)
    # Chromium can let a request through while it applies the offline state to a reloaded page: refuse
    # the server's routes as well, so "no signal" holds through the reload below.
    tablet.route(f"{url}/api/**", lambda route: route.abort("internetdisconnected"))
    tablet.route(f"{url}/sync/**", lambda route: route.abort("internetdisconnected"))
    plan_id = start_plan(page, "Sam", "Feeling more like me")
    status = page.locator(".sync")
    expect(status).to_have_attribute("data-sync-state", "waiting")
    expect(status).to_contain_text("Saved on this device. This plan will be set up on the server")
    open_section(page, plan_id, "strengths")
    add_strength(page, STRENGTH)

    # A reload with no signal still shows the plan and what was written, and still says it is waiting.
    page.reload()
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible()
    expect(status).to_have_attribute("data-sync-state", "waiting")
    page.goto(f"{url}/#/plans")
    expect(page.get_by_text("Sam", exact=True)).to_be_visible()
    headers = {"Authorization": f"Bearer {token}"}
    plans = httpx.get(f"{url}/api/v1/plans", headers=headers).json()["plans"]
    assert plan_id not in {p["plan_id"] for p in plans}  # the server has not heard of it yet

    # Signal again: the queued set-up runs with the tablet's own plan id, then the plan syncs.
    tablet.unroute(f"{url}/api/**")
    tablet.unroute(f"{url}/sync/**")
    tablet.set_offline(False)
    open_section(page, plan_id, "strengths")
    wait_synced(page)
    plans = httpx.get(f"{url}/api/v1/plans", headers=headers).json()["plans"]
    assert {"plan_id": plan_id, "role": "worker", "access": "write"} in plans
    held = httpx.get(f"{url}/sync/{plan_id}/_all_docs", params={"include_docs": "true"}, headers=headers).json()
    docs = [row["doc"] for row in held["rows"]]
    assert {doc["kind"] for doc in docs} == {"item", "keyring"}
    readable = " ".join(plaintext_strings(docs))
    for words in (STRENGTH, "Sam", "Feeling more like me", "birthday"):
        assert words not in readable

    # Another device of the plan (joined with a code from the tablet, which can write) sees it all.
    text = invite(page, plan_id, who="Someone they trust, who can write in the plan")
    expect(page.locator("[data-invite-registered]")).to_have_attribute("data-invite-registered", "sent", timeout=20_000)
    # A code from the worker for a supporter waits for the person's yes: the person is at the table and says yes.
    second = approved_device(chromium, url, text, plan_id, page, name="Ali", label="Ali's phone")
    expect(second.get_by_text("Sam", exact=True)).to_be_visible()
    open_section(second, plan_id, "strengths")
    expect(second.locator(".item-text", has_text=STRENGTH)).to_be_visible()


def test_a_plan_started_with_signal_says_syncing_while_it_is_set_up_and_what_it_waits_for_once_that_fails(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    tablet = page.context
    setups = f"{url}/api/v1/plans"
    held: list[Route] = []
    tablet.route(setups, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    # Nothing asks the server about the plan before the server has it (its member list was asked for, a 404).
    too_soon: list[str] = []
    page.on("response", lambda r: too_soon.append(r.url) if r.status == 404 and "/api/" in r.url else None)
    plan_id = start_plan(page, "Sam")
    for _ in range(200):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the plan's set-up was not sent"

    # The set-up is on its way (held here): the line says what any sync says.
    status = page.locator(".sync")
    expect(status).to_have_attribute("data-sync-state", "waiting")
    expect(status).to_contain_text("Syncing…")
    expect(status).not_to_contain_text("will be set up")

    # That try fails: the line now says what the plan waits for.
    tablet.unroute(setups)
    tablet.route(setups, lambda route: route.abort("connectionrefused"))
    held[0].abort("connectionrefused")
    expect(status).to_contain_text("Saved on this device. This plan will be set up on the server")

    # The server answers again: the outbox's next try sets it up and the plan syncs.
    tablet.unroute(setups)
    open_section(page, plan_id, "strengths")
    wait_synced(page)
    headers = {"Authorization": f"Bearer {device_token(page)}"}
    plans = httpx.get(f"{url}/api/v1/plans", headers=headers).json()["plans"]
    assert plan_id in {p["plan_id"] for p in plans}
    assert too_soon == []
    page.context.close()
