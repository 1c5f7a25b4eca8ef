"""Join requests (spec §11.6): what a device that joined with a pending invite tells the person's devices.

The new device seals its own chosen name, its device label and its admission ``bind`` (§11.5) under the
invite's request key ``Q``; the server stores and hands out the sealed text without being able to read it.
"""

from __future__ import annotations

import os

from .encoding import b64u_decode, b64u_encode, canonical_json, check_bytes, check_hex_id, check_plan_id
from .encoding import parse_canonical_json as _parse
from .errors import DecryptionError, FormatError
from .keys import Random, draw
from .padding import pad, unpad
from .primitives import KEY_BYTES, NONCE_BYTES, TAG_BYTES, aead_open, aead_seal

JOIN_REQUEST_CONTEXT = b"alongside/v3/join-request"
MAX_NAME = 80
# The longest sealed request in base64url: a 1024-byte padded plaintext, its nonce and tag.
MAX_SEALED_JOIN_REQUEST = 2048


def join_request_associated(*, plan_id: str, invite_id: str, device_id: str) -> bytes:
    """``"alongside/v3/join-request" || 0x00 || plan_id || 0x00 || invite_id || 0x00 || device_id`` (UTF-8)."""
    check_plan_id(plan_id)
    check_hex_id(invite_id, 16, "invite id")
    check_hex_id(device_id, 16, "device id")
    return b"\x00".join([JOIN_REQUEST_CONTEXT, plan_id.encode(), invite_id.encode(), device_id.encode()])


def _check_request(value: object) -> dict[str, str]:
    """The request's members: ``name`` (1 to 80 characters), ``label`` (0 to 80), ``bind`` (32 bytes, base64url)."""
    if not isinstance(value, dict) or set(value) != {"name", "label", "bind"}:
        raise FormatError('a join request is {"name", "label", "bind"}')
    name, label, bind = value["name"], value["label"], value["bind"]
    if not isinstance(name, str) or not 1 <= len(name) <= MAX_NAME:
        raise FormatError(f"a join request's name is 1 to {MAX_NAME} characters")
    if not isinstance(label, str) or len(label) > MAX_NAME:
        raise FormatError(f"a join request's label is at most {MAX_NAME} characters")
    b64u_decode(bind, KEY_BYTES, "bind")
    return {"name": name, "label": label, "bind": bind}


def seal_join_request(
    request_key: bytes,
    request: dict[str, str],
    *,
    plan_id: str,
    invite_id: str,
    device_id: str,
    random: Random = os.urandom,
) -> str:
    """``b64u(nonce || AES-256-GCM(Q, nonce, pad(canonical_json(request)), AD))``; draws the 12-byte nonce."""
    check_bytes(request_key, KEY_BYTES, "request key")
    plaintext = pad(canonical_json(_check_request(request)))
    associated = join_request_associated(plan_id=plan_id, invite_id=invite_id, device_id=device_id)
    nonce = draw(random, NONCE_BYTES)
    sealed = b64u_encode(nonce + aead_seal(request_key, nonce, plaintext, associated))
    if len(sealed) > MAX_SEALED_JOIN_REQUEST:
        raise FormatError("join request too long")
    return sealed


def open_join_request(
    request_key: bytes, sealed: object, *, plan_id: str, invite_id: str, device_id: str
) -> dict[str, str]:
    """The request a device sealed (:func:`seal_join_request`): ``{"name", "label", "bind"}``.

    ``FormatError`` for a malformed text, ``DecryptionError`` when it was not sealed under ``request_key`` for
    this plan, invite and device, or any byte was altered.
    """
    check_bytes(request_key, KEY_BYTES, "request key")
    associated = join_request_associated(plan_id=plan_id, invite_id=invite_id, device_id=device_id)
    if not isinstance(sealed, str) or len(sealed) > MAX_SEALED_JOIN_REQUEST:
        raise FormatError("a join request is base64url text")
    raw = b64u_decode(sealed, None, "join request")
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise FormatError("join request too short")
    plaintext = aead_open(request_key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], associated)
    try:
        return _check_request(_parse(unpad(plaintext)))
    except FormatError as exc:
        raise DecryptionError() from exc
