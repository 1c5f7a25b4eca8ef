"""Python devices beside the app in Chromium, for the browser proofs of issue 13.

The browser tests drive Chromium with Playwright's synchronous API; the Python devices
(:class:`~support.plan_client.PlanDevice`, and the attacks of :mod:`support.hand_made`) are asynchronous.
They run on an event loop of their own in a thread (:func:`python_devices`, an anyio blocking portal),
so a test calls them with ``portal.call(...)`` between two Playwright steps.

A Python device shows an invite the app joins with (:func:`show_invite`), and a test can read what the
app keeps in the page: its device keys and token (:func:`page_device_keys`: a hand-made client can then
sign with the very keys of a device in Chromium) and the version it remembers of an item
(:func:`remembered_version`, docs/app.md "Versions the device remembers").
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from anyio.from_thread import BlockingPortal, start_blocking_portal
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from playwright.sync_api import Browser, Page

from alongside.crypto import DeviceKeys, create_invite, invite_bind_key, invite_registration
from alongside.server import api_client as api
from alongside.server.api_client import AsyncApiClient

from . import hand_made
from .hostile_proxy import HostileProxy
from .plan_client import PlanDevice
from .plan_world import REGISTRATION_FIELDS, PlanWorld, serving
from .pwa import join, new_device, wait_synced

Json = dict[str, Any]
T = TypeVar("T")


@contextmanager
def python_devices() -> Iterator[BlockingPortal]:
    """An event loop in a thread for the Python devices of one test module (``portal.call(coroutine_fn)``)."""
    with start_blocking_portal(backend="asyncio") as portal:
        yield portal


async def show_invite(inviter: PlanDevice, *, role: str, access: str) -> str:
    """``inviter`` makes an invite (docs/crypto.md §11), registers it with the server and keeps its bind key
    to admit the device that joins with it (§11.5); returns its text, for the app's join link."""
    invite = create_invite(inviter.keyring.current, inviter=inviter.keys, role=role, access=access)
    registration: dict[str, Any] = {k: v for k, v in invite_registration(invite).items() if k in REGISTRATION_FIELDS}
    await AsyncApiClient(inviter.http)(api.register_invite(inviter.plan_id, **registration))
    inviter.invites[invite.invite_id_hex] = (invite_bind_key(invite), role, access)
    return invite.to_text()


DEVICE_RECORD = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('alongside-device', 1);
  open.onsuccess = () => {
    const get = open.result.transaction('kv').objectStore('kv').get('device');
    get.onsuccess = () => {
      open.result.close();
      resolve({secret: Array.from(get.result.secret), token: get.result.token});
    };
    get.onerror = () => reject(get.error);
  };
  open.onerror = () => reject(open.error);
})"""


def page_device_keys(page: Page) -> tuple[DeviceKeys, str]:
    """The device keys and server token the app keeps for this device (no app lock set)."""
    record: Json = page.evaluate(DEVICE_RECORD)
    return DeviceKeys.from_private_bytes(bytes(record["secret"])), str(record["token"])


CASELOAD_RECORD = """() => new Promise((resolve, reject) => {
  const open = indexedDB.open('alongside-device', 1);
  open.onsuccess = () => {
    const get = open.result.transaction('kv').objectStore('kv').get('caseload');
    get.onsuccess = () => {
      open.result.close();
      resolve(get.result ?? null);
    };
    get.onerror = () => reject(get.error);
  };
  open.onerror = () => reject(open.error);
})"""


def b64u(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def kept_caseload(page: Page) -> dict[str, Json] | None:
    """The caseload summary the app keeps at rest (docs/crypto.md §13.3), opened here with the device's
    private keys (no app lock set) by Python's own HKDF and AES-GCM: {plan id: what its row shows}, or None."""
    sealed: Json | None = page.evaluate(CASELOAD_RECORD)
    if sealed is None:
        return None
    assert set(sealed) == {"v", "kind", "nonce", "ct"} and (sealed["v"], sealed["kind"]) == (1, "sealed-caseload")
    secret = bytes(page.evaluate(DEVICE_RECORD)["secret"])
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"alongside/v1/caseload").derive(secret)
    ad = b'{"ctx":"alongside/v1/at-rest","v":1,"what":"caseload"}'
    body: Json = json.loads(AESGCM(key).decrypt(b64u(sealed["nonce"]), b64u(sealed["ct"]), ad))
    assert body["v"] == 1
    plans: dict[str, Json] = body["plans"]
    return plans


def kept_caseload_when(page: Page, written: Callable[[Json | None], bool]) -> dict[str, Json] | None:
    """The caseload summary, opened, once its sealed record is `written` (the app writes it a moment after the
    rows of "My plans" are read): ``written`` is given the sealed record as stored, or None."""
    for _ in range(100):
        if written(page.evaluate(CASELOAD_RECORD)):
            break
        page.wait_for_timeout(100)
    return kept_caseload(page)


REMEMBERED = """([planId, docId]) => new Promise((resolve, reject) => {
  const open = indexedDB.open(`_pouch_plan-${planId}`);
  open.onsuccess = () => {
    const db = open.result;
    if (!db.objectStoreNames.contains('local-store')) {
      db.close();
      return resolve(null);
    }
    const get = db.transaction('local-store').objectStore('local-store').get(`_local/alongside-versions-${docId[0]}`);
    get.onsuccess = () => {
      db.close();
      resolve(get.result?.items?.[docId] ?? null);
    };
    get.onerror = () => reject(get.error);
  };
  open.onerror = () => reject(open.error);
})"""


def remembered_version(page: Page, plan_id: str, doc_id: str) -> Json | None:
    """The version of ``doc_id`` the app remembers having accepted (``{n, vh, deleted, rev, old, …}``), or
    ``None``: read from its local document in the plan's PouchDB (IndexedDB), never replicated."""
    entry: Json | None = page.evaluate(REMEMBERED, [plan_id, doc_id])
    return entry


WATCH = """(selector) => {
  window.__snapshots = [];
  const take = () => window.__snapshots.push([...document.querySelectorAll(selector)].map((el) => el.textContent));
  take();
  window.__watcher?.disconnect();
  window.__watcher = new MutationObserver(take);
  window.__watcher.observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def watch_texts(page: Page, selector: str) -> None:
    """From now on record, at every change of the page, the texts of the elements matching ``selector``
    (until the page is reloaded): what people could have seen, not just what is there at the end."""
    page.evaluate(WATCH, selector)


def texts_seen(page: Page) -> list[list[str]]:
    """Every snapshot :func:`watch_texts` recorded, oldest first."""
    snapshots: list[list[str]] = page.evaluate("window.__snapshots")
    return snapshots


def wait_until(check: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.25, what: str = "") -> Any:
    """Call ``check`` until it returns something truthy (returned), or fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(every)


@dataclass
class PhonePlan:
    """A plan with the person's phone in Chromium (through a proxy that can lie), the worker's tablet and
    a supporter with write access as Python devices (``ali``, ``sam``) driven through ``portal``."""

    portal: BlockingPortal
    proxy: HostileProxy
    phone: Page
    plan_id: str
    ali: PlanDevice
    sam: PlanDevice

    def run(self, function: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> T:
        """Run a Python device's coroutine function to its end on the devices' event loop."""
        return self.portal.call(partial(function, *args, **kwargs))

    def server_version(self, doc_id: str) -> tuple[int, str, bool]:
        """``(n, vh, deleted)`` of the server's winning revision of ``doc_id``, asked directly (nobody syncs)."""
        winner = self.run(hand_made.server_winner, self.ali, doc_id)
        opened = self.ali.open_copy(winner)
        return opened.n, opened.vh, opened.deleted

    def phone_device_id(self) -> str:
        """The phone's device id, from the roster entry the tablet read."""
        [device_id] = [entry.device_id for entry in self.ali.roster.values() if entry.name == "Dee"]
        return device_id


@contextmanager
def plan_with_phone(chromium: Browser, directory: Path) -> Iterator[PhonePlan]:
    """Ali's tablet starts a plan for Dee; Dee's phone (the app, at the proxy's address) joins with Ali's
    owner/write invite and is admitted; Sam joins with a supporter/write invite. Everything is stopped after."""
    with python_devices() as portal, contextmanager(serving)(directory) as server, HostileProxy(server.url) as proxy:
        with portal.wrap_async_context_manager(PlanWorld(server, directory)) as world:
            ali = portal.call(partial(world.start_plan, "Ali", label="work tablet"))
            portal.call(ali.create, "plan", {"title": "", "person": "Dee", "status": "draft"})
            portal.call(ali.sync)
            text = portal.call(partial(show_invite, ali, role="owner", access="write"))
            context = new_device(chromium)
            try:
                phone = context.new_page()
                plan_id = join(phone, proxy.url, text, name="Dee", label="Dee's phone")
                assert plan_id == ali.plan_id
                wait_synced(phone)
                portal.call(ali.sync)  # Ali's tablet admits Dee's phone as the person's (docs/crypto.md §19.2)
                sam = portal.call(partial(world.join, ali, "Sam", role="supporter", access="write"))
                wait_synced(phone)
                yield PhonePlan(portal, proxy, phone, plan_id, ali, sam)
            finally:
                context.close()
