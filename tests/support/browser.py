"""Debian's Chromium as every browser test and benchmark launches it (never a downloaded browser), and a
loopback server over the repository for running its JavaScript modules in a page."""

from __future__ import annotations

import functools
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

REPO = Path(__file__).resolve().parents[2]
BLANK = "/__blank__.html"

# Playwright passes Chromium a --disable-features list of its own, and Chromium keeps only the last such switch:
# ours repeats Playwright's (as of 1.65; tests/browser/test_chromium_flags.py checks that it still covers it)
# and adds the omnibox popup, a WebUI page that each window of headless Chromium 156 loads in a renderer of its
# own: about a second of a core for every page a test opens, nearly all of what opening one costs.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync",
    "DestroyProfileOnBrowserClose",
    "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable",
    "LensOverlay",
    "MediaRouter",
    "PaintHolding",
    "ThirdPartyStoragePartitioning",
    "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin",
    "OptimizationHints",
    "NetworkTimeServiceQuerying",
    "AimEnabled",
    "PreconnectToSearch",
    "msForceBrowserSignIn",
    "msEdgeUpdateLaunchServicesPreferredVersion",
)
OMNIBOX_POPUP_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup")

# Flags that work as root, headless, with a closed network (no sandbox, no background or component downloads).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=" + ",".join(PLAYWRIGHT_DISABLED_FEATURES + OMNIBOX_POPUP_FEATURES),
]


# Debian's chromium-headless-shell: Chromium's own headless build (the same Blink and V8 as the chromium package,
# without the browser's user interface), as Playwright itself runs headless tests. The tests launch it straight,
# not through /usr/bin's shell wrapper, so the browser is the driver's own child.
HEADLESS_SHELL = Path("/usr/lib/chromium/chromium-headless-shell")


def chromium_executable() -> str:
    """The path of Debian's ``chromium`` (installed by ``make test``): what the benchmarks time the app in."""
    path = shutil.which("chromium")
    if path is None:
        raise RuntimeError("Debian's chromium is required: apt-get install chromium (make test does it)")
    return path


def browser_under_test() -> str:
    """The browser the tests drive: Debian's ``chromium-headless-shell`` (installed by ``make test``; about a
    seventh less CPU for the same tests than the full browser run headless), else Debian's ``chromium``."""
    if HEADLESS_SHELL.is_file() and os.access(HEADLESS_SHELL, os.X_OK):
        return str(HEADLESS_SHELL)
    return chromium_executable()


class _RepositoryHandler(SimpleHTTPRequestHandler):
    """Serves the repository read-only, with module MIME types, plus one empty page to run scripts in."""

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        if str(path).endswith((".js", ".mjs")):
            return "text/javascript"
        return super().guess_type(path)

    def do_GET(self) -> None:
        if self.path == BLANK:
            body = b"<!doctype html><meta charset=utf-8><title>crypto in Chromium</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serving_repository() -> Iterator[str]:
    """A loopback HTTP server over the repository root (its base URL; ``BLANK`` is an empty page), stopped after."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_RepositoryHandler, directory=str(REPO)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def page_over_repository(timeout_ms: float) -> Iterator[Page]:
    """Debian's Chromium with one page open on an empty page of a loopback server over the repository (a secure
    context, so WebCrypto is there), each step allowed `timeout_ms`; all closed afterwards."""
    with serving_repository() as base_url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=browser_under_test(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(timeout_ms)
            page.goto(base_url + BLANK)
            yield page
        finally:
            browser.close()
