"""The app lock: a PIN set in Settings wraps this device's private keys (only the wrapped form stays in
IndexedDB), the lock screen shows nothing of the plan (page text and title), a wrong PIN is refused in
plain words, the right one opens the plan again; and the app can go by a neutral name ("Notes")."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import Browser, Page, expect
from support.devices import plan_with_strengths, worker_device
from support.processes import AlongsideServer
from support.pwa import SCREENSHOTS, open_section, wait_synced

STRENGTH = "I keep going when things are hard"

# Every value in the device store, with byte arrays as hex, as one JSON text.
DEVICE_STORE = """() => new Promise((resolve, reject) => {
  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const plain = (value) => {
    if (value instanceof ArrayBuffer) return hex(new Uint8Array(value));
    if (ArrayBuffer.isView(value)) return hex(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
  };
  const open = indexedDB.open('alongside-device', 1);
  open.onsuccess = () => {
    const store = open.result.transaction('kv').objectStore('kv');
    const keys = store.getAllKeys();
    const values = store.getAll();
    values.onsuccess = () => resolve(JSON.stringify({keys: keys.result, values: values.result.map(plain)}));
    values.onerror = () => reject(values.error);
  };
  open.onerror = () => reject(open.error);
})"""


def private_key_hex(page: Page) -> str:
    """The raw private keys (hex) as the device store holds them before a lock is set."""
    store = json.loads(page.evaluate(DEVICE_STORE))
    secret: str = next(v["secret"] for v in store["values"] if isinstance(v, dict) and v.get("secret"))
    return secret


def b64u(hex_text: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(hex_text)).decode().rstrip("=")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_app_lock_wraps_the_keys_and_hides_the_plan(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(page, STRENGTH)
    secret = private_key_hex(page)
    assert len(secret) == 128  # enc_priv || sig_priv, stored raw while there is no lock

    # Settings: set a PIN, choose the neutral name.
    page.goto(f"{url}/#/settings")
    page.get_by_label("New PIN or passphrase").fill("246800")
    page.get_by_label("The same again").fill("246900")
    page.get_by_role("button", name="Turn on the app lock").click()
    expect(page.get_by_text("The two do not match. Type them again.")).to_be_visible()
    page.get_by_label("New PIN or passphrase").fill("246800")
    page.get_by_label("The same again").fill("246800")
    page.get_by_role("button", name="Turn on the app lock").click()
    expect(page.get_by_role("status").filter(has_text="The app lock is on.")).to_be_visible(timeout=20_000)
    page.get_by_label('Call the app "Notes" on this phone').check()
    expect(page.locator("header .brand")).to_have_text("Notes")
    assert page.title() == "Notes"

    # IndexedDB holds only the wrapped keys: no raw private key, in any form, anywhere in the store.
    store = page.evaluate(DEVICE_STORE)
    assert '"kind":"pinlock"' in store
    assert '"secret"' not in store
    for part in (secret, secret[:64], secret[64:]):
        assert part not in store
        assert b64u(part) not in store

    # Open the app again: the lock screen, with nothing of the plan and a neutral title.
    page.goto(f"{url}/#/plan/{plan_id}/strengths")
    page.reload()
    expect(page.get_by_role("heading", name="Notes is locked")).to_be_visible()
    text = page.locator("body").inner_text()
    for secret_word in ("Sam", STRENGTH, "Alongside", "Strengths"):
        assert secret_word not in text
    assert page.title() == "Notes"
    expect(page.get_by_role("link", name="Settings")).to_have_count(0)

    page.get_by_label("PIN or passphrase").fill("135700")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("That PIN or passphrase is not right. Try again.").first).to_be_visible(timeout=20_000)
    assert STRENGTH not in page.locator("body").inner_text()

    page.get_by_label("PIN or passphrase").fill("246800")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
    assert page.title() == "Notes"
    wait_synced(page)

    # Lock now, from Settings: back to the lock screen at once.
    page.goto(f"{url}/#/settings")
    page.get_by_role("button", name="Lock now").click()
    expect(page.get_by_role("heading", name="Notes is locked")).to_be_visible()
    page.get_by_label("PIN or passphrase").fill("246800")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("heading", name="Settings")).to_be_visible(timeout=20_000)

    # Turning the lock off needs the PIN; then the app opens without asking.
    page.get_by_label("PIN or passphrase").fill("246800")
    page.get_by_role("button", name="Turn off the app lock").click()
    expect(page.get_by_role("status").filter(has_text="The app lock is off.")).to_be_visible(timeout=20_000)
    page.get_by_label('Call the app "Notes" on this phone').uncheck()
    page.goto(f"{url}/#/plan/{plan_id}/strengths")
    page.reload()
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)
    assert page.title() == "Alongside"


def set_visibility(page: Page, state: str) -> None:
    """Make the page hidden or visible, as switching to another app (or back) does, and tell it so."""
    page.evaluate(
        """(state) => {
            Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => state});
            Object.defineProperty(document, 'hidden', {configurable: true, get: () => state === 'hidden'});
            document.dispatchEvent(new Event('visibilitychange'));
        }""",
        state,
    )


def locked_store(page: Page) -> dict[str, object]:
    store = json.loads(page.evaluate(DEVICE_STORE))
    locked: dict[str, object] = next(v["locked"] for v in store["values"] if isinstance(v, dict) and v.get("locked"))
    return locked


def expect_locked_without_content(page: Page) -> None:
    expect(page.get_by_role("heading", name="Alongside is locked")).to_be_visible(timeout=20_000)
    html = page.content()
    for secret_word in ("Sam", STRENGTH, "Strengths"):
        assert secret_word not in html
    assert page.title() == "Alongside"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_change_pin_and_lock_when_hidden(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    plan_id = plan_with_strengths(page, STRENGTH)
    page.goto(f"{url}/#/settings")
    page.get_by_label("New PIN or passphrase").fill("246800")
    page.get_by_label("The same again").fill("246800")
    page.get_by_role("button", name="Turn on the app lock").click()
    expect(page.get_by_role("status").filter(has_text="The app lock is on.")).to_be_visible(timeout=20_000)
    expect(page.get_by_role("radio", name="1 minute")).to_be_checked()  # the default

    # Change the PIN: a wrong old PIN is refused and changes nothing; the right one re-wraps the keys.
    before = locked_store(page)
    page.get_by_role("button", name="Change the PIN or passphrase").click()
    page.get_by_label("The PIN or passphrase you use now").fill("1111")
    page.get_by_label("New PIN or passphrase").fill("975310")
    page.get_by_label("The same again").fill("975310")
    page.get_by_role("button", name="Save the new PIN or passphrase").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The PIN or passphrase you use now is not right. Nothing was changed.", timeout=20_000
    )
    assert locked_store(page) == before
    page.get_by_label("The PIN or passphrase you use now").fill("246800")
    page.get_by_role("button", name="Save the new PIN or passphrase").click()
    expect(page.get_by_role("status").filter(has_text="Changed. Use the new PIN or passphrase")).to_be_visible(
        timeout=20_000
    )
    after = locked_store(page)
    assert after["kind"] == "pinlock"
    assert after["salt"] != before["salt"] and after["ct"] != before["ct"]

    # Out of sight for less than the chosen minute: still open.
    page.clock.install()
    open_section(page, plan_id, "strengths")
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible()
    set_visibility(page, "hidden")
    page.clock.fast_forward(30_000)
    set_visibility(page, "visible")
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible()

    # Longer than a minute: it locks itself, with nothing of the plan in the page or its title.
    set_visibility(page, "hidden")
    page.clock.fast_forward(61_000)
    expect_locked_without_content(page)

    # The old PIN no longer opens it; the new one does.
    page.get_by_label("PIN or passphrase").fill("246800")
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_text("That PIN or passphrase is not right. Try again.").first).to_be_visible(timeout=20_000)
    page.get_by_label("PIN or passphrase").fill("975310")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)

    # "Straight away": hidden at all means locked, by keyboard choice in Settings.
    page.goto(f"{url}/#/settings")
    now = page.get_by_role("radio", name="No time at all: lock straight away")
    now.focus()
    page.keyboard.press("Space")
    expect(now).to_be_checked()
    assert page.evaluate("localStorage.getItem('alongside-lock-after')") == "now"
    open_section(page, plan_id, "strengths")
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible()
    set_visibility(page, "hidden")
    expect_locked_without_content(page)
    page.get_by_label("PIN or passphrase").fill("975310")
    page.get_by_role("button", name="Unlock").click()
    expect(page.locator(".item-text", has_text=STRENGTH)).to_be_visible(timeout=20_000)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_neutral_name_brings_a_neutral_icon_and_manifest(chromium: Browser, alongside_server: AlongsideServer) -> None:
    url = alongside_server.url
    page = worker_device(chromium, alongside_server)
    links = "() => [...document.querySelectorAll('link[rel=icon], link[rel=apple-touch-icon], link[rel=manifest]')]"
    branded = page.evaluate(f"({links})().map(l => l.getAttribute('href'))")
    assert branded[0] == "/manifest.webmanifest" and all("notes-icon" not in h for h in branded)

    page.goto(f"{url}/#/settings")
    page.get_by_label('Call the app "Notes" on this phone').check()
    neutral = page.evaluate(f"({links})().map(l => l.getAttribute('href'))")
    assert neutral[0] == "/manifest-neutral.webmanifest"
    assert "/notes-icon-" in neutral[1] and neutral[1].endswith(".svg")
    assert "/notes-icon-192-" in neutral[2]
    # Still so when the app is opened again (before anything else is shown).
    page.reload()
    expect(page.locator("header .brand")).to_have_text("Notes")
    assert page.evaluate(f"({links})().map(l => l.getAttribute('href'))") == neutral

    manifest = page.request.get(f"{url}/manifest-neutral.webmanifest").json()
    assert manifest["name"] == "Notes" and manifest["short_name"] == "Notes"
    assert "Alongside" not in json.dumps(manifest)
    for icon in manifest["icons"]:
        response = page.request.get(url + icon["src"])
        assert response.ok and "notes-icon" in icon["src"]
    icon_page = page.context.new_page()
    icon_page.goto(url + neutral[2])
    icon_page.screenshot(path=str(SCREENSHOTS / "44-neutral-icon.png"))

    page.get_by_label('Call the app "Notes" on this phone').uncheck()
    assert page.evaluate(f"({links})().map(l => l.getAttribute('href'))") == branded
