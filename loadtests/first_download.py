"""First download of a large plan: a new device joins a plan of 2,000 items and downloads all of it.

Models a person's new phone (or a reinstalled app) joining a long-running plan. ``loadtests/run.py``
prepares the plan before the run (a worker's device enrols, starts it and pushes ``items`` sealed
items, 2,000 by default, and registers one invite per downloading device). Each
:class:`FirstDownloadDevice` redeems its invite, then repeatedly forgets its local copy and pulls the
whole plan with the replicator (batches of 100, as PouchDB does). Each download is reported as
``first download``; documents per second go into the summary.

Run it alone, for the docs/s of one download on an idle server::

    .venv/bin/python loadtests/run.py --profile download --time 30
"""

from __future__ import annotations

import time

from locust import task

from loadtests.kit import gate as _gate  # noqa: F401  (registers the options, convergence check and gate)
from loadtests.kit.http_peer import COUNTERS, fire_metric
from loadtests.kit.runtime import HUB, DeviceUser, Ticket, join_plan

SCENARIO = "first_download"


class FirstDownloadDevice(DeviceUser):
    """A new phone joining a big plan (read-only: it only downloads)."""

    def wait_time(self) -> float:
        return self.paced(float(HUB.config.first_download.get("pause", 15.0)))

    def start_device(self) -> None:
        config = HUB.config.first_download
        invites: list[str] = config.get("invites", [])
        if not invites:
            raise RuntimeError("no invite left for a first download: loadtests/run.py prepares one per device")
        text = invites.pop()
        ticket = (
            Ticket(plan_id=config["plan_id"], access="read")
            if HUB.config.target == "couchdb"
            else Ticket(plan_id=config["plan_id"], invite_text=text, access="read")
        )
        if ticket.invite_text is None:
            from alongside.crypto import new_plan_key

            ticket.plan_key = new_plan_key(config["plan_id"])  # never used: this device only reads
        self.device = join_plan(self, "first download", ticket)

    @task
    def download(self) -> None:
        self.device.fresh_replica()
        started = time.perf_counter()
        result = self.device.pull()
        seconds = time.perf_counter() - started
        fire_metric(self.client, "first download", seconds * 1000, length=result.docs_written)
        if COUNTERS.measuring:
            HUB.first_downloads.append((result.docs_written, seconds))
