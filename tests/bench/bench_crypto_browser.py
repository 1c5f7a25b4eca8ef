"""Benchmark (prints figures, asserts nothing): sealing and opening 1 KiB item envelopes in Chromium's WebCrypto.

Run: ``.venv/bin/python tests/bench/bench_crypto_browser.py [--count 10000]``. Uses Debian's chromium.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.browser import page_over_repository  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="documents in the batch (default 10000)")
    parser.add_argument("--size", type=int, default=850, help="body size in bytes (default 850: padded to 1 KiB)")
    args = parser.parse_args()
    with page_over_repository(600_000) as page:
        result = page.evaluate(BENCH, {"count": args.count, "size": args.size})
        browser = page.context.browser
        version = browser.version if browser else "?"
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
