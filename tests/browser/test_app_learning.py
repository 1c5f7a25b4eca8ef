"""Learning what helps, not control (issue 18, must-show 5): an admin's device sets up the organisation's learning
key; a worker's device holds 12 plans (seeded through the real sync path), 7 of whose people said yes to sharing
(6 recorded at the kitchen table, one given on the plan's screen now). After syncing, the device seals each
consenting plan's facts to the learning key and sends them with no Authorization and no cookie. The admin's "What
we are learning" shows only groups of at least 5 plans and nothing from the 5 who did not say yes: a canary tag
linked in those 5 (and in only 2 consenting plans) never appears, and every count is what the 7 hold. The server's
learning database holds sealed sets only (no fact in clear, no plan, device or account id), and neither its files
nor its log hold a fact. Stopping sharing on one plan removes its set, and the admin's counts change. The new
screens pass axe-core in English and Arabic at 360 by 740 pixels."""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.beside_the_app import page_device_keys, python_devices
from support.caseload_world import Caseload, SeedPlan, SeedStep
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, admin, check_axe, enrol, new_device, set_language, worker_code

from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import AllDocsRequest

CANARY = "canary-choir-q7"
WALKING = "walking-q7"
COOKING = "cooking-q7"
WITHDRAWN_BY = 30.0  # seconds: "left the store at all", never a performance claim


def activity(tag: str) -> dict[str, Any]:
    """The copy a step keeps of a directory entry with one tag."""
    return {"id": f"act-{tag}", "name": f"The {tag} group", "when": "Thursdays", "tags": [tag]}


def consent(person: str) -> dict[str, Any]:
    """The person's yes, recorded on the worker's device at the kitchen table (data/learning.js)."""
    proof = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    return {"share": True, "set": secrets.token_hex(16), "proof": proof, "agreed": "in person", "said_by": person}


# (went, again) of the walking group's follow-up in each consenting plan; None: not answered.
WALKED = [("yes", "yes"), ("yes", "yes"), ("yes", "yes"), ("yes", "yes"), ("no", "no"), ("not_yet", "maybe"), None]
COOKED = [("yes", "yes"), ("yes", "yes"), ("yes", "yes"), ("yes", "maybe"), ("yes", "no")]
RATED = [(3, 6), (4, 5), (5, 5), (6, 5), (7, 2), (2, 8)]  # up, up a little, the same, down a little, down, up


def consenting(n: int) -> SeedPlan:
    """The nth (0 to 6) plan whose person says yes: the 7th (n = 6) says it on screen, in the test."""
    steps = [SeedStep("Walk on Thursdays", activity=activity(WALKING), followup=WALKED[n])]
    if n < 5:
        steps.append(SeedStep("Cook together", activity=activity(COOKING), followup=COOKED[n]))
    if n >= 5:
        steps.append(SeedStep("Sing", activity=activity(CANARY), followup=("yes", "yes")))
    person = f"Yes {n + 1}"
    return SeedPlan(
        person,
        f"Plan of {person}",
        steps=tuple(steps),
        ratings=(RATED[n],) if n < 6 else (),
        learning=consent(person) if n < 6 else None,
    )


def not_consenting(n: int) -> SeedPlan:
    steps = (
        SeedStep("Walk", activity=activity(WALKING), followup=("no", "no")),
        SeedStep("Sing", activity=activity(CANARY), followup=("yes", "yes")),
        SeedStep("Cook", activity=activity(COOKING), followup=("no", "no")),
    )
    return SeedPlan(f"Not asked {n + 1}", "Another plan", steps=steps, ratings=((1, 9), (9, 1)))


SENT = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('alongside-device', 1);
  open.onsuccess = () => {
    const get = open.result.transaction('kv').objectStore('kv').get('device');
    get.onsuccess = () => {
      open.result.close();
      const sent = Object.values(get.result?.learning?.sent || {});
      const withdrawn = sent.filter((v) => v === 'withdrawn').length;
      resolve({sent: sent.length - withdrawn, withdrawn});
    };
    get.onerror = () => reject(get.error);
  };
  open.onerror = () => reject(open.error);
})"""


def wait_sent(page: Page, sent: int, withdrawn: int = 0) -> None:
    """Wait until this device's record says it sent `sent` fact sets and withdrew `withdrawn`."""
    page.wait_for_function(
        f"""async () => {{ const s = await ({SENT})(); return s.sent === {sent} && s.withdrawn === {withdrawn}; }}""",
        timeout=60_000,
    )


def learning_page(page: Page) -> None:
    page.get_by_role("button", name="Check again").click()


def expect_totals(page: Page, plans: int, walking: tuple[int, int, int], cooking: tuple[int, int, int] | None) -> None:
    expect(page.locator("[data-learning-ready]")).to_have_attribute("data-learning-plans", str(plans))
    row = page.locator(f'[data-learning-tag="{WALKING}"]')
    for name, value in zip(("data-tried", "data-went", "data-again"), walking, strict=True):
        expect(row).to_have_attribute(name, str(value))
    if cooking is None:
        expect(page.locator(f'[data-learning-tag="{COOKING}"]')).to_have_count(0)
    else:
        row = page.locator(f'[data-learning-tag="{COOKING}"]')
        for name, value in zip(("data-tried", "data-went", "data-again"), cooking, strict=True):
            expect(row).to_have_attribute(name, str(value))
    expect(page.locator("[data-learning-tag]")).to_have_count(1 if cooking is None else 2)
    expect(page.get_by_text("Some activities are not shown because fewer than 5 plans linked them.")).to_be_visible()
    assert CANARY not in page.content()


async def learning_documents(data_dir: Path) -> list[dict[str, Any]]:
    """Every document of the server's learning database, read from its store directly."""
    store = SqliteStore(data_dir)
    await store.open()
    try:
        rows = (await store.all_docs("learning", AllDocsRequest(include_docs=True)))["rows"]
    finally:
        await store.close()
    return [row["doc"] for row in rows]


@pytest.fixture
def devices() -> Iterator[Any]:
    with python_devices() as portal:
        yield portal


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_twelve_plans_seven_say_yes_the_admin_sees_only_groups_of_five_from_them_and_a_stop_removes_a_set(
    chromium: Browser, alongside_server: AlongsideServer, devices: Any, tmp_path: Path
) -> None:
    server = alongside_server
    server.stop()  # again with its access log on: what it writes about the facts' requests is checked below
    server.log_level = "info"
    server.start()
    url = server.url
    problems: dict[str, Any] = {}
    worker_enrolment = worker_code(server, "Ali")  # sets up the organisation
    dana_code = admin(server, "add-worker", "--name", "Dana", "--admin")["code"]

    # The admin's device: "What we are learning" from the start screen; no key yet: set it up.
    dana = new_device(chromium, bypass_csp=True).new_page()  # bypass_csp: axe-core
    enrol(dana, url, dana_code, name="Dana", label="office laptop")
    dana.get_by_role("link", name="What we are learning").click()
    expect(dana.get_by_role("heading", name="What we are learning")).to_be_visible()
    expect(dana.get_by_role("button", name="Set up learning")).to_be_visible()
    check_axe(dana, "learning set-up", "en", problems)
    dana.screenshot(path=str(SCREENSHOTS / "190-learning-set-up.png"), full_page=True)
    dana.get_by_role("button", name="Set up learning").click()
    expect(dana.locator("[data-learning-ready]")).to_have_attribute("data-learning-plans", "0")
    expect(dana.get_by_text("Fewer than 5 plans share yet, so nothing is shown.")).to_be_visible()

    # The worker's device holds 12 plans: 6 with the person's yes recorded at the kitchen table, 1 more to ask, 5 not.
    ali = new_device(chromium, bypass_csp=True).new_page()
    enrol(ali, url, worker_enrolment)
    ali.evaluate("localStorage.setItem('alongside-learning-delay', '0')")  # no random wait before sending here
    keys, token = page_device_keys(ali)
    plans = [consenting(n) for n in range(7)] + [not_consenting(n) for n in range(5)]
    with ExitStack() as closing:
        seeding = Caseload(url, tmp_path / "seed", keys, token)
        caseload = closing.enter_context(devices.wrap_async_context_manager(seeding))
        first = devices.call(partial(caseload.start, plans[0], 0))
        seventh = devices.call(partial(caseload.start, plans[6], 6))
        devices.call(partial(caseload.seed, plans[1:6], first=1))
        devices.call(partial(caseload.seed, plans[7:], first=7))
    ali.get_by_role("button", name="Check for new plans").click()
    expect(ali.locator("[data-plan-row][data-facts-read]")).to_have_count(12, timeout=120_000)
    wait_sent(ali, 6)

    # The seventh person is there and says yes on the plan's screen.
    ali.goto(f"{url}/#/plan/{seventh.plan_id}")
    panel = ali.locator("[data-learning-consent]")
    expect(panel).to_have_attribute("data-learning-consent", "no")
    expect(panel).to_contain_text("Never their words, their name, anyone's names or any dates")
    expect(panel).to_contain_text("Only the organisation's admins, and only as totals of at least 5 plans")
    check_axe(ali, "learning consent", "en", problems)
    ali.screenshot(path=str(SCREENSHOTS / "191-help-us-learn.png"), full_page=True)
    panel.get_by_role("button", name="The person is here and says yes").click()
    expect(panel).to_have_attribute("data-learning-consent", "yes")
    expect(panel).to_contain_text("Said in person by Yes 7")
    wait_sent(ali, 7)

    # The admin sees the 7 only, in groups of at least 5: walking (7 tried, 4 went, 4 would go again), cooking
    # (5, 5, 3); the canary (5 plans that said no, 2 that said yes) is not there, nor named. Ratings of 6 plans.
    learning_page(dana)
    expect_totals(dana, 7, (7, 4, 4), (5, 5, 3))
    expect(dana.locator("[data-learning-scales]")).to_have_attribute("data-learning-scales", "6")
    counts = {"up": 2, "up_a_little": 1, "same": 1, "down_a_little": 1, "down": 1}
    for band, count in counts.items():
        expect(dana.locator(f'[data-scale="{band}"]')).to_have_attribute("data-count", str(count))
    check_axe(dana, "what we are learning", "en", problems)
    dana.screenshot(path=str(SCREENSHOTS / "192-what-we-are-learning.png"), full_page=True)

    # The server's learning database: the key document and 7 sealed sets, each only {sealed, proof_sha256}.
    docs = devices.call(partial(learning_documents, Path(server.data_dir)))
    facts = [doc for doc in docs if doc["_id"].startswith("facts:")]
    assert len(facts) == 7 and len(docs) == 8, [doc["_id"] for doc in docs]
    for doc in facts:
        assert set(doc) == {"_id", "_rev", "sealed", "proof_sha256"}, doc
        assert set(doc["sealed"]) == {"v", "kid", "epk", "nonce", "ct"}
    stored = json.dumps(docs)
    account = devices.call(partial(account_of, url, token))
    for never in [first.plan_id, seventh.plan_id, keys.device_id, token, account, CANARY, WALKING, COOKING, "Yes 1"]:
        assert never not in stored, never
    # Nor any file the server keeps, nor its log: no fact in clear.
    assert server.log_path is not None
    for path in [*Path(server.data_dir).rglob("*"), server.log_path]:
        if path.is_file():
            content = path.read_bytes()
            for word in (CANARY, WALKING, COOKING):
                assert word.encode() not in content, (path, word)
    log = server.log_path.read_text(errors="replace")
    for doc in facts:
        assert doc["_id"].removeprefix("facts:") not in log

    # Arabic, at 360 by 740: the admin's page and the plan's "Help us learn what helps".
    set_language(dana, url, "ar", "العربية")
    dana.goto(f"{url}/#/learning")
    expect(dana.locator("[data-learning-ready]")).to_have_attribute("data-learning-plans", "7")
    check_axe(dana, "what we are learning", "ar", problems)
    dana.screenshot(path=str(SCREENSHOTS / "ar-192-what-we-are-learning.png"), full_page=True)
    set_language(ali, url, "ar", "العربية")
    ali.goto(f"{url}/#/plan/{seventh.plan_id}")
    expect(ali.locator("[data-learning-consent]")).to_have_attribute("data-learning-consent", "yes")
    check_axe(ali, "learning consent", "ar", problems)
    ali.screenshot(path=str(SCREENSHOTS / "ar-191-help-us-learn.png"), full_page=True)
    set_language(ali, url, "en", "English")

    # The first person stops sharing: its set is withdrawn from the server, and the admin's counts change
    # (cooking, now in 4 plans, is no longer shown).
    ali.goto(f"{url}/#/plan/{first.plan_id}")
    panel = ali.locator("[data-learning-consent]")
    panel.get_by_role("button", name="The person is here and says stop sharing").click()
    expect(panel).to_have_attribute("data-learning-consent", "no")
    wait_sent(ali, 6, withdrawn=1)
    # The set leaves the server's store (one full run read it there a moment before the withdrawal landed).
    deadline = time.monotonic() + WITHDRAWN_BY
    while True:
        docs = devices.call(partial(learning_documents, Path(server.data_dir)))
        held = len([doc for doc in docs if doc["_id"].startswith("facts:")])
        if held == 6 or time.monotonic() > deadline:
            break
        time.sleep(0.25)
    assert held == 6, f"{held} fact sets still on the server {WITHDRAWN_BY} s after the stop"
    set_language(dana, url, "en", "English")
    dana.goto(f"{url}/#/learning")
    expect_totals(dana, 6, (6, 3, 3), None)
    for band, count in {**counts, "up": 1}.items():
        expect(dana.locator(f'[data-scale="{band}"]')).to_have_attribute("data-count", str(count))
    dana.screenshot(path=str(SCREENSHOTS / "193-after-a-stop.png"), full_page=True)
    assert not problems, json.dumps(problems, indent=1)[:4000]


async def account_of(url: str, token: str) -> str:
    """The worker's account id, as the server names it."""
    async with httpx.AsyncClient(base_url=url) as client:
        answer = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    account: str = answer.json()["account"]
    return account
