"""A change the server refuses (`_bulk_docs` answers `forbidden` for it) is not "waiting to sync": it will not go
as it is. The line says the server did not accept it and that it is kept on this device, also after a reload,
and the item it belongs to says the same; the words stay on the screen. A later change to the same item that the
server takes clears both."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Browser, Route, expect
from support.backends import SQLITE_ONLY
from support.devices import plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import add_strength, open_section, wait_synced

pytestmark = SQLITE_ONLY  # the app's handling of a refusal; the stores refuse alike

REFUSED = "The server did not accept 1 change from this device. It is kept here, but nobody else can see it."
ITEM_REFUSED = "The server did not accept this change from this device. It is kept here only."
BULK_DOCS = re.compile(r".*/sync/[0-9a-f]{32}/_bulk_docs$")


def refuse_every_document(route: Route) -> None:
    """Answer a push as the server answers documents it refuses: CouchDB's per-document `forbidden`."""
    docs = json.loads(route.request.post_data or "{}").get("docs", [])
    answer = [{"id": doc["_id"], "error": "forbidden", "reason": "Not allowed here."} for doc in docs]
    route.fulfill(status=201, content_type="application/json", body=json.dumps(answer))


def test_a_refused_change_is_named_as_refused_and_kept_until_a_later_change_is_taken(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    tablet = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(tablet, "Kind to animals")
    wait_synced(tablet)

    tablet.context.route(BULK_DOCS, lambda route: refuse_every_document(route))
    add_strength(tablet, "Patient with my brother")
    status = tablet.locator(".sync")
    expect(status).to_have_text(REFUSED)
    expect(status).to_have_attribute("data-not-accepted", "1")
    expect(status).to_have_attribute("data-pending", "1")

    # The strength itself says it: the words are here, the server did not take them.
    card = tablet.locator("article.item", has_text="Patient with my brother")
    expect(card.locator("[data-not-accepted]")).to_have_text(ITEM_REFUSED)
    expect(tablet.locator("article.item", has_text="Kind to animals").locator("[data-not-accepted]")).to_have_count(0)

    # Still said after a reload (the refusal is kept with what waits to sync), and the words are still here.
    tablet.reload()
    expect(status).to_have_text(REFUSED)
    expect(card.locator("[data-not-accepted]")).to_have_text(ITEM_REFUSED)

    # The server takes a later change to the same strength: nothing is refused or waiting any more.
    tablet.context.unroute(BULK_DOCS)
    open_section(tablet, plan_id, "strengths")
    tablet.locator("article.item", has_text="Patient with my brother").get_by_role(
        "link", name=re.compile("^Change")
    ).click()
    tablet.get_by_label("The strength", exact=True).fill("Patient with my brother and sister")
    tablet.get_by_role("button", name="Save", exact=True).click()
    wait_synced(tablet)
    expect(status).to_have_attribute("data-not-accepted", "0")
    expect(tablet.locator(".item-text", has_text="Patient with my brother and sister")).to_be_visible()
    expect(tablet.locator("article.item [data-not-accepted]")).to_have_count(0)
