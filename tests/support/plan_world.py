"""Set up a plan the way real devices do, with Python devices (:class:`PlanDevice`) against a real server.

The operator makes an organisation and a worker with ``alongside admin``; the worker's device enrols,
starts a plan whose id names it (docs/crypto.md §4.1) and writes its roster entry with the plan's salt;
other devices join with invites the worker's or the person's device shows (§11), write their roster
entries with the invite's ``bind`` (§11.5), and the inviting device admits them (§19.2).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from alongside.crypto import (
    Keyring,
    admission_bind,
    b64u_encode,
    create_invite,
    generate_device_keys,
    invite_bind_key,
    invite_registration,
    new_plan_id_for,
    new_plan_key,
    open_invite,
)
from alongside.server import api_client as api
from alongside.server.api_client import AsyncApiClient

from .plan_client import PlanDevice
from .plan_roles import Role
from .processes import AlongsideServer

REGISTRATION_FIELDS = ("invite_id", "verifier", "expires_at", "role", "access")
ORGANISED: set[Path] = set()  # servers (by data directory) whose organisation exists already


@dataclass
class PlanWorld:
    """``async with PlanWorld(server, tmp_path) as world:`` devices made here are closed at the end."""

    server: AlongsideServer
    workdir: Path
    devices: list[PlanDevice] = field(default_factory=list)
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def __aenter__(self) -> PlanWorld:
        await self._stack.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self._stack.__aexit__(kind, error, trace)

    async def _device(self, device: PlanDevice) -> PlanDevice:
        self.devices.append(await self._stack.enter_async_context(device))
        return device

    async def start_plan(self, name: str = "Ali", *, label: str = "work tablet", url: str | None = None) -> PlanDevice:
        """A worker enrols a device and starts a plan on it; returns the worker's device, synced."""
        if self.server.data_dir not in ORGANISED:
            self.server.admin("init", "--org", "Riverside Family Support", "--name", "Admin", "--json")
            ORGANISED.add(self.server.data_dir)
        code = self.server.admin("add-worker", "--name", name, "--json")["code"]
        keys = generate_device_keys()
        async with httpx.AsyncClient(base_url=self.server.url) as client:
            token = (await AsyncApiClient(client)(api.enrol(code, keys.public.to_json()))).token
            plan_id, salt = new_plan_id_for(keys.public)
            await AsyncApiClient(client, token)(api.create_plan(plan_id))
        key = new_plan_key(plan_id)
        worker = await self._device(
            PlanDevice(
                name=name,
                label=label,
                keys=keys,
                token=token,
                plan_id=plan_id,
                url=url or self.server.url,
                workdir=self.workdir,
                me=Role("worker", "write"),
                keyring=Keyring(plan_id, [key]),
            )
        )
        await worker.grant_to_self(key)
        await worker.write_roster_entry({"plan_salt": b64u_encode(salt)})
        await worker.sync()
        return worker

    async def join(
        self,
        inviter: PlanDevice,
        name: str,
        *,
        role: str = "supporter",
        access: str = "write",
        label: str = "phone",
        url: str | None = None,
    ) -> PlanDevice:
        """``inviter`` shows an invite; a new device joins with it, writes its roster entry, and is admitted.

        Returns the new device, synced, once the inviter has written its admission.
        """
        invite = create_invite(inviter.keyring.current, inviter=inviter.keys, role=role, access=access)
        registration: dict[str, Any] = {
            k: v for k, v in invite_registration(invite).items() if k in REGISTRATION_FIELDS
        }
        await AsyncApiClient(inviter.http)(api.register_invite(inviter.plan_id, **registration))
        inviter.invites[invite.invite_id_hex] = (invite_bind_key(invite), role, access)

        keys = generate_device_keys()
        joined = open_invite(invite.to_text())
        redeeming = api.redeem_invite(
            invite.invite_id_hex, auth_token=joined.auth_token, public_keys=keys.public.to_json()
        )
        async with httpx.AsyncClient(base_url=self.server.url) as client:
            redeemed = await AsyncApiClient(client)(redeeming)
        assert redeemed.token is not None
        device = await self._device(
            PlanDevice(
                name=name,
                label=label,
                keys=keys,
                token=redeemed.token,
                plan_id=inviter.plan_id,
                url=url or self.server.url,
                workdir=self.workdir,
                me=Role(role, access),
                keyring=Keyring(inviter.plan_id, [joined.plan_key]),
                devices={inviter.device_id: inviter.keys.public},
            )
        )
        await device.pull()
        await device.grant_to_self(joined.plan_key)
        bind = admission_bind(joined.bind_key, plan_id=device.plan_id, device_id=device.device_id)
        await device.write_roster_entry({"invite": {"invite_id": invite.invite_id_hex, "bind": bind}})
        await device.sync()
        await inviter.sync()
        await device.sync()
        return device

    async def restart(self, device: PlanDevice) -> PlanDevice:
        """The same device (keys, token, role) starting afresh: an empty replica, no key, trusting only itself.

        What it finds in the plan is all it has: the key only from a grant it gave itself (or a steward's).
        """
        fresh = PlanDevice(
            name=device.name,
            label=device.label,
            keys=device.keys,
            token=device.token,
            plan_id=device.plan_id,
            url=device.url,
            workdir=self.workdir / "restarted",
            me=device.me,
            keyring=Keyring(device.plan_id),
        )
        await self._device(fresh)
        await fresh.sync()
        return fresh

    async def sync_all(self, *devices: PlanDevice, rounds: int = 2) -> None:
        """Every device (or those given) syncs, in order, ``rounds`` times: everyone has everything."""
        for _ in range(rounds):
            for device in devices or self.devices:
                await device.sync()


@dataclass
class Family:
    """One plan and its four devices, as in the issue's stories."""

    world: PlanWorld
    ali: PlanDevice  # the worker's tablet: started the plan (a steward)
    dee: PlanDevice  # the person's phone: owner, write (a steward)
    sam: PlanDevice  # a supporter with write access: the ordinary member of the attacks
    bo: PlanDevice  # a supporter who can only read

    @property
    def everyone(self) -> tuple[PlanDevice, ...]:
        return (self.ali, self.dee, self.sam, self.bo)

    @property
    def others_than_sam(self) -> tuple[PlanDevice, ...]:
        return (self.ali, self.dee, self.bo)

    async def sync(self, rounds: int = 2) -> None:
        await self.world.sync_all(*self.everyone, rounds=rounds)


async def family_plan(world: PlanWorld, *, phone_url: str | None = None) -> Family:
    """Ali's tablet starts a plan; Dee's phone (at ``phone_url``, e.g. behind a hostile proxy, if given), Sam
    (supporter, write) and Bo (supporter, read; also at ``phone_url``) join; everyone is admitted and synced."""
    ali = await world.start_plan("Ali", label="work tablet")
    dee = await world.join(ali, "Dee", role="owner", access="write", url=phone_url)
    sam = await world.join(ali, "Sam", role="supporter", access="write")
    bo = await world.join(dee, "Bo", role="supporter", access="read", url=phone_url)
    family = Family(world, ali, dee, sam, bo)
    await family.sync()
    return family


def serving(directory: Path) -> Iterator[AlongsideServer]:
    """A real ``alongside serve`` on the embedded store for one test (``yield from serving(tmp_path)``)."""
    server = AlongsideServer(data_dir=directory / "data").start()
    try:
        yield server
    finally:
        server.stop()
