"""Join codes (spec §21): a short code a person can type, that fetches and opens an invite kept on the server.

The code is 16 characters of Crockford's base32 (80 random bits), shown as four groups of four. A slow
key derivation (PBKDF2-SHA-256) stretches it into a lookup id, under which the server keeps a box, and the
key of that box; the box holds the invite's binary payload (§11.2), which the server cannot open.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .encoding import check_bytes
from .errors import DecryptionError, FormatError
from .keys import Random, draw
from .primitives import KEY_BYTES, NONCE_BYTES, TAG_BYTES, aead_open, aead_seal, hkdf_sha256, pbkdf2_sha256

# Crockford's base32: digits and upper-case letters without I, L, O and U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What a person may type for a character the code never shows: O is 0, I and L are 1 (Crockford's decoding).
LOOK_ALIKES = {"O": "0", "I": "1", "L": "1"}
CODE_LENGTH = 16
CODE_BYTES = 10  # 16 characters of 5 bits
GROUP_LENGTH = 4
ITERATIONS = 300_000
SALT = b"alongside/v2/join-code"
LOOKUP_INFO = b"alongside/v2/join-code-lookup"
BOX_KEY_INFO = b"alongside/v2/join-code-box"
BOX_CONTEXT = b"alongside/v2/join-code"
LOOKUP_BYTES = 16
MAX_PAYLOAD_BYTES = 1024
MAX_BOX_BYTES = NONCE_BYTES + MAX_PAYLOAD_BYTES + TAG_BYTES
_IGNORED = " \t\r\n-"


@dataclass(frozen=True, slots=True)
class JoinCodeKeys:
    """What a join code stretches into: the lookup id the server files the box under, and the box's key."""

    lookup: str
    box_key: bytes = field(repr=False)


def new_join_code(random: Random = os.urandom) -> str:
    """A new join code: 10 random bytes as 16 base32 characters (canonical form, no spaces)."""
    value = int.from_bytes(draw(random, CODE_BYTES), "big")
    return "".join(ALPHABET[(value >> (5 * (CODE_LENGTH - 1 - i))) & 31] for i in range(CODE_LENGTH))


def format_join_code(code: str) -> str:
    """A join code as people see it: four groups of four characters separated by spaces."""
    canonical = parse_join_code(code)
    return " ".join(canonical[i : i + GROUP_LENGTH] for i in range(0, CODE_LENGTH, GROUP_LENGTH))


def parse_join_code(text: object) -> str:
    """The canonical form of a typed join code; ``FormatError`` when it is not one.

    Spaces, tabs, line breaks and ``-`` are dropped, ASCII letters upper-cased, and ``O``, ``I``, ``L`` read as
    ``0``, ``1``, ``1``; what is left must be exactly 16 characters of the alphabet.
    """
    if not isinstance(text, str) or len(text) > 64:
        raise FormatError("a join code is 16 letters and digits")
    compact = "".join(ch for ch in text if ch not in _IGNORED)
    if not compact.isascii():
        raise FormatError("a join code is 16 letters and digits")
    canonical = "".join(LOOK_ALIKES.get(ch, ch) for ch in compact.upper())
    if len(canonical) != CODE_LENGTH or any(ch not in ALPHABET for ch in canonical):
        raise FormatError("a join code is 16 letters and digits")
    return canonical


def join_code_keys(code: str) -> JoinCodeKeys:
    """Stretch a join code (typed or canonical): ``PBKDF2-SHA-256`` then two HKDF outputs (spec §21.2)."""
    stretched = pbkdf2_sha256(parse_join_code(code).encode("ascii"), SALT, ITERATIONS, KEY_BYTES)
    lookup = hkdf_sha256(stretched, b"", LOOKUP_INFO, LOOKUP_BYTES).hex()
    return JoinCodeKeys(lookup=lookup, box_key=hkdf_sha256(stretched, b"", BOX_KEY_INFO, KEY_BYTES))


def _associated(lookup: str) -> bytes:
    return BOX_CONTEXT + b"\x00" + lookup.encode("ascii")


def seal_join_box(keys: JoinCodeKeys, payload: bytes, random: Random = os.urandom) -> bytes:
    """The box for ``payload`` (an invite's binary form, 1 to 1024 bytes): ``nonce || AES-256-GCM``. Draws 12 bytes."""
    if not isinstance(payload, (bytes, bytearray)) or not 1 <= len(payload) <= MAX_PAYLOAD_BYTES:
        raise FormatError(f"a join box holds 1 to {MAX_PAYLOAD_BYTES} bytes")
    check_bytes(keys.box_key, KEY_BYTES, "box key")
    nonce = draw(random, NONCE_BYTES)
    return nonce + aead_seal(keys.box_key, nonce, bytes(payload), _associated(keys.lookup))


def open_join_box(keys: JoinCodeKeys, box: bytes) -> bytes:
    """The payload in ``box``; any failure (another code, another lookup, an altered box) is a ``DecryptionError``."""
    if not isinstance(box, (bytes, bytearray)) or not NONCE_BYTES + TAG_BYTES < len(box) <= MAX_BOX_BYTES:
        raise DecryptionError()
    return aead_open(keys.box_key, bytes(box[:NONCE_BYTES]), bytes(box[NONCE_BYTES:]), _associated(keys.lookup))
