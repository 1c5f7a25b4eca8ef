"""A worker's device in Chromium holding many plans, seeded through the real sync path (issue 17).

The app enrols the worker's device; Python devices with the very keys and token of that device (read from
the page with :func:`support.beside_the_app.page_device_keys`) start each plan on the server (its id named
by the device's keys, docs/crypto.md §4.1), write the device's roster entry with the plan's salt, a key
grant to itself (§9.5), the plan's details and its steps, and push them. To the server and to the app the
plans are the browser device's own, started elsewhere: the app finds them with "Check for new plans" and
pulls each one with its own sync. Plans are seeded a batch at a time, side by side, to keep CI quick.
"""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any

from alongside.crypto import DeviceKeys, Keyring, b64u_encode, new_plan_id_for, new_plan_key
from alongside.server import api_client as api
from alongside.server.api_client import AsyncApiClient

from .plan_client import PlanDevice
from .plan_roles import Role


def day(offset: int, today: date | None = None) -> str:
    """The day ``offset`` days from today (this machine's local date, as the app's), as YYYY-MM-DD."""
    return ((today or date.today()) + timedelta(days=offset)).isoformat()


@dataclass(frozen=True)
class SeedStep:
    """A next step: its words, due date (YYYY-MM-DD or '') and status (kinds.js ``status_step``); a community
    activity linked to it (the copy the step keeps, data/activitylinks.js ``activitySnapshot``) and the person's
    follow-up of it (``went``, ``again``: kinds.js choices), if any."""

    text: str
    due: str = ""
    status: str = "not_started"
    activity: dict[str, Any] | None = None
    followup: tuple[str, str] | None = None


@dataclass(frozen=True)
class SeedPlan:
    """A plan's details (the plan-details item, kind ``plan``) and its steps."""

    person: str
    title: str
    status: str = "active"
    visit: str = ""
    visit_time: str = ""
    review: str = ""
    steps: tuple[SeedStep, ...] = ()
    ratings: tuple[tuple[int, ...], ...] = ()
    """One goal per entry, rated by the person once a month with these values (oldest first)."""
    learning: dict[str, Any] | None = None
    """A ``learning-consent`` item's values (data/learning.js), written by this worker's device."""

    @property
    def header(self) -> dict[str, Any]:
        fields = {"title": self.title, "person": self.person, "status": self.status}
        dates = {"visit": self.visit, "visit_time": self.visit_time, "review": self.review}
        return {**fields, **{name: value for name, value in dates.items() if value}}


@dataclass
class Caseload:
    """``async with Caseload(url, workdir, keys, token) as caseload``: the plans it seeds as the device with
    ``keys`` and ``token``; the devices kept (:meth:`seed` ``keep``) stay open until the end."""

    url: str
    workdir: Path
    keys: DeviceKeys
    token: str
    name: str = "Ali"
    label: str = "work tablet"
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def __aenter__(self) -> Caseload:
        await self._stack.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._stack.__aexit__(kind, error, trace)

    async def _write(self, device: PlanDevice, plan: SeedPlan, salt: bytes) -> None:
        await AsyncApiClient(device.http)(api.create_plan(device.plan_id))
        await device.grant_to_self(device.keyring.current)
        await device.write_roster_entry({"plan_salt": b64u_encode(salt)})
        await device.create("plan", plan.header)
        for step in plan.steps:
            fields = {"text": step.text, "due": step.due, "status": step.status}
            step_id = await device.create("step", fields | ({"activity": step.activity} if step.activity else {}))
            if step.followup:
                went, again = step.followup
                answer = {"step": step_id, "went": went, "again": again, "how": "Good", "date": day(-1)}
                await device.create("followup", answer | {"said_by": plan.person, "voice": "own"})
        for number, values in enumerate(plan.ratings):
            goal = await device.create("goal", {"text": f"Goal {number + 1}", "horizon": "possible"})
            for month, value in enumerate(values):
                when = day(30 * (month - len(values)))
                await device.create("reading", {"goal": goal, "party": plan.person, "value": value, "date": when})
        if plan.learning is not None:
            await device.create("learning-consent", plan.learning)
        await device.push()

    async def start(self, plan: SeedPlan, index: int, *, keep: bool = False) -> PlanDevice:
        """Start ``plan`` on the server as this device and push it; the device is kept open if ``keep``."""
        plan_id, salt = new_plan_id_for(self.keys.public)
        device = PlanDevice(
            name=self.name,
            label=self.label,
            keys=self.keys,
            token=self.token,
            plan_id=plan_id,
            url=self.url,
            workdir=self.workdir / f"plan-{index}",
            me=Role("worker", "write"),
            keyring=Keyring(plan_id, [new_plan_key(plan_id)]),
        )
        if keep:
            await self._write(await self._stack.enter_async_context(device), plan, salt)
        else:
            async with device:
                await self._write(device, plan, salt)
        return device

    async def seed(self, plans: list[SeedPlan], *, at_once: int = 12, first: int = 0) -> None:
        """Start every plan of ``plans`` (closing each device after), ``at_once`` side by side."""
        for start in range(0, len(plans), at_once):
            batch = plans[start : start + at_once]
            await asyncio.gather(*(self.start(plan, first + start + i) for i, plan in enumerate(batch)))


def filler_plans(count: int, *, from_day: int = 10) -> list[SeedPlan]:
    """``count`` ordinary plans ("Person 001", …): next visits from ``from_day`` days on, reviews a month on
    (every third without one), one step due in the future each."""
    return [
        SeedPlan(
            person=f"Person {n:03d}",
            title=f"Plan number {n}",
            visit=day(from_day + n % 20),
            review="" if n % 3 == 0 else day(30 + n % 40),
            steps=(SeedStep(f"A step for person {n}", day(from_day + 5)),),
        )
        for n in range(1, count + 1)
    ]
