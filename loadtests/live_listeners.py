"""Live listeners: devices hold ``_changes`` longpolls while another device writes.

Models a plan open on several devices at once (the person's phone, a family member's, the worker's
tablet at the office): :class:`LiveWriter` (a worker's device) starts a plan and invites
``listeners_per_plan`` read-only supporters, then edits and pushes every ``write_interval`` seconds.
Each :class:`LiveListener` joins with its invite and holds a longpoll (``feed=longpoll``); when it
returns, the device pulls the change with the replicator. How long a change takes to reach a
listener (from the moment its writer starts the ``_bulk_docs`` request that carries it, to the moment
it is in the listener's replica) is reported as the locust entry ``change delivery``.

Run it::

    .venv/bin/python loadtests/run.py --profile live --time 60
"""

from __future__ import annotations

from locust import task

from loadtests.kit import gate as _gate  # noqa: F401  (registers the options, convergence check and gate)
from loadtests.kit.runtime import HUB, DeviceUser, join_plan, start_plan

SCENARIO = "live"
LONGPOLL_SECONDS = 25.0


class LiveWriter(DeviceUser):
    """A worker's device writing to a plan others are watching."""

    def wait_time(self) -> float:
        return self.paced(float(HUB.config.live.get("write_interval", 3.0)))

    def start_device(self) -> None:
        listeners = int(HUB.config.live.get("listeners_per_plan", 4))
        self.device = start_plan(
            self, "live writer", scenario=SCENARIO, invites=[("supporter", "read")] * listeners, watched=True
        )

    @task
    def write(self) -> None:
        self.device.edit_some(1)
        self.device.push()


class LiveListener(DeviceUser):
    """A device with the plan open: waits for changes with a longpoll and pulls each one as it comes."""

    def wait_time(self) -> float:
        return 0.0

    def start_device(self) -> None:
        self.device = join_plan(self, "listener", HUB.take(SCENARIO))
        self.device.pull()
        self.device.replica.take_arrivals()  # what was there before joining was not a live change

    @task
    def listen(self) -> None:
        self.device.remote.longpoll = LONGPOLL_SECONDS
        self.device.pull()
        self.device.report_deliveries()
