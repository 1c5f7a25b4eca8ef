"""Brute-force limits: a sliding window of failures per key (e.g. a client address).

Only failed attempts count, so people who type their code right are never slowed down, and a flood
from one address does not block anybody else. The counts live in the process: behind several server
processes each keeps its own, which still bounds guessing to a small multiple of the limit.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from alongside.sync.errors import SyncError


class TooManyAttempts(SyncError):
    """Too many failures from one key; ``retry_after`` is how many seconds until one of them expires."""

    status = 429
    error = "too_many_requests"

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class FailureLimiter:
    """At most ``limit`` failures per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = self._clock()
        failures = self._failures.setdefault(key, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(key, None)
        return failures

    def check(self, key: str) -> None:
        """Raise ``TooManyAttempts`` if ``key`` has used up its failures."""
        failures = self._recent(key)
        if len(failures) >= self.limit:
            wait = max(1, math.ceil(failures[0] + self.window - self._clock()))
            raise TooManyAttempts(
                "Too many wrong attempts from here. Wait a few minutes, then try again.", retry_after=wait
            )

    def fail(self, key: str) -> None:
        """Count one failure for ``key``."""
        self._recent(key)
        self._failures.setdefault(key, deque()).append(self._clock())
