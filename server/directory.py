"""The directory: organisations, accounts, devices, plans, memberships, invites and an audit trail.

Everything is a document in the ``directory`` database of the document store, so the SQLite and
CouchDB backends hold it alike. Only metadata lives here, never plan content.

- An *account* is a worker or admin of an organisation, or a person or supporter who joined a plan.
- A *device* belongs to an account and authenticates with ``<device id>.<secret>``: 256 random bits
  of secret, of which the directory keeps only the SHA-256.
- A *membership* links an account to a plan with a role: ``owner`` (the person the plan is about),
  ``worker`` or ``supporter``, and an access level, ``write`` or ``read``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from alongside.sync.errors import Conflict, Forbidden, NotFound, PreconditionFailed, Unauthorized
from alongside.sync.store import AllDocsRequest, DocumentRequest, DocumentStore, Json

from .directory_access import (
    DEVICE_REMOVED,
    TOKEN_NOT_VALID,
    Device,
    Membership,
    SyncAccess,
    bearer_token,
    check_plan_access,
    decided_from,
    device_of,
    documents_deciding,
    hash_secret,
    token_matches,
)
from .directory_ids import (
    ID_PATTERN,
    ORG_PREFIX,
    RANGE_END,
    account_doc_id,
    audit_doc_id,
    device_doc_id,
    device_of_doc_id,
    draw_enrolment_code,
    enrolment_doc_id,
    excluded_doc_id,
    excluded_prefix,
    last_part,
    membership_doc_id,
    membership_prefix,
    org_doc_id,
    plan_doc_id,
    plan_of_doc_id,
)
from .directory_indexes import add_index_entries, devices_of_accounts, ensure_indexes, memberships_of_device
from .plan_devices import PlanDevices
from .settings import DEFAULT_ACCESS_RECHECK_MS
from .settlement import decides_access, wait_for_every_process
from .unchanged_since import UnchangedSince

DIRECTORY_DB = "directory"
PLAN_DB_PREFIX = "plan-"
ROLES = ("owner", "worker", "supporter")
ACCESS = ("write", "read")
ENROLMENT_LIFETIME = 7 * 24 * 3600
SEEN_RESOLUTION = 3600
SYNC_ACCESS_CACHE_SIZE = 20_000
# How long one directory read saying "nothing changed" vouches for every remembered /sync access in a process,
# and so how long a directory write that may take access away waits before it is done (see Directory.put).
DEFAULT_ACCESS_RECHECK_SECONDS = DEFAULT_ACCESS_RECHECK_MS / 1000
# Tokens a device was given before it first used one (answers lost on the way, docs/api.md §4 and §7): each
# stays good until the device uses one of them; the oldest are dropped beyond this many.
MAX_UNUSED_TOKENS = 8

Clock = Callable[[], float]


def random_id(random: Callable[[int], bytes] = os.urandom) -> str:
    """A 128-bit random id as 32 lower-case hex characters (the form docs/crypto.md gives plan ids)."""
    return random(16).hex()


def plan_database(plan_id: str) -> str:
    """The document-store database that holds a plan's envelopes."""
    return PLAN_DB_PREFIX + plan_id


@dataclass(frozen=True, slots=True)
class NewPlan:
    plan_id: str
    device_id: str
    token: str


class Directory:
    """The directory on top of any :class:`DocumentStore`."""

    def __init__(
        self,
        store: DocumentStore,
        *,
        random: Callable[[int], bytes] = os.urandom,
        clock: Clock = time.time,
        access_recheck: float = DEFAULT_ACCESS_RECHECK_SECONDS,
        monotonic: Clock = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self._random = random
        self._clock = clock
        self._access_recheck = access_recheck
        self._sleep = sleep
        # Granted /sync access by (hash of the Authorization header, plan, write), with the device's document:
        # see authorise_sync.
        self._sync_access: UnchangedSince[tuple[SyncAccess, Json]] = UnchangedSince(
            store, DIRECTORY_DB, SYNC_ACCESS_CACHE_SIZE, recheck_after=self._access_recheck, monotonic=monotonic
        )
        self.plan_devices = PlanDevices(store, DIRECTORY_DB)

    def now(self) -> int:
        return int(self._clock())

    def new_id(self) -> str:
        """A new random id (for an account drawn before it is written, see :meth:`claim`)."""
        return random_id(self._random)

    def new_secret(self, nbytes: int = 32) -> str:
        return base64.urlsafe_b64encode(self._random(nbytes)).decode("ascii").rstrip("=")

    # -- documents -------------------------------------------------------------------------------

    async def ensure(self) -> None:
        """Create the directory database if it does not exist yet, and build the indexes of one written
        before they existed (:func:`directory_indexes.ensure_indexes`)."""
        if not await self.store.database_exists(DIRECTORY_DB):
            try:
                await self.store.create_database(DIRECTORY_DB)
            except PreconditionFailed:
                pass
        await ensure_indexes(self.store, DIRECTORY_DB)

    async def get(self, doc_id: str) -> Json | None:
        try:
            return await self.store.get_document(DIRECTORY_DB, doc_id, DocumentRequest())
        except NotFound:
            return None

    async def put(self, doc: Json, *, settle: bool = True) -> Json:
        """Create or update a directory document (``_rev`` given for updates); ``Conflict`` on a race.

        A write that decides ``/sync`` access returns only once every process sharing the store has seen it
        (:func:`.settlement.wait_for_every_process`): an update or deletion of a device, account, plan,
        membership, exclusion or key record (a removal, a revoked device, a declined join, a rotation), and a
        new device, membership, exclusion or key record (a new device changes its plans' rosters,
        docs/crypto.md §14.3). Nothing else (a new
        account or plan, an invite, an enrolment code, an audit entry) decides what a process remembers.
        ``settle=False`` is for a write that changes nothing any process relies on (when a device was last
        seen; a device's first use of a token, which drops only tokens given to that same device).
        """
        [result] = await self.store.bulk_docs(DIRECTORY_DB, [doc])
        if "error" in result:
            raise Conflict(str(result.get("reason", "directory write failed")))
        if settle and decides_access(doc):
            await wait_for_every_process(self._access_recheck, self._sleep)
        return {**doc, "_rev": result["rev"]}

    async def update(self, doc_id: str, change: Callable[[Json], Json | None], *, settle: bool = True) -> Json:
        """Read-modify-write with retries on conflict; ``change`` returns the new body or ``None``
        (``settle``: as for :meth:`put`)."""
        for _ in range(10):
            current = await self.get(doc_id)
            if current is None:
                raise NotFound("missing")
            updated = change(dict(current))
            if updated is None:
                return current
            try:
                return await self.put(updated, settle=settle)
            except Conflict:
                continue
        raise Conflict("The directory is busy; try again.")

    async def by_prefix(self, prefix: str) -> list[Json]:
        """Every live directory document whose id starts with ``prefix``."""
        page = await self.store.all_docs(
            DIRECTORY_DB, AllDocsRequest(start_key=prefix, end_key=prefix + RANGE_END, include_docs=True)
        )
        return [row["doc"] for row in page["rows"] if row.get("doc")]

    async def audit(self, event: str, **fields: str | int | None) -> None:
        """Record metadata about what happened (never content)."""
        stamp = self.now()
        doc: dict[str, Any] = {"_id": audit_doc_id(stamp, random_id(self._random)), "type": "audit", "event": event}
        doc["at"] = stamp
        doc.update({k: v for k, v in fields.items() if v is not None})
        await self.put(doc)

    # -- accounts and devices --------------------------------------------------------------------

    async def create_account(
        self, kind: str, *, org: str | None = None, name: str | None = None, account_id: str | None = None
    ) -> str:
        """Create an account (``account_id``: one drawn earlier, see :meth:`claim`); ``Conflict`` if it exists."""
        account_id = account_id or random_id(self._random)
        doc: Json = {"_id": account_doc_id(account_id), "type": "account", "kind": kind, "active": True}
        doc["created"] = self.now()
        if org:
            doc["org"] = org
        if name:
            doc["name"] = name
        await self.put(doc)
        return account_id

    async def create_device(
        self,
        account: str,
        *,
        device_id: str | None = None,
        public_keys: Json | None = None,
        label: str = "",
        repeatable: bool = False,
    ) -> tuple[str, str]:
        """Register a device for ``account``; return ``(device_id, token)``. The token is never stored.

        ``repeatable``: the device enrols or joins over the network, and may not get the answer; until it
        first uses a token, :meth:`issue_another_token` can give it another one (``token_confirmed`` false).
        """
        device_id = device_id or random_id(self._random)
        if await self.get(device_doc_id(device_id)) is not None:
            raise Conflict("This device is already enrolled.")
        secret = self.new_secret()
        doc: Json = {
            "_id": device_doc_id(device_id),
            "type": "device",
            "account": account,
            "label": label,
            "token_sha256": hash_secret(secret),
            "created": self.now(),
            "revoked": False,
        }
        if repeatable:
            doc["token_confirmed"] = False
        if public_keys is not None:
            doc["public_keys"] = public_keys
        await add_index_entries(self.store, DIRECTORY_DB, [device_of_doc_id(account, device_id)])
        await self.put(doc)
        await self.audit("device.enrolled", device=device_id, account=account)
        return device_id, f"{device_id}.{secret}"

    @staticmethod
    def may_issue_another_token(device: Json, account: str) -> bool:
        """Whether ``device`` (its directory document) is a device of ``account`` that never used a token yet
        and was not switched off: the only device a repeated enrolment or redemption may give a new token."""
        return device.get("account") == account and not device.get("revoked") and device.get("token_confirmed") is False

    async def issue_another_token(self, device_id: str, *, account: str) -> str:
        """Another token for a device whose enrolment or redemption answer was lost (docs/api.md §4, §7).

        Only while the device has used none of its tokens (:meth:`may_issue_another_token`, else
        ``Conflict``): the tokens given so far stay good too, until the device first uses one of them; from
        then on that one is its token and the others are refused (:meth:`_confirm_token`). So a slow earlier
        attempt finishing after a repeat cannot take away the token the device holds, and someone who learns
        a used code later cannot take the device's place.
        """
        secret = self.new_secret()

        def add_token(doc: Json) -> Json:
            if not self.may_issue_another_token(doc, account):
                raise Conflict("This device is already enrolled.")
            earlier = [*doc.get("earlier_tokens", []), doc["token_sha256"]][-(MAX_UNUSED_TOKENS - 1) :]
            return {**doc, "token_sha256": hash_secret(secret), "earlier_tokens": earlier}

        await self.update(device_doc_id(device_id), add_token)
        await self.audit("device.token_issued_again", device=device_id, account=account)
        return f"{device_id}.{secret}"

    async def ensure_device(self, account: str, *, device_id: str, public_keys: Json, label: str) -> str:
        """The token of a device enrolling or joining: a new device, or, when this is a repeat (an earlier
        attempt created the device and its answer was lost), another token for it. ``Conflict`` when the
        device exists and may not be given another token."""
        if await self.get(device_doc_id(device_id)) is None:
            try:
                _, token = await self.create_device(
                    account, device_id=device_id, public_keys=public_keys, label=label, repeatable=True
                )
                return token
            except Conflict:  # a repeat of the same request created it at this moment
                pass
        return await self.issue_another_token(device_id, account=account)

    async def claim(self, doc_id: str, device_id: str, **fields: str) -> Json:
        """Mark a one-time enrolment code or invite used by ``device_id`` (with ``fields``); the claimed document.

        Claiming again for the same device changes nothing (the stored ``fields`` stand, so a repeat learns
        what the first attempt chose); another device gets ``Forbidden``.
        """

        def claim_for_device(doc: Json) -> Json | None:
            if doc.get("used"):
                if doc.get("used_by") != device_id:
                    raise Forbidden("This code or invite has already been used. Ask for a new one.")
                return None
            return {**doc, "used": True, "used_at": self.now(), "used_by": device_id, **fields}

        return await self.update(doc_id, claim_for_device)

    async def devices_of(self, account: str) -> list[Json]:
        """The device documents of ``account`` (revoked ones too): its index entries and their devices only."""
        return (await devices_of_accounts(self.store, DIRECTORY_DB, [account]))[account]

    async def devices_of_accounts(self, accounts: list[str]) -> dict[str, list[Json]]:
        """:meth:`devices_of` for several accounts (a plan's members) in one read of their devices."""
        return await devices_of_accounts(self.store, DIRECTORY_DB, accounts)

    async def revoke_device(self, device_id: str, *, by: str) -> None:
        def revoke(doc: Json) -> Json | None:
            if doc.get("revoked"):
                return None
            return {**doc, "revoked": True, "revoked_at": self.now()}

        await self.update(device_doc_id(device_id), revoke)
        await self.audit("device.revoked", device=device_id, by=by)

    async def _device_doc(self, authorization: str | None) -> Json:
        """The directory document of the device a ``Bearer`` token belongs to; ``Unauthorized`` otherwise."""
        device_id, secret = bearer_token(authorization)
        doc = await self.get(device_doc_id(device_id))
        hashed = hash_secret(secret)
        if doc is None or not token_matches(doc, hashed):
            raise Unauthorized(TOKEN_NOT_VALID)
        if doc.get("revoked"):
            raise Unauthorized(DEVICE_REMOVED)
        if doc.get("token_confirmed") is False:
            doc = await self._confirm_token(doc["_id"], hashed)
        return doc

    async def _confirm_token(self, doc_id: str, hashed: str) -> Json:
        """A device's first use of a token: from now on it is the device's only token (see
        :meth:`issue_another_token`); any other token it was given is refused."""

        def confirm(doc: Json) -> Json | None:
            if doc.get("token_confirmed") is not False:
                if token_matches(doc, hashed):
                    return None  # confirmed by a request at the same moment
                raise Unauthorized(TOKEN_NOT_VALID)
            if not token_matches(doc, hashed):
                raise Unauthorized(TOKEN_NOT_VALID)
            kept = {k: v for k, v in doc.items() if k != "earlier_tokens"}
            return {**kept, "token_sha256": hashed, "token_confirmed": True}

        return await self.update(doc_id, confirm, settle=False)

    async def authenticate(self, authorization: str | None) -> Device:
        """The device a ``Bearer`` token belongs to; ``Unauthorized`` for anything else."""
        doc = await self._device_doc(authorization)
        return device_of(doc, await self.get(account_doc_id(str(doc["account"]))))

    async def authorise_sync(
        self, authorization: str | None, plan_id: str, *, write: bool, fresh: bool = False
    ) -> SyncAccess:
        """Authenticate and authorise one ``/sync`` request.

        Checks, in order: the token (401), the account (401), the plan (404), membership (403), the
        device's exclusion from this plan (403), write access (403). Also notes when the device was last
        seen (at most hourly) and returns the member's role and access and the key ids retired by
        recorded rotations. ``/sync`` writes authorise with ``write=False``: what a read-only member may
        still write (docs/crypto.md §14.3) is decided per document by :mod:`sync_rules`.

        A granted access is remembered (:class:`~.unchanged_since.UnchangedSince`) with the ids of the documents
        it was decided from (the device, its account, the plan, the membership, the device's exclusion from the
        plan and the plan's key record, whether they exist or not), and reused while a read of the directory
        sent at most ``access_recheck`` seconds ago finds none of them changed. A write to one of them (a
        removal, a revoked device, an exclusion, a rotation), by this process or another one sharing the store,
        forgets it, and one that may take access away is answered only ``access_recheck`` seconds after it is
        written (:meth:`put`), so a removed device is refused on its very next request after that, whichever
        process serves it. Other directory writes (another device's "last seen", an invite, an audit entry)
        forget nothing. Refusals are never remembered. ``fresh``: ask the directory
        now whatever vouched for it before (a longpoll woken by a directory change, or just registered).
        """
        seq = await self._sync_access.seq(fresh=fresh)
        key = (hash_secret(authorization or ""), plan_id, write)
        cached = self._sync_access.get(key)
        if cached is not None:
            access, doc = cached
            seen = await self._note_seen(doc)
            if seen is not doc:  # remember the device's document as now stored (with its new _rev)
                self._sync_access.put(key, seq, (access, seen), decided_from(access))
            # The sequence this request read (what the roster rule reads the directory as of), not the older one
            # the access was decided at.
            return replace(access, directory_seq=seq)
        access, doc = await self._authorise_sync_uncached(authorization, plan_id, seq, write=write)
        self._sync_access.put(key, seq, (access, doc), decided_from(access))
        return access

    async def _authorise_sync_uncached(
        self, authorization: str | None, plan_id: str, seq: object, *, write: bool
    ) -> tuple[SyncAccess, Json]:
        """:meth:`authorise_sync` in two directory reads (the device's document, then the others deciding its
        access, :func:`.directory_access.documents_deciding`); the access and the device's document."""
        doc = await self._device_doc(authorization)
        account_id = str(doc["account"])
        device_id = last_part(str(doc["_id"]))
        wanted = documents_deciding(plan_id, account_id, device_id)
        docs = await self._get_many(wanted)
        device = device_of(doc, docs["account"])
        membership = check_plan_access(plan_id, docs, write=write)
        doc = await self._note_seen(doc)
        retired = frozenset(docs["keys"].get("retired", [])) if docs["keys"] else frozenset()
        access = SyncAccess(
            device=device,
            plan_id=plan_id,
            database=plan_database(plan_id),
            role=str(membership["role"]),
            access=str(membership["access"]),
            retired_key_ids=retired,
            directory_seq=seq,
        )
        return access, doc

    # -- plans and memberships -------------------------------------------------------------------

    async def create_plan(
        self, creator: Device | None, *, owner_account: str | None = None, plan_id: str | None = None
    ) -> str:
        """Create a plan database and its memberships; return the plan id.

        With a worker ``creator``, the worker joins as ``worker`` and a new person account (or
        ``owner_account``) becomes the ``owner``; without one (the operator command), the owner
        account must be given. ``plan_id`` is the id a device drew itself (a plan started offline);
        by default the directory draws one. ``Conflict`` when a plan with that id is already recorded.
        """
        plan_id = plan_id or random_id(self._random)
        try:
            await self.store.create_database(plan_database(plan_id))
        except PreconditionFailed:
            # An earlier attempt with this id stopped after creating the database: carry on.
            if await self.get(plan_doc_id(plan_id)) is not None:
                raise Conflict("A plan with this id already exists.") from None
        owner = owner_account or await self.create_account("person")
        plan: Json = {"_id": plan_doc_id(plan_id), "type": "plan", "owner": owner, "created": self.now()}
        if creator is not None:
            plan["created_by"] = creator.account
            plan["created_by_device"] = creator.id
            if creator.org:
                plan["org"] = creator.org
        await self.put(plan)
        # A new plan's first members wait for nobody (put): no process remembers anything of a plan that did
        # not exist, and no device has written a roster entry in it yet.
        await self.add_member(plan_id, owner, role="owner", access="write", settle=False)
        if creator is not None and creator.account != owner:
            await self.add_member(plan_id, creator.account, role="worker", access="write", settle=False)
        await self.audit("plan.created", plan=plan_id, by=creator.account if creator else None)
        return plan_id

    async def create_plan_with_device(self) -> NewPlan:
        """The operator's ``create-plan``: a person account with one device, owning a new plan."""
        account = await self.create_account("person")
        device_id, token = await self.create_device(account, label="operator")
        plan_id = await self.create_plan(None, owner_account=account)
        return NewPlan(plan_id=plan_id, device_id=device_id, token=token)

    async def add_member(
        self, plan_id: str, account: str, *, role: str, access: str, extra: Json | None = None, settle: bool = True
    ) -> None:
        """Make ``account`` a member of ``plan_id``: its ``plan-of`` index entry first, then the membership
        (with ``extra`` fields, e.g. a pending member's join request, in the same document). ``settle=False``:
        the membership waits for nobody (:meth:`put`)."""
        if role not in ROLES or access not in ACCESS:
            raise ValueError("unknown role or access")
        await add_index_entries(self.store, DIRECTORY_DB, [plan_of_doc_id(account, plan_id)])
        await self.put(
            {
                "_id": membership_doc_id(plan_id, account),
                "type": "membership",
                "plan": plan_id,
                "account": account,
                "role": role,
                "access": access,
                "joined": self.now(),
                **(extra or {}),
            },
            settle=settle,
        )
        await self.audit("member.joined", plan=plan_id, account=account, role=role)

    async def plan(self, plan_id: str) -> Json:
        doc = await self.get(plan_doc_id(plan_id)) if ID_PATTERN.fullmatch(plan_id) else None
        if doc is None:
            raise NotFound("Database does not exist.")
        return doc

    async def membership(self, plan_id: str, account: str) -> Membership | None:
        doc = await self.get(membership_doc_id(plan_id, account))
        if doc is None or doc.get("removed"):
            return None
        return Membership(plan_id=plan_id, account=account, role=str(doc["role"]), access=str(doc["access"]))

    async def members(self, plan_id: str) -> list[Json]:
        """The live memberships of a plan: one key range."""
        return [m for m in await self.by_prefix(membership_prefix(plan_id)) if not m.get("removed")]

    async def memberships_of_device(self, device: Device) -> list[Json]:
        """The live memberships of ``device``'s account in plans the device is not excluded from: its
        ``plan-of`` index entries and the documents they name only, whatever the size of the directory."""
        return await memberships_of_device(self.store, DIRECTORY_DB, device.account, device.id)

    async def excluded_devices(self, plan_id: str) -> set[str]:
        """The ids of the devices no longer served ``plan_id``: one key range."""
        return {last_part(str(doc["_id"])) for doc in await self.by_prefix(excluded_prefix(plan_id))}

    async def remove_member(self, plan_id: str, account: str, *, by: str) -> None:
        def remove(doc: Json) -> Json | None:
            if doc.get("removed"):
                return None
            return {**doc, "removed": True, "removed_at": self.now(), "removed_by": by}

        await self.update(membership_doc_id(plan_id, account), remove)
        await self.audit("member.removed", plan=plan_id, account=account, by=by)

    async def authorise_plan(self, device: Device, plan_id: str, *, write: bool = False) -> Membership:
        """``device``'s membership of ``plan_id`` (in one read), with the checks :meth:`authorise_sync` makes."""
        docs = await self._get_many(
            {
                "plan": plan_doc_id(plan_id),
                "membership": membership_doc_id(plan_id, device.account),
                "excluded": excluded_doc_id(plan_id, device.id),
            }
        )
        found = check_plan_access(plan_id, docs, write=write)
        return Membership(plan_id=plan_id, account=device.account, role=str(found["role"]), access=str(found["access"]))

    async def _get_many(self, wanted: dict[str, str]) -> dict[str, Json | None]:
        """Directory documents by name in one read: ``{name: doc or None}`` for ``{name: doc id}``."""
        page = await self.store.all_docs(DIRECTORY_DB, AllDocsRequest(keys=list(wanted.values()), include_docs=True))
        found = {row["key"]: row.get("doc") for row in page["rows"]}
        return {name: found.get(doc_id) for name, doc_id in wanted.items()}

    async def _note_seen(self, doc: Json) -> Json:
        """Note when a device last synced, to the hour (``SEEN_RESOLUTION``): metadata only, written once an hour.
        The device's document as now stored (``doc`` itself when nothing was written)."""
        hour = self.now() // SEEN_RESOLUTION * SEEN_RESOLUTION
        if int(doc.get("last_seen", 0)) >= hour:
            return doc
        try:
            stored = await self.put({**doc, "last_seen": hour}, settle=False)
        except Conflict:
            return doc
        await self.audit("device.synced", device=last_part(str(doc["_id"])))
        return stored

    async def exclude_device(self, plan_id: str, device_id: str, *, by: str) -> None:
        """Stop serving one plan to one device (the account's other devices keep access)."""
        if await self.get(excluded_doc_id(plan_id, device_id)) is None:
            await self.put({"_id": excluded_doc_id(plan_id, device_id), "type": "exclusion", "at": self.now()})
        await self.audit("device.excluded", plan=plan_id, device=device_id, by=by)

    # -- organisations and enrolment -------------------------------------------------------------

    async def create_org(self, name: str) -> str:
        org_id = random_id(self._random)
        await self.put({"_id": org_doc_id(org_id), "type": "org", "name": name, "created": self.now()})
        await self.audit("org.created", org=org_id)
        return org_id

    async def create_enrolment(self, account: str, *, lifetime: int = ENROLMENT_LIFETIME) -> str:
        """A one-time enrolment code for ``account`` (shown once; only its hash is kept)."""
        code = draw_enrolment_code(self._random)
        await self.put(
            {
                "_id": enrolment_doc_id(code),
                "type": "enrolment",
                "account": account,
                "expires_at": self.now() + lifetime,
                "used": False,
            }
        )
        return code

    async def orgs(self) -> list[Json]:
        """Every organisation's document (there are few: the operator adds them)."""
        return await self.by_prefix(ORG_PREFIX)
