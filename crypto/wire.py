"""The server's shape check of wire documents (spec §14.1). Pure: no keys, no I/O.

The server's write rules (§14.3: tombstones, keyring documents written once, roster entries, roles)
build on this check and live in the server.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from .encoding import b64u_decoded_length, is_hex_id
from .errors import FormatError, WireFormatError
from .padding import MAX_PADDED, is_bucket_size
from .primitives import KEY_BYTES, NONCE_BYTES, TAG_BYTES

ITEM_VERSIONS = (1, 2)
KEYRING_VERSION = 1
DEFAULT_MAX_PADDED_BYTES = 1024 * 1024
DEFAULT_MAX_REVISIONS = 1000
MAX_GRANT_PLAINTEXT = 1024

COUCH_FIELDS = frozenset({"_id", "_rev", "_deleted", "_revisions"})
ITEM_FIELDS = frozenset({"v", "kind", "kid", "nonce", "ct"})
KEYRING_FIELDS = frozenset({"v", "kind", "kid", "to", "epk", "nonce", "ct"})
ENVELOPE_FIELDS = ITEM_FIELDS | KEYRING_FIELDS
ALLOWED_FIELDS = COUCH_FIELDS | ENVELOPE_FIELDS

DocumentKind = Literal["item", "keyring", "tombstone"]

_REV = re.compile(r"([1-9][0-9]{0,8})-([0-9a-zA-Z_-]{1,128})")
_REV_HASH = re.compile(r"[0-9a-zA-Z_-]{1,128}")
_FIELD_NAME_SHOWN = re.compile(r"[A-Za-z0-9_]{1,40}")


def _shown(name: str) -> str:
    return repr(name) if _FIELD_NAME_SHOWN.fullmatch(name) else "(a field with an unusual name)"


def _check_revisions(value: object, rev: object, max_revisions: int) -> None:
    if not isinstance(value, dict) or set(value) != {"start", "ids"}:
        raise WireFormatError("_revisions must be an object with start and ids")
    start, ids = value["start"], value["ids"]
    if isinstance(start, bool) or not isinstance(start, int) or not 1 <= start <= 999_999_999:
        raise WireFormatError("_revisions.start must be a positive integer")
    if not isinstance(ids, list) or not 1 <= len(ids) <= max_revisions:
        raise WireFormatError(f"_revisions.ids must be a list of 1 to {max_revisions} revision hashes")
    if len(ids) > start:
        raise WireFormatError("_revisions lists more ids than its start allows")
    for rev_hash in ids:
        if not isinstance(rev_hash, str) or not _REV_HASH.fullmatch(rev_hash):
            raise WireFormatError("_revisions.ids must hold revision hashes")
    if rev is not None and rev != f"{start}-{ids[0]}":
        raise WireFormatError("_revisions does not match _rev")


def _check_b64(doc: Mapping[str, object], name: str, length: int) -> None:
    try:
        if b64u_decoded_length(doc[name], name) == length:
            return
    except FormatError as exc:
        raise WireFormatError(f"{name} must be base64url of {length} bytes") from exc
    raise WireFormatError(f"{name} must be base64url of {length} bytes")


def _ciphertext_length(value: object, max_bytes: int) -> int:
    # Bound the string before decoding so that an enormous field costs nothing.
    if not isinstance(value, str):
        raise WireFormatError("ct must be base64url")
    if len(value) > (max_bytes * 4 + 2) // 3:
        raise WireFormatError("document too large: ct is over the size limit")
    try:
        return b64u_decoded_length(value, "ct")
    except FormatError as exc:
        raise WireFormatError("ct must be base64url") from exc


def check_wire_document(
    doc: Mapping[str, object],
    *,
    max_padded_bytes: int = DEFAULT_MAX_PADDED_BYTES,
    max_revisions: int = DEFAULT_MAX_REVISIONS,
) -> None:
    """Raise ``WireFormatError`` unless ``doc`` is an item envelope, a keyring document or a bare tombstone.

    Only the shape is checked (spec §14.1): allowed fields, types, identifier forms, base64url lengths,
    a known version (items ``v`` 1 or 2, keyring documents ``v`` 1), ``_revisions`` (``start`` an integer
    1 ... 999,999,999, no more ids than ``start``), ``_deleted`` a boolean (``false`` means absent; a
    keyring document is never deleted), and ciphertext sizes (an item's padded size must be a bucket of
    at most ``max_padded_bytes``). Whether a valid shape may be written (a tombstone, for one) is the
    server's write rules (§14.3). Do not call it on ``_local/`` documents.
    """
    if not isinstance(doc, Mapping):
        raise WireFormatError("a document must be a JSON object")
    for name in doc:
        if not isinstance(name, str):
            raise WireFormatError("field names must be strings")
        if name not in ALLOWED_FIELDS:
            raise WireFormatError(f"field {_shown(name)} is not allowed: documents carry only an encrypted envelope")
    if not is_hex_id(doc.get("_id"), 16):
        raise WireFormatError("_id must be 32 lower-case hex characters")
    rev = doc.get("_rev")
    if rev is not None and (not isinstance(rev, str) or not _REV.fullmatch(rev)):
        raise WireFormatError("_rev must look like N-hash")
    if "_rev" in doc and rev is None:
        raise WireFormatError("_rev must look like N-hash")
    if "_revisions" in doc:
        _check_revisions(doc["_revisions"], rev, max_revisions)
    deleted = doc.get("_deleted", False)
    if not isinstance(deleted, bool):
        raise WireFormatError("_deleted must be true or false")
    present = ENVELOPE_FIELDS.intersection(doc)
    if not present:
        if deleted:
            return
        raise WireFormatError("a document must carry an encrypted envelope (v, kind, kid, nonce, ct)")
    version = doc.get("v")
    if type(version) is not int:
        raise WireFormatError("unknown envelope version: v must be an integer")
    kind = doc.get("kind")
    if kind == "item":
        expected = ITEM_FIELDS
        if version not in ITEM_VERSIONS:
            raise WireFormatError("unknown envelope version: an item has v 1 or 2")
    elif kind == "keyring":
        expected = KEYRING_FIELDS
        if version != KEYRING_VERSION:
            raise WireFormatError("unknown envelope version: a keyring document has v 1")
        if deleted:
            raise WireFormatError("keyring documents cannot be deleted")
    else:
        raise WireFormatError('kind must be "item" or "keyring"')
    if present != expected:
        missing = sorted(expected - present)
        if missing:
            raise WireFormatError(f"{kind} envelope is missing {', '.join(missing)}")
        extra = sorted(present - expected)
        raise WireFormatError(f"{kind} envelope must not have {', '.join(extra)}")
    if not is_hex_id(doc["kid"], 8):
        raise WireFormatError("kid must be 16 lower-case hex characters")
    _check_b64(doc, "nonce", NONCE_BYTES)
    if kind == "item":
        limit = min(max_padded_bytes, MAX_PADDED)
        length = _ciphertext_length(doc["ct"], limit + TAG_BYTES)
        padded = length - TAG_BYTES
        if not is_bucket_size(padded):
            raise WireFormatError("ct length is not a padded size plus the 16-byte tag")
        if padded > limit:
            raise WireFormatError(f"document too large: padded size {padded} exceeds {limit} bytes")
    else:
        if not is_hex_id(doc["to"], 16):
            raise WireFormatError("to must be a device id, 32 lower-case hex characters")
        _check_b64(doc, "epk", KEY_BYTES)
        length = _ciphertext_length(doc["ct"], MAX_GRANT_PLAINTEXT + TAG_BYTES)
        if not TAG_BYTES < length <= MAX_GRANT_PLAINTEXT + TAG_BYTES:
            raise WireFormatError("keyring ct has an implausible length")


def document_kind(doc: Mapping[str, object]) -> DocumentKind:
    """What a wire document is (spec §14.1); ``WireFormatError`` if it fails :func:`check_wire_document`.

    ``"item"`` (an item envelope of version 1 or 2, deleted or not), ``"keyring"`` (a keyring document)
    or ``"tombstone"`` (``_deleted: true`` and none of the envelope members: a bare tombstone, which
    carries no authorship). Checked with the 16 MiB limit.
    """
    check_wire_document(doc, max_padded_bytes=MAX_PADDED)
    return kind_of_checked_document(doc)


def kind_of_checked_document(doc: Mapping[str, object]) -> DocumentKind:
    """What a document that already passed :func:`check_wire_document` is: the ``kind`` member, or
    ``"tombstone"`` when it carries no envelope."""
    kind = doc.get("kind")
    if kind == "item":
        return "item"
    if kind == "keyring":
        return "keyring"
    return "tombstone"


def document_key_id(doc: Mapping[str, object]) -> str | None:
    """The key id (``kid``) of a wire document, or ``None`` for a bare tombstone; ``WireFormatError`` if malformed."""
    check_wire_document(doc, max_padded_bytes=MAX_PADDED)
    kid = doc.get("kid")
    return kid if isinstance(kid, str) else None
