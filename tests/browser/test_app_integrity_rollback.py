"""Nobody rolls an item back unseen, proven in Chromium (issue 13, "Must show" 1; docs/crypto.md §8.3;
docs/app.md "Versions the device remembers").

Dee's phone is the app in Chromium, reaching the server through a proxy that forwards everything until
told to lie. Ali's work tablet (a Python device) started the plan; Sam (a Python device) joined as a
supporter with write access: an ordinary member. A strength Dee said on her phone is edited twice.
Sam pushes its first envelope again as a new winning revision, once with ``new_edits: false`` on top of
the newest and once as an ordinary write on the current revision; then the server itself (the proxy)
serves the first version as a new revision. Each time the phone keeps showing the newest words, says in
plain words what happened, and writes the newest version back, so that the server's winner is the
newest version again and nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from support import hand_made
from support.beside_the_app import (
    PhonePlan,
    plan_with_phone,
    remembered_version,
    texts_seen,
    wait_until,
    watch_texts,
)
from support.pwa import add_strength, open_section, wait_synced

ROLLBACK = "An older copy of this came back from the server or another device. We kept the newer one."
FIRST, EXAMPLE = "I cook", "Sunday dinners"


@pytest.fixture(scope="module")
def plan(chromium: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PhonePlan]:
    with plan_with_phone(chromium, tmp_path_factory.mktemp("rollback")) as made:
        yield made


def strength_edited_twice(plan: PhonePlan, said: str) -> tuple[str, str]:
    """Dee says a strength on her phone; Ali rewords it, then adds an example; Sam has seen every version.
    Returns the strength's id and the newest version's hash, once the phone remembers that version."""
    call, phone = plan.run, plan.phone
    open_section(phone, plan.plan_id, "strengths")
    add_strength(phone, said, said_by="Dee")
    sid = phone.locator("article.item", has_text=said).get_attribute("data-item")
    assert sid
    wait_synced(phone)
    for fields in ({"text": f"{said} for my kids"}, {"example": EXAMPLE}):
        call(plan.ali.sync)
        call(plan.sam.sync)
        call(plan.ali.update, sid, fields)
        call(plan.ali.sync)
    call(plan.sam.sync)
    newest = plan.ali.shown[sid]
    assert newest.n == 3 and [plan.sam.open_copy(e).n for e in hand_made.earlier_envelopes(plan.sam, sid)] == [1, 2, 3]
    card = phone.locator("article.item", has_text=f"{said} for my kids")
    expect(card).to_contain_text(EXAMPLE, timeout=30_000)
    wait_until(
        lambda: (remembered_version(phone, plan.plan_id, sid) or {}).get("n") == 3, what="the phone remembers n 3"
    )
    return sid, newest.vh


def expect_newest_kept(plan: PhonePlan, sid: str, said: str) -> None:
    """The phone shows the newest words with the notice, and nothing of the first version alone."""
    card = plan.phone.locator(f'article.item[data-item="{sid}"]')
    expect(card.locator("[data-flag=rollback]")).to_contain_text(ROLLBACK, timeout=30_000)
    expect(card).to_have_attribute("data-flags", re.compile(r"\brollback\b"))
    expect(card.locator(".item-text")).to_have_text(f"{said} for my kids")
    expect(card).to_contain_text(EXAMPLE)


def generation(rev: str) -> int:
    return int(rev.split("-", 1)[0])


def expect_put_back(plan: PhonePlan, sid: str, newest: str, *, above: int) -> None:
    """The phone wrote the newest version back on top of the older copy (at revision generation ``above``):
    the server's winner is a later revision holding the newest version again (re-sealed: same n, same hash)."""

    def put_back() -> bool:
        winner = plan.run(hand_made.server_winner, plan.ali, sid)
        return generation(winner["_rev"]) > above and plan.server_version(sid) == (3, newest, False)

    wait_until(put_back, what="the server's winner is the newest version again")
    wait_synced(plan.phone)


def never_shown(plan: PhonePlan, said: str) -> None:
    """At no moment since :func:`watch_texts` did the phone show the first words as the strength's text."""
    snapshots = texts_seen(plan.phone)
    assert snapshots and all(f"{said} for my kids" in texts for texts in snapshots), snapshots
    assert not any(said in texts for texts in snapshots), snapshots


def dismiss(plan: PhonePlan, sid: str) -> None:
    card = plan.phone.locator(f'article.item[data-item="{sid}"]')
    card.get_by_role("button", name=re.compile("^OK")).click()
    expect(card.locator("[data-flag=rollback]")).to_have_count(0)


def test_an_earlier_version_a_member_pushes_is_kept_from_the_phone_and_put_back(plan: PhonePlan) -> None:
    call, phone = plan.run, plan.phone
    sid, newest = strength_edited_twice(plan, FIRST)
    first = hand_made.earlier_envelopes(plan.sam, sid)[0]

    # Sam replays the first version as a new revision on top of the newest (new_edits: false): it wins.
    watch_texts(phone, "article.item .item-text")
    replaced = call(hand_made.server_winner, plan.sam, sid)["_rev"]
    answer = call(hand_made.push_as_new_revision, plan.sam, sid, first)
    assert answer.status_code == 201 and answer.json() == [], answer.text
    # The phone keeps the newest words, says what happened, and puts the newest version back.
    expect_newest_kept(plan, sid, FIRST)
    expect_put_back(plan, sid, newest, above=generation(replaced) + 1)  # the replay
    never_shown(plan, FIRST)
    dismiss(plan, sid)

    # Sam writes the first version over the current revision, as an ordinary write: the same again.
    watch_texts(phone, "article.item .item-text")
    answer = call(hand_made.write_over, plan.sam, sid, first)
    assert answer.status_code == 201, answer.text
    expect_newest_kept(plan, sid, FIRST)
    expect_put_back(plan, sid, newest, above=generation(answer.json()["rev"]))
    never_shown(plan, FIRST)

    # The plan's page lists what came back; the worker's tablet, syncing now, shows the newest: nothing lost.
    phone.goto(f"{plan.proxy.url}/#/plan/{plan.plan_id}")
    expect(phone.locator("[data-integrity-banner]")).to_contain_text(
        "An older copy of 1 thing came back from the server or another device. We kept the newer one."
    )
    call(plan.ali.sync)
    assert plan.ali.text_of(sid) == f"{FIRST} for my kids" and plan.ali.text_of(sid, "example") == EXAMPLE
    assert plan.ali.shown[sid].vh == newest and plan.ali.shown[sid].author == plan.ali.device_id
    assert plan.ali.events_about(sid) == []  # the phone had put it right before the tablet looked


def test_an_older_version_the_server_serves_is_kept_from_the_phone_and_put_back(plan: PhonePlan) -> None:
    call, phone = plan.run, plan.phone
    said = "I mend bikes"
    sid, newest = strength_edited_twice(plan, said)
    first = hand_made.earlier_envelopes(plan.ali, sid)[0]

    # The server (the proxy in front of it) presents the first version as a new winning revision.
    watch_texts(phone, "article.item .item-text")
    plan.proxy.serve_older_version(plan.plan_id, sid, first)
    card = phone.locator(f'article.item[data-item="{sid}"]')
    expect(card.locator("[data-flag=rollback]")).to_contain_text(ROLLBACK, timeout=30_000)
    rewrite = plan.proxy.rewrite(plan.plan_id, sid)
    assert rewrite is not None and rewrite.served >= 1 and rewrite.anchor  # the older version did reach the phone
    expect_newest_kept(plan, sid, said)
    expect_put_back(plan, sid, newest, above=generation(rewrite.rev))  # on top of what the proxy served
    never_shown(plan, said)

    # Once the real winner is the newest again the proxy has nothing to lie on top of: everyone agrees.
    call(plan.ali.sync)
    call(plan.sam.sync)
    for device in (plan.ali, plan.sam):
        assert device.text_of(sid) == f"{said} for my kids" and device.shown[sid].vh == newest, device.name
    phone.reload()
    expect(phone.locator(f'article.item[data-item="{sid}"] .item-text')).to_have_text(f"{said} for my kids")
