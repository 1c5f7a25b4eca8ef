"""The server's write rules for ``/sync`` (docs/crypto.md §14.3): what may be written, by whom, over what.

They run for every document written through ``_bulk_docs`` (both ``new_edits`` modes), a single ``PUT``
and ``DELETE``, after the shape check (§14.1) and before anything is stored. A refused document gets
CouchDB's ``{"error": "forbidden", "reason": …}`` and nothing of it is written; the other documents of a
batch are written as usual. None of the rules needs a key:

1. a bare tombstone (``{"_id", "_rev", "_deleted": true}``, what ``DELETE ?rev=`` writes) is refused:
   deletions are signed deletion envelopes (§7.5); and a keyring document is never deleted;
2. keyring documents are written once: never at an id that holds a document, never as a revision other
   than generation 1, and nothing is written over (or beside) an id that holds one;
3. a supporter's device writes keyring documents only for itself (``to`` = its own device id);
4. nobody writes at the roster id (§4.2) of another device of the plan, except a steward's device moving an
   existing entry to a new key (a rotation re-seals it: it stays signed by its own device, which is what
   makes it count) — never creating, deleting or branching it;
5. a read-only member writes only its own roster entry (not deleted) and keyring documents for itself;
6. nothing is written under a key id retired by a recorded rotation (§10.2).

A keyring document replicated again at the very revision stored (``new_edits: false``, the same
``_rev``; a first revision has no history to add) changes nothing and is accepted: a replication repeat
must still succeed.

What the server cannot check (who signed an item, whether a version is newer, who may delete what) the
devices check (§8.3, §19).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from alongside.crypto import roster_document_id
from alongside.crypto.wire import DocumentKind, kind_of_checked_document
from alongside.sync.errors import Forbidden
from alongside.sync.store import AllDocsRequest, DocumentStore, Json

from .directory import Directory
from .directory_access import SyncAccess

STEWARDS = ("owner", "worker")

UNSIGNED_DELETION = "Deletions must be signed: write a deletion envelope."
KEYRING_NEVER_DELETED = "Keyring documents are never deleted."
KEYRING_TAKEN = "Keyring documents are written once, at a new document id: this one is already in use."
KEYRING_CHANGED = "Keyring documents are written once and never changed: only a first revision is accepted."
OVER_KEYRING = (
    "This document id holds a keyring document: keyring documents are written once, never changed or replaced."
)
SUPPORTERS_KEY = "A supporter's device may only add the plan's key for itself."
OTHERS_ROSTER = (
    "Only the device itself may write its entry in the plan's list of devices (the person's and the worker's "
    "devices may only move an existing entry to a new key)."
)
ROSTER_ID = "This document id is kept for a device's entry in the plan's list of devices."
READ_ONLY = (
    "This device can read this plan but not change it: it may only write its own entry in the plan's "
    "list of devices and keep the plan's key for itself."
)
RETIRED_KEY = (
    "This was locked with a key the plan no longer uses (someone was removed). "
    "Open the plan again on this device to save it with the current key."
)


@dataclass(frozen=True, slots=True)
class Writer:
    """The device writing, as the directory knows it, and the roster ids of the plan's devices."""

    device_id: str
    role: str
    access: str
    roster_id: str
    plan_roster_ids: Mapping[str, str]  # roster id -> device id, for every device of the plan
    retired_key_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class Held:
    """What a document id holds: its winning revision (``None`` when not known yet) and that revision's kind.

    A deleted winner counts as a ``"tombstone"`` here, whether or not it was a signed deletion.
    """

    rev: str | None
    kind: DocumentKind


def revision_path(doc: Json) -> list[str]:
    """The revisions a replicated document names: its ``_rev`` and, from ``_revisions``, its ancestors."""
    revisions = doc.get("_revisions")
    if (
        isinstance(revisions, dict)
        and isinstance(revisions.get("start"), int)
        and isinstance(revisions.get("ids"), list)
    ):
        start = revisions["start"]
        return [f"{start - index}-{rev_hash}" for index, rev_hash in enumerate(revisions["ids"])]
    rev = doc.get("_rev")
    return [rev] if isinstance(rev, str) else []


async def held_documents(store: DocumentStore, database: str, doc_ids: list[str]) -> dict[str, Held]:
    """What each of ``doc_ids`` holds now, in one store read; ids that hold nothing are left out."""
    if not doc_ids:
        return {}
    page = await store.all_docs(database, AllDocsRequest(keys=list(dict.fromkeys(doc_ids)), include_docs=True))
    held: dict[str, Held] = {}
    for row in page["rows"]:
        value = row.get("value")
        if "error" in row or not isinstance(value, dict):
            continue
        rev = value.get("rev")
        kind: DocumentKind = "tombstone" if value.get("deleted") else kind_of_checked_document(row.get("doc") or {})
        held[str(row["id"])] = Held(rev if isinstance(rev, str) else None, kind)
    return held


class WriteRules:
    """The rules for one batch: :meth:`check` each document in order; a refusal raises ``Forbidden``.

    What a document accepted earlier in the batch writes counts for the later ones, so two documents of
    one batch cannot together do what neither could do alone (an item beside a new keyring document).
    """

    def __init__(self, writer: Writer, held: dict[str, Held], *, new_edits: bool) -> None:
        self.writer = writer
        self.new_edits = new_edits
        self._held = dict(held)

    def check(self, doc: Json) -> None:
        """Raise ``Forbidden`` with a plain reason if ``doc`` (shape-checked) may not be written."""
        kind = kind_of_checked_document(doc)
        reason = self._refusal(doc, kind)
        if reason is not None:
            raise Forbidden(reason)
        doc_id = str(doc["_id"])
        if doc_id not in self._held:
            written: DocumentKind = "tombstone" if doc.get("_deleted") is True else kind
            self._held[doc_id] = Held(None if self.new_edits else doc.get("_rev"), written)

    def _refusal(self, doc: Json, kind: DocumentKind) -> str | None:
        writer, doc_id = self.writer, str(doc["_id"])
        held = self._held.get(doc_id)
        if writer.access != "write" and not self._read_only_may_write(doc, kind):
            return READ_ONLY
        if kind == "tombstone":
            return KEYRING_NEVER_DELETED if held is not None and held.kind == "keyring" else UNSIGNED_DELETION
        if kind == "keyring":
            return self._keyring_refusal(doc, held)
        if doc.get("kid") in writer.retired_key_ids:
            return RETIRED_KEY
        if held is not None and held.kind == "keyring":
            return OVER_KEYRING
        owner = writer.plan_roster_ids.get(doc_id)
        if owner is not None and owner != writer.device_id and not self._steward_moves_entry(doc, held):
            return OTHERS_ROSTER
        return None

    def _steward_moves_entry(self, doc: Json, held: Held | None) -> bool:
        """A steward writes a new revision of another device's existing roster entry, on top of it."""
        if self.writer.role not in STEWARDS or self.writer.access != "write":
            return False
        if held is None or held.kind != "item" or held.rev is None or doc.get("_deleted") is True:
            return False
        if self.new_edits:
            return doc.get("_rev") == held.rev
        return held.rev in revision_path(doc)

    def _read_only_may_write(self, doc: Json, kind: DocumentKind) -> bool:
        if kind == "item":
            return doc["_id"] == self.writer.roster_id and doc.get("_deleted") is not True
        return kind == "keyring" and doc.get("to") == self.writer.device_id

    def _keyring_refusal(self, doc: Json, held: Held | None) -> str | None:
        writer, doc_id = self.writer, str(doc["_id"])
        if held is not None and held.kind == "keyring" and held.rev is not None and not self.new_edits:
            if doc.get("_rev") == held.rev:
                return None  # the very revision already stored, replicated again: it writes nothing
        if doc.get("kid") in writer.retired_key_ids:
            return RETIRED_KEY
        if writer.role not in STEWARDS and doc.get("to") != writer.device_id:
            return SUPPORTERS_KEY
        if held is not None:
            return OVER_KEYRING if held.kind == "keyring" else KEYRING_TAKEN
        if self._generation(doc) != 1:
            return KEYRING_CHANGED
        if doc_id in writer.plan_roster_ids or doc_id == writer.roster_id:
            return ROSTER_ID
        return None

    def _generation(self, doc: Json) -> int | None:
        """The generation of the revision ``doc`` would be stored as (``None``: the store refuses it anyway)."""
        rev = doc.get("_rev")
        if self.new_edits:
            return 1 if rev is None else None  # a revision on top of another is never the first
        return int(rev.split("-", 1)[0]) if isinstance(rev, str) else None


async def write_rules(
    store: DocumentStore, directory: Directory, access: SyncAccess, docs: list[Json], *, new_edits: bool
) -> WriteRules:
    """The rules for ``docs`` written by ``access``'s device: two reads, the plan's devices (cached against
    the directory's ``update_seq``) and what the documents' ids hold now (one store read for the batch)."""
    roster_ids = await directory.plan_devices.roster_ids(access.plan_id, access.directory_seq)
    writer = Writer(
        device_id=access.device.id,
        role=access.role,
        access=access.access,
        roster_id=roster_document_id(access.plan_id, access.device.id),
        plan_roster_ids=roster_ids,
        retired_key_ids=access.retired_key_ids,
    )
    held = await held_documents(store, access.database, [str(doc["_id"]) for doc in docs])
    return WriteRules(writer, held, new_edits=new_edits)
