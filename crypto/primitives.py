"""Thin wrappers over the ``cryptography`` primitives the spec allows (§2), with this package's errors."""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from .encoding import check_bytes
from .errors import DecryptionError, FormatError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
SIGNATURE_BYTES = 64


def sha256(data: bytes) -> bytes:
    """SHA-256 digest."""
    return hashlib.sha256(data).digest()


def labelled_sha256(label: str, data: bytes) -> bytes:
    """SHA-256 over ``utf8(label) || 0x00 || data``."""
    return sha256(label.encode("utf-8") + b"\x00" + data)


def hkdf_sha256(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """HKDF-SHA-256 (RFC 5869), extract then expand."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def pbkdf2_sha256(password: bytes, salt: bytes, iterations: int, length: int = KEY_BYTES) -> bytes:
    """PBKDF2-HMAC-SHA-256."""
    return PBKDF2HMAC(algorithm=hashes.SHA256(), length=length, salt=salt, iterations=iterations).derive(password)


def aead_seal(key: bytes, nonce: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    """AES-256-GCM encryption; the 16-byte tag is appended."""
    check_bytes(key, KEY_BYTES, "AES key")
    check_bytes(nonce, NONCE_BYTES, "nonce")
    return AESGCM(key).encrypt(nonce, plaintext, associated_data)


def aead_open(key: bytes, nonce: bytes, ciphertext: bytes, associated_data: bytes) -> bytes:
    """AES-256-GCM decryption; any failure is a ``DecryptionError``."""
    if len(key) != KEY_BYTES or len(nonce) != NONCE_BYTES or len(ciphertext) < TAG_BYTES:
        raise DecryptionError()
    try:
        return AESGCM(key).decrypt(nonce, ciphertext, associated_data)
    except (InvalidTag, ValueError, OverflowError) as exc:
        raise DecryptionError() from exc


def x25519_public(private: bytes) -> bytes:
    """The X25519 public key for a 32-byte private key."""
    check_bytes(private, KEY_BYTES, "X25519 private key")
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def x25519_shared(private: bytes, public: bytes) -> bytes:
    """X25519 shared secret; an all-zero result (small-order public key) is a ``DecryptionError``."""
    check_bytes(private, KEY_BYTES, "X25519 private key")
    check_bytes(public, KEY_BYTES, "X25519 public key")
    try:
        shared = X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(public))
    except ValueError as exc:
        raise DecryptionError() from exc
    if hmac.compare_digest(shared, bytes(KEY_BYTES)):
        raise DecryptionError()
    return shared


def ed25519_public(private: bytes) -> bytes:
    """The Ed25519 public key for a 32-byte private seed."""
    check_bytes(private, KEY_BYTES, "Ed25519 private key")
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def ed25519_sign(private: bytes, message: bytes) -> bytes:
    """Ed25519 signature (deterministic)."""
    check_bytes(private, KEY_BYTES, "Ed25519 private key")
    return Ed25519PrivateKey.from_private_bytes(private).sign(message)


def ed25519_verify(public: bytes, signature: bytes, message: bytes) -> bool:
    """True when ``signature`` is valid for ``message`` under ``public``."""
    if len(public) != KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def check_random(data: object, length: int) -> bytes:
    """Check what an injected random source returned."""
    if not isinstance(data, (bytes, bytearray)) or len(data) != length:
        raise FormatError(f"random source must return {length} bytes")
    return bytes(data)
