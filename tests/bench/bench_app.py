"""Benchmark (prints figures, asserts nothing): the web app's size and how fast it opens a plan (issue 6).

Run: ``.venv/bin/python tests/bench/bench_app.py [--runs 5] [--items 2000 10000] [--no-join]`` (``make bench``
runs it too). It uses Debian's chromium and a server of its own on a scratch SQLite store; it builds
the app first when ``pwa/dist`` is missing (``--build`` rebuilds it).

1. Size: the built JavaScript and CSS, raw and gzipped (level 9), and how the server sends them.
2. A small plan opened offline: a worker's device enrols and writes a whole plan through the UI
   (as the browser tests do), loads it once online so the service worker precaches the shell, goes
   offline, then reloads the plan screen several times, unthrottled and with Chrome's 4x CPU slowdown
   (``Emulation.setCPUThrottlingRate``).
3. A plan of each ``--items`` size (2,000, then 10,000): sealed in the page with the app's own data layer
   (``Plan.seal``, ``Plan.save``: the path ``Plan.create`` takes, in bulk), pushed to the server by the app's own sync,
   then the plan screen is reloaded until every section shows its final count: offline and online,
   with and without the 4x slowdown. Then a second device joins the first of those plans by invite and
   downloads it (first open on a new phone: one run, unthrottled), beside plain PouchDB pulling the same
   plan in the same browser (the floor for that figure).
4. A first load on a cheap phone: a device that never opened the app (nothing cached) with a 6x CPU
   slowdown on Chrome DevTools' "Slow 3G", until the welcome screen shows its heading (drawn in the HTML
   shell) and until the app's script has taken it over (``--first-loads`` times, 3); then the same for a
   join link, how a person's own phone usually first opens the app (the top of the join screen drawn).

Each load is timed inside the page: ``performance.now()`` (milliseconds since the navigation started) when a
MutationObserver first sees the plan's section list (``ol.sections``) with the expected counts. The app
shows that list only once it holds every item, so it marks "the plan screen is usable". Each big plan
settles once first (every signature checked and its opened versions kept at rest, as on a device that has
opened it before: the app then decrypts again only what changed), and is timed again with that record
deleted before every load ("nothing kept": a first opening on this device). Also printed: when the first
screen (``main#main``, e.g. "Opening…") appeared. The first load of each series is a warm-up and is not
counted, so the figures are for a warm app (a phone that has opened it before). The 4x throttle is set on
the page's DevTools target before every load; the printed busy-loop check shows what it did on this machine.
The machine's load average is printed too: other test runs on the same cores inflate every figure. The final
line is every figure as JSON.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository, for loadtests.kit

from support.app_bundle import bundle
from support.browser import chromium_executable
from support.processes import AlongsideServer
from support.pwa import (
    DIST,
    LANDED,
    LOCK_STEP,
    PHONE,
    PWA,
    answer_lock_step,
    device_token,
    enrol,
    ensure_built,
    invite,
    launch,
    start_plan,
    wait_for_service_worker,
    wait_synced,
    worker_code,
    write_whole_plan,
)

TIMEOUT_MS = 600_000  # generous: a loaded machine under 4x throttling (--timeout)

# A cheap phone on a poor connection: Chrome DevTools' "Slow 3G" (2,000 ms of latency, 400 kbit/s each way:
# 500 kbit/s less 20%) and a 6x CPU slowdown.
CHEAP_PHONE_CPU = 6
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}

# Runs before the app's own scripts on every load: note when the first screen and each distinct set of
# section counts appear, in ms since the navigation started.
OBSERVER = """
(() => {
  const marks = { shell: null, heading: null, app: null, seen: [], kept: 0 };
  window.__bench = marks;
  let last = '';
  const look = () => {
    if (marks.shell === null && document.querySelector('main#main')) marks.shell = performance.now();
    if (marks.heading === null && document.querySelector('main#main h1')) marks.heading = performance.now();
    // The app's own screen: the heading with the shell's drawn first screen (server/first_screen.py) taken over.
    const taken = document.querySelector('#app:not([data-first-screen]) main#main h1');
    if (marks.app === null && taken) marks.app = performance.now();
    const counts = document.querySelectorAll('ol.sections .count');
    if (!counts.length) return;
    const sig = Array.from(counts, (el) => el.textContent.replace(/[^0-9]/g, '')).join(',');
    if (sig !== last) {
      last = sig;
      marks.seen.push({ sig, at: performance.now() });
    }
  };
  // The plan's opened versions being kept (pwa/src/data/openedcache.js): its check is done and written.
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (value, ...rest) {
    if (value && value._id === '_local/alongside-opened') marks.kept += 1;
    return put.call(this, value, ...rest);
  };
  new MutationObserver(look).observe(document, {
    childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['data-first-screen'],
  });
})();
"""

UNTIL_COUNTS = """
(sig) => {
  const marks = window.__bench;
  const hit = marks && marks.seen.find((s) => s.sig === sig);
  return hit ? { usable: hit.at, shell: marks.shell } : false;
}
"""

BUSY_LOOP = """
() => {
  const t = performance.now();
  let x = 0;
  for (let i = 0; i < 3e7; i += 1) x = (x + i * 7) % 1000003;
  return performance.now() - t + (x < 0 ? 1 : 0);
}
"""

# Bundled with esbuild from the app's own modules and run in the page: seal `count` items of every
# section's types with the plan's key and this device's keys, and bulk-write them to the plan's PouchDB
# (marked pending, so the app's sync pushes them to the server).
SEED_ENTRY = """
import { newDocumentId } from './src/crypto/index.js';
import { loadDevice, trustedDevices } from './src/data/device.js';
import { editField } from './src/data/merge.js';
import { CHOICES, SCHEMA } from './src/data/model.js';
import { openLocalDatabase } from './src/data/localdb.js';
import { Plan } from './src/data/plan.js';
import PouchDB from 'pouchdb-browser';

const WORDS = ('walk school kids cooking garden bus mum swimming library money rent doctor sleep music '
  + 'friends football college job phone plan calm worry talk nan brother dog park church shop week '
  + 'morning evening together safe help quiet tired proud better letters benefits appointment').split(' ');
const PATTERN = ['strength', 'strength', 'matter', 'goal', 'reading', 'person', 'step', 'contingency',
  'strength', 'matter', 'matter', 'reading', 'step', 'strength', 'matter', 'goal', 'reading', 'person',
  'step', 'contingency'];

function words(n, length) {
  const out = [];
  for (let i = 0; i < length; i += 1) out.push(WORDS[(n * 7 + i * 13 + ((n * i) % 5)) % WORDS.length]);
  const text = out.join(' ');
  return text[0].toUpperCase() + text.slice(1);
}

function fieldsFor(type, n, goal) {
  const say = { said_by: n % 3 ? 'Sam' : 'Ali', voice: CHOICES.voice[n % 3], lang: 'en' };
  switch (type) {
    case 'strength':
      return { text: words(n, 8 + (n % 12)), kind: CHOICES.kind[n % 4], noticed: words(n + 1, 4), ...say };
    case 'matter':
      return {
        column: CHOICES.column[n % 3],
        text: words(n, 10 + (n % 15)),
        ...(n % 3 === 0 ? { other_view: words(n + 2, 9), other_by: 'Ali' } : {}),
        differ: n % 5 === 0,
        ...say,
      };
    case 'goal':
      return {
        text: words(n, 6 + (n % 6)), horizon: CHOICES.horizon[n % 3], status: 'active', due: '2027-03-01',
        low: words(n + 3, 6), high: words(n + 4, 6), ...say,
      };
    case 'reading':
      return { goal, party: n % 2 ? 'Sam' : 'Ali', value: n % 11, why: words(n, 12), higher: words(n + 5, 8) };
    case 'person':
      return {
        name: `${words(n, 1)} ${n}`, relationship: words(n + 6, 2), circle: CHOICES.circle[n % 5],
        safe: CHOICES.safe[n % 3], goals: goal ? [goal] : [], steps: [], ...say,
      };
    case 'step':
      return {
        text: words(n, 9 + (n % 8)), who: 'Sam', due: '2027-01-15', checker: 'Ali',
        status: CHOICES.status_step[n % 4], goals: goal ? [goal] : [], ...say,
      };
    default:
      return { trigger: words(n, 8), response: words(n + 7, 12), who: 'Sam', call: '01234 567890', ...say };
  }
}

/** Plain PouchDB replication of the plan from the server into a scratch database: a baseline. */
export async function pull(planId, token) {
  const local = new PouchDB(`bench-pull-${Date.now()}`);
  const remote = new PouchDB(`${location.origin}/sync/${planId}`, {
    skip_setup: true,
    fetch: (url, opts) => {
      opts.headers.set('Authorization', `Bearer ${token}`);
      return PouchDB.fetch(url, opts);
    },
  });
  const started = performance.now();
  const info = await local.replicate.from(remote, { batch_size: 100 });
  const ms = performance.now() - started;
  await local.destroy();
  return { ms, docs: info.docs_written };
}

export async function seed(planId, count) {
  const device = await loadDevice();
  const db = await openLocalDatabase(planId);
  const plan = await new Plan(planId, device, { db }).start(await trustedDevices(planId));
  plan.stop(); // no live reloads while writing: the app reads the plan when it next opens it
  if (!plan.keyring) throw new Error('this device holds no key for the plan');
  const counts = {};
  const docs = [];
  const base = Date.now() - count * 1000;
  let goal = null;
  let started = performance.now();
  for (let n = 0; n < count; n += 1) {
    const type = PATTERN[n % PATTERN.length];
    const stamp = { at: base + n * 1000, dev: device.deviceId };
    const id = newDocumentId();
    const f = {};
    for (const [name, value] of Object.entries(fieldsFor(type, n, goal))) {
      f[name] = await editField(undefined, value, stamp, { name, sign: plan.signer(id) });
    }
    if (type === 'goal') goal = id;
    docs.push(await plan.seal(id, { a: SCHEMA, type, created: stamp, f }));
    counts[type] = (counts[type] || 0) + 1;
  }
  const sealMs = performance.now() - started;
  started = performance.now();
  for (let i = 0; i < docs.length; i += 500) await plan.save(docs.slice(i, i + 500));
  return { counts, sealMs, saveMs: performance.now() - started };
}
"""


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def bundle_sizes(server_url: str | None = None) -> dict[str, Any]:
    """Raw and gzip -9 sizes of the built JS and CSS (and how the server sends the JS, if running)."""
    assets = json.loads((DIST / "asset-manifest.json").read_text())
    sizes: dict[str, Any] = {"version": assets.get("version")}
    for kind in ("js", "css"):
        data = (DIST / assets[kind].lstrip("/")).read_bytes()
        sizes[kind] = {"file": assets[kind], "bytes": len(data), "gzip": len(gzip.compress(data, 9, mtime=0))}
    sizes["total_gzip"] = sizes["js"]["gzip"] + sizes["css"]["gzip"]
    # Code-split chunks, fetched on first use (the QR decoder, the exports), not when the app starts.
    sizes["chunks"] = {}
    for path, holds in assets.get("chunks", {}).items():
        data = (DIST / path.lstrip("/")).read_bytes()
        what = ", ".join(holds["packages"] + [source.removeprefix("src/") for source in holds["sources"]])
        gzipped = len(gzip.compress(data, 9, mtime=0))
        sizes["chunks"][path] = {"holds": what, "loaded": holds["loaded"], "bytes": len(data), "gzip": gzipped}
    if server_url:
        # As Chromium asks for it (brotli where the server has it).
        with httpx.stream(
            "GET", server_url + assets["js"], headers={"Accept-Encoding": "gzip, deflate, br, zstd"}, timeout=30
        ) as response:
            wire = sum(len(part) for part in response.iter_raw())
            sizes["served"] = {
                "content_encoding": response.headers.get("content-encoding", "identity"),
                "wire_bytes": wire,
            }
    return sizes


def build_seed_bundle() -> str:
    return bundle(SEED_ENTRY, "AlongsideBench")


def wait_counts(page: Page, sig: str) -> dict[str, float]:
    """Wait until the plan screen shows the section counts ``sig``; the marks of that load."""
    try:
        marks: dict[str, float] = page.wait_for_function(UNTIL_COUNTS, arg=sig, polling=100).json_value()
    except PlaywrightTimeout:
        seen = page.evaluate("window.__bench && window.__bench.seen")
        raise SystemExit(f"the plan screen never showed the counts {sig} (seen: {seen}, at {page.url})") from None
    return marks


def new_context(browser: Browser) -> BrowserContext:
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_init_script(OBSERVER)
    context.on("weberror", lambda error: print("  page error:", error.error, flush=True))
    return context


def throttle(cdp: CDPSession, rate: float) -> None:
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})


def counts_signature(page: Page, plan_url: str) -> str:
    """The section counts the plan screen shows once the plan is fully open."""
    page.goto(plan_url)
    page.wait_for_selector("ol.sections .count")
    page.wait_for_timeout(1000)  # let a reload triggered by sync settle
    seen = page.evaluate("window.__bench.seen")
    return str(seen[-1]["sig"])


# The plan's local database as PouchDB names it in IndexedDB (no app lock in the bench), and the record of the
# versions it opened, kept at rest (pwa/src/data/openedcache.js).
FORGET_KEPT = """
(planId) => new Promise((resolve, reject) => {
  const open = indexedDB.open(`_pouch_plan-${planId}`);
  open.onerror = () => reject(open.error);
  open.onsuccess = () => {
    const db = open.result;
    const tx = db.transaction('local-store', 'readwrite');
    tx.objectStore('local-store').delete('_local/alongside-opened');
    tx.oncomplete = () => { db.close(); resolve(true); };
    tx.onerror = () => { db.close(); reject(tx.error); };
  };
})
"""


def wait_kept(page: Page, timeout_ms: float, quiet_ms: float = 3000) -> float | None:
    """Wait (at 1x) until the plan on screen has kept its opened versions (its check is done) and kept them no more
    for ``quiet_ms`` (a later check, after what the sync brought, keeps them again); seconds, or None."""
    started = time.monotonic()
    deadline = started + timeout_ms / 1000
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        kept = int(page.evaluate("window.__bench.kept"))
        if kept != last:
            last, quiet_since = kept, time.monotonic()
        elif kept > 0 and time.monotonic() - quiet_since >= quiet_ms / 1000:
            return round(quiet_since - started, 1)
        page.wait_for_timeout(200)
    return None


def time_loads(
    page: Page,
    cdp: CDPSession,
    plan_url: str,
    sig: str,
    *,
    rate: float,
    runs: int,
    forget_kept: str | None = None,
) -> dict[str, Any]:
    """Reload the plan screen ``runs`` times (after one warm-up); ms from navigation start to usable. With
    ``forget_kept`` (a plan id), the plan's kept versions are deleted before each reload: a first opening."""
    if page.url != plan_url:
        page.goto(plan_url)
        wait_counts(page, sig)
    usable: list[float] = []
    shell: list[float] = []
    try:
        for run in range(runs + 1):
            if forget_kept:
                # A fresh page on a screen that opens no plan (no check still running to write the record again).
                page.goto(f"{plan_url.split('#')[0]}#/settings")
                page.reload()
                page.evaluate(FORGET_KEPT, forget_kept)
                page.goto(plan_url, wait_until="commit")
            throttle(cdp, rate)
            page.reload(wait_until="commit")
            marks = wait_counts(page, sig)
            if run == 0:
                continue
            usable.append(round(float(marks["usable"]), 1))
            shell.append(round(float(marks["shell"]), 1))
    finally:
        throttle(cdp, 1)
    return {
        "rate": rate,
        "runs": runs,
        "usable_ms": usable,
        "median_ms": median(usable),
        "min_ms": min(usable),
        "max_ms": max(usable),
        "first_screen_median_ms": median(shell),
    }


def describe(label: str, figures: dict[str, Any]) -> None:
    print(
        f"  {label:34} median {figures['median_ms']:7.0f} ms   min {figures['min_ms']:7.0f}   "
        f"max {figures['max_ms']:7.0f}   (first screen {figures['first_screen_median_ms']:5.0f} ms)",
        flush=True,
    )


def busy_loop(page: Page, cdp: CDPSession, rate: float) -> float:
    throttle(cdp, rate)
    try:
        return round(median([float(page.evaluate(BUSY_LOOP)) for _ in range(3)]), 1)
    finally:
        throttle(cdp, 1)


def first_download(browser: Browser, tablet: Page, url: str, plan_id: str, sig: str) -> dict[str, Any]:
    """A new phone joins the plan by invite: seconds from "Join the plan" until every item is shown and synced."""
    text = invite(tablet, plan_id)
    phone = new_context(browser)
    try:
        page = phone.new_page()
        page.goto(f"{url}/join#{text}")
        page.get_by_label("Your name").fill("Sam")
        page.get_by_label("A name for this device").fill("Sam's phone")
        started = time.monotonic()
        page.get_by_role("button", name="Join the plan").click()
        lock_step = page.get_by_role("heading", name=LOCK_STEP)
        landed = page.get_by_role("heading", name=LANDED)
        lock_step.or_(landed).first.wait_for()
        if lock_step.is_visible():
            answer_lock_step(page, None)  # "Not now": a person can lock the app later
        landed.wait_for()
        page.goto(f"{url}/#/plan/{plan_id}")  # the person lands on "My plan"; the counts are on the plan's home
        wait_counts(page, sig)
        shown = time.monotonic() - started
        wait_synced(page, timeout=TIMEOUT_MS)
        synced = time.monotonic() - started
    finally:
        phone.close()
    return {"shown_s": round(shown, 2), "synced_s": round(synced, 2)}


# A join link as a person's phone first opens it: the first screens do not read the invite, so any text will do.
JOIN_LINK = "/join#AS1:bench"


def cheap_phone_first_load(browser: Browser, url: str, runs: int, path: str = "/") -> dict[str, Any]:
    """A phone that never opened the app (nothing cached) on the cheap-phone profile, ``runs`` times: ms from
    navigation start until the first screen at `path` shows its heading (drawn in the HTML shell: the welcome
    at ``/``, the top of the join screen at a join link), and until the app's script has arrived and taken
    that screen over."""
    shown: list[float] = []
    taken_over: list[float] = []
    for _ in range(runs):
        context = new_context(browser)
        try:
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", SLOW_3G)
            throttle(cdp, CHEAP_PHONE_CPU)
            page.goto(url + path, wait_until="commit")
            page.wait_for_function("() => window.__bench && window.__bench.app !== null", polling=100)
            shown.append(round(float(page.evaluate("window.__bench.heading")), 1))
            taken_over.append(round(float(page.evaluate("window.__bench.app")), 1))
        finally:
            context.close()
    return {
        "path": path,
        "cpu": CHEAP_PHONE_CPU,
        "network": SLOW_3G,
        "runs": runs,
        "first_screen_ms": shown,
        "median_ms": median(shown),
        "app_ms": taken_over,
        "app_median_ms": median(taken_over),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"items": args.items, "runs": args.runs}
    figures["load_average_start"] = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="alongside-bench-app-") as scratch:
        server = AlongsideServer(data_dir=Path(scratch) / "data")
        server.data_dir.mkdir(parents=True)
        server.start()
        try:
            sizes = bundle_sizes(server.url)
            figures["size"] = sizes
            print(f"App bundle (pwa/dist, build {sizes['version']}), gzip level 9:", flush=True)
            for kind in ("js", "css"):
                s = sizes[kind]
                print(f"  {kind.upper():4} {s['file']:32} {s['bytes']:9,} B   gzipped {s['gzip']:8,} B")
            print(f"  JS + CSS gzipped: {sizes['total_gzip']:,} B (the entry script and the styles)")
            for path, c in sizes["chunks"].items():
                print(
                    f"  chunk {path:32} {c['bytes']:9,} B   gzipped {c['gzip']:8,} B   "
                    f"{c['holds'] or 'shared code'}, loaded {c['loaded']}"
                )
            served = sizes["served"]
            print(
                f"  served by alongside serve with Content-Encoding: {served['content_encoding']} "
                f"({served['wire_bytes']:,} B of JS on the wire)",
                flush=True,
            )
            seed_bundle = build_seed_bundle()
            with sync_playwright() as playwright:
                browser = launch(playwright, chromium_executable())  # the full browser, as a phone runs
                try:
                    figures["chromium"] = browser.version
                    figures.update(measure(browser, server, seed_bundle, args))
                finally:
                    browser.close()
        finally:
            server.stop()
    return figures


def big_plan(
    context: BrowserContext, page: Page, cdp: CDPSession, url: str, seed_bundle: str, items: int, runs: int
) -> tuple[dict[str, Any], str, str]:
    """A plan of ``items`` items, sealed by the app's data layer and pushed by the app's sync, then opened
    ``runs`` times offline and online at 1x and 4x; its figures, its id and its section counts."""
    out: dict[str, Any] = {"items": items}
    # A plan of many items, sealed by the app's data layer and pushed by the app's sync.
    page.goto(f"{url}/#/plans")
    page.get_by_role("heading", name="My plans").wait_for()
    big_id = start_plan(page, "Jo", "Big plan")
    big_url = f"{url}/#/plan/{big_id}"
    # Let the new plan's first documents reach the server and the app record it before the reload
    # below (a reload in that window leaves them "waiting to sync" for good: see the report).
    wait_synced(page, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1000)
    # A fresh page on a screen that opens no plan: the app holds no copy of the plan while it is written.
    page.goto(f"{url}/#/settings")
    page.reload()
    page.get_by_role("heading", name="Settings").wait_for()
    page.evaluate(seed_bundle)
    seeded = page.evaluate("([planId, count]) => AlongsideBench.seed(planId, count)", [big_id, items])
    started = time.monotonic()
    page.goto(big_url)
    wait_synced(page, timeout=TIMEOUT_MS)
    push_s = time.monotonic() - started
    counts = seeded["counts"]
    expected = [
        counts.get("strength", 0),
        counts.get("matter", 0),
        counts.get("goal", 0),
        counts.get("person", 0),
        0,  # community: the seed writes none
        counts.get("step", 0) + counts.get("contingency", 0),
        counts.get("good_news", 0),
        0,
    ]
    big_sig = ",".join(str(n) for n in expected)
    wait_counts(page, big_sig)
    # The plan settles once (every signature checked, its opened versions kept), as on a device that opened
    # it before: the timed loads below open it again.
    settled = wait_kept(page, 30_000 + 10 * items)
    out["big_plan_setup"] = {
        "types": counts,
        "seal_ms": round(seeded["sealMs"], 1),
        "save_ms": round(seeded["saveMs"], 1),
        "push_and_show_s": round(push_s, 2),
    }
    print(
        f"\nPlan of {items:,} items ({', '.join(f'{n} {t}' for t, n in sorted(counts.items()))}):"
        f"\n  sealed in the page in {seeded['sealMs']:.0f} ms, written to PouchDB in {seeded['saveMs']:.0f} ms,"
        f" pushed by the app's sync and shown in {push_s:.1f} s; checked and its opened versions kept"
        + (f" {settled:.1f} s after" if settled is not None else ": not seen"),
        flush=True,
    )
    out["big_plan_setup"]["settled_s"] = settled
    print(f"  navigation start -> every section shows its count ({big_sig}), {runs} reloads:")
    big: dict[str, Any] = {"counts": big_sig}
    for offline in (True, False):
        context.set_offline(offline)
        where = "offline" if offline else "online"
        for rate in (1, 4):
            key = f"{where}_{rate}x"
            big[key] = time_loads(page, cdp, big_url, big_sig, rate=rate, runs=runs)
            describe(f"{where}, CPU {rate}x", big[key])
    # A first opening on this device: nothing kept, every envelope read and decrypted.
    context.set_offline(True)
    for rate in (1, 4):
        key = f"first_opening_offline_{rate}x"
        big[key] = time_loads(page, cdp, big_url, big_sig, rate=rate, runs=runs, forget_kept=big_id)
        describe(f"nothing kept, offline, CPU {rate}x", big[key])
    context.set_offline(False)
    out["big_plan"] = big

    return out, big_id, big_sig


def measure_plans(
    browser: Browser, server: AlongsideServer, seed_bundle: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Steps 1 to 3: the small plan, the big plans, the new phone joining."""
    out: dict[str, Any] = {}
    url = server.url
    context = new_context(browser)
    try:
        page = context.new_page()
        cdp = context.new_cdp_session(page)

        # A worker's device, a whole plan written through the UI, the shell precached.
        enrol(page, url, worker_code(server))
        small_id = start_plan(page, "Sam", "Feeling more like me")
        write_whole_plan(page, small_id)
        wait_synced(page)
        wait_for_service_worker(page)
        small_url = f"{url}/#/plan/{small_id}"
        small_sig = counts_signature(page, small_url)

        loop1 = busy_loop(page, cdp, 1)
        loop4 = busy_loop(page, cdp, 4)
        out["throttle_check"] = {"busy_loop_1x_ms": loop1, "busy_loop_4x_ms": loop4, "ratio": round(loop4 / loop1, 2)}
        print(f"\nChromium {browser.version}; CPU throttle check: a busy loop takes {loop1:.0f} ms at 1x,")
        print(f"  {loop4:.0f} ms at 4x ({loop4 / loop1:.1f}x)", flush=True)

        print(f"\nSmall plan (counts {small_sig}) OFFLINE: navigation start -> plan screen usable, {args.runs} reloads")
        context.set_offline(True)
        small: dict[str, Any] = {}
        for rate in (1, 4):
            small[f"offline_{rate}x"] = time_loads(page, cdp, small_url, small_sig, rate=rate, runs=args.runs)
            describe(f"offline, CPU {rate}x", small[f"offline_{rate}x"])
        context.set_offline(False)
        out["small_plan"] = {"counts": small_sig, **small}

        plans: list[dict[str, Any]] = []
        for index, items in enumerate(args.items):
            figures, big_id, big_sig = big_plan(context, page, cdp, url, seed_bundle, items, args.runs)
            plans.append(figures)
            if index == 0:
                first_id, first_sig, first_items = big_id, big_sig, items
        out["big_plans"] = plans

        if not args.no_join:
            wait_synced(page, timeout=TIMEOUT_MS)
            token = device_token(page)
            page.goto(f"{url}/#/settings")
            page.reload()
            page.get_by_role("heading", name="Settings").wait_for()
            page.evaluate(seed_bundle)
            pulled = page.evaluate("([planId, token]) => AlongsideBench.pull(planId, token)", [first_id, token])
            joined = first_download(browser, page, url, first_id, first_sig)
            joined["pouchdb_pull_s"] = round(pulled["ms"] / 1000, 2)
            joined["pouchdb_pull_docs"] = pulled["docs"]
            out["big_plan_first_download"] = joined
            print(f"\nFirst open on a new device (CPU 1x, online), the same {first_items:,}-item plan:")
            print(
                f"  PouchDB alone, same page and batch size: pulls its {pulled['docs']:,} documents in "
                f"{joined['pouchdb_pull_s']:.1f} s"
            )
            print(
                f"  the app, a phone joining by invite: every item shown {joined['shown_s']:.1f} s after "
                f"'Join the plan', synced at {joined['synced_s']:.1f} s",
                flush=True,
            )
    finally:
        context.close()
    return out


def measure(browser: Browser, server: AlongsideServer, seed_bundle: str, args: argparse.Namespace) -> dict[str, Any]:
    out = {} if args.first_load_only else measure_plans(browser, server, seed_bundle, args)
    url = server.url
    for key, path, what in (
        ("cheap_phone_first_load", "/", "the welcome screen's heading"),
        ("cheap_phone_join_link", JOIN_LINK, "a join link: the join screen's heading"),
    ):
        loads = cheap_phone_first_load(browser, url, args.first_loads, path)
        out[key] = loads
        print(
            f"\nFirst load on a cheap phone (CPU {CHEAP_PHONE_CPU}x, Slow 3G: {SLOW_3G['latency']} ms latency, "
            f"{SLOW_3G['downloadThroughput'] * 8 // 1000} kbit/s), nothing cached, {what} at "
            f"median {loads['median_ms']:.0f} ms ({', '.join(f'{v:.0f}' for v in loads['first_screen_ms'])}); "
            f"the app's script running it at median {loads['app_median_ms']:.0f} ms "
            f"({', '.join(f'{v:.0f}' for v in loads['app_ms'])})",
            flush=True,
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured reloads per case, after one warm-up (default 5)")
    parser.add_argument(
        "--items", type=int, nargs="+", default=[2000, 10000], help="items in each big plan (default 2000 10000)"
    )
    parser.add_argument("--first-loads", type=int, default=3, help="cheap-phone first loads (default 3)")
    parser.add_argument("--no-join", action="store_true", help="skip the new-device first download")
    parser.add_argument("--first-load-only", action="store_true", help="only the cheap-phone first load (step 4)")
    parser.add_argument("--build", action="store_true", help="rebuild pwa/dist first (otherwise only if missing)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for any one step (default 600)")
    args = parser.parse_args()
    global TIMEOUT_MS
    TIMEOUT_MS = args.timeout * 1000
    chromium_executable()
    if args.build:
        subprocess.run(["npm", "run", "build"], cwd=PWA, check=True, capture_output=True)
    ensure_built()
    figures = run(args)
    figures["load_average_end"] = round(os.getloadavg()[0], 2)
    print(
        f"\nLoad average (1 min) {figures['load_average_start']:.1f} at the start, "
        f"{figures['load_average_end']:.1f} at the end, on {os.cpu_count()} cores"
    )
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
