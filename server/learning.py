"""Learning facts (docs/crypto.md §24, docs/security.md "Learning without control"): what the server keeps.

The ``learning`` database of the document store holds, for each organisation that set learning up, its learning
key document (``learning-key:<org>``: the public key, the admin device's signature, the grants that wrap the
private key for admin devices; the server never sees the private key in clear), and one document per fact set,
``facts:<set>`` = ``{"sealed", "proof_sha256"}``, nothing else: no time, no device, no account, no address. ``set``
is 16 random bytes a device drew when the person said yes; the server cannot tie it to a plan. Whoever knows the
set's ``proof`` (a device holding the plan) replaces or withdraws it; a withdrawn set's document is deleted, so its
content leaves the store (a tombstone keeps the id only).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from alongside.crypto.encoding import b64u_decode
from alongside.sync.errors import Conflict, NotFound, PreconditionFailed
from alongside.sync.store import AllDocsRequest, DocumentRequest, DocumentStore, Json

from .directory_ids import RANGE_END
from .errors import ApiError

LEARNING_DB = "learning"
KEY_PREFIX = "learning-key:"
FACTS_PREFIX = "facts:"
SET_ID = r"[0-9a-f]{32}"
SET_PATTERN = re.compile(SET_ID)
MAX_FACTS_BODY = 32 * 1024
"""The largest body of a fact set's ``PUT`` (a sealed set of 50 long non-ASCII tags pads to 16 KiB)."""
_WRITE_ATTEMPTS = 5


class TooManySets(ApiError):
    """The learning database holds as many fact sets as the settings allow (``ALONGSIDE_LEARNING_MAX_SETS``)."""

    status = 507
    error = "too_many"


class SetWithdrawn(ApiError):
    """The fact set was withdrawn: its id is never stored again (a yes after a stop draws a new set)."""

    status = 410
    error = "gone"


def proof_sha256(proof: str) -> str:
    """``hex(SHA-256(proof bytes))``: all the server keeps of a fact set's proof (32 bytes, base64url)."""
    return hashlib.sha256(b64u_decode(proof, 32, "proof")).hexdigest()


def facts_doc_id(set_id: str) -> str:
    return FACTS_PREFIX + set_id


def key_doc_id(org: str) -> str:
    return KEY_PREFIX + org


def merged_grants(stored: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The grants of a key document published again: the stored ones, a new grant replacing one to the same
    device, in device-id order. A grant is never removed (no rotation yet: removing it would not take back a key
    the device has opened)."""
    by_device = {grant["to"]: grant for grant in stored}
    by_device.update({grant["to"]: grant for grant in new})
    return [by_device[to] for to in sorted(by_device)]


class Learning:
    """The learning key documents and the sealed fact sets, on top of any :class:`DocumentStore`."""

    def __init__(self, store: DocumentStore) -> None:
        self.store = store

    async def ensure(self) -> None:
        """Create the ``learning`` database if it does not exist yet."""
        if not await self.store.database_exists(LEARNING_DB):
            try:
                await self.store.create_database(LEARNING_DB)
            except PreconditionFailed:
                pass

    async def _get(self, doc_id: str) -> Json | None:
        try:
            return await self.store.get_document(LEARNING_DB, doc_id, DocumentRequest())
        except NotFound:
            return None

    async def _range(self, prefix: str) -> list[Json]:
        request = AllDocsRequest(start_key=prefix, end_key=prefix + RANGE_END, include_docs=True)
        page = await self.store.all_docs(LEARNING_DB, request)
        return [row["doc"] for row in page["rows"] if row.get("doc")]

    # -- the learning key ------------------------------------------------------------------------------

    async def key_document(self, org: str) -> dict[str, Any] | None:
        """``org``'s learning key document as published (without ``admins``), or None."""
        doc = await self._get(key_doc_id(org))
        return dict(doc["key"]) if doc else None

    async def current_kids(self) -> set[str]:
        """The learning key ids of every organisation (a fact set must be sealed to one of them)."""
        return {str(doc["key"]["kid"]) for doc in await self._range(KEY_PREFIX)}

    async def put_key(self, org: str, document: dict[str, Any]) -> dict[str, Any]:
        """Keep ``document`` (checked by the caller) as ``org``'s key document, its grants merged with the stored
        ones (:func:`merged_grants`); ``Conflict`` if ``org`` already has a key with another ``kid``."""
        for _ in range(_WRITE_ATTEMPTS):
            stored = await self._get(key_doc_id(org))
            key = dict(document)
            if stored is not None:
                if stored["key"]["kid"] != key["kid"]:
                    raise Conflict(
                        "This organisation's learning key is set up already, with another key id; a key is not "
                        "replaced (there is no rotation of the learning key yet)."
                    )
                key["grants"] = merged_grants(stored["key"]["grants"], key["grants"])
            doc: Json = {"_id": key_doc_id(org), "key": key}
            if stored is not None:
                doc["_rev"] = stored["_rev"]
            [result] = await self.store.bulk_docs(LEARNING_DB, [doc])
            if "error" not in result:
                return key
        raise Conflict("The learning key is being published by another device meanwhile; try again.")

    # -- fact sets --------------------------------------------------------------------------------------

    async def stored_set(self, set_id: str) -> tuple[Json | None, bool]:
        """The set's document, or ``None``; and whether it was withdrawn (deleted: its tombstone keeps the id,
        nothing else). One read."""
        try:
            return await self.store.get_document(LEARNING_DB, facts_doc_id(set_id), DocumentRequest()), False
        except NotFound as exc:
            return None, exc.reason == "deleted"

    @staticmethod
    def proof_matches(stored: Json, proof: str) -> bool:
        return hmac.compare_digest(str(stored.get("proof_sha256", "")), proof_sha256(proof))

    async def count_sets(self) -> int:
        """How many documents the learning database holds (its fact sets, and one key per organisation)."""
        info = await self.store.database_info(LEARNING_DB)
        return int(info["doc_count"])

    async def put_set(self, set_id: str, sealed: dict[str, Any], proof: str, stored: Json | None) -> None:
        """Store (``stored`` None) or replace one fact set: ``{"sealed", "proof_sha256"}`` and nothing else."""
        doc: Json = {"_id": facts_doc_id(set_id), "sealed": sealed, "proof_sha256": proof_sha256(proof)}
        if stored is not None:
            doc["_rev"] = stored["_rev"]
        [result] = await self.store.bulk_docs(LEARNING_DB, [doc])
        if "error" in result:
            raise Conflict("This fact set was changed by another request meanwhile; try again.")

    async def delete_set(self, stored: Json) -> None:
        """Delete a fact set's document: its content leaves the store (the tombstone keeps the id only)."""
        [result] = await self.store.bulk_docs(
            LEARNING_DB, [{"_id": stored["_id"], "_rev": stored["_rev"], "_deleted": True}]
        )
        if "error" in result:
            raise Conflict("This fact set was changed by another request meanwhile; try again.")

    async def sets(self, kid: str) -> list[dict[str, Any]]:
        """The sealed sets under ``kid``, sorted by ``ct`` (no ids, no proof hashes, no order of arrival)."""
        sealed = [doc["sealed"] for doc in await self._range(FACTS_PREFIX) if doc["sealed"].get("kid") == kid]
        return sorted(sealed, key=lambda value: (str(value["kid"]), str(value["ct"])))
