"""The directory: devices, plans and memberships, kept as documents in the ``directory`` database.

Only metadata lives here, never plan content. Device tokens are ``<device id>.<secret>`` with 256
random bits of secret; the directory keeps only the SHA-256 of the secret, so a stolen database
yields no usable token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from alongside.sync.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized
from alongside.sync.store import DocumentRequest, DocumentStore, Json

DIRECTORY_DB = "directory"
PLAN_DB_PREFIX = "plan-"
PLAN_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")
DEVICE_ID_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def random_id(random: Callable[[int], bytes] = os.urandom) -> str:
    """A 128-bit random id as 32 lower-case hex characters (the form docs/crypto.md gives plan ids)."""
    return random(16).hex()


def plan_database(plan_id: str) -> str:
    """The document-store database that holds a plan's envelopes."""
    return PLAN_DB_PREFIX + plan_id


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Device:
    id: str


@dataclass(frozen=True, slots=True)
class NewPlan:
    plan_id: str
    device_id: str
    token: str


class Directory:
    """Devices, plans and memberships on top of any :class:`DocumentStore`."""

    def __init__(self, store: DocumentStore, *, random: Callable[[int], bytes] = os.urandom) -> None:
        self.store = store
        self._random = random

    async def ensure(self) -> None:
        """Create the directory database if it does not exist yet."""
        if not await self.store.database_exists(DIRECTORY_DB):
            try:
                await self.store.create_database(DIRECTORY_DB)
            except PreconditionFailed:
                pass

    async def _get(self, doc_id: str) -> Json | None:
        try:
            return await self.store.get_document(DIRECTORY_DB, doc_id, DocumentRequest())
        except NotFound:
            return None

    async def _put(self, doc: Json) -> None:
        [result] = await self.store.bulk_docs(DIRECTORY_DB, [doc])
        if "error" in result:
            raise Conflict(str(result.get("reason", "directory write failed")))

    async def create_device(self, *, label: str = "") -> tuple[str, str]:
        """Register a device; return ``(device_id, token)``. The token is shown once, never stored."""
        device_id = random_id(self._random)
        secret = base64.urlsafe_b64encode(self._random(32)).decode("ascii").rstrip("=")
        await self._put(
            {
                "_id": f"device:{device_id}",
                "type": "device",
                "label": label,
                "token_sha256": hash_secret(secret),
                "created": int(time.time()),
                "revoked": False,
            }
        )
        return device_id, f"{device_id}.{secret}"

    async def create_plan(self, device_id: str) -> str:
        """Create a plan database with ``device_id`` as its first member; return the plan id."""
        plan_id = random_id(self._random)
        await self.store.create_database(plan_database(plan_id))
        await self._put({"_id": f"plan:{plan_id}", "type": "plan", "created": int(time.time())})
        await self.add_member(plan_id, device_id, role="owner")
        return plan_id

    async def create_plan_with_device(self) -> NewPlan:
        """The operator's ``create-plan``: a new device and a new plan it belongs to."""
        device_id, token = await self.create_device(label="operator")
        plan_id = await self.create_plan(device_id)
        return NewPlan(plan_id=plan_id, device_id=device_id, token=token)

    async def add_member(self, plan_id: str, device_id: str, *, role: str) -> None:
        await self._put(
            {
                "_id": f"membership:{plan_id}:{device_id}",
                "type": "membership",
                "plan": plan_id,
                "device": device_id,
                "role": role,
            }
        )

    async def authenticate(self, authorization: str | None) -> Device:
        """The device a ``Bearer`` token belongs to; ``Unauthorized`` for anything else."""
        if not authorization:
            raise Unauthorized("Authentication required: send Authorization: Bearer <device token>.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Authentication required: send Authorization: Bearer <device token>.")
        device_id, _, secret = token.strip().partition(".")
        if not DEVICE_ID_PATTERN.match(device_id) or not secret:
            raise Unauthorized("The device token is not valid.")
        doc = await self._get(f"device:{device_id}")
        expected = doc.get("token_sha256") if doc else None
        if not isinstance(expected, str) or not hmac.compare_digest(expected, hash_secret(secret)):
            raise Unauthorized("The device token is not valid.")
        if doc and doc.get("revoked"):
            raise Unauthorized("This device has been removed.")
        return Device(id=device_id)

    async def authorise_plan(self, device: Device, plan_id: str) -> str:
        """The database of ``plan_id`` if ``device`` is a member; ``NotFound``/``Forbidden`` otherwise."""
        if not PLAN_ID_PATTERN.match(plan_id) or await self._get(f"plan:{plan_id}") is None:
            raise NotFound("Database does not exist.")
        membership = await self._get(f"membership:{plan_id}:{device.id}")
        if membership is None or membership.get("removed"):
            raise Forbidden("This device is not a member of this plan.")
        return plan_database(plan_id)
