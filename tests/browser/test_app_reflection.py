"""Reflection (issue 18, must show 4 and 6): at a review on the worker's tablet, Sam and Ali each look back in their
own words (what helped, what got in the way, what we would do differently), and Sam's phone shows both, each
attributed. After the review Ali writes a private reflective note holding a canary word. The note is sealed on the
tablet under a key derived from the tablet's own keys (docs/crypto.md §23): Sam's phone on the same plan and a
colleague's device never show it, and their own device keys do not open it (tried here on the sealed note the
tablet keeps, with the keys each device holds), the tablet's key does; the server's answers and every file under
its data directory hold no form of the canary. axe-core clean in English and Arabic at 360 by 740 on the review's
reflection and on "My reflective notes"."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import joined_device, plan_with_strengths, worker_device
from support.documents import plaintext_strings
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, check_axe, device_token, invite, open_section, set_language, wait_synced

from alongside.crypto import DecryptionError
from alongside.crypto.notes import notes_key, open_note

CANARY = "Quillwort-reflective-7c2e"
PERSON = {"helped": "Ali listened before talking", "hindered": "The bus strike", "differently": "Meet at the library"}
WORKER = {"helped": "Sam chose the order", "hindered": "I was late twice", "differently": "Leave more time to talk"}
# The device record's private keys and the sealed notes, read straight from the device store (IndexedDB).
DEVICE_STORE = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('alongside-device');
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const tx = open.result.transaction('kv', 'readonly');
    const device = tx.objectStore('kv').get('device');
    const notes = tx.objectStore('kv').get('reflective-notes');
    tx.oncomplete = () => resolve({
      secret: device.result && device.result.secret ? Array.from(device.result.secret) : null,
      notes: notes.result ?? null,
    });
  };
})"""


def device_store(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(DEVICE_STORE)
    return found


def reflect(page: Page, role: str, answers: dict[str, str]) -> None:
    group = page.locator(f"[data-reflection-form={role}]")
    labels = {"helped": "What helped", "hindered": "What got in the way", "differently": "What we would do differently"}
    for field, words in answers.items():
        group.get_by_label(labels[field]).fill(words)


def expect_reflections(page: Page, where: str) -> None:
    """Both reflections shown under `where`, each in its own words with who said it and whose it is."""
    person = page.locator(f"{where} [data-reflection=person]")
    expect(person.locator(".reflection-head")).to_have_text("The person's reflection — Sam")
    expect(person.locator("dd")).to_have_text(list(PERSON.values()))
    worker = page.locator(f"{where} [data-reflection=worker]")
    expect(worker.locator(".reflection-head")).to_have_text("The worker's reflection — Ali")
    expect(worker.locator("dd")).to_have_text(list(WORKER.values()))


def expect_no_note(page: Page, url: str) -> None:
    page.goto(f"{url}/#/notes")
    expect(page.get_by_role("heading", name="My reflective notes")).to_be_visible()
    expect(page.get_by_text("No notes yet.")).to_be_visible()
    assert CANARY not in page.content()
    assert device_store(page)["notes"] is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_reflections_at_a_review_are_attributed_and_a_workers_private_note_opens_only_on_her_device(
    chromium: Browser, alongside_server: AlongsideServer
) -> None:
    url = alongside_server.url
    problems: dict[str, Any] = {}
    tablet = worker_device(chromium, alongside_server, bypass_csp=True)
    plan_id = plan_with_strengths(tablet, "I make people laugh")
    phone = joined_device(chromium, url, invite(tablet, plan_id), plan_id, bypass_csp=True)

    # The review on the tablet (the plan has no goal: straight to what was said), each one's reflection.
    open_section(tablet, plan_id, "review")
    tablet.get_by_label("The date of this visit").fill("2026-03-03")
    tablet.get_by_role("button", name="Start the review").click()
    expect(tablet.locator("[data-reflection-form=person] legend")).to_have_text("The person's reflection")
    expect(tablet.locator("[data-reflection-form=worker]").get_by_label("Whose words")).to_have_value("Ali")
    expect(tablet.locator("[data-reflection-form=person]").get_by_label("Whose words")).to_have_value("Sam")
    reflect(tablet, "person", PERSON)
    reflect(tablet, "worker", WORKER)
    check_axe(tablet, "review: reflection", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "180-review-reflection.png"), full_page=True)
    tablet.get_by_role("button", name="Save and read the plan back").click()
    expect(tablet.locator(".review-banner")).to_be_visible()
    expect_reflections(tablet, "#main")

    # From the read-back, a private note on Ali's own practice: it names the plan it was written after.
    tablet.get_by_role("link", name="Write a private reflective note (only you can read it)").click()
    expect(tablet.get_by_role("heading", name="My reflective notes")).to_be_visible()
    expect(tablet.locator("[data-note-plan]")).to_contain_text("Sam")
    tablet.get_by_label("A new note").fill(f"I rushed the scale again. {CANARY}")
    tablet.get_by_role("button", name="Keep the note").click()
    expect(tablet.get_by_role("status").filter(has_text="Note kept on this device.")).to_be_visible()
    note = tablet.locator("[data-note]")
    expect(note).to_have_count(1)
    expect(note.locator(".note-text")).to_have_text(f"I rushed the scale again. {CANARY}")
    expect(note.locator(".note-head")).to_contain_text("Written after: Sam")
    check_axe(tablet, "my reflective notes", "en", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "181-reflective-notes.png"), full_page=True)
    # It stays after a reload (kept on the device), and with no connection.
    tablet.context.set_offline(True)
    tablet.reload()
    expect(tablet.locator("[data-note] .note-text")).to_contain_text(CANARY)
    tablet.context.set_offline(False)

    # In Arabic, right to left.
    set_language(tablet, url, "ar", "العربية")
    tablet.goto(f"{url}/#/notes/{plan_id}")
    expect(tablet.locator("[data-note]")).to_have_count(1)
    check_axe(tablet, "my reflective notes", "ar", problems)
    tablet.screenshot(path=str(SCREENSHOTS / "ar-181-reflective-notes.png"), full_page=True)
    open_section(tablet, plan_id, "review")
    tablet.locator(".review-start button[type=submit]").click()
    expect(tablet.locator("[data-reflection-form=person]")).to_be_visible()
    check_axe(tablet, "review: reflection", "ar", problems)
    set_language(tablet, url, "en", "English")
    assert problems == {}, problems

    # Sam's phone: both reflections, attributed, with the review; no note, in the page or in its store.
    tablet.goto(f"{url}/#/plan/{plan_id}")
    wait_synced(tablet)
    phone.reload()
    wait_synced(phone)
    open_section(phone, plan_id, "review")
    expect_reflections(phone, ".earlier-reviews")
    phone.locator(".earlier-reviews").screenshot(path=str(SCREENSHOTS / "182-review-reflections-phone.png"))
    expect_no_note(phone, url)
    # A colleague's device: no note either.
    colleague = worker_device(chromium, alongside_server, name="Priya", label="Priya's tablet")
    expect_no_note(colleague, url)

    # Crypto-level: the note as the tablet keeps it is sealed (its words and the plan only inside) and opens under
    # the tablet's notes key only; the keys Sam's phone and Priya's device hold do not open it.
    kept = device_store(tablet)
    assert kept["notes"]["v"] == 1 and len(kept["notes"]["notes"]) == 1
    sealed = kept["notes"]["notes"][0]
    assert set(sealed) == {"v", "kind", "id", "nonce", "ct"}
    assert CANARY not in json.dumps(sealed) and plan_id not in json.dumps(sealed)
    body = json.loads(open_note(notes_key(bytes(kept["secret"])), sealed))
    assert CANARY in body["text"] and body["plan"] == plan_id
    for other in (phone, colleague):
        with pytest.raises(DecryptionError):
            open_note(notes_key(bytes(device_store(other)["secret"])), sealed)

    # The server: its answers about the plan and every file it keeps hold no form of the canary.
    answer = httpx.get(
        f"{url}/sync/{plan_id}/_all_docs",
        params={"include_docs": "true"},
        headers={"Authorization": f"Bearer {device_token(tablet)}"},
    )
    assert answer.status_code == 200, answer.text
    docs = [row["doc"] for row in answer.json()["rows"]]
    assert CANARY not in " ".join(plaintext_strings(docs)) and CANARY not in answer.text
    forms = [CANARY.encode(), CANARY.lower().encode(), CANARY.encode("utf-16-le")]
    for path in Path(alongside_server.data_dir).rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(form in content for form in forms), path
