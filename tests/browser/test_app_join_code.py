"""Joining by typing a short code (docs/crypto.md §21, docs/api.md §7): the worker's share screen shows a
16-character code beside the QR code, another device types it (in lower case, with spaces) and joins the plan;
wrong codes are refused in plain words and count towards the limit per address, after which even a right code
waits. Both new screens pass axe-core in English and Arabic on a phone."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import (
    SCREENSHOTS,
    check_axe,
    invite,
    new_device,
    open_section,
    set_language,
    submit_join,
    wait_synced,
)

from alongside.crypto.joincode import join_code_keys, new_join_code
from alongside.server.settings import Settings

NO_SUCH_CODE = "No invite has this code. Check the letters, or ask for a new code."
TOO_MANY = "Too many tries from this connection. Wait a few minutes."
OPEN_A_BOX = """async (lookup) => {
  const response = await fetch(`/api/v1/join-codes/${lookup}/open`, {method: 'POST'});
  return {status: response.status, retryAfter: response.headers.get('Retry-After'), body: await response.json()};
}"""


def ask_for_code(page: Page) -> None:
    """Press the share screen's "No camera? Show a short code to type" (in any language): its only button then."""
    page.locator("section.invite").get_by_role("button").click()


def shown_code(page: Page) -> str:
    """The short code the share screen shows, once asked for and its box is on the server (four groups of four)."""
    ask_for_code(page)
    code = page.locator("[data-join-code]")
    expect(code).to_be_visible(timeout=20_000)
    shown = code.inner_text()
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}( [0-9A-HJKMNP-TV-Z]{4}){3}", shown), shown
    assert code.get_attribute("data-join-code") == shown.replace(" ", "")
    return shown


def type_code(page: Page, url: str, code: str) -> None:
    page.goto(f"{url}/#/join")
    expect(page.get_by_role("heading", name="Join a plan")).to_be_visible()
    page.get_by_label("Code", exact=True).fill(code)


def open_box(page: Page, lookup: str) -> dict[str, Any]:
    answer: dict[str, Any] = page.evaluate(OPEN_A_BOX, lookup)
    return answer


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_typed_code_joins_and_wrong_codes_are_refused_and_limited(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, "I make people laugh")
    invite(tablet, plan_id)  # the person's own phone (it needs nobody's yes, docs/crypto.md §11.6)
    code = shown_code(tablet)
    # The 421-character typed form of the invite is gone from the screen: the QR code and the short code remain.
    expect(tablet.get_by_role("img", name="QR code for the other device")).to_be_visible()
    expect(tablet.get_by_text("AS1:")).to_have_count(0)

    # The person's phone types it as people do, in lower case with its spaces, and joins as with the QR code.
    phone = new_device(chromium).new_page()
    type_code(phone, url, f"  {code.lower()} ")
    submit_join(phone, name="Sam", label="Sam's phone")
    expect(phone.get_by_role("heading", name="My plan", exact=True)).to_be_visible(timeout=20_000)
    assert phone.url.endswith(f"#/plan/{plan_id}/mine")
    wait_synced(phone)
    open_section(phone, plan_id, "strengths")
    expect(phone.locator(".item-text", has_text="I make people laugh")).to_be_visible(timeout=20_000)
    # Redeeming the invite deleted its box: the same code finds nothing now (a failed attempt, as any wrong code).
    assert open_box(phone, join_code_keys(code).lookup)["status"] == 404
    failures = 1

    # A second code, for someone else; on a third device, first wrong codes.
    invite(tablet, plan_id, "Someone they trust, who can only read it")
    second = shown_code(tablet)
    stranger = new_device(chromium).new_page()
    wrong = new_join_code()
    type_code(stranger, url, wrong.lower())
    submit_join(stranger, name="Someone", label=None)
    expect(stranger.get_by_role("alert")).to_contain_text(NO_SUCH_CODE)
    expect(stranger.get_by_role("heading", name="Join a plan")).to_be_visible()
    failures += 1

    # Each wrong code is a failed attempt from this address (all the devices here share 127.0.0.1): the API
    # answers 404 until the limit is used up.
    for _ in range(Settings().failure_limit - failures):
        answer = open_box(stranger, join_code_keys(new_join_code()).lookup)
        assert answer["status"] == 404, answer
        assert answer["body"] == {"error": "not_found", "detail": NO_SUCH_CODE}

    # Then even the right code is refused, in plain words on the screen and with 429 and Retry-After from the API.
    type_code(stranger, url, second)
    submit_join(stranger, name="Someone", label=None)
    expect(stranger.get_by_role("alert")).to_contain_text(TOO_MANY)
    limited = open_box(stranger, join_code_keys(second).lookup)
    assert limited["status"] == 429, limited
    assert limited["body"]["error"] == "too_many_requests"
    assert limited["retryAfter"] is not None and int(limited["retryAfter"]) >= 1

    # With no connection the share screen says so plainly and the QR code still works; back online, a new code.
    tablet.context.set_offline(True)
    invite(tablet, plan_id)
    expect(tablet.locator("[data-join-code]")).to_have_count(0)  # made only when someone asks for it
    ask_for_code(tablet)
    expect(tablet.get_by_text("Use the QR code — the short code needs a connection.")).to_be_visible(timeout=20_000)
    expect(tablet.get_by_role("img", name="QR code for the other device")).to_be_visible()
    expect(tablet.locator("[data-join-code]")).to_have_count(0)
    tablet.context.set_offline(False)
    tablet.get_by_role("button", name="Try the short code again").click()
    retried = tablet.locator("[data-join-code]")
    expect(retried).to_be_visible(timeout=20_000)
    assert retried.inner_text() not in (code, second)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize(("lang", "language"), [("en", "English"), ("ar", "العربية")])
def test_the_code_on_the_share_screen_and_the_type_the_code_screen_pass_axe(
    chromium: Browser, alongside_server: AlongsideServer, lang: str, language: str
) -> None:
    url = alongside_server.url
    prefix = "" if lang == "en" else f"{lang}-"
    problems: dict[str, Any] = {}
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)  # for axe-core's script
    plan_id = plan_with_strengths(tablet, "I make people laugh")
    if lang != "en":
        set_language(tablet, url, lang, language)
    open_section(tablet, plan_id, "share")
    tablet.locator("main fieldset.radios + button").click()  # "Show a code for the other device", in any language
    ask_for_code(tablet)
    code = tablet.locator("[data-join-code]")
    expect(code).to_be_visible(timeout=20_000)
    expect(code).to_have_attribute("dir", "ltr")
    check_axe(tablet, "share screen with the short code", lang, problems)
    tablet.evaluate("document.getElementById('invite-h').scrollIntoView(); scrollBy(0, -120)")  # QR and short code
    tablet.screenshot(path=str(SCREENSHOTS / f"{prefix}90-join-code-shown.png"))

    phone = new_device(chromium, bypass_csp=True).new_page()
    if lang != "en":
        set_language(phone, url, lang, language)
    phone.goto(f"{url}/#/join")
    field = phone.locator("input[name=invite]")
    expect(field).to_have_attribute("autocapitalize", "characters")
    expect(field).to_have_attribute("inputmode", "text")
    field.fill(code.inner_text().lower())
    check_axe(phone, "type the code", lang, problems)
    phone.screenshot(path=str(SCREENSHOTS / f"{prefix}91-type-the-code.png"), full_page=True)
    assert problems == {}, problems
