"""A worker's private reflective notes (spec §23): sealed under a key only the worker's own device derives.

Each note is sealed with AES-256-GCM under ``HKDF(device_secret, "", "alongside/v1/reflective-notes", 32)``,
``device_secret`` being the device's private keys (``enc_priv || sig_priv``), with a random nonce and associated
data naming the purpose and the note id. The notes are kept on the device only: never part of a plan, never
sent to the server. This module mirrors ``pwa/src/crypto/notes.js`` so both are checked against the same vectors.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from .encoding import b64u_decode, b64u_encode, canonical_json
from .errors import FormatError
from .keys import Random, draw
from .primitives import KEY_BYTES, NONCE_BYTES, TAG_BYTES, aead_open, aead_seal, hkdf_sha256

NOTE_VERSION = 1
MAX_NOTE_BYTES = 65536
_FIELDS = frozenset({"v", "kind", "id", "nonce", "ct"})
_ID = re.compile(r"[0-9a-f]{32}")


def _associated(note_id: str) -> bytes:
    return canonical_json({"ctx": "alongside/v1/reflective-note", "id": note_id, "v": NOTE_VERSION})


def _check_key(key: object) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise FormatError("a notes key is 32 bytes")
    return key


def _check_id(note_id: object) -> str:
    if not isinstance(note_id, str) or not _ID.fullmatch(note_id):
        raise FormatError("a note id is 32 lower-case hex digits")
    return note_id


def notes_key(device_secret: bytes) -> bytes:
    """The key that seals a device's reflective notes: HKDF-SHA-256 of its 64 private key bytes (spec §23)."""
    if not isinstance(device_secret, bytes) or len(device_secret) != 2 * KEY_BYTES:
        raise FormatError("a device secret is 64 bytes")
    return hkdf_sha256(device_secret, b"", b"alongside/v1/reflective-notes", KEY_BYTES)


def seal_note(key: bytes, note_id: str, plaintext: bytes, *, random: Random = os.urandom) -> dict[str, object]:
    """Seal ``plaintext`` (1 ... 65,536 bytes) as note ``note_id`` under ``key``; draws 12 bytes (the nonce)."""
    _check_key(key)
    _check_id(note_id)
    if not isinstance(plaintext, bytes) or not 1 <= len(plaintext) <= MAX_NOTE_BYTES:
        raise FormatError(f"a note is 1 to {MAX_NOTE_BYTES} bytes")
    nonce = draw(random, NONCE_BYTES)
    ct = aead_seal(key, nonce, plaintext, _associated(note_id))
    return {
        "v": NOTE_VERSION,
        "kind": "reflective-note",
        "id": note_id,
        "nonce": b64u_encode(nonce),
        "ct": b64u_encode(ct),
    }


def open_note(key: bytes, sealed: Mapping[str, object]) -> bytes:
    """Open a sealed note: ``DecryptionError`` for another key, id or an altered note; ``FormatError`` if malformed."""
    _check_key(key)
    if not isinstance(sealed, Mapping) or set(sealed) != _FIELDS:
        raise FormatError("a sealed note has exactly v, kind, id, nonce, ct")
    if sealed["v"] != NOTE_VERSION or isinstance(sealed["v"], bool) or sealed["kind"] != "reflective-note":
        raise FormatError("unknown note version")
    note_id = _check_id(sealed["id"])
    nonce = b64u_decode(sealed["nonce"], NONCE_BYTES, "nonce")
    text = sealed["ct"]
    if not isinstance(text, str) or len(text) > 2 * (MAX_NOTE_BYTES + TAG_BYTES):
        raise FormatError("ct is too long")
    ct = b64u_decode(text, None, "ct")
    if not TAG_BYTES < len(ct) <= MAX_NOTE_BYTES + TAG_BYTES:
        raise FormatError("ct has an implausible length")
    return aead_open(key, nonce, ct, _associated(note_id))
