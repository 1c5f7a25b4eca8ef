"""Who the directory's documents say a device is, and what it may do in a plan.

The records an authorised request carries (:class:`Device`, :class:`SyncAccess`, :class:`Membership`) and the
checks that decide them, on documents already read: a device token against a device's document, an account
that is still active, and a plan's membership and exclusion records. Reading the documents, and remembering
what was granted, is :class:`~.directory.Directory`'s part.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from alongside.sync.errors import Forbidden, NotFound, Unauthorized
from alongside.sync.store import Json

from .directory_ids import (
    ID_PATTERN,
    account_doc_id,
    device_doc_id,
    excluded_doc_id,
    keys_doc_id,
    last_part,
    membership_doc_id,
    plan_doc_id,
)

# A member invited by anyone but the person's own device waits for the person's yes (docs/crypto.md §11.6).
WAITING_FOR_YES = "This device is waiting for the person's yes before it can open this plan."
DECLINED = "The person said no: this device was not let into this plan."
AUTHENTICATION_REQUIRED = "Authentication required: send Authorization: Bearer <device token>."
TOKEN_NOT_VALID = "The device token is not valid."
DEVICE_REMOVED = "This device has been removed."


@dataclass(frozen=True, slots=True)
class Device:
    """An authenticated device and the account it belongs to."""

    id: str
    account: str
    kind: str
    org: str | None


@dataclass(frozen=True, slots=True)
class SyncAccess:
    """What an authorised ``/sync`` request may do: the device, its member's role and access in the plan,
    the key ids retired by recorded rotations, and the directory sequence the request read before deciding
    (or reusing) all this: what the roster rule reads the directory as of."""

    device: Device
    plan_id: str
    database: str
    role: str
    access: str
    retired_key_ids: frozenset[str]
    directory_seq: object


@dataclass(frozen=True, slots=True)
class Membership:
    """An account's live membership of a plan: its role there and whether it may write."""

    plan_id: str
    account: str
    role: str
    access: str


def documents_deciding(plan_id: str, account_id: str, device_id: str) -> dict[str, str]:
    """The directory documents besides the device's own that decide its ``/sync`` access to a plan, by name."""
    return {
        "account": account_doc_id(account_id),
        "plan": plan_doc_id(plan_id),
        "membership": membership_doc_id(plan_id, account_id),
        "excluded": excluded_doc_id(plan_id, device_id),
        "keys": keys_doc_id(plan_id),
    }


def decided_from(access: SyncAccess) -> list[str]:
    """The ids of every directory document ``access`` was decided from: a write to any of them, its creation
    included, forgets the remembered access."""
    device = access.device
    return [device_doc_id(device.id), *documents_deciding(access.plan_id, device.account, device.id).values()]


def hash_secret(secret: str) -> str:
    """The SHA-256 (hex) the directory keeps of a device token or a one-time code, never the secret itself."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def bearer_token(authorization: str | None) -> tuple[str, str]:
    """``(device id, secret)`` from an ``Authorization: Bearer <device id>.<secret>`` header; ``Unauthorized``
    when it is missing or not of that shape."""
    if not authorization:
        raise Unauthorized(AUTHENTICATION_REQUIRED)
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(AUTHENTICATION_REQUIRED)
    device_id, _, secret = token.strip().partition(".")
    if not ID_PATTERN.fullmatch(device_id) or not secret:
        raise Unauthorized(TOKEN_NOT_VALID)
    return device_id, secret


def token_matches(device: Json, hashed: str) -> bool:
    """Whether ``hashed`` (a token's SHA-256) is a token of ``device``: its token, or, while it has used none
    yet, one of the tokens given to it before (each compared in constant time)."""
    candidates = [device.get("token_sha256")]
    if device.get("token_confirmed") is False:
        candidates += list(device.get("earlier_tokens", []))
    found = False
    for expected in candidates:
        found |= isinstance(expected, str) and hmac.compare_digest(expected, hashed)
    return found


def device_of(doc: Json, account: Json | None) -> Device:
    """The :class:`Device` a device document and its account's document describe; ``Unauthorized`` when the
    account is gone or switched off."""
    if account is None or not account.get("active", False):
        raise Unauthorized(DEVICE_REMOVED)
    device_id = last_part(str(doc["_id"]))
    return Device(id=device_id, account=str(doc["account"]), kind=str(account["kind"]), org=account.get("org"))


def check_plan_access(plan_id: str, docs: dict[str, Json | None], *, write: bool) -> Json:
    """The plan (404), membership (403), exclusion (403) and write-access (403) checks on the ``plan``,
    ``membership`` and ``excluded`` documents read for one device; the membership document."""
    if not ID_PATTERN.fullmatch(plan_id) or docs["plan"] is None:
        raise NotFound("Database does not exist.")
    membership = docs["membership"]
    if membership is not None and membership.get("declined"):
        raise Forbidden(DECLINED)
    if membership is None or membership.get("removed"):
        raise Forbidden("This device is not a member of this plan.")
    if membership.get("status") == "pending":
        raise Forbidden(WAITING_FOR_YES)
    if docs["excluded"] is not None:
        raise Forbidden("This device was removed from this plan.")
    if write and membership.get("access") != "write":
        raise Forbidden("This device can read this plan but not change it.")
    return membership
