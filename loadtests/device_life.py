"""A device's life: enrol or join a plan, then edit and sync, again and again.

Models the everyday traffic of Alongside. A worker's tablet (:class:`WorkerDevice`) enrols with the
one-time code an admin gave them, starts a plan with a person, grants itself the plan key and shows an
invite QR code; the person's phone (:class:`PersonDevice`) reads it and joins. Then each device, every
``sync_interval`` seconds (10 by default), makes one to three edits (encrypted items of 0.5 to 2.9 KB
on the wire, sealed and signed with ``alongside.crypto``; in every cycle, or in a share of them with
``--writing-share``) and syncs: push, then pull, with the
replicator. Each cycle is reported as the locust entry ``sync cycle`` (type ``metric``).

Run it (the runner starts the server, prepares enrolment codes, applies the gate, prints a summary)::

    .venv/bin/python loadtests/run.py --profile capacity --devices 100 --time 60

or with locust's own options against a server the runner prepared (``--prepare-only``)::

    PYTHONPATH=. .venv/bin/locust -f loadtests/device_life.py --headless -u 20 -r 10 -t 60s \\
        --host http://127.0.0.1:8000 --scenario-config loadtests/reports/<run>/config.json
"""

from __future__ import annotations

import random

from locust import task

from loadtests.kit import gate as _gate  # noqa: F401  (registers the options, convergence check and gate)
from loadtests.kit.runtime import HUB, DeviceUser, join_plan, start_plan

SCENARIO = "device_life"


class _Cycling(DeviceUser):
    abstract = True

    def wait_time(self) -> float:
        return self.paced(HUB.config.sync_interval)

    @task
    def edit_and_sync(self) -> None:
        if self.device.can_write and random.random() < HUB.config.writing_share:
            self.device.edit_some(random.randint(1, 3))
        self.device.sync()


class WorkerDevice(_Cycling):
    """A worker's tablet: enrols, starts a plan, invites the person's phone, edits and syncs."""

    def start_device(self) -> None:
        self.device = start_plan(self, "worker", scenario=SCENARIO, invites=[("owner", "write")])


class PersonDevice(_Cycling):
    """The person's own phone: joins their plan with the worker's invite, edits and syncs."""

    def start_device(self) -> None:
        self.device = join_plan(self, "person", HUB.take(SCENARIO))
        self.device.pull()
