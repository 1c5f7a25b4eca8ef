"""Item envelopes (spec §7): seal a signed item under the plan key, open and verify it.

Envelopes of version 2 are written; version-1 envelopes (spec §20) still open, with ``n`` 0 and no
``prev``, and are re-sealed as version 1.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag

from .encoding import (
    JSONValue,
    b64u_decode,
    b64u_encode,
    canonical_json,
    check_hex_id,
    check_plan_id,
    parse_canonical_json,
)
from .errors import DecryptionError, FormatError
from .keys import DeviceKeys, DevicePublicKeys, Keyring, PlanKey, Random, draw
from .padding import MAX_PADDED, pad, unpad
from .primitives import NONCE_BYTES
from .provenance import SignedItem, sign_item, verify_item, version_hash
from .wire import check_wire_document


@dataclass(frozen=True, slots=True)
class ItemEnvelope:
    """The parsed fields of an item envelope."""

    doc_id: str
    rev: str | None
    deleted: bool
    kid: str
    nonce: bytes
    ct: bytes
    version: int


@dataclass(frozen=True, slots=True)
class OpenedItem:
    """What opening an envelope yields (spec §7.4): the body, its verified author, the key it was under,
    the envelope ``version``, the version number ``n`` (0 for version 1), the hashes ``prev`` of the
    versions it replaced (empty for version 1) and its own version hash ``vh`` (spec §8.2)."""

    doc_id: str
    deleted: bool
    body: dict[str, JSONValue]
    author: str
    kid: str
    signed: SignedItem
    version: int
    n: int
    prev: tuple[str, ...]
    vh: str


def parse_item_envelope(doc: Mapping[str, object]) -> ItemEnvelope:
    """Parse an item envelope (any size up to the 16 MiB limit); raise ``FormatError`` if it is not one."""
    check_wire_document(doc, max_padded_bytes=MAX_PADDED)
    if doc.get("kind") != "item":
        raise FormatError("not an item envelope")
    rev = doc.get("_rev")
    version = doc["v"]
    if not isinstance(version, int):  # the shape check has made sure; this tells the type checker
        raise FormatError("unknown envelope version")
    return ItemEnvelope(
        doc_id=str(doc["_id"]),
        rev=rev if isinstance(rev, str) else None,
        deleted=doc.get("_deleted") is True,
        kid=str(doc["kid"]),
        nonce=b64u_decode(doc["nonce"], NONCE_BYTES, "nonce"),
        ct=b64u_decode(doc["ct"], None, "ct"),
        version=version,
    )


def item_associated_data(*, plan_id: str, doc_id: str, kid: str, deleted: bool, version: int = 2) -> bytes:
    """``canonical_json({"ctx": "alongside/v2/item", "del", "id", "kid", "plan", "v": 2})`` (spec §7.3).

    With ``version=1``, the version-1 associated data (``"ctx": "alongside/v1/item"``, ``"v": 1``).
    """
    if isinstance(version, bool) or version not in (1, 2):
        raise FormatError("an item envelope version is 1 or 2")
    context = f"alongside/v{version}/item"
    return canonical_json({"ctx": context, "del": deleted, "id": doc_id, "kid": kid, "plan": plan_id, "v": version})


def seal_signed_item(
    signed: SignedItem,
    *,
    plan_id: str,
    doc_id: str,
    key: PlanKey,
    deleted: bool = False,
    rev: str | None = None,
    random: Random = os.urandom,
) -> dict[str, object]:
    """Encrypt an already signed item (draws a 12-byte nonce); used by :func:`seal_item` and re-sealing.

    The envelope's version is the signed item's (``"v": 2``, or ``"v": 1`` when re-sealing a version-1 item).
    """
    if not isinstance(signed, SignedItem):
        raise FormatError("signed must be a SignedItem")
    check_plan_id(plan_id)
    check_hex_id(doc_id, 16, "document id")
    if not isinstance(key, PlanKey) or key.plan_id != plan_id:
        raise FormatError("the plan key must belong to this plan")
    if not isinstance(deleted, bool):
        raise FormatError("deleted must be a boolean")
    padded = pad(canonical_json(signed.to_json()))
    nonce = draw(random, NONCE_BYTES)
    associated = item_associated_data(
        plan_id=plan_id, doc_id=doc_id, kid=key.kid, deleted=deleted, version=signed.version
    )
    ct = key.aead.encrypt(nonce, padded, associated)
    doc: dict[str, object] = {"_id": doc_id}
    if rev is not None:
        doc["_rev"] = rev
    if deleted:
        doc["_deleted"] = True
    doc.update({"v": signed.version, "kind": "item", "kid": key.kid, "nonce": b64u_encode(nonce)})
    doc["ct"] = b64u_encode(ct)
    return doc


def seal_item(
    body: Mapping[str, object],
    *,
    plan_id: str,
    doc_id: str,
    key: PlanKey,
    author: DeviceKeys,
    deleted: bool = False,
    rev: str | None = None,
    n: int = 1,
    prev: Iterable[str] = (),
    random: Random = os.urandom,
) -> dict[str, object]:
    """Sign ``body`` as ``author`` (version ``n``, replacing ``prev``) and seal it for ``doc_id`` under ``key``.

    Always a version-2 envelope (spec §7.4); ``n`` and ``prev`` come from
    :func:`alongside.crypto.provenance.next_version` for anything but a first version.
    """
    signed = sign_item(body, plan_id=plan_id, doc_id=doc_id, author=author, deleted=deleted, n=n, prev=prev)
    return seal_signed_item(signed, plan_id=plan_id, doc_id=doc_id, key=key, deleted=deleted, rev=rev, random=random)


def decrypt_item(
    doc: Mapping[str, object], *, plan_id: str, keyring: Keyring, allow_retired: bool = False
) -> tuple[ItemEnvelope, SignedItem]:
    """Steps 1-4 of opening (spec §7.4) without the signature check; every failure is ``DecryptionError``.

    Accepts version-1 and version-2 envelopes; the signed item must be of the envelope's version.
    """
    try:
        envelope = parse_item_envelope(doc)
        check_plan_id(plan_id)
    except FormatError as exc:
        raise DecryptionError() from exc
    if not isinstance(keyring, Keyring) or keyring.plan_id != plan_id:
        raise DecryptionError()
    key = keyring.get(envelope.kid)
    if key is None or (not allow_retired and keyring.is_retired(envelope.kid)):
        raise DecryptionError()
    associated = item_associated_data(
        plan_id=plan_id, doc_id=envelope.doc_id, kid=key.kid, deleted=envelope.deleted, version=envelope.version
    )
    try:
        padded = key.aead.decrypt(envelope.nonce, envelope.ct, associated)
    except (InvalidTag, ValueError) as exc:
        raise DecryptionError() from exc
    try:
        signed = SignedItem.from_json(parse_canonical_json(unpad(padded)), envelope.version)
    except FormatError as exc:
        raise DecryptionError() from exc
    return envelope, signed


def open_item(
    doc: Mapping[str, object],
    *,
    plan_id: str,
    keyring: Keyring,
    devices: Mapping[str, DevicePublicKeys],
    allow_retired: bool = False,
) -> OpenedItem:
    """Open and verify an item envelope.

    Raises ``DecryptionError`` (always the same message) when the document is malformed, its key id is
    unknown, or retired and ``allow_retired`` is false, or it was altered, moved to another ``_id`` or plan;
    raises ``SignatureError`` when its author is not a known device or the signature does not verify.
    """
    envelope, signed = decrypt_item(doc, plan_id=plan_id, keyring=keyring, allow_retired=allow_retired)
    verify_item(signed, plan_id=plan_id, doc_id=envelope.doc_id, deleted=envelope.deleted, devices=devices)
    vh = version_hash(signed, plan_id=plan_id, doc_id=envelope.doc_id, deleted=envelope.deleted)
    return OpenedItem(
        envelope.doc_id,
        envelope.deleted,
        signed.body,
        signed.by,
        envelope.kid,
        signed,
        signed.version,
        signed.n,
        signed.prev,
        vh,
    )


def reseal_item(
    doc: Mapping[str, object],
    *,
    plan_id: str,
    keyring: Keyring,
    devices: Mapping[str, DevicePublicKeys],
    key: PlanKey,
    random: Random = os.urandom,
) -> dict[str, object]:
    """Open ``doc`` in history mode, verify it, and seal the same signed item under ``key`` (spec §7.4).

    The author's signature, the version (``n``, ``prev``, the version hash) and the envelope version are
    kept, so provenance and the item's place in its history survive a rotation or a restore (§8.3).
    The result carries the document's ``_rev`` (if any) so it can be written as the next revision.
    """
    opened = open_item(doc, plan_id=plan_id, keyring=keyring, devices=devices, allow_retired=True)
    rev = doc.get("_rev")
    return seal_signed_item(
        opened.signed,
        plan_id=plan_id,
        doc_id=opened.doc_id,
        key=key,
        deleted=opened.deleted,
        rev=rev if isinstance(rev, str) else None,
        random=random,
    )
