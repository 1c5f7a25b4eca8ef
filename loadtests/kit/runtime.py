"""What the scenarios share inside one locust process: the run's settings, simulated devices, plans.

A simulated device is a locust user holding a :class:`Device`: its own keys (``alongside.crypto``), an
in-memory replica of one plan (:class:`~loadtests.kit.replica.MemoryReplica`) and the server's copy
of that plan (:class:`~loadtests.kit.http_peer.LocustPeer`). It edits by sealing real encrypted
items into its replica and syncs with the one replicator (``alongside.sync.replicator``): push, then
pull, exactly as the app's PouchDB does.

Devices of one plan find each other through :data:`HUB`: the device that starts a plan registers
invites (made on the device, as the QR code carries them) and hands them over; joining devices
redeem them. Against a bare CouchDB (comparison runs) there is no enrolment, no invite and no token:
a plan is a database created with ``PUT``.
"""

from __future__ import annotations

import json
import logging
import os
import random
import string
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import gevent
import gevent.queue
from locust import FastHttpUser
from locust.env import Environment
from locust.exception import StopUser

from alongside.crypto import (
    DeviceKeys,
    PlanKey,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    invite_auth_token,
    invite_verifier,
    new_document_id,
    new_plan_key,
    open_invite,
    seal_item,
)
from alongside.server import api_client as api
from alongside.sync.replicator import ReplicationResult, replicate_sync
from alongside.sync.store import Json

from .http_peer import COUNTERS, LocustPeer, fire_metric
from .replica import MemoryReplica

CONFIG_ENV = "ALONGSIDE_LOADTEST_CONFIG"
SECTIONS = ("strengths", "what_matters", "goals", "steps", "people")
# Plaintext lengths whose sealed wire documents are 0.5 to 2.9 KB (padding buckets of 256 B to 2 KB).
TEXT_LENGTHS = (20, 150, 300, 600, 900, 1200, 1500, 1700)
JOIN_TIMEOUT = 60.0


@dataclass
class Config:
    """The run's settings, written by ``loadtests/run.py`` as JSON (see its ``--help``)."""

    target: str = "alongside"  # or "couchdb": a bare CouchDB-compatible server, no auth
    codes: list[str] = field(default_factory=list)  # one-time enrolment codes for devices that start plans
    users: dict[str, int] = field(default_factory=dict)  # user class name → how many
    sync_interval: float = 10.0
    writing_share: float = 1.0  # of everyday devices' cycles, the share that edits before syncing
    retry_seconds: float = 0.0
    live: dict[str, Any] = field(default_factory=dict)
    offline: dict[str, Any] = field(default_factory=dict)
    shared: dict[str, Any] = field(default_factory=dict)
    first_download: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | None) -> Config:
        path = path or os.environ.get(CONFIG_ENV)
        if not path:
            return cls()
        with open(path, encoding="utf-8") as handle:
            raw = json.load(handle)
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})


class Hub:
    """State shared by every simulated device of the run (one locust process, gevent: no locks needed)."""

    def __init__(self) -> None:
        self.config = Config()
        self.devices: list[Device] = []
        self.tickets: dict[str, gevent.queue.Queue[Ticket]] = defaultdict(gevent.queue.Queue)
        self.sent: dict[str, float] = {}  # revision → when its writer started pushing it (watched plans only)
        self.first_downloads: list[tuple[int, float]] = []  # (documents, seconds)
        self.offline_bursts: list[tuple[int, float]] = []
        self.conflicts_resolved = 0
        self.setup_failures: list[str] = []
        self.waiting = 0  # devices waiting for an invite (still waiting at the end: too few inviting devices)

    def configure(self, environment: Environment) -> None:
        options = environment.parsed_options
        self.config = Config.load(getattr(options, "scenario_config", None) if options else None)

    def take_code(self) -> str:
        if not self.config.codes:
            raise RuntimeError("no enrolment codes left: loadtests/run.py prepares one per plan-starting device")
        return self.config.codes.pop()

    def offer(self, scenario: str, ticket: Ticket) -> None:
        self.tickets[scenario].put(ticket)

    def take(self, scenario: str) -> Ticket:
        self.waiting += 1  # not taken back if the run ends meanwhile: the gate reports devices left waiting
        try:
            ticket: Ticket = self.tickets[scenario].get(timeout=JOIN_TIMEOUT)
        except gevent.queue.Empty:
            self.waiting -= 1
            raise RuntimeError(f"no {scenario} invite arrived within {JOIN_TIMEOUT:.0f} s") from None
        self.waiting -= 1
        return ticket

    def stamp(self, docs: list[Json], when: float) -> None:
        for doc in docs:
            self.sent.setdefault(str(doc.get("_rev")), when)


HUB = Hub()


@dataclass
class Ticket:
    """What a joining device is given: the invite's text (its QR code), or for a bare CouchDB the plan itself."""

    plan_id: str
    invite_text: str | None = None
    plan_key: PlanKey | None = None
    role: str = "owner"
    access: str = "write"


class Device:
    """One simulated phone or tablet holding one plan."""

    def __init__(
        self,
        user: FastHttpUser,
        *,
        kind: str,
        plan_id: str,
        keys: DeviceKeys,
        plan_key: PlanKey,
        token: str | None,
        can_write: bool = True,
        watched: bool = False,
    ) -> None:
        self.kind = kind
        self.plan_id = plan_id
        self.keys = keys
        self.plan_key = plan_key
        self.can_write = can_write
        self.client = user.client
        self.token = token
        couch = HUB.config.target == "couchdb"
        self.remote = LocustPeer(
            user.client,
            f"/p{plan_id}/" if couch else f"/sync/{plan_id}/",
            label="/[db]" if couch else "/sync/[plan]",
            token=token,
            retry_seconds=HUB.config.retry_seconds,
            on_push=HUB.stamp if watched else None,
        )
        self.generation = 0
        self.replica = MemoryReplica(f"device:{keys.device_id}:0")
        self.edits: list[tuple[str, str]] = []  # every (id, rev) this device wrote: all must reach the server
        self.mine: list[str] = []  # items this device created
        self.cycles = 0  # completed everyday sync cycles ("sync cycle" metric)
        HUB.devices.append(self)

    # -- editing (no network) ---------------------------------------------------------------------

    def _seal(self, doc_id: str, *, deleted: bool = False) -> Json:
        text = "".join(random.choices(string.ascii_letters, k=random.choice(TEXT_LENGTHS)))
        body = {"section": random.choice(SECTIONS), "text": text, "device": self.keys.device_id}
        return seal_item(
            body, plan_id=self.plan_id, doc_id=doc_id, key=self.plan_key, author=self.keys, deleted=deleted
        )

    def write(self, doc: Json, parent: str | None = None) -> str:
        rev = self.replica.put(doc, parent)
        self.edits.append((str(doc["_id"]), rev))
        return rev

    def new_item(self) -> str:
        doc_id = new_document_id()
        self.write(self._seal(doc_id))
        self.mine.append(doc_id)
        return doc_id

    def edit_item(self, doc_id: str, parent: str | None = None) -> str:
        return self.write(self._seal(doc_id), parent)

    def edit_some(self, count: int, *, keep: int = 50) -> None:
        """``count`` edits: new items until the device has ``keep`` of its own, then mostly updates."""
        for index in range(count):
            if len(self.mine) < keep and (not self.mine or random.random() < 0.4):
                self.new_item()
            else:
                self.edit_item(random.choice(self.mine))
            if index % 25 == 24:
                gevent.sleep(0)  # long bursts: let other simulated devices run

    def resolve_conflicts(self) -> int:
        """What a person does after 'you and the other device both changed this': keep a merged
        revision on the winner and close every losing leaf with a signed deletion (a deletion envelope: the
        server refuses bare tombstones, docs/crypto.md §14.3). Returns how many leaves were closed."""
        closed = 0
        for doc_id, losers in self.replica.conflicted().items():
            self.edit_item(doc_id)
            for loser in losers:
                self.write(self._seal(doc_id, deleted=True), loser)
                closed += 1
        return closed

    def fresh_replica(self) -> None:
        """Forget everything local, as a reinstalled app would (the next pull is a first download)."""
        self.generation += 1
        self.replica = MemoryReplica(f"device:{self.keys.device_id}:{self.generation}")

    # -- syncing ----------------------------------------------------------------------------------

    def push(self) -> ReplicationResult:
        return replicate_sync(self.replica, self.remote)

    def pull(self) -> ReplicationResult:
        return replicate_sync(self.remote, self.replica)

    def sync(self, metric: str | None = "sync cycle") -> tuple[ReplicationResult | None, ReplicationResult]:
        """Push (when allowed to write) then pull; report the whole cycle's duration as ``metric``."""
        started = time.perf_counter()
        requests_before = self.remote.requests
        pushed = self.push() if self.can_write else None
        pulled = self.pull()
        if metric is not None:
            fire_metric(self.client, metric, (time.perf_counter() - started) * 1000)
        if metric == "sync cycle":
            self.cycles += 1
            moved = "writing" if pushed and pushed.docs_written else "receiving" if pulled.docs_written else "idle"
            COUNTERS.count_cycle(moved, self.remote.requests - requests_before)
        return pushed, pulled

    def report_deliveries(self) -> None:
        """For each revision that reached this device's replica: how long since its writer sent it."""
        for _, rev, arrived in self.replica.take_arrivals():
            sent = HUB.sent.get(rev)
            if sent is not None:
                fire_metric(self.client, "change delivery", max(arrived - sent, 0.0) * 1000)


# -- plans: start one, invite, join -----------------------------------------------------------------


def _api(user: FastHttpUser, call: api.Call[api.Answer], token: str | None = None) -> api.Answer:
    """Send ``call`` (alongside.server.api_client) through the user's session, counted under its route."""
    headers = api.bearer(token)
    with user.client.request(
        call.method, call.url, name=call.name, json=call.body, headers=headers, catch_response=True
    ) as response:
        try:
            return call.read(response.status_code, response.content or b"")
        except api.ApiClientError as exc:
            response.failure(str(exc)[:200])
            raise RuntimeError(f"{call.method} {call.name} answered {exc.status}") from None


def start_plan(
    user: FastHttpUser,
    kind: str,
    *,
    scenario: str | None = None,
    invites: Sequence[tuple[str, str]] = (),
    watched: bool = False,
) -> Device:
    """A worker's device enrols with a one-time code, starts a plan, grants itself the plan key and
    registers ``invites`` ((role, access) each) for other devices of ``scenario`` to redeem."""
    keys = generate_device_keys()
    if HUB.config.target == "couchdb":
        plan_id = new_document_id()  # the database is "p" + plan id (CouchDB names start with a letter)
        with user.client.request("PUT", f"/p{plan_id}", name="/[db]", catch_response=True) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}")
                raise RuntimeError(f"PUT /p{plan_id} answered {response.status_code}")
        key = new_plan_key(plan_id)
        token = None
    else:
        token = _api(user, api.enrol(HUB.take_code(), keys.public.to_json())).token
        plan_id = _api(user, api.create_plan(), token=token).plan_id
        key = new_plan_key(plan_id)
    device = Device(user, kind=kind, plan_id=plan_id, keys=keys, plan_key=key, token=token, watched=watched)
    device.write(grant_plan_key(key, recipient=keys.public, granter=keys))
    device.push()
    for role, access in invites:
        if scenario is None:
            raise ValueError("invites need a scenario to hand them to")
        HUB.offer(scenario, make_ticket(user, device, role=role, access=access))
    return device


def make_ticket(user: FastHttpUser, device: Device, *, role: str, access: str) -> Ticket:
    """An invite created on ``device`` (what its QR code shows) and registered with the server."""
    if HUB.config.target == "couchdb":
        return Ticket(plan_id=device.plan_id, plan_key=device.plan_key, role=role, access=access)
    invite = create_invite(device.plan_key, inviter=device.keys)
    registering = api.register_invite(
        device.plan_id,
        invite_id=invite.invite_id_hex,
        verifier=invite_verifier(invite_auth_token(invite)),
        expires_at=invite.expires_at,
        role=role,
        access=access,
    )
    _api(user, registering, token=device.token)
    return Ticket(plan_id=device.plan_id, invite_text=invite.to_text(), role=role, access=access)


def join_plan(user: FastHttpUser, kind: str, ticket: Ticket, *, watched: bool = False) -> Device:
    """A new device reads an invite's QR code, redeems it once, and becomes a device of the plan."""
    keys = generate_device_keys()
    if ticket.invite_text is None:
        assert ticket.plan_key is not None
        key, token = ticket.plan_key, None
    else:
        joined = open_invite(ticket.invite_text)
        redeeming = api.redeem_invite(joined.invite_id, auth_token=joined.auth_token, public_keys=keys.public.to_json())
        key, token = joined.plan_key, _api(user, redeeming).token
    return Device(
        user,
        kind=kind,
        plan_id=key.plan_id,
        keys=keys,
        plan_key=key,
        token=token,
        can_write=ticket.access == "write",
        watched=watched,
    )


class DeviceUser(FastHttpUser):
    """A locust user that is one simulated device. Subclasses set ``device`` in ``on_start``."""

    abstract = True
    connection_timeout = 10.0
    network_timeout = 90.0
    device: Device

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        self._next_start: float | None = None

    def start_device(self) -> None:
        """Enrol or join, and set ``device``."""
        raise NotImplementedError

    def on_start(self) -> None:
        try:
            self.start_device()
        except Exception as exc:
            # Counted by the gate; the device takes no further part (it never got a plan).
            HUB.setup_failures.append(f"{type(self).__name__}: {type(exc).__name__}: {exc}")
            logging.getLogger("alongside.loadtest").error("device setup failed", exc_info=True)
            raise StopUser() from exc

    def paced(self, interval: float) -> float:
        """Seconds to wait so that this device's cycles start every ``interval`` seconds, the first one
        at a random offset (devices do not all sync on the same tick)."""
        now = time.monotonic()
        if self._next_start is None:
            self._next_start = now + random.uniform(0, interval)
        else:
            self._next_start = max(self._next_start + interval, now)
        return self._next_start - now
