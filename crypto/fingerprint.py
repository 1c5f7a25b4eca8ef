"""Fingerprints people compare aloud (spec §12): four groups of five digits from SHA-256."""

from __future__ import annotations

from .encoding import b64u_encode, canonical_json, check_bytes, check_hex_id, check_plan_id
from .keys import DevicePublicKeys
from .primitives import KEY_BYTES, sha256


def digits_from_hash(digest: bytes, groups: int = 4) -> str:
    """Group ``i`` is ``int(digest[5i:5i+5]) mod 100000`` with leading zeros; groups joined by spaces."""
    return " ".join(f"{int.from_bytes(digest[5 * i : 5 * i + 5], 'big') % 100000:05d}" for i in range(groups))


def plan_fingerprint(plan_id: str, kid: str, signer: bytes) -> str:
    """The plan fingerprint over plan id, key id and the inviter's Ed25519 public key ``signer``."""
    check_plan_id(plan_id)
    check_hex_id(kid, 8, "key id")
    check_bytes(signer, KEY_BYTES, "Ed25519 public key")
    message = {"ctx": "alongside/v1/fingerprint", "kid": kid, "plan": plan_id, "signer": b64u_encode(signer)}
    return digits_from_hash(sha256(canonical_json(message)))


def device_fingerprint(public: DevicePublicKeys) -> str:
    """A device's fingerprint over both of its public keys."""
    message = {
        "ctx": "alongside/v1/device-fingerprint",
        "enc": b64u_encode(public.encryption),
        "sig": b64u_encode(public.signing),
    }
    return digits_from_hash(sha256(canonical_json(message)))
