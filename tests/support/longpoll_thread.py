"""A device's ``_changes?feed=longpoll`` running in a thread, for the server tests that do something to the
server while it waits (remove the member, stop the server) and then look at how it ended."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .server_plan import Device, ServerPlan


@dataclass
class Longpoll:
    """A longpoll running in a thread: its status, the body's lines and when it ended."""

    bound: float  # seconds the client waits for it, at most
    thread: threading.Thread | None = None
    opened: threading.Event = field(default_factory=threading.Event)  # the status arrived (or it ended)
    status: int | None = None
    lines: list[str] = field(default_factory=list)
    ended_at: float | None = None

    def wait(self) -> None:
        assert self.thread is not None
        self.thread.join(self.bound)
        assert not self.thread.is_alive(), "the longpoll never ended"

    @property
    def answer(self) -> Any:
        """The last non-empty line (the answer or the error), parsed."""
        return json.loads([line for line in self.lines if line.strip()][-1])


def start_longpoll(plan: ServerPlan, device: Device, timeout_ms: int, bound: float, **params: Any) -> Longpoll:
    """Start ``device``'s longpoll (``timeout`` ``timeout_ms``) from the plan's current sequence, in a thread
    that waits at most ``bound`` seconds for it; returns at once."""
    since = device.client.get(f"/sync/{plan.plan_id}/").json()["update_seq"]
    poll = Longpoll(bound)

    def run() -> None:
        query = {"feed": "longpoll", "since": since, "timeout": timeout_ms, **params}
        with device.client.stream("GET", f"/sync/{plan.plan_id}/_changes", params=query, timeout=bound) as response:
            poll.status = response.status_code
            poll.opened.set()
            poll.lines = list(response.iter_lines())
        poll.ended_at = time.monotonic()
        poll.opened.set()

    poll.thread = threading.Thread(target=run, daemon=True)
    poll.thread.start()
    return poll
