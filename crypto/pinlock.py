"""PIN lock (spec §13): device private keys at rest, wrapped under PBKDF2-SHA-256 of a PIN or passphrase."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from .encoding import b64u_decode, b64u_encode, canonical_json
from .errors import DecryptionError, FormatError
from .keys import DeviceKeys, Random, draw
from .primitives import KEY_BYTES, NONCE_BYTES, TAG_BYTES, aead_open, aead_seal, pbkdf2_sha256

PINLOCK_VERSION = 1
MIN_ITERATIONS = 600_000
MAX_ITERATIONS = 10_000_000
DEFAULT_ITERATIONS = MIN_ITERATIONS
SALT_BYTES = 16
MAX_SECRET_BYTES = 4096
MAX_PIN_LENGTH = 1024
MAX_CT_TEXT = 2 * (MAX_SECRET_BYTES + TAG_BYTES)  # 8,224 characters, as the spec writes it
_FIELDS = frozenset({"v", "kind", "iter", "salt", "nonce", "ct"})


@dataclass(frozen=True, slots=True)
class PinLock:
    """The parsed fields of a PIN-locked blob."""

    iterations: int
    salt: bytes
    nonce: bytes
    ct: bytes


def _pin_bytes(pin: object) -> bytes:
    if not isinstance(pin, str) or not 1 <= len(pin) <= MAX_PIN_LENGTH:
        raise FormatError(f"a PIN is 1 to {MAX_PIN_LENGTH} characters")
    try:
        return unicodedata.normalize("NFC", pin).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FormatError("a PIN must not contain unpaired surrogates") from exc


def _check_iterations(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MIN_ITERATIONS <= value <= MAX_ITERATIONS:
        raise FormatError(f"iterations must be from {MIN_ITERATIONS} to {MAX_ITERATIONS}")
    return value


def _associated(iterations: int, salt: bytes) -> bytes:
    return canonical_json({"ctx": "alongside/v1/pinlock", "iter": iterations, "salt": b64u_encode(salt), "v": 1})


def parse_pinlock(blob: Mapping[str, object]) -> PinLock:
    """Parse ``{"v": 1, "kind": "pinlock", "iter", "salt", "nonce", "ct"}``; ``FormatError`` on anything else.

    Exactly these six members; ``v`` the integer 1; ``iter`` 600,000 ... 10,000,000; ``ct`` at most
    8,224 characters decoding to 17 ... 4112 bytes (spec §13), all checked before any key is derived.
    """
    if not isinstance(blob, Mapping) or set(blob) != _FIELDS:
        raise FormatError("a PIN lock has exactly v, kind, iter, salt, nonce, ct")
    version = blob["v"]
    if type(version) is not int or version != PINLOCK_VERSION or blob["kind"] != "pinlock":
        raise FormatError("unknown PIN lock version")
    iterations = _check_iterations(blob["iter"])
    salt = b64u_decode(blob["salt"], SALT_BYTES, "salt")
    nonce = b64u_decode(blob["nonce"], NONCE_BYTES, "nonce")
    ct_text = blob["ct"]
    if not isinstance(ct_text, str) or len(ct_text) > MAX_CT_TEXT:
        raise FormatError("ct is too long")
    ct = b64u_decode(ct_text, None, "ct")
    if not TAG_BYTES < len(ct) <= MAX_SECRET_BYTES + TAG_BYTES:
        raise FormatError("ct has an implausible length")
    return PinLock(iterations, salt, nonce, ct)


def lock_secret(
    secret: bytes, pin: str, *, iterations: int = DEFAULT_ITERATIONS, random: Random = os.urandom
) -> dict[str, object]:
    """Wrap ``secret`` (1-4096 bytes) under ``pin``. Draws 16 bytes (salt) then 12 (nonce)."""
    if not isinstance(secret, (bytes, bytearray)) or not 1 <= len(secret) <= MAX_SECRET_BYTES:
        raise FormatError(f"a locked secret is 1 to {MAX_SECRET_BYTES} bytes")
    password = _pin_bytes(pin)
    _check_iterations(iterations)
    salt = draw(random, SALT_BYTES)
    nonce = draw(random, NONCE_BYTES)
    key = pbkdf2_sha256(password, salt, iterations, KEY_BYTES)
    ct = aead_seal(key, nonce, bytes(secret), _associated(iterations, salt))
    return {
        "v": PINLOCK_VERSION,
        "kind": "pinlock",
        "iter": iterations,
        "salt": b64u_encode(salt),
        "nonce": b64u_encode(nonce),
        "ct": b64u_encode(ct),
    }


def unlock_secret(blob: Mapping[str, object], pin: str) -> bytes:
    """Unwrap a PIN-locked secret; ``DecryptionError`` for a wrong PIN or altered blob, ``FormatError`` if malformed."""
    lock = parse_pinlock(blob)
    password = _pin_bytes(pin)
    key = pbkdf2_sha256(password, lock.salt, lock.iterations, KEY_BYTES)
    return aead_open(key, lock.nonce, lock.ct, _associated(lock.iterations, lock.salt))


def lock_device_keys(
    keys: DeviceKeys, pin: str, *, iterations: int = DEFAULT_ITERATIONS, random: Random = os.urandom
) -> dict[str, object]:
    """Wrap a device's private keys (``enc_priv || sig_priv``) under ``pin``."""
    if not isinstance(keys, DeviceKeys):
        raise FormatError("keys must be DeviceKeys")
    return lock_secret(keys.private_bytes(), pin, iterations=iterations, random=random)


def unlock_device_keys(blob: Mapping[str, object], pin: str) -> DeviceKeys:
    """Unwrap device private keys locked with :func:`lock_device_keys`."""
    secret = unlock_secret(blob, pin)
    if len(secret) != 2 * KEY_BYTES:
        raise DecryptionError()
    return DeviceKeys.from_private_bytes(secret)
