"""Benchmark (prints figures, asserts nothing): listing from the directory at 100 and at 10,000 plans (issue 15).

Run: ``.venv/bin/python tests/bench/bench_directory.py [--plans 100 10000] [--runs 50]`` (``make bench`` runs
it too). For each size it writes a directory straight through a scratch SQLite store, in bulk, the way
versions before the indexes wrote it (documents only): per plan the plan, its person with two devices, three
supporters with a device each, and five memberships (the person, a worker and the supporters); one worker in
five plans. At 10,000 plans that is 50,000 devices of people and supporters (and 2,000 workers' tablets) and
50,000 memberships. Then the app starts on it (its start builds the missing index entries: timed), and a
worker with five plans asks for them:

- ``GET /api/v1/plans`` through the app (in process, Starlette's test client: authentication included);
- before: the scan the handler ran until issue 15 (every membership in the directory, then one read per
  plan of the worker's for an exclusion), on the same store;
- after: :meth:`Directory.memberships_of_device` alone (the worker's index entries and what they name);
- a plan's members with their devices, and an account's devices (``GET /api/v1/plans/{id}/members``).

Each figure is the median of ``--runs`` requests after five warm-up ones, in milliseconds; the machine's
load average is printed too (other test runs on the same cores inflate every figure).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from alongside.server.app import create_app
from alongside.server.directory import DIRECTORY_DB, Directory
from alongside.server.directory_access import Device, hash_secret
from alongside.server.directory_ids import (
    MEMBERSHIP_PREFIX,
    account_doc_id,
    device_doc_id,
    excluded_doc_id,
    membership_doc_id,
    plan_doc_id,
)
from alongside.server.settings import Settings
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import Json

BATCH = 5000
PLANS_PER_WORKER = 5
SUPPORTERS_PER_PLAN = 3


def _hex() -> str:
    return uuid.uuid4().hex


def _account(account: str, kind: str) -> Json:
    return {"_id": account_doc_id(account), "type": "account", "kind": kind, "active": True, "org": "org"}


def _device(device_id: str, account: str, token_sha256: str = "0" * 64) -> Json:
    return {"_id": device_doc_id(device_id), "type": "device", "account": account, "token_sha256": token_sha256}


def _member(plan_id: str, account: str, role: str) -> Json:
    return {
        "_id": membership_doc_id(plan_id, account),
        "type": "membership",
        "plan": plan_id,
        "account": account,
        "role": role,
        "access": "write",
    }


def _plan_docs(plan_id: str, worker: str) -> list[Json]:
    person = _hex()
    supporters = [_hex() for _ in range(SUPPORTERS_PER_PLAN)]
    docs = [{"_id": plan_doc_id(plan_id), "type": "plan", "owner": person}, _account(person, "person")]
    docs += [_device(_hex(), person), _device(_hex(), person)]
    docs += [_member(plan_id, person, "owner"), _member(plan_id, worker, "worker")]
    for supporter in supporters:
        docs += [_account(supporter, "supporter"), _device(_hex(), supporter), _member(plan_id, supporter, "supporter")]
    return docs


async def build_directory(data_dir: Path, plans: int) -> tuple[Device, str]:
    """A directory of ``plans`` plans as versions before the indexes wrote it; the measured worker's device
    and its token."""
    store = SqliteStore(data_dir, synchronous="NORMAL")
    await store.open()
    try:
        await store.create_database(DIRECTORY_DB)
        secret = _hex()
        measured = Device(_hex(), _hex(), "worker", "org")
        pending: list[Json] = [
            _account(measured.account, "worker"),
            _device(measured.id, measured.account, hash_secret(secret)),
        ]
        for index in range(plans):
            if index % PLANS_PER_WORKER == 0:
                worker = measured.account if index == 0 else _hex()
                if index:
                    pending += [_account(worker, "worker"), _device(_hex(), worker)]
            pending += _plan_docs(_hex(), worker)
            if len(pending) >= BATCH:
                await store.bulk_docs(DIRECTORY_DB, pending)
                pending = []
        await store.bulk_docs(DIRECTORY_DB, pending)
    finally:
        await store.close()
    return measured, f"{measured.id}.{secret}"


async def plans_by_scan(directory: Directory, device: Device) -> list[Json]:
    """What ``GET /api/v1/plans`` did before issue 15: every membership in the directory, then an exclusion
    read for each of the worker's."""
    plans = []
    for membership in await directory.by_prefix(MEMBERSHIP_PREFIX):
        if membership.get("account") == device.account and not membership.get("removed"):
            if await directory.get(excluded_doc_id(membership["plan"], device.id)) is None:
                plans.append(membership)
    return plans


def median_ms(action: Callable[[], object], runs: int) -> float:
    for _ in range(5):
        action()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(plans: int, runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-directory-") as scratch:
        data_dir = Path(scratch)
        started = time.perf_counter()
        device, token = asyncio.run(build_directory(data_dir, plans))
        built = time.perf_counter() - started
        app = create_app(Settings(data_dir=data_dir))
        started = time.perf_counter()
        with TestClient(app) as client:
            upgraded = time.perf_counter() - started
            directory: Directory = app.state.alongside.directory
            headers = {"Authorization": f"Bearer {token}"}
            listed = client.get("/api/v1/plans", headers=headers).json()["plans"]
            plan_id = listed[0]["plan_id"]

            def run(job: Callable[[], Awaitable[object]]) -> Callable[[], object]:
                return lambda: client.portal.call(job)  # type: ignore[union-attr]

            before = run(lambda: plans_by_scan(directory, device))
            after = run(lambda: directory.memberships_of_device(device))
            assert len(client.portal.call(lambda: plans_by_scan(directory, device))) == len(listed)  # type: ignore[union-attr]
            return {
                "plans": plans,
                "devices": plans * (2 + SUPPORTERS_PER_PLAN) + plans // PLANS_PER_WORKER,
                "worker_plans": len(listed),
                "build_s": round(built, 1),
                "start_with_index_upgrade_s": round(upgraded, 1),
                "GET /api/v1/plans ms": round(median_ms(lambda: client.get("/api/v1/plans", headers=headers), runs), 2),
                "before: scan ms": round(median_ms(before, max(3, runs // 10)), 2),
                "after: index ms": round(median_ms(after, runs), 2),
                "GET /api/v1/plans/{id}/members ms": round(
                    median_ms(lambda: client.get(f"/api/v1/plans/{plan_id}/members", headers=headers), runs), 2
                ),
                "devices of an account ms": round(
                    median_ms(run(lambda: directory.devices_of(device.account)), runs), 2
                ),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--plans", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.2f}")
    results = []
    for plans in args.plans:
        result = measure(plans, args.runs)
        results.append(result)
        print(", ".join(f"{key}: {value}" for key, value in result.items()), flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
