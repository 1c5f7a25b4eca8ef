"""Devices set up for a browser test: a worker's device (enrolled), a plan started on it, a person's phone
joined to it with an invite, a device that has the app installed. Each is a page in a browser context of its
own (``page.context``), driven with the steps in :mod:`support.pwa`."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, expect

from . import pwa
from .processes import AlongsideServer


def worker_device(
    browser: Browser, server: AlongsideServer, *, name: str = "Ali", label: str = "work tablet", **options: Any
) -> Page:
    """A new device (its own browser context, ``page.context``) that worker `name` has set up for work."""
    page = pwa.new_device(browser, **options).new_page()
    pwa.enrol(page, server.url, pwa.worker_code(server, name), name=name, label=label)
    return page


def plan_with_strengths(page: Page, *strengths: str, person: str = "Sam", title: str = "") -> str:
    """Start a plan with `person` on a worker's device, add `strengths`, wait until it synced; its id."""
    plan_id = pwa.start_plan(page, person, title)
    if strengths:
        pwa.open_section(page, plan_id, "strengths")
        for strength in strengths:
            pwa.add_strength(page, strength)
    pwa.wait_synced(page)
    return plan_id


def joined_device(
    browser: Browser,
    url: str,
    invite_text: str,
    plan_id: str,
    *,
    name: str = "Sam",
    label: str = "Sam's phone",
    **options: Any,
) -> Page:
    """A new device joined to plan `plan_id` with the invite `invite_text` (see `invite`), synced."""
    page = pwa.new_device(browser, **options).new_page()
    assert pwa.join(page, url, invite_text, name=name, label=label) == plan_id
    pwa.wait_synced(page)
    return page


def let_in(page: Page, url: str, plan_id: str, name: str) -> None:
    """On the person's phone (or, with the person there, the worker's device): say yes to `name`, who joined
    with a code from someone other than the person and waits for the person's yes (docs/crypto.md §11.6)."""
    page.goto(f"{url}/#/plan/{plan_id}")
    waiting = page.locator(f'[data-pending-member="{name}"]')
    expect(waiting.get_by_role("button").first).to_be_enabled(timeout=20_000)
    waiting.get_by_role("button").first.click()
    expect(page.get_by_role("status").filter(has_text=f"{name} can now see the plan.")).to_be_visible(timeout=20_000)


def approved_device(
    browser: Browser,
    url: str,
    invite_text: str,
    plan_id: str,
    approver: Page,
    *,
    name: str,
    label: str,
    **options: Any,
) -> Page:
    """A new device joined with a code from the worker (or a supporter), let in on `approver` (see `let_in`), synced."""
    page = pwa.new_device(browser, **options).new_page()
    assert pwa.join(page, url, invite_text, name=name, label=label) == plan_id
    expect(page.locator("[data-waiting-for-yes]")).to_be_visible(timeout=20_000)
    let_in(approver, url, plan_id, name)
    # The key arrived: the plan opens. Four hops (the approver's push, the server, this device's pull and its
    # checks of who granted the key), each slow when three test workers share two cores.
    expect(page.locator(".my-plan-link")).to_be_visible(timeout=60_000)
    pwa.wait_synced(page)
    return page


def worker_and_person(
    browser: Browser, server: AlongsideServer, *strengths: str, **options: Any
) -> tuple[Page, Page, str]:
    """The worker's tablet with a plan for Sam holding `strengths`, and Sam's phone joined to it (both synced)."""
    tablet = worker_device(browser, server, **options)
    plan_id = plan_with_strengths(tablet, *strengths)
    return tablet, joined_device(browser, server.url, pwa.invite(tablet, plan_id), plan_id, **options), plan_id


def installed_device(browser: Browser, url: str, **options: Any) -> Page:
    """A new device that has opened the app once, so that its service worker has it (as if installed)."""
    page = pwa.new_device(browser, **options).new_page()
    page.goto(url + "/")
    pwa.wait_for_service_worker(page)
    return page


def back_online_in_turn(tablet: Page, phone: Page) -> None:
    """Signal again after both were offline: the tablet syncs first, then the phone; then the tablet, reloaded,
    syncs what the phone sent."""
    tablet.context.set_offline(False)
    pwa.wait_synced(tablet)
    phone.context.set_offline(False)
    pwa.wait_synced(phone)
    tablet.reload()
    pwa.wait_synced(tablet)
