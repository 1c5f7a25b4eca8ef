"""Benchmark (prints figures, asserts nothing): sealing and opening 1 KiB item envelopes in Python.

Run: ``.venv/bin/python tests/bench/bench_crypto.py [--count 10000]``
"""

from __future__ import annotations

import argparse
import time

from alongside.crypto import (
    Keyring,
    check_wire_document,
    generate_device_keys,
    new_document_id,
    new_plan_id,
    new_plan_key,
    open_item,
    seal_item,
)


def body_of_about(size: int, index: int) -> dict[str, object]:
    """An item body whose canonical JSON is about ``size`` bytes."""
    return {"type": "goal", "n": index, "text": "x" * (size - 40)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="documents in the batch (default 10000)")
    parser.add_argument("--size", type=int, default=850, help="body size in bytes (default 850: padded to 1 KiB)")
    args = parser.parse_args()

    plan = new_plan_id()
    author = generate_device_keys()
    key = new_plan_key(plan)
    keyring = Keyring(plan, [key])
    devices = {author.device_id: author.public}
    bodies = [body_of_about(args.size, i) for i in range(args.count)]
    ids = [new_document_id() for _ in range(args.count)]

    start = time.perf_counter()
    docs = [seal_item(b, plan_id=plan, doc_id=i, key=key, author=author) for b, i in zip(bodies, ids, strict=True)]
    sealed = time.perf_counter() - start

    start = time.perf_counter()
    for doc in docs:
        check_wire_document(doc)
    checked = time.perf_counter() - start

    start = time.perf_counter()
    for doc in docs:
        open_item(doc, plan_id=plan, keyring=keyring, devices=devices)
    opened = time.perf_counter() - start

    padded = len(docs[0]["ct"]) * 3 // 4 - 16  # type: ignore[arg-type]
    print(f"Python alongside.crypto, {args.count} documents of ~{args.size} B (padded to {padded} B)")
    print(f"  seal (sign + pad + encrypt): {args.count / sealed:10.0f} docs/s   batch {sealed:7.3f} s")
    print(f"  open (decrypt + verify):     {args.count / opened:10.0f} docs/s   batch {opened:7.3f} s")
    print(f"  server shape check:          {args.count / checked:10.0f} docs/s   batch {checked:7.3f} s")


if __name__ == "__main__":
    main()
