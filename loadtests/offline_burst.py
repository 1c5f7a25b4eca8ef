"""Offline bursts: a device works without signal for a long time, then syncs everything at once.

Models a worker visiting people in places with no signal all day: :class:`OfflineDevice` enrols,
starts a plan, then repeatedly makes 50 to 500 edits (new items and changes to its items, each
sealed) with no network at all, and syncs once. The whole sync (push of the burst, then pull) is
reported as ``offline burst sync``; its documents per second go into the summary.

Run it::

    .venv/bin/python loadtests/run.py --profile offline --time 60
"""

from __future__ import annotations

import random
import time

from locust import task

from loadtests.kit import gate as _gate  # noqa: F401  (registers the options, convergence check and gate)
from loadtests.kit.http_peer import COUNTERS, fire_metric
from loadtests.kit.runtime import HUB, DeviceUser, start_plan


class OfflineDevice(DeviceUser):
    """A worker's tablet that is mostly out of signal."""

    def wait_time(self) -> float:
        return self.paced(float(HUB.config.offline.get("pause", 20.0)))

    def start_device(self) -> None:
        self.device = start_plan(self, "offline")

    @task
    def burst(self) -> None:
        low, high = HUB.config.offline.get("edits", [50, 500])
        self.device.edit_some(random.randint(int(low), int(high)), keep=200)
        started = time.perf_counter()
        pushed, _ = self.device.sync(metric=None)
        seconds = time.perf_counter() - started
        docs = pushed.docs_written if pushed else 0
        fire_metric(self.client, "offline burst sync", seconds * 1000, length=docs)
        if COUNTERS.measuring:
            HUB.offline_bursts.append((docs, seconds))
