"""Benchmark (prints figures, asserts nothing): sealing and opening 1 KiB item envelopes in Chromium's WebCrypto.

Run: ``.venv/bin/python tests/bench/bench_crypto_browser.py [--count 10000]``. Uses Debian's chromium.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.browser import CHROMIUM_ARGS  # noqa: E402

BENCH = """
async ({count, size}) => {
  const c = await import('/pwa/src/crypto/index.js');
  const planId = c.newPlanId();
  const author = await c.generateDeviceKeys();
  const key = await c.newPlanKey(planId);
  const keyring = new c.Keyring(planId, [key]);
  const devices = new Map([[author.deviceId, author.public]]);
  const bodies = Array.from({length: count}, (_, n) => ({type: 'goal', n, text: 'x'.repeat(size - 40)}));
  const ids = bodies.map(() => c.newDocumentId());
  let t = performance.now();
  const docs = [];
  for (let i = 0; i < count; i += 1) docs.push(await c.sealItem(bodies[i], {planId, docId: ids[i], key, author}));
  const sealed = (performance.now() - t) / 1000;
  t = performance.now();
  for (const doc of docs) await c.openItem(doc, {planId, keyring, devices});
  const opened = (performance.now() - t) / 1000;
  t = performance.now();
  await Promise.all(docs.map((doc) => c.openItem(doc, {planId, keyring, devices})));
  const openedConcurrently = (performance.now() - t) / 1000;
  t = performance.now();
  await Promise.all(docs.map((doc) => c.decryptItem(doc, {planId, keyring})));
  const decryptedConcurrently = (performance.now() - t) / 1000;
  const padded = Math.floor(docs[0].ct.length * 3 / 4) - 16;
  return {sealed, opened, openedConcurrently, decryptedConcurrently, padded};
}
"""


class _Handler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        if str(path).endswith((".js", ".mjs")):
            return "text/javascript"
        return super().guess_type(path)

    def do_GET(self) -> None:
        if self.path == "/__blank__.html":
            body = b"<!doctype html><title>bench</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="documents in the batch (default 10000)")
    parser.add_argument("--size", type=int, default=850, help="body size in bytes (default 850: padded to 1 KiB)")
    args = parser.parse_args()
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("Debian's chromium is required (apt-get install chromium)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(ROOT)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.set_default_timeout(600_000)
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/__blank__.html")
                result = page.evaluate(BENCH, {"count": args.count, "size": args.size})
                version = browser.version
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    count = args.count
    print(f"Chromium {version} WebCrypto, {count} documents of ~{args.size} B (padded to {result['padded']} B)")
    print(f"  seal (sign + pad + encrypt): {count / result['sealed']:10.0f} docs/s   batch {result['sealed']:7.3f} s")
    print(f"  open (decrypt + verify):     {count / result['opened']:10.0f} docs/s   batch {result['opened']:7.3f} s")
    print(
        f"  open, all at once:           {count / result['openedConcurrently']:10.0f} docs/s   "
        f"batch {result['openedConcurrently']:7.3f} s"
    )
    print(
        f"  decrypt only, all at once:   {count / result['decryptedConcurrently']:10.0f} docs/s   "
        f"batch {result['decryptedConcurrently']:7.3f} s   (signatures verified afterwards)"
    )


if __name__ == "__main__":
    main()
