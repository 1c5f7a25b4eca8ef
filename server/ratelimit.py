"""Brute-force limits: a sliding window of failures per key (a client address, or its IPv6 /64).

Only failed attempts count, so people who type their code right are never slowed down, and a flood
from one address does not block anybody else. The counts live in the process: behind several server
processes each keeps its own, which still bounds guessing to a small multiple of the limit.

Memory is bounded: keys whose failures have all left the window are forgotten, and beyond
``max_keys`` keys the one whose last failure is oldest is forgotten first. IPv6 addresses count per
/64 (one household or one server usually holds a whole /64, so counting per address would let it
guess on and on from fresh addresses and fill the table); IPv4 addresses count one by one.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from .errors import ApiError

DEFAULT_MAX_KEYS = 10_000


class TooManyAttempts(ApiError):
    """Too many failures from one key; ``retry_after`` is how many seconds until one of them expires."""

    status = 429
    error = "too_many_requests"

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


def address_group(host: str) -> str:
    """The key a client address counts under: an IPv4 address itself (also when written as an
    IPv4-mapped IPv6 address), the /64 network of an IPv6 address, anything else (a Unix socket, a
    test client's name) as it is."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


class FailureLimiter:
    """At most ``limit`` failures per ``window`` seconds for each key, for at most ``max_keys`` keys."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_keys: int = DEFAULT_MAX_KEYS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._clock = clock
        # Ordered by each key's latest failure, oldest first: the front is what expires or is evicted first.
        self._failures: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        """How many keys are remembered."""
        return len(self._failures)

    def _forget_expired(self, now: float) -> None:
        """Drop keys whose latest failure left the window (they are at the front)."""
        while self._failures:
            key, failures = next(iter(self._failures.items()))
            if failures[-1] > now - self.window:
                return
            del self._failures[key]

    def _recent(self, key: str, now: float) -> deque[float] | None:
        failures = self._failures.get(key)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return None
        return failures

    def check(self, key: str) -> None:
        """Raise ``TooManyAttempts`` if ``key`` has used up its failures."""
        now = self._clock()
        self._forget_expired(now)
        failures = self._recent(key, now)
        if failures is not None and len(failures) >= self.limit:
            wait = max(1, math.ceil(failures[0] + self.window - now))
            raise TooManyAttempts(
                "Too many wrong attempts from here. Wait a few minutes, then try again.", retry_after=wait
            )

    def fail(self, key: str) -> None:
        """Count one failure for ``key``, forgetting the oldest keys beyond ``max_keys``."""
        now = self._clock()
        self._forget_expired(now)
        failures = self._recent(key, now)
        if failures is None:
            failures = self._failures[key] = deque(maxlen=self.limit)
        failures.append(now)
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
