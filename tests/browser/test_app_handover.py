"""Handover in Chromium (issue 17, must show 3): Ali hands Sam's plan over to his colleague Priya. Ali's tablet makes
a handover code with a note; Priya's enrolled work phone joins with it and waits; Sam's own phone asks "Ali is
handing your plan over to Priya. Is that OK?" and Sam says yes; Priya reads the plan, finishes the handover (Ali
removed, the keys changed) and writes something Sam sees. Ali's tablet is refused by the server, does not show
the new item, and its local database holds no key that opens it. The audit trail names who handed over to whom.
The new screens pass axe-core in English and Arabic at 360x740.

When Ali is away and his tablet never comes back, the organisation's admin asks for the handover instead; Sam's own
phone makes the code, which only Priya's work phone may use, and the rest follows the same path."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, plan_with_strengths, worker_device
from support.page_crypto import try_own_keys
from support.processes import AlongsideServer
from support.pwa import (
    SCREENSHOTS,
    add_strength,
    admin,
    check_axe,
    device_token,
    invite,
    open_section,
    set_language,
    wait_synced,
)
from support.server_plan import enrol

BEFORE = "Sam keeps the allotment going"
AFTER = "Sam wants to try the walking group on Thursdays"
LAST_WORDS = "Sam's sister can help with lifts to the allotment"
NOTE = "Sam likes visits on Tuesday mornings, and prefers a text the day before."

# Every live document in a plan's PouchDB on this device (the app lock is off: the database is named after the
# plan), read straight from IndexedDB: {id: doc}.
LOCAL_DOCS = """async (planId) => {
  const request = (r) => new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const db = await request(indexedDB.open(`_pouch_plan-${planId}`));
  const bodies = await request(db.transaction('by-sequence').objectStore('by-sequence').getAll());
  db.close();
  return bodies.map(({ _doc_id_rev, ...doc }) => ({ id: _doc_id_rev.split('::')[0], ...doc }));
}"""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def server_docs(url: str, plan_id: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/sync/{plan_id}/_all_docs", params={"include_docs": "true"}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return [row["doc"] for row in answer.json()["rows"]]


def handovers(url: str, plan_id: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/api/v1/plans/{plan_id}/handovers", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()["handovers"]
    return found


def axe_in_both_languages(
    page: Page, url: str, path: str, ready: str, where: str, problems: dict[str, Any], shot: str
) -> None:
    """The screen at `path` (once `ready` shows) in English, then in Arabic (screenshot `ar-<shot>`), then back to
    English."""
    check_axe(page, where, "en", problems)
    set_language(page, url, "ar", "العربية")
    page.goto(f"{url}/#/{path}")
    expect(page.locator(ready).first).to_be_visible(timeout=20_000)
    check_axe(page, where, "ar", problems)
    page.screenshot(path=str(SCREENSHOTS / f"ar-{shot}"), full_page=True)
    set_language(page, url, "en", "English")
    page.goto(f"{url}/#/{path}")
    expect(page.locator(ready).first).to_be_visible(timeout=20_000)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_worker_hands_a_plan_to_a_colleague_the_person_agrees_and_the_old_worker_is_shut_out(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    problems: dict[str, Any] = {}
    ali = worker_device(chromium, alongside_server, bypass_csp=True)  # axe-core is added to each page
    plan_id = plan_with_strengths(ali, BEFORE)
    sam = joined_device(chromium, url, invite(ali, plan_id), plan_id, bypass_csp=True)  # Sam's own phone
    priya = worker_device(chromium, alongside_server, name="Priya", label="Priya's work phone", bypass_csp=True)
    ali_token, priya_token, sam_token = device_token(ali), device_token(priya), device_token(sam)
    ali_device = ali_token.split(".")[0]

    # Ali's tablet: a note in his own words, and a handover code for Priya's work phone. The form is checked in
    # English; the code is made (and checked) with the app in Arabic, then read back in English.
    open_section(ali, plan_id, "share")
    start = ali.locator("[data-handover-start]")
    expect(start).to_be_visible()
    check_axe(ali, "the handover form", "en", problems)
    set_language(ali, url, "ar", "العربية")
    ali.goto(f"{url}/#/plan/{plan_id}/share")
    start.locator("textarea").fill(NOTE)
    start.get_by_role("button").click()
    code = ali.locator("[data-handover-code]")
    expect(code).to_be_visible()
    text = code.get_attribute("data-handover-code")
    assert text and text.startswith("AS1:")
    check_axe(ali, "the handover code", "ar", problems)
    ali.screenshot(path=str(SCREENSHOTS / "ar-130-handover-code.png"), full_page=True)
    set_language(ali, url, "en", "English")
    ali.goto(f"{url}/#/plan/{plan_id}/share")
    expect(ali.locator('[data-handover="asked"]')).to_contain_text("Waiting for the person's yes")
    expect(ali.locator('[data-handover="asked"]')).to_contain_text(NOTE)
    check_axe(ali, "a handover waiting for the person's yes", "en", problems)
    ali.screenshot(path=str(SCREENSHOTS / "130-handover-asked.png"), full_page=True)
    expect(ali.locator("[data-handover-start]")).to_have_count(0)  # one handover at a time
    # The handover reaches the server with the invite (queued, sent at once here).
    expect(ali.locator('[data-handover="asked"]')).to_be_visible()
    for _ in range(100):
        if handovers(url, plan_id, ali_token):
            break
        ali.wait_for_timeout(200)
    assert [h["status"] for h in handovers(url, plan_id, ali_token)] == ["asked"]

    # Priya's work phone joins with the code and waits: nothing of the plan until Sam says yes.
    priya.goto(f"{url}/join#{text}")
    expect(priya.get_by_role("heading", name="Join a plan")).to_be_visible()
    priya.get_by_role("button", name="Join the plan").click()
    expect(priya.locator("[data-waiting-for-yes]")).to_contain_text("Thank you, Priya.", timeout=20_000)
    refused = httpx.get(f"{url}/sync/{plan_id}/_all_docs", headers=bearer(priya_token))
    assert refused.status_code == 403 and "waiting for the person's yes" in refused.json()["reason"]

    # Sam's phone asks in plain words, with Ali's note; Sam says yes.
    sam.goto(f"{url}/#/plan/{plan_id}")
    waiting = sam.locator('[data-pending-member="Priya"]')
    expect(waiting).to_contain_text("Ali is handing your plan over to Priya. Is that OK?", timeout=20_000)
    expect(waiting).to_contain_text(NOTE)
    expect(waiting.get_by_role("button", name="Yes, let them in")).to_be_enabled(timeout=20_000)
    sam.screenshot(path=str(SCREENSHOTS / "131-handover-question.png"), full_page=True)
    axe_in_both_languages(
        sam,
        url,
        f"plan/{plan_id}",
        '[data-pending-member="Priya"]',
        "the handover question",
        problems,
        "131-handover-question.png",
    )
    sam.locator('[data-pending-member="Priya"]').get_by_role("button", name="Yes, let them in").click()
    expect(sam.get_by_role("status").filter(has_text="Priya can now see the plan.")).to_be_visible(timeout=20_000)
    [agreed] = handovers(url, plan_id, sam_token)
    assert agreed["status"] == "agreed" and agreed["from_account"] != agreed["to_account"]

    # Priya reads the plan once the keys Sam's phone granted reach her phone.
    open_section(priya, plan_id, "strengths")
    expect(priya.locator(".item-text", has_text=BEFORE)).to_be_visible(timeout=30_000)
    wait_synced(priya)
    # Her phone holds the keys a worker holds: the everyone line's and the worker line's, never the family's.
    audiences = {audience for audience, _ in try_own_keys(priya, url, plan_id, [])["keys"]}
    assert {"everyone", "worker"} <= audiences and "family" not in audiences, audiences

    # Ali's tablet is told: the person said yes, and what it has not sent goes first.
    open_section(ali, plan_id, "share")
    expect(ali.locator('[data-handover="agreed"]')).to_be_visible(timeout=30_000)
    expect(ali.locator("[data-handover-warning]")).to_contain_text("When Priya finishes the handover")
    # Something Ali writes with no signal is counted, and sent once he is back online: nothing is lost.
    ali.context.set_offline(True)
    open_section(ali, plan_id, "strengths")
    add_strength(ali, LAST_WORDS)
    open_section(ali, plan_id, "share")
    expect(ali.locator("[data-handover-warning]")).to_contain_text("1 change made here has not been sent yet.")
    ali.context.set_offline(False)
    ali.locator("[data-handover-warning]").get_by_role("button", name="Send now").click()
    wait_synced(ali)
    expect(ali.locator("[data-handover-warning]")).not_to_contain_text("not been sent")

    # Priya finishes the handover: Ali is removed and the plan's keys change.
    open_section(priya, plan_id, "share")
    line = priya.locator('[data-handover="agreed"]')
    expect(line).to_contain_text("Ali is handing this plan over to Priya. The person said yes.", timeout=30_000)
    priya.screenshot(path=str(SCREENSHOTS / "132-handover-finish.png"), full_page=True)
    axe_in_both_languages(
        priya,
        url,
        f"plan/{plan_id}/share",
        "[data-handover]",
        "finishing the handover",
        problems,
        "132-handover-finish.png",
    )
    priya.locator('[data-handover="agreed"]').get_by_role("button", name="Finish the handover").click()
    expect(priya.locator('[data-handover="finished"]')).to_contain_text(
        "Ali handed this plan over to Priya.", timeout=30_000
    )
    wait_synced(priya)
    priya.screenshot(path=str(SCREENSHOTS / "133-handover-finished.png"), full_page=True)
    keys = httpx.get(f"{url}/api/v1/plans/{plan_id}/keys", headers=bearer(priya_token)).json()
    assert keys["current"]["epoch"] >= 2

    # Priya writes; Sam sees it on his phone.
    before_ids = {d["_id"] for d in server_docs(url, plan_id, priya_token)}
    open_section(priya, plan_id, "strengths")
    add_strength(priya, AFTER)
    wait_synced(priya)
    open_section(sam, plan_id, "strengths")
    expect(sam.locator(".item-text", has_text=AFTER)).to_be_visible(timeout=30_000)
    expect(sam.locator(".item-text", has_text=LAST_WORDS)).to_be_visible()
    new_items = [
        d for d in server_docs(url, plan_id, priya_token) if d["_id"] not in before_ids and d["kind"] == "item"
    ]
    assert new_items, "Priya's item is on the server"
    new_kids = {d["kid"] for d in new_items}

    # Ali's tablet: refused by the server, told so, and the new item is not there.
    shut_out = httpx.get(f"{url}/sync/{plan_id}/_all_docs", headers=bearer(ali_token))
    assert shut_out.status_code == 403, shut_out.text
    ali.reload()
    expect(ali.locator(".sync")).to_contain_text("You no longer have access to this plan.", timeout=30_000)
    open_section(ali, plan_id, "strengths")
    expect(ali.locator(".item-text", has_text=BEFORE)).to_be_visible()
    expect(ali.locator(".item-text", has_text=AFTER)).to_have_count(0)
    # Its local database holds no key that opens Priya's item: no grant to Ali's tablet of the key it is under.
    local = ali.evaluate(LOCAL_DOCS, plan_id)
    ali_kids = {d["kid"] for d in local if d.get("kind") == "keyring" and d.get("to") == ali_device}
    assert ali_kids and not (ali_kids & new_kids), (ali_kids, new_kids)
    assert not {d["id"] for d in local} & {d["_id"] for d in new_items}

    # The plan's own history, on Sam's phone, and the server's record, both say who handed over to whom.
    open_section(sam, plan_id, "share")
    expect(sam.locator('[data-handover="finished"]')).to_contain_text("Ali handed this plan over to Priya.")
    [finished] = handovers(url, plan_id, sam_token)
    assert finished["status"] == "finished" and finished["to_account"] == agreed["to_account"]
    assert not problems, problems
    for context in (ali.context, sam.context, priya.context):
        context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_an_admin_asks_to_hand_an_absent_workers_plan_over_and_the_persons_phone_makes_the_code(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    """Ali is off sick and his tablet never opens Sam's plan again. The organisation's admin asks (through the API)
    for Ali's plan to go to Priya; Sam's own phone shows the request and makes the handover code, which only
    Priya's work phone can use; Sam says yes to Priya, Priya finishes, Ali is removed and the keys change."""
    url = alongside_server.url
    problems: dict[str, Any] = {}
    ali = worker_device(chromium, alongside_server, bypass_csp=True)
    plan_id = plan_with_strengths(ali, BEFORE)
    sam = joined_device(chromium, url, invite(ali, plan_id), plan_id, bypass_csp=True)  # Sam's own phone
    priya = worker_device(chromium, alongside_server, name="Priya", label="Priya's work phone", bypass_csp=True)
    ali_token, priya_token, sam_token = device_token(ali), device_token(priya), device_token(sam)
    ali_device = ali_token.split(".")[0]
    accounts = {
        token: httpx.get(f"{url}/api/v1/me", headers=bearer(token)).json()["account"]
        for token in (ali_token, priya_token)
    }
    ali.context.close()  # Ali is away: his tablet never comes back to the plan

    # The admin, who is no member of the plan and holds no key, asks for the handover.
    dana = enrol(alongside_server, admin(alongside_server, "add-worker", "--name", "Dana", "--admin")["code"])
    asked = dana.client.post(
        f"/api/v1/workers/{accounts[ali_token]}/handovers",
        json={"to_account": accounts[priya_token], "plan_id": plan_id},
    )
    assert asked.status_code == 201, asked.text
    [request] = asked.json()["handovers"]
    assert (request["status"], request["requested_by"]) == ("requested", dana.account)

    # Sam's phone shows the request in plain words and makes the code for it.
    open_section(sam, plan_id, "share")
    card = sam.locator("[data-handover-request]")
    expect(card).to_contain_text("Ali's organisation asks to hand your plan over to Priya.", timeout=20_000)
    sam.screenshot(path=str(SCREENSHOTS / "150-handover-request.png"), full_page=True)
    axe_in_both_languages(
        sam,
        url,
        f"plan/{plan_id}/share",
        "[data-handover-request]",
        "a handover request",
        problems,
        "150-handover-request.png",
    )
    card.get_by_role("button", name="Make a handover code").click()
    code = sam.locator("[data-handover-code]")
    expect(code).to_contain_text("Priya sees nothing of your plan until you say yes.")
    text = code.get_attribute("data-handover-code")
    assert text and text.startswith("AS1:")
    check_axe(sam, "the handover code on the person's phone", "en", problems)
    sam.screenshot(path=str(SCREENSHOTS / "151-handover-request-code.png"), full_page=True)
    [started] = handovers(url, plan_id, sam_token)
    assert (started["status"], started["to_account"]) == ("asked", accounts[priya_token])

    # Priya's work phone joins with it and waits; Sam says yes to Priya.
    priya.goto(f"{url}/join#{text}")
    priya.get_by_role("button", name="Join the plan").click()
    expect(priya.locator("[data-waiting-for-yes]")).to_contain_text("Thank you, Priya.", timeout=20_000)
    # Priya's phone loses its signal until Sam's phone has lost its own, below: so Sam's phone never reads the entry
    # Priya's phone adds to the plan's list of devices before her finishing the handover re-seals it under the new
    # key. His phone must still take the new key from her (it knows her from the yes he signed) and read her words.
    priya.context.set_offline(True)
    sam.goto(f"{url}/#/plan/{plan_id}")
    waiting = sam.locator('[data-pending-member="Priya"]')
    expect(waiting).to_contain_text("Ali is handing your plan over to Priya. Is that OK?", timeout=20_000)
    expect(waiting).to_contain_text("Ali's organisation asked for this handover, to Priya.")
    expect(waiting.get_by_role("button", name="Yes, let them in")).to_be_enabled(timeout=20_000)
    sam.screenshot(path=str(SCREENSHOTS / "152-handover-request-question.png"), full_page=True)
    axe_in_both_languages(
        sam,
        url,
        f"plan/{plan_id}",
        '[data-pending-member="Priya"]',
        "the question for a requested handover",
        problems,
        "152-handover-request-question.png",
    )
    sam.locator('[data-pending-member="Priya"]').get_by_role("button", name="Yes, let them in").click()
    expect(sam.get_by_role("status").filter(has_text="Priya can now see the plan.")).to_be_visible(timeout=20_000)
    wait_synced(sam)  # the keys for Priya's phone are on the server
    sam.context.set_offline(True)
    priya.context.set_offline(False)

    # Priya reads the plan and finishes the handover: Ali is removed although his tablet never came back.
    open_section(priya, plan_id, "strengths")
    expect(priya.locator(".item-text", has_text=BEFORE)).to_be_visible(timeout=30_000)
    open_section(priya, plan_id, "share")
    line = priya.locator('[data-handover="agreed"]')
    expect(line).to_contain_text("Ali is handing this plan over to Priya. The person said yes.", timeout=30_000)
    line.get_by_role("button", name="Finish the handover").click()
    expect(priya.locator('[data-handover="finished"]')).to_contain_text(
        "Ali handed this plan over to Priya.", timeout=30_000
    )
    wait_synced(priya)
    priya.screenshot(path=str(SCREENSHOTS / "153-handover-request-finished.png"), full_page=True)
    assert httpx.get(f"{url}/api/v1/plans/{plan_id}/keys", headers=bearer(priya_token)).json()["current"]["epoch"] >= 2

    # Priya writes; Sam sees it. Ali's tablet is refused, and no key granted to it opens Priya's item.
    before_ids = {d["_id"] for d in server_docs(url, plan_id, priya_token)}
    open_section(priya, plan_id, "strengths")
    add_strength(priya, AFTER)
    wait_synced(priya)
    sam.context.set_offline(False)
    open_section(sam, plan_id, "strengths")
    expect(sam.locator(".item-text", has_text=AFTER)).to_be_visible(timeout=30_000)
    docs = server_docs(url, plan_id, priya_token)
    new_kids = {d["kid"] for d in docs if d["_id"] not in before_ids and d["kind"] == "item"}
    ali_kids = {d["kid"] for d in docs if d.get("kind") == "keyring" and d.get("to") == ali_device}
    assert new_kids and not (ali_kids & new_kids), (ali_kids, new_kids)
    assert httpx.get(f"{url}/sync/{plan_id}/_all_docs", headers=bearer(ali_token)).status_code == 403
    [finished] = handovers(url, plan_id, sam_token)
    assert (finished["status"], finished["from_account"], finished["to_account"]) == (
        "finished",
        accounts[ali_token],
        accounts[priya_token],
    )
    assert not problems, problems
    for context in (sam.context, priya.context):
        context.close()
