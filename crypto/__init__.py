"""End-to-end encryption for Alongside plans: pure functions, no I/O. ``docs/crypto.md`` (version 2) is the spec.

Item envelopes and signed items are version 2 (a version number ``n`` and the hashes ``prev`` of the
versions replaced are signed); version-1 envelopes still open (spec §20). ``history.judge_versions``
decides which version a device shows (§8.3); ``statements`` signs who set each field (§8.4, §8.5).

Randomness (``random: Callable[[int], bytes]``, default ``os.urandom``) and the clock (``now``) are
parameters, so every output can be reproduced byte for byte from known inputs.
"""

from __future__ import annotations

from .encoding import (
    JSONValue,
    b64u_decode,
    b64u_encode,
    base32_decode,
    base32_encode,
    canonical_json,
    parse_canonical_json,
)
from .envelope import (
    ItemEnvelope,
    OpenedItem,
    decrypt_item,
    item_associated_data,
    open_item,
    parse_item_envelope,
    reseal_item,
    seal_item,
    seal_signed_item,
)
from .errors import (
    CryptoError,
    DecryptionError,
    FormatError,
    InviteExpiredError,
    SignatureError,
    WireFormatError,
)
from .fingerprint import device_fingerprint, plan_fingerprint
from .grants import Grant, KeyringEnvelope, grant_plan_key, open_grant, parse_keyring_document, rotate_plan_key
from .history import Judgement, Leaf, VersionMemory, judge_versions
from .invite import (
    Invite,
    JoinedPlan,
    admission_bind,
    check_invite_token,
    create_invite,
    invite_auth_token,
    invite_bind_key,
    invite_registration,
    invite_verifier,
    open_invite,
    parse_invite,
    registration_message,
    verify_invite_registration,
)
from .keys import (
    DeviceKeys,
    DevicePublicKeys,
    Keyring,
    PlanKey,
    Random,
    derive_key_id,
    device_id_for,
    generate_device_keys,
    new_document_id,
    new_plan_id,
    new_plan_id_for,
    new_plan_key,
    plan_id_for,
    roster_document_id,
)
from .padding import bucket_size, pad, unpad
from .pinlock import lock_device_keys, lock_secret, parse_pinlock, unlock_device_keys, unlock_secret
from .provenance import SignedItem, item_signature_message, next_version, sign_item, verify_item, version_hash
from .statements import sign_field, sign_statement, statement_message, verify_field, verify_statement
from .wire import check_wire_document, document_key_id, document_kind

__all__ = [
    "CryptoError",
    "DecryptionError",
    "DeviceKeys",
    "DevicePublicKeys",
    "FormatError",
    "Grant",
    "Invite",
    "InviteExpiredError",
    "ItemEnvelope",
    "JSONValue",
    "JoinedPlan",
    "Judgement",
    "Keyring",
    "KeyringEnvelope",
    "Leaf",
    "OpenedItem",
    "PlanKey",
    "Random",
    "SignatureError",
    "SignedItem",
    "VersionMemory",
    "WireFormatError",
    "admission_bind",
    "b64u_decode",
    "b64u_encode",
    "base32_decode",
    "base32_encode",
    "bucket_size",
    "canonical_json",
    "check_invite_token",
    "check_wire_document",
    "create_invite",
    "decrypt_item",
    "derive_key_id",
    "device_fingerprint",
    "device_id_for",
    "document_key_id",
    "document_kind",
    "generate_device_keys",
    "grant_plan_key",
    "invite_auth_token",
    "invite_bind_key",
    "invite_registration",
    "invite_verifier",
    "item_associated_data",
    "item_signature_message",
    "judge_versions",
    "lock_device_keys",
    "lock_secret",
    "new_document_id",
    "new_plan_id",
    "new_plan_id_for",
    "new_plan_key",
    "next_version",
    "open_grant",
    "open_invite",
    "open_item",
    "pad",
    "parse_canonical_json",
    "parse_invite",
    "parse_item_envelope",
    "parse_keyring_document",
    "parse_pinlock",
    "plan_fingerprint",
    "plan_id_for",
    "registration_message",
    "reseal_item",
    "roster_document_id",
    "rotate_plan_key",
    "seal_item",
    "seal_signed_item",
    "sign_field",
    "sign_item",
    "sign_statement",
    "statement_message",
    "unlock_device_keys",
    "unlock_secret",
    "unpad",
    "verify_field",
    "verify_invite_registration",
    "verify_item",
    "verify_statement",
    "version_hash",
]
