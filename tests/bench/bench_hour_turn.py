"""Benchmark (prints figures, asserts nothing): remembered ``/sync`` access when the hour turns.

Run: ``.venv/bin/python tests/bench/bench_hour_turn.py [--devices 2000] [--rounds 3]`` (``make bench`` runs it
too). Two server processes share one embedded store (two ``Directory`` objects on two ``SqliteStore`` handles of
the same files, with the default ``ALONGSIDE_ACCESS_RECHECK_MS``): ``--devices`` devices, each in a plan of its
own, make one ``/sync`` authorisation each per round, in a random order, half of them always at one process and half
at the other (as a device's kept-alive connection does). The
directory's wall clock is the bench's own: a round "in the same hour" follows a warm-up round, and a round
"after the hour turns" comes with the clock moved on an hour, when every device's first request notes it "last
seen" again (one directory write each, at whichever process served it). Rounds: the devices' first requests
(each noted "last seen"), ``--rounds`` rounds in the same hour, one as the hour turns, ``--rounds`` after it.

For each round it prints the requests, how many of them read the device's directory documents again (a
remembered access forgotten or never there), the directory reads of every kind per request, and the time per
request. Which documents a change forgets is what the figures show: a process that forgets everything on any
directory write decides nearly every request again while other devices' notes keep coming; one that forgets
only what a change concerns decides each device again about once per process after its own note.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from alongside.server.directory import Directory
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import AllDocsRequest, ChangesRequest, DocumentRequest, Json, Seq

HOUR = 3600


class CountedStore(SqliteStore):
    """The embedded store, counting the directory's reads by kind."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.counts: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + 1

    async def get_document(self, db: str, doc_id: str, request: DocumentRequest) -> Json:
        self._count("document")
        return await super().get_document(db, doc_id, request)

    async def all_docs(self, db: str, request: AllDocsRequest) -> Json:
        self._count("documents")
        return await super().all_docs(db, request)

    async def wait_for_change(self, db: str, since: Seq, timeout: float) -> bool:
        self._count("changed?")
        return await super().wait_for_change(db, since, timeout)

    async def changes(self, db: str, request: ChangesRequest) -> Json:
        self._count("changes")
        return await super().changes(db, request)

    async def database_info(self, db: str) -> Json:
        self._count("info")
        return await super().database_info(db)


class WallClock:
    """The directory's ``time.time``: real time plus the hours the bench moved it on."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


async def run_round(
    label: str, devices: list[tuple[str, str, int]], processes: list[Directory], stores: list[CountedStore]
) -> dict[str, Any]:
    order = devices[:]
    random.shuffle(order)
    before = [dict(store.counts) for store in stores]
    started = time.perf_counter()
    for bearer, plan_id, process in order:
        await processes[process].authorise_sync(bearer, plan_id, write=False)
    elapsed = time.perf_counter() - started
    reads: dict[str, int] = {}
    for store, earlier in zip(stores, before, strict=True):
        for kind, count in store.counts.items():
            reads[kind] = reads.get(kind, 0) + count - earlier.get(kind, 0)
    requests = len(order)
    figures = {
        "round": label,
        "requests": requests,
        "decided_again": reads.get("documents", 0),
        "reads_per_request": {kind: round(count / requests, 3) for kind, count in sorted(reads.items())},
        "ms_per_request": round(elapsed * 1000 / requests, 3),
    }
    print(
        f"  {label:28} {requests:6} requests, {figures['decided_again']:6} decided again, "
        f"{figures['ms_per_request']:6.3f} ms each; reads per request {figures['reads_per_request']}",
        flush=True,
    )
    return figures


async def measure(device_count: int, rounds: int, data_dir: Path) -> list[dict[str, Any]]:
    clock = WallClock()
    stores = [CountedStore(data_dir / "store"), CountedStore(data_dir / "store")]
    for store in stores:
        await store.open()
    try:
        processes = [Directory(store, clock=clock) for store in stores]
        await processes[0].ensure()
        seeding = Directory(stores[0], clock=clock, access_recheck=0)  # nothing is remembered yet to wait for
        devices = []
        for _ in range(device_count):
            plan = await seeding.create_plan_with_device()
            devices.append((f"Bearer {plan.token}", plan.plan_id, len(devices) % len(processes)))
        figures = [await run_round("first requests", devices, processes, stores)]
        for n in range(rounds):
            figures.append(await run_round(f"same hour, round {n + 1}", devices, processes, stores))
        clock.offset += HOUR
        figures.append(await run_round("the hour turns", devices, processes, stores))
        for n in range(rounds):
            figures.append(await run_round(f"after the turn, round {n + 1}", devices, processes, stores))
        return figures
    finally:
        for store in stores:
            await store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--devices", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    random.seed(args.seed)
    print(f"two processes, one embedded store, {args.devices} devices; load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(measure(args.devices, args.rounds, Path(scratch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
