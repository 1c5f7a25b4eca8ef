"""Keyring documents (spec §9): a plan key wrapped for one device's X25519 key, signed by the granter.

Also key rotation (spec §10): a new epoch key granted only to the remaining devices. Opening a grant
proves who made it; whether to accept the key (only from a steward, §9.5) is the application's decision.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .encoding import (
    JSONValue,
    b64u_decode,
    b64u_encode,
    canonical_json,
    check_hex_id,
    check_plan_id,
    parse_canonical_json,
)
from .errors import DecryptionError, FormatError, SignatureError
from .keys import (
    EVERYONE,
    DeviceKeys,
    DevicePublicKeys,
    Keyring,
    PlanKey,
    Random,
    check_audience,
    check_epoch,
    derive_key_id,
    draw,
    ephemeral_agreement,
    new_document_id,
)
from .primitives import (
    KEY_BYTES,
    NONCE_BYTES,
    SIGNATURE_BYTES,
    aead_open,
    aead_seal,
    ed25519_sign,
    ed25519_verify,
    hkdf_sha256,
    x25519_shared,
)
from .provenance import lookup_device
from .wire import KEYRING_VERSION, check_wire_document

_GRANT_FIELDS = frozenset({"by", "epoch", "key", "kid", "plan", "sig", "to"})
_AUDIENCE_GRANT_FIELDS = _GRANT_FIELDS | {"aud"}


@dataclass(frozen=True, slots=True)
class KeyringEnvelope:
    """The parsed fields of a keyring document."""

    doc_id: str
    kid: str
    to: str
    epk: bytes
    nonce: bytes
    ct: bytes


@dataclass(frozen=True, slots=True)
class Grant:
    """What a keyring document yields: the plan key and the device that granted it."""

    key: PlanKey
    granter: str


def parse_keyring_document(doc: Mapping[str, object]) -> KeyringEnvelope:
    """Parse a keyring document's shape; raise ``FormatError`` if it is not one."""
    check_wire_document(doc)
    if doc.get("kind") != "keyring":
        raise FormatError("not a keyring document")
    return KeyringEnvelope(
        doc_id=str(doc["_id"]),
        kid=str(doc["kid"]),
        to=str(doc["to"]),
        epk=b64u_decode(doc["epk"], KEY_BYTES, "epk"),
        nonce=b64u_decode(doc["nonce"], NONCE_BYTES, "nonce"),
        ct=b64u_decode(doc["ct"], None, "ct"),
    )


def grant_signature_message(*, plan_id: str, epoch: int, kid: str, by: str, to: str, audience: str = EVERYONE) -> bytes:
    """``canonical_json({"by", "ctx": "alongside/v1/grant", "epoch", "kid", "plan", "to"})``.

    For an audience other than ``everyone`` (spec §5.3) the object also holds ``"aud": audience``.
    """
    message: dict[str, JSONValue] = {
        "by": by,
        "ctx": "alongside/v1/grant",
        "epoch": epoch,
        "kid": kid,
        "plan": plan_id,
        "to": to,
    }
    if check_audience(audience) != EVERYONE:
        message["aud"] = audience
    return canonical_json(message)


def keyring_associated_data(*, plan_id: str, doc_id: str, kid: str, to: str, epk: bytes) -> bytes:
    """``canonical_json({"ctx": "alongside/v1/keyring", "epk", "id", "kid", "plan", "to", "v": 1})``."""
    return canonical_json(
        {
            "ctx": "alongside/v1/keyring",
            "epk": b64u_encode(epk),
            "id": doc_id,
            "kid": kid,
            "plan": plan_id,
            "to": to,
            "v": KEYRING_VERSION,
        }
    )


def _wrap_key(shared: bytes, epk: bytes, recipient_encryption: bytes) -> bytes:
    return hkdf_sha256(shared, epk + recipient_encryption, b"alongside/v1/keyring-wrap", KEY_BYTES)


def grant_plan_key(
    key: PlanKey,
    *,
    recipient: DevicePublicKeys,
    granter: DeviceKeys,
    doc_id: str | None = None,
    random: Random = os.urandom,
) -> dict[str, object]:
    """A keyring document giving ``key`` to ``recipient``, signed by ``granter``.

    Draws, in order: 16 bytes for the ``_id`` (only when ``doc_id`` is None), 32 for the ephemeral
    X25519 key, 12 for the nonce.
    """
    if not isinstance(key, PlanKey):
        raise FormatError("key must be a PlanKey")
    if not isinstance(recipient, DevicePublicKeys) or not isinstance(granter, DeviceKeys):
        raise FormatError("recipient must be DevicePublicKeys and granter DeviceKeys")
    doc_id = new_document_id(random) if doc_id is None else check_hex_id(doc_id, 16, "document id")
    epk, shared = ephemeral_agreement(random, recipient.encryption, "recipient X25519 public key")
    nonce = draw(random, NONCE_BYTES)
    to, by = recipient.device_id, granter.device_id
    message = grant_signature_message(
        plan_id=key.plan_id, epoch=key.epoch, kid=key.kid, by=by, to=to, audience=key.audience
    )
    grant: dict[str, JSONValue] = {
        "by": by,
        "epoch": key.epoch,
        "key": b64u_encode(key.secret),
        "kid": key.kid,
        "plan": key.plan_id,
        "sig": b64u_encode(ed25519_sign(granter.signing_private, message)),
        "to": to,
    }
    if key.audience != EVERYONE:
        grant["aud"] = key.audience
    associated = keyring_associated_data(plan_id=key.plan_id, doc_id=doc_id, kid=key.kid, to=to, epk=epk)
    ct = aead_seal(_wrap_key(shared, epk, recipient.encryption), nonce, canonical_json(grant), associated)
    return {
        "_id": doc_id,
        "v": KEYRING_VERSION,
        "kind": "keyring",
        "kid": key.kid,
        "to": to,
        "epk": b64u_encode(epk),
        "nonce": b64u_encode(nonce),
        "ct": b64u_encode(ct),
    }


def _decrypt_grant(envelope: KeyringEnvelope, plan_id: str, device: DeviceKeys) -> dict[str, JSONValue]:
    if envelope.to != device.device_id:
        raise DecryptionError()
    shared = x25519_shared(device.encryption_private, envelope.epk)
    associated = keyring_associated_data(
        plan_id=plan_id, doc_id=envelope.doc_id, kid=envelope.kid, to=envelope.to, epk=envelope.epk
    )
    plaintext = aead_open(
        _wrap_key(shared, envelope.epk, device.public.encryption), envelope.nonce, envelope.ct, associated
    )
    grant = parse_canonical_json(plaintext)
    if not isinstance(grant, dict) or set(grant) not in (_GRANT_FIELDS, _AUDIENCE_GRANT_FIELDS):
        raise FormatError("a grant has exactly by, epoch, key, kid, plan, sig, to and, for an audience key, aud")
    if "aud" in grant and (grant["aud"] == EVERYONE or not isinstance(grant["aud"], str)):
        raise FormatError("a grant of the plan key carries no aud")
    return grant


def open_grant(
    doc: Mapping[str, object], *, plan_id: str, device: DeviceKeys, trusted: Mapping[str, DevicePublicKeys]
) -> Grant:
    """Unwrap the plan key a keyring document grants to ``device`` (spec §9.4).

    The shape check (§14.1) runs first, so a deleted keyring document never opens. Raises
    ``DecryptionError`` (same message whatever the cause) when the document is malformed, not addressed
    to ``device``, altered or moved, or its contents do not match (a grant has exactly seven members);
    ``SignatureError`` when the granter is not in ``trusted`` or its signature does not verify. Whether to
    accept the key (only a steward's grant, spec §9.5) is the caller's decision.
    """
    if not isinstance(device, DeviceKeys):
        raise FormatError("device must be DeviceKeys")
    try:
        check_plan_id(plan_id)
        envelope = parse_keyring_document(doc)
        grant = _decrypt_grant(envelope, plan_id, device)
        epoch = check_epoch(grant["epoch"])
        secret = b64u_decode(grant["key"], KEY_BYTES, "key")
        by = check_hex_id(grant["by"], 16, "granter")
        signature = b64u_decode(grant["sig"], SIGNATURE_BYTES, "sig")
        audience = check_audience(grant.get("aud", EVERYONE))
        if grant["plan"] != plan_id or grant["kid"] != envelope.kid or grant["to"] != envelope.to:
            raise DecryptionError()
        if derive_key_id(plan_id, epoch, secret, audience) != envelope.kid:
            raise DecryptionError()
    except FormatError as exc:
        raise DecryptionError() from exc
    granter = lookup_device(trusted, by)
    message = grant_signature_message(
        plan_id=plan_id, epoch=epoch, kid=envelope.kid, by=by, to=envelope.to, audience=audience
    )
    if not ed25519_verify(granter.signing, signature, message):
        raise SignatureError()
    return Grant(PlanKey(plan_id, epoch, secret, audience), by)


def rotate_plan_key(
    keyring: Keyring,
    *,
    remaining: Sequence[DevicePublicKeys],
    granter: DeviceKeys,
    random: Random = os.urandom,
    epoch: int | None = None,
    audience: str = EVERYONE,
) -> tuple[PlanKey, list[dict[str, object]]]:
    """Start a new epoch (spec §10): a new key, granted only to ``remaining`` (in order), read-only members included.

    The epoch is one more than the keyring's current epoch unless ``epoch`` is given: a steward
    superseding a stuck rotation (spec §10.3) passes the server's recorded epoch + 1, which must be
    greater than the keyring's current epoch. Draws 32 bytes for the key, then for each remaining device
    16 (``_id``), 32 and 12. The caller then re-seals live documents with
    :func:`alongside.crypto.envelope.reseal_item`. Only stewards rotate (spec §10.1); that is the
    caller's and the server's rule, not checked here. ``audience`` names the key line rotated (spec §5.3):
    its epochs count on their own, from the keyring's current key of that audience (1 when it holds none).
    """
    if not isinstance(keyring, Keyring) or not keyring:
        raise FormatError("rotation needs the plan's current keyring")
    if not isinstance(granter, DeviceKeys):
        raise FormatError("granter must be DeviceKeys")
    if not all(isinstance(device, DevicePublicKeys) for device in remaining):
        raise FormatError("remaining must be a sequence of DevicePublicKeys")
    line = [keyring[kid] for kid in keyring if keyring[kid].audience == check_audience(audience)]
    current = keyring.current_of(audience).epoch if line else 0
    if epoch is None:
        new_epoch = check_epoch(current + 1)
    else:
        new_epoch = check_epoch(epoch)
        if new_epoch <= current:
            raise FormatError("a rotation's epoch must be greater than the current epoch")
    new_key = PlanKey(keyring.plan_id, new_epoch, draw(random, KEY_BYTES), audience)
    documents = [grant_plan_key(new_key, recipient=device, granter=granter, random=random) for device in remaining]
    return new_key, documents
