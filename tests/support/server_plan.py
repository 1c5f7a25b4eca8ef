"""A plan set up through the API only, for the server's own tests (``tests/server``), with ``httpx`` devices.

The worker's tablet enrols once (an organisation per server); each test's plan is started by it, and
the person's phone, a supporter who writes and a supporter who only reads join with invites the tablet
made and registered. Documents are real ones from ``alongside.crypto`` (sealed items, deletion
envelopes, keyring documents), so the server refuses nothing for its shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from alongside.crypto import (
    DeviceKeys,
    PlanKey,
    create_invite,
    generate_device_keys,
    grant_plan_key,
    invite_auth_token,
    invite_registration,
    new_document_id,
    new_plan_key,
    roster_document_id,
    seal_item,
)
from alongside.server import api_client as api
from alongside.server.api_client import ApiClient

from .processes import AlongsideServer

REGISTRATION_FIELDS = ("invite_id", "verifier", "expires_at", "role", "access")

Json = dict[str, Any]


@dataclass
class Device:
    """An enrolled device: its keys, an HTTP client carrying its token, and its account."""

    keys: DeviceKeys
    client: httpx.Client
    account: str

    @property
    def device_id(self) -> str:
        return self.keys.device_id


def enrol(server: AlongsideServer, code: str) -> Device:
    """A device makes its keys and enrols with a one-time code from ``alongside admin``."""
    keys = generate_device_keys()
    client = httpx.Client(base_url=server.url)
    enrolled = ApiClient(client)(api.enrol(code, keys.public.to_json()))
    client.headers["Authorization"] = f"Bearer {enrolled.token}"
    return Device(keys, client, enrolled.account)


@dataclass
class Organisation:
    """A running server with an organisation, and the worker's tablet (it starts the plans)."""

    server: AlongsideServer
    worker: Device


@contextmanager
def running_organisation(server: AlongsideServer) -> Iterator[Organisation]:
    """Start `server`, set up an organisation with ``alongside admin`` and enrol the worker Ali's tablet;
    stop it all afterwards."""
    server.start()
    try:
        server.admin("init", "--org", "Riverside Family Support", "--name", "Admin", "--json")
        worker = enrol(server, server.admin("add-worker", "--name", "Ali", "--json")["code"])
        try:
            yield Organisation(server, worker)
        finally:
            worker.client.close()
    finally:
        server.stop()


@dataclass
class ServerPlan:
    """A plan on ``server``: the worker's tablet and the devices that joined (in the order they joined)."""

    server: AlongsideServer
    plan_id: str
    key: PlanKey
    worker: Device
    devices: list[Device] = field(default_factory=list)

    @classmethod
    def start(cls, server: AlongsideServer, worker: Device) -> ServerPlan:
        """The worker's tablet starts a plan; the person's phone, a supporter who writes and one who reads join."""
        plan_id = ApiClient(worker.client)(api.create_plan()).plan_id
        plan = cls(server, plan_id, new_plan_key(plan_id), worker)
        plan.join("owner", "write")
        plan.join("supporter", "write")
        plan.join("supporter", "read")
        return plan

    @property
    def owner(self) -> Device:
        return self.devices[0]

    @property
    def writer(self) -> Device:
        """The supporter with write access."""
        return self.devices[1]

    @property
    def reader(self) -> Device:
        """The supporter with read-only access."""
        return self.devices[2]

    def close(self) -> None:
        for device in self.devices:
            device.client.close()

    def join(self, role: str, access: str, inviter: Device | None = None) -> Device:
        """A new device joins with an invite made (and registered) on ``inviter``'s device."""
        inviter = inviter or self.worker
        invite = create_invite(self.key, inviter=inviter.keys, role=role, access=access)
        registration: dict[str, Any] = {
            k: v for k, v in invite_registration(invite).items() if k in REGISTRATION_FIELDS
        }
        ApiClient(inviter.client)(api.register_invite(self.plan_id, **registration))
        keys = generate_device_keys()
        client = httpx.Client(base_url=self.server.url)
        redeeming = api.redeem_invite(
            invite.invite_id_hex, auth_token=invite_auth_token(invite), public_keys=keys.public.to_json()
        )
        joined = ApiClient(client)(redeeming)
        client.headers["Authorization"] = f"Bearer {joined.token}"
        device = Device(keys, client, joined.account)
        self.devices.append(device)
        return device

    def item(
        self,
        author: Device,
        doc_id: str | None = None,
        *,
        deleted: bool = False,
        rev: str | None = None,
        key: PlanKey | None = None,
    ) -> Json:
        """An item version sealed and signed on ``author``'s device (a deletion envelope when ``deleted``)."""
        doc = seal_item(
            {"text": "I'm good with my hands"},
            plan_id=self.plan_id,
            doc_id=doc_id or new_document_id(),
            key=key or self.key,
            author=author.keys,
            deleted=deleted,
        )
        if rev is not None:
            doc["_rev"] = rev
        return doc

    def grant(self, granter: Device, recipient: Device, doc_id: str | None = None, key: PlanKey | None = None) -> Json:
        """A keyring document giving the plan key (or ``key``) to ``recipient``, signed by ``granter``."""
        return grant_plan_key(key or self.key, recipient=recipient.keys.public, granter=granter.keys, doc_id=doc_id)

    def roster_id(self, device: Device) -> str:
        return roster_document_id(self.plan_id, device.device_id)

    def put(self, device: Device, doc: Json) -> httpx.Response:
        return device.client.put(f"/sync/{self.plan_id}/{doc['_id']}", json=doc)

    def bulk(self, device: Device, docs: list[Json], *, new_edits: bool = True) -> list[Json]:
        """``_bulk_docs`` as ``device``: the per-document results (the request itself must be accepted)."""
        response = device.client.post(f"/sync/{self.plan_id}/_bulk_docs", json={"docs": docs, "new_edits": new_edits})
        assert response.status_code == 201, response.text
        results: list[Json] = response.json()
        return results

    def held(self, doc_id: str) -> list[Json]:
        """Every leaf the server holds for ``doc_id``, with its history, read by the worker's tablet."""
        response = self.worker.client.get(
            f"/sync/{self.plan_id}/{doc_id}",
            params={"open_revs": "all", "revs": "true"},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        leaves: list[Json] = sorted((entry["ok"] for entry in response.json()), key=lambda leaf: str(leaf["_rev"]))
        return leaves

    def update_seq(self) -> object:
        seq: object = self.worker.client.get(f"/sync/{self.plan_id}/").json()["update_seq"]
        return seq

    def rotate(self, device: Device, body: Json) -> httpx.Response:
        return device.client.post(f"/api/v1/plans/{self.plan_id}/rotations", json=body)

    def recorded_keys(self) -> Json:
        response = self.worker.client.get(f"/api/v1/plans/{self.plan_id}/keys")
        assert response.status_code == 200, response.text
        keys: Json = response.json()
        return keys
