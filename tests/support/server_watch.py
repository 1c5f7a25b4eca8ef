"""Watching a real server while it is abused: ``/healthz`` answers and memory stays bounded (issue 14, must-show 4).

:class:`Watch` probes ``/healthz`` every 50 ms and samples the server's resident memory from ``/proc`` while
the block runs: the **median** probe must answer within 200 ms (a median over many probes, so one slow moment
of a loaded 2-core test machine does not fail the test, while a server whose event loop is stalled by the
abuse does), and the memory must stay under a generous ceiling (what the server holds plus a few bodies, far
from what an unbounded parse would take).
"""

from __future__ import annotations

import statistics
import threading
import time
from pathlib import Path
from types import TracebackType

import httpx

from .processes import AlongsideServer

PROBE_EVERY = 0.05
HEALTHZ_MEDIAN = 0.2
RSS_CEILING = 300 * 1024 * 1024  # bytes: the server idles at about 55 MiB; an unbounded parse of one body took 400 more
MIN_PROBES = 5


def rss_bytes(pid: int) -> int:
    """The resident memory of process ``pid``, from ``/proc``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class Watch:
    """Probes ``/healthz`` and samples the server's RSS in a thread while the block runs (see the module)."""

    def __init__(self, server: AlongsideServer) -> None:
        assert server.process is not None
        self.url = server.url + "/healthz"
        self.pid = server.process.pid
        self.latencies: list[float] = []
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._probe, daemon=True)

    def _probe(self) -> None:
        with httpx.Client(timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                assert client.get(self.url).status_code == 200
                self.latencies.append(time.monotonic() - started)
                self.peak_rss = max(self.peak_rss, rss_bytes(self.pid))
                self._stop.wait(PROBE_EVERY)

    def __enter__(self) -> Watch:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        while len(self.latencies) < MIN_PROBES and self._thread.is_alive():
            time.sleep(PROBE_EVERY)
        self._stop.set()
        self._thread.join(60)
        if kind is None:
            assert len(self.latencies) >= MIN_PROBES, self.latencies
            assert statistics.median(self.latencies) < HEALTHZ_MEDIAN, sorted(self.latencies)
            assert self.peak_rss < RSS_CEILING, self.peak_rss
