"""Consent to membership in Chromium: the worker's code for someone the person trusts lets a new phone join and
wait; that phone holds no key to the plan (checked with the crypto module) until the person, on their own phone,
sees the newcomer's own name and says yes; then it reads the plan. A second newcomer is turned down and told so.
The new screens pass axe-core in English and Arabic at 360x740."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, plan_with_strengths, worker_device
from support.page_crypto import serve_crypto
from support.processes import AlongsideServer
from support.pwa import (
    SCREENSHOTS,
    check_axe,
    device_token,
    invite,
    new_device,
    open_section,
    set_language,
    submit_join,
    wait_synced,
)

STRENGTH = "Sam keeps the allotment going"
WRITER = "Someone they trust, who can write in the plan"
READER = "Someone they trust, who can only read it"

# In the waiting phone's own context, with the app's crypto module: the invite opens to a request key and no plan
# key, and no item the server holds opens under that key.
NO_PLAN_KEY = """async ({text, planId, token}) => {
  const c = await import('/__crypto__/index.js');
  let asInvite = 'opened';
  try {
    await c.openInvite(text);
  } catch (error) {
    asInvite = error.name;
  }
  const pending = await c.openPendingInvite(text);
  const auth = {headers: {Authorization: `Bearer ${token}`}};
  const docs = (await (await fetch(`/sync/${planId}/_all_docs?include_docs=true`, auth)).json()).rows.map((r) => r.doc);
  const guess = await c.PlanKey.fromSecret(planId, 1, pending.requestKey);
  const outcomes = [];
  for (const doc of docs.filter((d) => d.kind === 'item')) {
    try {
      await c.decryptItem({...doc, kid: guess.kid}, {planId, keyring: new c.Keyring(planId, [guess])});
      outcomes.push('opened');
    } catch (error) {
      outcomes.push(error.name);
    }
  }
  return {asInvite, hasPlanKey: 'planKey' in pending, requestKeyBytes: pending.requestKey.length, outcomes};
}"""


def join_and_wait(browser: Browser, url: str, text: str, name: str) -> Page:
    """A new phone opens the code and joins as `name`; it lands on the plan, waiting for the person's yes."""
    page = new_device(browser, bypass_csp=True).new_page()
    page.goto(f"{url}/join#{text}")
    expect(page.get_by_role("heading", name="Join a plan")).to_be_visible()
    submit_join(page, name=name, label=f"{name}'s phone")
    expect(page.locator("[data-waiting-for-yes]")).to_contain_text(f"Thank you, {name}.", timeout=20_000)
    return page


def server_docs(url: str, plan_id: str, token: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{url}/sync/{plan_id}/_all_docs", params={"include_docs": "true"}, headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return [row["doc"] for row in answer.json()["rows"]]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_newcomer_waits_for_the_persons_yes_and_holds_no_key_until_then(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, STRENGTH)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id)  # Sam's own phone: in at once
    worker_token = device_token(tablet)

    # The worker's code for someone Sam trusts: whoever uses it waits for Sam's yes.
    text = invite(tablet, plan_id, WRITER)
    expect(tablet.locator("[data-invite-pending]")).to_be_visible()
    expect(tablet.locator("[data-invite-registered]")).to_have_attribute(
        "data-invite-registered", "sent", timeout=20_000
    )
    dee = join_and_wait(chromium, url, text, "Dee")
    expect(dee.locator(".sync")).to_contain_text("Waiting for the person's yes")
    assert STRENGTH not in dee.locator("body").inner_text()
    dee.screenshot(path=str(SCREENSHOTS / "95-waiting-for-yes.png"), full_page=True)

    # Nothing of the plan for Dee's phone: the server refuses it, holds no key for it, and the invite held none.
    dee_token = device_token(dee)
    dee_device = dee_token.split(".")[0]
    refused = httpx.get(f"{url}/sync/{plan_id}/_all_docs", headers=bearer(dee_token))
    assert refused.status_code == 403 and "waiting for the person's yes" in refused.json()["reason"]
    assert not [d for d in server_docs(url, plan_id, worker_token) if d["kind"] == "keyring" and d["to"] == dee_device]
    dee.context.route(re.compile(r".*/__crypto__/.*"), serve_crypto)
    lab = dee.context.new_page()
    lab.goto(url + "/manifest.webmanifest")
    check = lab.evaluate(NO_PLAN_KEY, {"text": text, "planId": plan_id, "token": worker_token})
    lab.close()
    assert check["asInvite"] == "FormatError" and check["hasPlanKey"] is False and check["requestKeyBytes"] == 32
    assert check["outcomes"] and set(check["outcomes"]) == {"DecryptionError"}

    # Sam's phone shows Dee by the name she chose, who invited her and what she could do; Sam says yes.
    phone.goto(f"{url}/#/plan/{plan_id}")
    waiting = phone.locator('[data-pending-member="Dee"]')
    expect(waiting).to_contain_text("Dee's phone", timeout=20_000)
    expect(waiting).to_contain_text("Invited by Ali.")
    expect(waiting).to_contain_text("They could read the plan and add and change things.")
    expect(phone.get_by_role("heading", name="Waiting for your yes")).to_be_visible()
    phone.screenshot(path=str(SCREENSHOTS / "96-pending-member.png"), full_page=True)
    waiting.get_by_role("button", name="Yes, let them in").click()
    expect(phone.get_by_role("status").filter(has_text="Dee can now see the plan.")).to_be_visible(timeout=20_000)

    # Dee's phone opens the plan once the key Sam's phone granted reaches it, and reads it.
    open_section(dee, plan_id, "strengths")
    expect(dee.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=30_000)
    wait_synced(dee)
    assert [d for d in server_docs(url, plan_id, worker_token) if d["kind"] == "keyring" and d["to"] == dee_device]
    # Everyone sees her by her own name, from her own roster entry.
    open_section(phone, plan_id, "share")
    expect(phone.locator(".member", has_text="Dee")).to_contain_text(
        "someone you trust, who can write in the plan", timeout=30_000
    )

    # A second newcomer: Sam says no; their phone is told, and the server removed them.
    eve = join_and_wait(chromium, url, invite(tablet, plan_id, READER), "Eve")
    phone.goto(f"{url}/#/plan/{plan_id}")
    turned_down = phone.locator('[data-pending-member="Eve"]')
    expect(turned_down).to_contain_text("They could read the plan.", timeout=20_000)
    turned_down.get_by_role("button", name="No", exact=True).click()
    expect(phone.get_by_role("status").filter(has_text="Eve will not see the plan.")).to_be_visible(timeout=20_000)
    expect(eve.locator("[data-declined]")).to_be_visible(timeout=30_000)
    expect(eve.locator(".sync")).to_contain_text("The person said no")
    eve.screenshot(path=str(SCREENSHOTS / "97-declined.png"), full_page=True)
    members = httpx.get(f"{url}/api/v1/plans/{plan_id}/members", headers=bearer(worker_token)).json()["members"]
    assert len(members) == 3 and all("status" not in m for m in members)  # Sam, Ali, Dee
    for context in (tablet.context, phone.context, dee.context, eve.context):
        context.close()


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_consent_screens_pass_axe(chromium: Browser, alongside_server: AlongsideServer, lang: str) -> None:
    url = alongside_server.url
    prefix = "" if lang == "en" else "ar-"
    problems: dict[str, Any] = {}
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)  # axe-core is added to each page
    plan_id = plan_with_strengths(tablet, STRENGTH)
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, bypass_csp=True)
    fay = join_and_wait(chromium, url, invite(tablet, plan_id, READER), "Fay")
    if lang != "en":
        for page in (fay, phone, tablet):
            set_language(page, url, lang, "العربية")

    # The waiting phone.
    fay.goto(f"{url}/#/plan/{plan_id}")
    expect(fay.locator("[data-waiting-for-yes]")).to_contain_text("Fay", timeout=20_000)
    check_axe(fay, "waiting for the person's yes", lang, problems)
    if lang != "en":
        fay.screenshot(path=str(SCREENSHOTS / f"{prefix}95-waiting-for-yes.png"), full_page=True)

    # The person's phone: the newcomer, and the setting that lets people they trust invite.
    phone.goto(f"{url}/#/plan/{plan_id}/share")
    expect(phone.locator('[data-pending-member="Fay"]')).to_be_visible(timeout=20_000)
    expect(phone.locator("[data-invite-setting] input")).not_to_be_checked()
    check_axe(phone, "a pending member on the person's phone", lang, problems)
    if lang != "en":
        phone.screenshot(path=str(SCREENSHOTS / f"{prefix}96-pending-member.png"), full_page=True)

    # The worker's tablet: only with the person there.
    tablet.goto(f"{url}/#/plan/{plan_id}")
    expect(tablet.locator('[data-pending-member="Fay"]')).to_be_visible(timeout=20_000)
    check_axe(tablet, "a pending member on the worker's tablet", lang, problems)
    assert not problems, problems
    for context in (tablet.context, phone.context, fay.context):
        context.close()
