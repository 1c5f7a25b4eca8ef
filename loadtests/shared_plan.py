"""Shared plans: a worker and a person edit the same items on different devices, making real conflicts.

Models the kitchen-table case afterwards: the worker's tablet (:class:`SharedWorker`) starts a plan
with ``items`` items and invites the person's phone (:class:`SharedPerson`). Both devices then keep
changing the same few items while offline and sync every few seconds, so the same item is often
changed on both sides from the same revision: a conflict, as CouchDB records it (both leaves kept,
one winner chosen the same way everywhere). Now and then a device settles its conflicts as a person
would (a merged revision on the winner, the losing leaves closed). Cycles are reported as
``sync cycle (shared plan)``; the convergence check then requires both devices and the server to
agree on every winner and every conflict set.

Run it::

    .venv/bin/python loadtests/run.py --profile shared --time 60
"""

from __future__ import annotations

import random

from locust import task

from loadtests.kit import gate as _gate  # noqa: F401  (registers the options, convergence check and gate)
from loadtests.kit.runtime import HUB, DeviceUser, join_plan, make_ticket, start_plan

SCENARIO = "shared"


class _Sharing(DeviceUser):
    abstract = True

    def wait_time(self) -> float:
        interval = float(HUB.config.shared.get("interval", 5.0))
        return random.uniform(0.5 * interval, 1.5 * interval)

    @task
    def edit_shared_items(self) -> None:
        device = self.device
        items = device.replica.doc_ids(kind="item")
        for doc_id in random.sample(items, k=min(len(items), random.randint(1, 3))):
            device.edit_item(doc_id)
        if random.random() < float(HUB.config.shared.get("resolve_probability", 0.3)):
            HUB.conflicts_resolved += device.resolve_conflicts()
        device.sync(metric="sync cycle (shared plan)")


class SharedWorker(_Sharing):
    """The worker's tablet: starts the plan with a few items, invites the person, edits the same items."""

    def start_device(self) -> None:
        self.device = start_plan(self, "shared worker")
        for _ in range(int(HUB.config.shared.get("items", 6))):
            self.device.new_item()
        self.device.push()
        HUB.offer(SCENARIO, make_ticket(self, self.device, role="owner", access="write"))


class SharedPerson(_Sharing):
    """The person's phone: joins, then edits the same items as the worker."""

    def start_device(self) -> None:
        self.device = join_plan(self, "shared person", HUB.take(SCENARIO))
        self.device.pull()
