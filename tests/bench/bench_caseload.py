"""Benchmark (prints figures, asserts nothing): "My plans" with 200 plans on one device (issue 17, must show 1).

Run: ``.venv/bin/python tests/bench/bench_caseload.py [--plans 200] [--runs 5]`` (``make bench`` runs it
too). It uses Debian's chromium and a server of its own on a scratch SQLite store.

A worker's device enrols in Chromium; Python devices with that device's keys and token start ``--plans``
plans on the server (the plan's details and three steps each, some overdue) through the real sync API
(support.caseload_world), and the app finds them ("Check for new plans"), syncs each one with its own sync
and reads each one once. Then "My plans" is reloaded ``--runs`` times (after one warm-up), at 1x (no CPU
throttle), and timed inside the page from the navigation's start (``performance.now()``):

- rendered: when every plan's row shows its person's name, next visit and review date (the list is usable;
  after a reload, drawn from the caseload summary kept sealed at rest, data/caseloadcache.js);
- facts: when every row also shows its overdue steps (kept in the same summary; without it, each plan is
  read whole again, a few plans at a time, in the background);
- a sort change and a search, from the change to the list redrawn.

The machine's load average is printed too: other runs on the same cores inflate every figure. The final
line is every figure as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository, for loadtests.kit

from support.beside_the_app import page_device_keys, python_devices
from support.browser import chromium_executable
from support.caseload_world import Caseload, SeedPlan, SeedStep, day, filler_plans
from support.processes import AlongsideServer
from support.pwa import enrol, ensure_built, launch, new_device, worker_code

# Runs before the app's scripts on every load: when every row first shows a name, and its overdue steps.
OBSERVER = """
(() => {
  if (location.protocol === 'about:') return;
  const marks = { shell: null, rendered: null, facts: null, want: Number(sessionStorage.getItem('bench-plans')) };
  window.__bench = marks;
  const look = () => {
    if (marks.shell === null && document.querySelector('main#main')) marks.shell = performance.now();
    const rows = document.querySelectorAll('[data-plan-row]');
    if (!marks.want || rows.length < marks.want) return;
    if (marks.rendered === null && document.querySelectorAll('[data-plan-row] strong').length >= marks.want) {
      marks.rendered = performance.now();
    }
    if (marks.facts === null && document.querySelectorAll('[data-plan-row][data-facts-read]').length >= marks.want) {
      marks.facts = performance.now();
    }
  };
  new MutationObserver(look).observe(document, { childList: true, subtree: true, attributes: true });
})();
"""

# Change the sort order or the search, and time until the list is redrawn with a different first row.
REDRAW = """
async ([selector, value]) => {
  const first = () => document.querySelector('[data-plan-row]')?.getAttribute('data-plan-row');
  const before = first();
  const field = document.querySelector(selector);
  const started = performance.now();
  const done = new Promise((resolve) => {
    const watch = new MutationObserver(() => {
      if (first() !== before) {
        watch.disconnect();
        resolve(performance.now() - started);
      }
    });
    watch.observe(document.body, { childList: true, subtree: true });
  });
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(field), 'value').set;
  setter.call(field, value);
  field.dispatchEvent(new Event(field.tagName === 'SELECT' ? 'change' : 'input', { bubbles: true }));
  return await done;
}
"""


def seeded(plans: int) -> list[SeedPlan]:
    """The fillers, each with two more steps: one overdue (due last week), one done long ago."""
    return [
        SeedPlan(
            plan.person,
            plan.title,
            visit=plan.visit,
            review=plan.review,
            steps=(*plan.steps, SeedStep("Ring back", day(-7)), SeedStep("Sort the letters", day(-30), "done")),
        )
        for plan in filler_plans(plans)
    ]


def reload_times(page: Page, url: str, plans: int, timeout: float) -> dict[str, float]:
    page.evaluate("(n) => sessionStorage.setItem('bench-plans', String(n))", plans)
    page.goto(f"{url}/#/settings")
    page.goto(f"{url}/#/plans")
    page.reload()
    page.wait_for_function("() => window.__bench && window.__bench.facts !== null", timeout=timeout * 1000)
    marks: dict[str, float] = page.evaluate("() => ({ ...__bench })")
    return marks


def median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def run(args: argparse.Namespace) -> dict[str, Any]:
    figures: dict[str, Any] = {"plans": args.plans, "runs": args.runs}
    figures["load_average_start"] = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="alongside-bench-caseload-") as scratch:
        server = AlongsideServer(data_dir=Path(scratch) / "data")
        server.data_dir.mkdir(parents=True)
        server.start()
        try:
            with sync_playwright() as playwright, python_devices() as portal:
                browser = launch(playwright, chromium_executable())  # the full browser, as a phone runs
                try:
                    figures["chromium"] = browser.version
                    page = new_device(browser, init_script=OBSERVER).new_page()
                    enrol(page, server.url, worker_code(server))
                    keys, token = page_device_keys(page)
                    began = time.monotonic()
                    seeder = Caseload(server.url, Path(scratch) / "seed", keys, token)
                    with portal.wrap_async_context_manager(seeder) as caseload:
                        portal.call(caseload.seed, seeded(args.plans))
                    figures["seed_s"] = round(time.monotonic() - began, 1)
                    print(f"Seeded {args.plans} plans through the server in {figures['seed_s']} s", flush=True)

                    began = time.monotonic()
                    page.get_by_role("button", name="Check for new plans").click()
                    page.wait_for_function(
                        "(n) => document.querySelectorAll('[data-plan-row][data-facts-read]').length >= n",
                        arg=args.plans,
                        timeout=args.timeout * 1000,
                    )
                    figures["first_sync_s"] = round(time.monotonic() - began, 1)
                    print(f"First sync and read of every plan by the app: {figures['first_sync_s']} s", flush=True)

                    runs = [reload_times(page, server.url, args.plans, args.timeout) for _ in range(args.runs + 1)][1:]
                    figures["shell_ms"] = median([r["shell"] for r in runs])
                    figures["rendered_ms"] = median([r["rendered"] for r in runs])
                    figures["facts_ms"] = median([r["facts"] for r in runs])
                    orders = ("review", "changed", "visit")
                    sorts = [page.evaluate(REDRAW, ["select[name=plan-sort]", order]) for order in orders]
                    figures["sort_ms"] = median(sorts)
                    figures["search_ms"] = round(page.evaluate(REDRAW, ["input[name=plan-search]", "Person 150"]), 1)
                finally:
                    browser.close()
        finally:
            server.stop()
    print(f'\n"My plans" with {args.plans} plans, reloaded, at 1x (median of {args.runs}, ms from navigation start):')
    print(f"  the first screen (the app started):               {figures['shell_ms']:8.1f} ms")
    print(f"  every row named, with next visit and review date: {figures['rendered_ms']:8.1f} ms")
    print(f"  every row's overdue steps counted:                {figures['facts_ms']:8.1f} ms")
    print(f"  a sort order changed, list redrawn:               {figures['sort_ms']:8.1f} ms")
    print(f"  a search typed, list redrawn:                     {figures['search_ms']:8.1f} ms")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--plans", type=int, default=200, help="plans on the device (default 200)")
    parser.add_argument("--runs", type=int, default=5, help="measured reloads, after one warm-up (default 5)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for any one step (default 600)")
    args = parser.parse_args()
    chromium_executable()
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
