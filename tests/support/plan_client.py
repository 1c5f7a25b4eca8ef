"""A Python device of one plan: an honest member as the app is one, and a hand-made client for attacks.

A :class:`PlanDevice` holds its own keys and token, a local replica of the plan (the embedded SQLite store
in a temporary directory) kept in step with the server by the CouchDB replicator, and opens every item
with ``alongside.crypto``. It knows the plan's devices and roles from the roster (docs/crypto.md §19),
accepts keys only from stewards (§9.5), and keeps the memory of §8.3 for every item in ``_local``
documents of its replica, with its own copy of each remembered envelope (the store keeps only the
bodies of leaf revisions, so a version that is rolled over would otherwise be gone).

After each :meth:`PlanDevice.sync` the device judges every item (``judge_versions``), shows what the
judgement says (:meth:`PlanDevice.items`), says what happened in plain words (:attr:`PlanDevice.events`),
puts back the newer version after a rollback when it has write access, writes admissions for devices
that joined with its invites, and notices a rotation nobody gave it the key of (§10.3).

What a member's token allows outside the app (replays, bare deletions, forged records) is in
:mod:`support.hand_made`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from alongside.crypto import (
    DeviceKeys,
    DevicePublicKeys,
    Keyring,
    PlanKey,
    grant_plan_key,
    new_document_id,
    open_grant,
    open_item,
    reseal_item,
    roster_document_id,
    seal_item,
)
from alongside.crypto.envelope import decrypt_item
from alongside.crypto.errors import CryptoError
from alongside.crypto.history import Judgement, Leaf, VersionMemory, judge_versions
from alongside.crypto.provenance import next_version
from alongside.sync.errors import NotFound
from alongside.sync.peers import HttpPeer, StorePeer
from alongside.sync.replicator import replicate
from alongside.sync.sqlite_store import SqliteStore
from alongside.sync.store import ChangesRequest, Json

from . import plan_keys
from .plan_bodies import Body, content_hash, edited_body, merged_fields, new_body, stamp_body, unverified_fields
from .plan_roles import (
    Admission,
    Agreements,
    Provenance,
    Role,
    RosterEntry,
    admission,
    agreement_record,
    may_delete,
    plan_roles,
    provenance,
    read_agreements,
    roster_entry,
)

DB = "plan"
ENVELOPE_MEMBERS = ("v", "kind", "kid", "nonce", "ct")
SAYS = {
    "rollback": "An older copy of this came back from the server or another device; we kept the newer one.",
    "replay": "An older copy of this came back from the server or another device; we kept the newer one.",
    "unsigned-removal": "This was removed without a signature. We kept it, and you can put it back.",
    "unchecked": "We could not check who wrote this.",
    "refused": "The server refused a change from this device.",
    "waiting-for-key": (
        "The plan's key was changed, but this device was not given the new one. "
        "Waiting for the person's or the worker's device."
    ),
    "key-replaced": (
        "The plan's key was changed in a way the other devices could not open; this device changed it again."
    ),
}


@dataclass(frozen=True)
class DeviceEvent:
    """Something the device tells its user: ``kind`` (a report of §8.3 and the like), about ``doc_id``."""

    kind: str
    doc_id: str | None
    detail: str = ""

    @property
    def text(self) -> str:
        return SAYS[self.kind] + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class CurrentItem:
    """What the device shows for one item: the version's body, author, ``n`` and hash, and what it reports."""

    doc_id: str
    body: Body
    author: str
    n: int
    vh: str
    rev: str  # the winning revision of the local replica (which may be a newer revision the device did not show)
    reports: tuple[str, ...]
    shown: str  # "winner" or "memory"
    checked: bool


@dataclass
class _Opened:
    """One leaf of a document after opening it."""

    rev: str
    doc: Json
    state: str
    deleted: bool
    author: str | None = None
    n: int | None = None
    vh: str | None = None
    body: Body | None = None

    @property
    def leaf(self) -> Leaf:
        return Leaf(self.rev, self.state, self.n, self.vh, self.deleted)  # type: ignore[arg-type]


def envelope_of(doc: Json) -> Json:
    """The envelope of a document: ``_id``, ``_deleted`` when true, and the envelope members (no revision)."""
    deleted = {"_deleted": True} if doc.get("_deleted") is True else {}
    return {"_id": doc["_id"], **deleted, **{name: doc[name] for name in ENVELOPE_MEMBERS}}


def is_bare_tombstone(doc: Json) -> bool:
    return doc.get("_deleted") is True and not any(name in doc for name in (*ENVELOPE_MEMBERS, "to", "epk"))


def is_removal(body: Body | None) -> bool:
    """A deletion someone made (a ``deleted`` stamp), not a leaf a merge retired (``superseded``)."""
    return body is not None and "deleted" in body and "superseded" not in body


@dataclass
class PlanDevice:
    """One device of one plan; ``async with`` opens and closes its local replica."""

    name: str
    keys: DeviceKeys
    token: str
    plan_id: str
    url: str  # the server, or a proxy standing in front of it
    workdir: Path
    me: Role
    keyring: Keyring
    label: str = "phone"
    devices: dict[str, DevicePublicKeys] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    roster: dict[str, RosterEntry] = field(default_factory=dict)
    admissions: dict[str, Admission] = field(default_factory=dict)
    events: list[DeviceEvent] = field(default_factory=list)
    invites: dict[str, tuple[bytes, str, str]] = field(default_factory=dict)  # invite id -> bind key, role, access
    key_problem: str | None = None
    shown: dict[str, CurrentItem] = field(default_factory=dict)
    seen: dict[str, dict[str, Json]] = field(default_factory=dict)  # doc id -> vh -> envelope, every version opened
    refusals: list[Json] = field(default_factory=list)
    _store: SqliteStore | None = None
    _http: httpx.AsyncClient | None = None
    _told: set[tuple[str, str, str]] = field(default_factory=set)

    # -- lifecycle ---------------------------------------------------------------------------------

    @property
    def device_id(self) -> str:
        return self.keys.device_id

    @property
    def store(self) -> SqliteStore:
        assert self._store is not None, "use the device inside `async with`"
        return self._store

    @property
    def http(self) -> httpx.AsyncClient:
        assert self._http is not None, "use the device inside `async with`"
        return self._http

    @property
    def steward(self) -> bool:
        return self.me.steward

    async def __aenter__(self) -> PlanDevice:
        self.devices.setdefault(self.device_id, self.keys.public)
        self.roles.setdefault(self.device_id, self.me)
        self._store = SqliteStore(self.workdir / self.device_id, synchronous="NORMAL")
        await self._store.open()
        await self._store.create_database(DB)
        auth = {"Authorization": f"Bearer {self.token}"}
        self._http = httpx.AsyncClient(base_url=self.url, headers=auth, timeout=60)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._http is not None:
            await self._http.aclose()
        if self._store is not None:
            await self._store.close()

    # -- syncing -----------------------------------------------------------------------------------

    def _peers(self) -> tuple[HttpPeer, StorePeer]:
        return HttpPeer(self.http, f"{self.url}/sync/{self.plan_id}/", retries=2), StorePeer(self.store, DB)

    async def pull(self) -> None:
        remote, local = self._peers()
        await replicate(remote, local)

    async def push(self) -> None:
        remote, local = self._peers()
        result = await replicate(local, remote)
        for error in result.errors:
            self.refusals.append(error)
            self.tell("refused", error.get("id"), str(error.get("reason", "")), str(error.get("reason", "")))

    async def sync(self) -> None:
        """Pull, read everything again (keys, roster, every item's version), write what is owed, push."""
        await self.pull()
        await self.refresh()
        await self.push()

    async def refresh(self) -> None:
        """Read the local replica again: keys and roster, then every item; write what is owed."""
        await self.load_trust()
        await self._judge_all()
        await plan_keys.reseal_own_roster_entry(self)
        await plan_keys.reseal_refused(self)
        if self.steward and self.me.access == "write":
            await plan_keys.admit_joiners(self)
        await plan_keys.check_key(self)

    def tell(self, kind: str, doc_id: str | None, detail: str = "", occasion: str = "") -> None:
        key = (kind, doc_id or "", occasion)
        if key not in self._told:
            self._told.add(key)
            self.events.append(DeviceEvent(kind, doc_id, detail))

    def events_about(self, doc_id: str) -> list[str]:
        """The kinds of event the device reported about one document, in order."""
        return [event.kind for event in self.events if event.doc_id == doc_id]

    # -- reading the local replica -----------------------------------------------------------------

    async def _rows(self) -> list[Json]:
        page = await self.store.changes(DB, ChangesRequest(since=0, all_leaves=True))
        rows: list[Json] = page["results"]
        return rows

    async def _leaves(self, doc_id: str) -> list[Json]:
        try:
            found = await self.store.get_open_revs(DB, doc_id, None, history=False, latest=False)
        except NotFound:
            return []
        return [entry["ok"] for entry in found if "ok" in entry]

    async def documents(self) -> list[tuple[Json, list[Json]]]:
        """Each document's changes row and all its leaves, winner first."""
        out = []
        for row in await self._rows():
            leaves = {doc["_rev"]: doc for doc in await self._leaves(row["id"])}
            out.append((row, [leaves[change["rev"]] for change in row["changes"] if change["rev"] in leaves]))
        return out

    # -- keys, roster and roles (a fixpoint: keys reveal roster entries, which reveal who may grant keys) ----

    async def load_trust(self) -> None:
        documents = await self.documents()
        while True:
            before = (set(self.keyring), set(self.devices), dict(self.roles))
            self._accept_keys(documents)
            self._read_roster(documents)
            if (set(self.keyring), set(self.devices), dict(self.roles)) == before:
                return

    def _accept_keys(self, documents: list[tuple[Json, list[Json]]]) -> None:
        for _, leaves in documents:
            for doc in leaves:
                if doc.get("kind") != "keyring" or doc.get("to") != self.device_id or doc["kid"] in self.keyring:
                    continue
                try:
                    grant = open_grant(doc, plan_id=self.plan_id, device=self.keys, trusted=self.devices)
                except CryptoError:
                    continue
                role = self.roles.get(grant.granter)
                if grant.granter == self.device_id or (role is not None and role.steward):
                    self.keyring = self.keyring.with_key(grant.key)

    def _read_roster(self, documents: list[tuple[Json, list[Json]]]) -> None:
        """Counting roster entries and admissions; what the device read before stays (a version it cannot open
        now, e.g. under a key it was not given, takes nothing away from it)."""
        admissions = self.admissions
        for row, leaves in documents:
            if not leaves or row.get("deleted") or leaves[0].get("kind") != "item":
                continue
            try:
                _, signed = decrypt_item(leaves[0], plan_id=self.plan_id, keyring=self.keyring, allow_retired=True)
            except CryptoError:
                continue
            kind = signed.body.get("type")
            if kind == "device" and row["id"] == roster_document_id(self.plan_id, signed.by):
                entry = roster_entry(signed.by, signed.body)
                if entry is not None and self._verifies(leaves[0], {signed.by: entry.keys}):
                    self.roster[entry.device_id] = entry
                    self.devices[entry.device_id] = entry.keys
            elif kind == "admission" and self._verifies(leaves[0], self.devices):
                record = admission(signed.by, signed.body)
                if record is not None:
                    admissions[row["id"]] = record
        self.roles = plan_roles(self.plan_id, self.roster, admissions.values(), self.device_id, self.me)

    def _verifies(self, doc: Json, devices: dict[str, DevicePublicKeys]) -> bool:
        try:
            opened = open_item(doc, plan_id=self.plan_id, keyring=self.keyring, devices=devices, allow_retired=True)
        except CryptoError:
            return False
        return not unverified_fields(opened.body, plan_id=self.plan_id, doc_id=opened.doc_id, devices=devices)

    # -- versions: the memory of §8.3 ----------------------------------------------------------------

    async def _shard(self, doc_id: str) -> Json:
        try:
            shard: Json = await self.store.get_local(DB, f"alongside-versions-{doc_id[0]}")
        except NotFound:
            return {"docs": {}}
        return shard

    async def remembered(self, doc_id: str) -> tuple[VersionMemory | None, Json | None]:
        """The memory of one document and the device's own copy of the remembered envelope."""
        entry = (await self._shard(doc_id))["docs"].get(doc_id)
        if entry is None:
            return None, None
        return VersionMemory.from_json(entry["memory"]), entry["envelope"]

    async def _remember(self, doc_id: str, memory: VersionMemory, envelope: Json) -> None:
        shard = await self._shard(doc_id)
        shard["docs"][doc_id] = {"memory": memory.to_json(), "envelope": envelope}
        await self.store.put_local(DB, f"alongside-versions-{doc_id[0]}", shard)

    def _open_leaf(self, doc: Json, remembered: Body | None) -> _Opened:
        rev, deleted = doc["_rev"], doc.get("_deleted") is True
        if is_bare_tombstone(doc):
            return _Opened(rev, doc, "unsigned-removal", True)
        failed = "unsigned-removal" if deleted else "unchecked"
        try:
            opened = open_item(doc, plan_id=self.plan_id, keyring=self.keyring, devices=self.devices)
        except CryptoError:
            return _Opened(rev, doc, failed, deleted)
        self.seen.setdefault(doc["_id"], {}).setdefault(opened.vh, envelope_of(doc))
        result = _Opened(rev, doc, "valid", deleted, opened.author, opened.n, opened.vh, opened.body)
        if deleted:
            item_type = opened.body.get("type")
            if not may_delete(opened.author, str(item_type), remembered, self.roles):
                result.state = failed
        elif unverified_fields(opened.body, plan_id=self.plan_id, doc_id=doc["_id"], devices=self.devices):
            result.state = failed
        return result

    def open_copy(self, envelope: Json) -> Any:
        """Open a version this device keeps a copy of (history mode: it may be under a retired key)."""
        return open_item(envelope, plan_id=self.plan_id, keyring=self.keyring, devices=self.devices, allow_retired=True)

    async def _judge_all(self) -> None:
        self.shown = {}
        for row, leaves in await self.documents():
            if leaves and leaves[0].get("kind") != "keyring" and not row["id"].startswith("_"):
                await self.judge(row["id"], leaves)

    async def judge(self, doc_id: str, leaves: list[Json]) -> Judgement:
        memory, copy = await self.remembered(doc_id)
        remembered_body: Body | None = None
        if copy is not None:
            try:
                remembered_body = self.open_copy(copy).body
            except CryptoError:
                remembered_body = None
        opened = [self._open_leaf(doc, remembered_body) for doc in leaves]
        winner = opened[0]
        if winner.deleted and winner.state == "valid" and not is_removal(winner.body):
            winner.state = "unsigned-removal"  # a retirement as the winner removes an item nobody removed (spec 7.5)
        judgement = judge_versions(memory, winner.leaf, [leaf.leaf for leaf in opened])
        if judgement.memory is not None and judgement.memory != memory:
            await self._remember(doc_id, judgement.memory, envelope_of(winner.doc))
        for report in judgement.reports:
            self.tell(report, doc_id, occasion=winner.rev)
        if judgement.current == "winner" and not winner.deleted:
            body, author = winner.body, winner.author
            if body is None:  # an unchecked winner with nothing remembered: shown, marked as not checked
                self.shown[doc_id] = CurrentItem(doc_id, {}, "", 0, "", winner.rev, judgement.reports, "winner", False)
            else:
                assert author is not None and winner.n is not None and winner.vh is not None
                checked = winner.state == "valid"
                self.shown[doc_id] = CurrentItem(
                    doc_id, body, author, winner.n, winner.vh, winner.rev, judgement.reports, "winner", checked
                )
        elif judgement.current == "memory" and copy is not None and memory is not None and not memory.deleted:
            kept = self.open_copy(copy)
            self.shown[doc_id] = CurrentItem(
                doc_id, kept.body, kept.author, kept.n, kept.vh, winner.rev, judgement.reports, "memory", True
            )
        if judgement.restore and self.me.access == "write" and copy is not None:
            await self.write_envelope(self.resealed(copy), parent=winner)
            return await self.judge(doc_id, await self.winner_first(doc_id))
        return judgement

    async def winner_first(self, doc_id: str) -> list[Json]:
        rows = {row["id"]: row for row in await self._rows()}
        if doc_id not in rows:
            return []
        leaves = {doc["_rev"]: doc for doc in await self._leaves(doc_id)}
        return [leaves[change["rev"]] for change in rows[doc_id]["changes"] if change["rev"] in leaves]

    def resealed(self, envelope: Json) -> Json:
        return reseal_item(
            envelope, plan_id=self.plan_id, keyring=self.keyring, devices=self.devices, key=self.keyring.current
        )

    async def write_envelope(self, doc: Json, *, parent: _Opened | Json | None) -> str:
        """Write a sealed document into the local replica on top of ``parent`` (a leaf), as a new revision."""
        doc = {k: v for k, v in doc.items() if k not in ("_rev", "_revisions")}
        if parent is not None:
            parent_doc = parent.doc if isinstance(parent, _Opened) else parent
            if parent_doc.get("_deleted") is not True or doc.get("_deleted") is True:
                doc["_rev"] = parent_doc["_rev"]
        [result] = await self.store.bulk_docs(DB, [doc])
        if "error" in result:
            raise RuntimeError(f"local write refused: {result}")
        rev: str = result["rev"]
        return rev

    # -- what the device shows -----------------------------------------------------------------------

    def items(self, item_type: str | None = None) -> dict[str, CurrentItem]:
        """The items the device shows now (after the last sync), by id; only one type if ``item_type``."""
        return {
            doc_id: item
            for doc_id, item in self.shown.items()
            if item_type is None or item.body.get("type") == item_type
        }

    def text_of(self, doc_id: str, name: str = "text") -> Any:
        """The value the device shows for one field of one item (``None`` when it shows no such item)."""
        item = self.shown.get(doc_id)
        return None if item is None or name not in item.body.get("f", {}) else item.body["f"][name]["v"]

    # -- honest writes -------------------------------------------------------------------------------

    async def _replaced(self, doc_id: str) -> tuple[list[_Opened], _Opened | None]:
        """The versions a new version of ``doc_id`` replaces (the one shown and every other live valid leaf
        that is not a replay), and the winning leaf it is written on."""
        leaves = await self.winner_first(doc_id)
        if not leaves:
            return [], None
        memory, copy = await self.remembered(doc_id)
        remembered_body = self.open_copy(copy).body if copy is not None else None
        opened = [self._open_leaf(doc, remembered_body) for doc in leaves]
        old = set(memory.old) if memory else set()
        live = [leaf for leaf in opened if leaf.state == "valid" and not leaf.deleted and leaf.vh not in old]
        shown = self.shown.get(doc_id)
        if shown is not None and shown.shown == "memory" and copy is not None:
            kept = self.open_copy(copy)
            live = [_Opened(opened[0].rev, copy, "valid", False, kept.author, kept.n, kept.vh, kept.body)]
        return live, opened[0]

    async def create(self, item_type: str, fields: dict[str, Any], *, doc_id: str | None = None) -> str:
        """Write the first version of a new item (``n`` 1)."""
        doc_id = doc_id or new_document_id()
        body = new_body(item_type, fields, plan_id=self.plan_id, doc_id=doc_id, author=self.keys)
        await self._seal_and_write(doc_id, body, parent=None, n=1, prev=())
        await self.judge(doc_id, await self.winner_first(doc_id))
        return doc_id

    async def update(self, doc_id: str, fields: dict[str, Any]) -> None:
        """A new version of an item with ``fields`` changed: on the winner, replacing every leaf it merges."""
        live, winner = await self._replaced(doc_id)
        if not live:
            raise LookupError(f"no version of {doc_id} to edit")
        merged = {**live[0].body, "f": merged_fields(leaf.body or {} for leaf in live)}  # type: ignore[dict-item]
        body = edited_body(merged, fields, plan_id=self.plan_id, doc_id=doc_id, author=self.keys)
        n, prev = next_version((leaf.n, leaf.vh) for leaf in live if leaf.n is not None and leaf.vh is not None)
        await self._seal_and_write(doc_id, body, parent=winner, n=n, prev=prev)
        for leaf in live:
            if winner is not None and leaf.rev != winner.rev and leaf.doc is not None and leaf.n is not None:
                stamp = stamp_body(str(body["type"]), "superseded", author=self.keys)
                await self._seal_and_write(
                    doc_id, stamp, parent=leaf, n=leaf.n + 1, prev=(leaf.vh or "",), deleted=True
                )
        await self.judge(doc_id, await self.winner_first(doc_id))

    async def delete(self, doc_id: str, *, check: bool = True, stamp: str = "deleted") -> None:
        """A signed deletion of the version shown (docs/crypto.md §7.5); only what this device may delete
        (``PermissionError`` otherwise, as the app offers no delete button), unless ``check`` is false."""
        live, winner = await self._replaced(doc_id)
        if not live:
            raise LookupError(f"no version of {doc_id} to delete")
        item_type = str(live[0].body["type"]) if live[0].body else None
        if check and (self.me.access != "write" or not may_delete(self.device_id, item_type, live[0].body, self.roles)):
            raise PermissionError("this device may not delete this item")
        n, prev = next_version((leaf.n, leaf.vh) for leaf in live if leaf.n is not None and leaf.vh is not None)
        body = stamp_body(str(live[0].body["type"] if live[0].body else ""), stamp, author=self.keys)
        await self._seal_and_write(doc_id, body, parent=winner, n=n, prev=prev, deleted=True)
        await self.judge(doc_id, await self.winner_first(doc_id))

    async def restore(self, doc_id: str) -> None:
        """Put back the remembered version after an unsigned removal: re-sealed, on top of the removal."""
        _, copy = await self.remembered(doc_id)
        if copy is None:
            raise LookupError(f"nothing remembered of {doc_id}")
        leaves = await self.winner_first(doc_id)
        await self.write_envelope(self.resealed(copy), parent=leaves[0] if leaves else None)
        await self.judge(doc_id, await self.winner_first(doc_id))

    async def _seal_and_write(
        self,
        doc_id: str,
        body: Body,
        *,
        parent: _Opened | None,
        n: int,
        prev: tuple[str, ...],
        deleted: bool = False,
    ) -> str:
        key = self.keyring.current
        doc = seal_item(
            body, plan_id=self.plan_id, doc_id=doc_id, key=key, author=self.keys, deleted=deleted, n=n, prev=prev
        )
        return await self.write_envelope(doc, parent=parent)

    async def write_roster_entry(self, extra: dict[str, Any]) -> None:
        """Write (or rewrite) this device's roster entry at its roster id (§19.1), with ``plan_salt`` or ``invite``."""
        doc_id = roster_document_id(self.plan_id, self.device_id)
        fields = {
            "device_id": self.device_id,
            "keys": self.keys.public.to_json(),
            "name": self.name,
            "label": self.label,
        }
        if await self.winner_first(doc_id):
            await self.update(doc_id, {**fields, **extra})
        else:
            await self.create("device", {**fields, **extra}, doc_id=doc_id)

    async def grant_to_self(self, key: PlanKey) -> None:
        """A keyring document giving ``key`` to this device itself (§9.5), so a restart can recover it."""
        await self.write_envelope(grant_plan_key(key, recipient=self.keys.public, granter=self.keys), parent=None)

    def agreements_for(self, item_id: str) -> Agreements:
        """Whose agreements with ``item_id`` this device reads (only versions whose statements it checked)."""
        item = self.shown[item_id]
        records = [
            record
            for doc_id, shown in self.items("agreement").items()
            if shown.checked
            and shown.body["f"].get("item", {}).get("v") == item_id
            and (record := agreement_record(doc_id, shown.body, item.body)) is not None
        ]
        return read_agreements(records, self.roles)

    def provenance_of(self, item_id: str) -> Provenance:
        """Said by, in whose words, changed by whom (docs/app.md "Items and provenance")."""
        return provenance(self.shown[item_id].body, self.roles, self.agreements_for(item_id).person)

    async def agree(self, item_id: str, value: str = "yes", *, note: str = "", party: str | None = None) -> str:
        """Record an agreement with the item's current words (docs/app.md "Agreements").

        ``party`` defaults to what this device may record: the worker's device records the person's
        (``"person"``), anyone else with write access their own (``"self"``). A device that may not
        record the person's agreement is refused (``PermissionError``), as in the app.
        """
        party = party or ("person" if self.me.role == "worker" else "self")
        if self.me.access != "write" or (party == "person" and self.me.role != "worker"):
            raise PermissionError("only the person's own devices, or the worker's, can record the person's agreement")
        return await self._write_agreement(item_id, value, note, party)

    async def _write_agreement(self, item_id: str, value: str, note: str, party: str) -> str:
        item = self.shown[item_id]
        fields = {"item": item_id, "content": content_hash(item.body), "value": value, "note": note, "for": party}
        for doc_id, record in self.items("agreement").items():
            mine = record.body["f"]["value"]["dev"] == self.device_id
            if mine and record.body["f"]["item"]["v"] == item_id and record.body["f"]["for"]["v"] == party:
                await self.update(doc_id, fields)
                return doc_id
        return await self.create("agreement", fields)

    # -- admissions, rotation, stuck rotations -----------------------------------------------------------

    async def recorded_keys(self) -> Json:
        """``GET /api/v1/plans/{plan}/keys``: the rotation the server has recorded."""
        return await plan_keys.recorded_keys(self)

    async def rotate(self, *, retire: list[str] | None = None, only_to_myself: bool = False) -> httpx.Response:
        """Rotate to a new key (§10.1); see :func:`support.plan_keys.rotate`."""
        return await plan_keys.rotate(self, retire=retire, only_to_myself=only_to_myself)
