"""Learning facts (spec §24): de-identified facts about a plan, shared only with the person's yes.

A plan's facts (which kinds of activity were tried, whether the person went and would go again, how the scales
moved, in bands) are sealed to the organisation's *learning key*: an X25519 key pair drawn on an admin's device,
published in a key document signed by that device and wrapped for each admin device (a *grant*); the server never
holds its private half. The server keeps the sealed sets, which it cannot open, under random ids that name no plan,
device or account. This module mirrors ``pwa/src/crypto/learning.js``; both are checked against the same vectors
(``tests/vectors/learning.json``).
"""

from __future__ import annotations

import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .encoding import b64u_decode, b64u_encode, canonical_json, check_bytes, check_hex_id, parse_canonical_json
from .errors import DecryptionError, FormatError, SignatureError
from .keys import DeviceKeys, Random, draw, ephemeral_agreement
from .padding import is_bucket_size, pad, unpad
from .primitives import (
    KEY_BYTES,
    NONCE_BYTES,
    SIGNATURE_BYTES,
    TAG_BYTES,
    aead_open,
    aead_seal,
    ed25519_sign,
    ed25519_verify,
    hkdf_sha256,
    labelled_sha256,
    x25519_public,
    x25519_shared,
)

LEARNING_VERSION = 1
LEARNING_ANSWERS = ("yes", "no", "unknown")
LEARNING_MOVEMENTS = ("up", "up_a_little", "same", "down_a_little", "down")
MAX_LEARNING_ACTIVITIES = 50
MAX_LEARNING_SCALES = 50
MAX_LEARNING_GRANTS = 100
MAX_FACTS_PADDED = 16384
"""The largest padded facts body: 50 activities with 60-character tags of 4-byte characters fit in 16 KiB."""
MAX_SEALED_CT_CHARS = -(-(MAX_FACTS_PADDED + TAG_BYTES) * 4 // 3)

_TAG = re.compile(r"[^\x00-\x1f\x7f-\x9f,;]{1,60}")
_KEY_DOCUMENT_MEMBERS = frozenset({"v", "org", "kid", "pub", "by", "sig", "grants"})
_GRANT_MEMBERS = frozenset({"to", "epk", "nonce", "ct"})
_SEALED_MEMBERS = frozenset({"v", "kid", "epk", "nonce", "ct"})
_FACTS_MEMBERS = frozenset({"v", "activities", "scales"})
_ACTIVITY_MEMBERS = frozenset({"tag", "went", "again"})


@dataclass(frozen=True, slots=True)
class LearningKey:
    """A learning key pair: the X25519 private key (only on admins' devices), its public key and its id."""

    priv: bytes = field(repr=False)
    pub: bytes
    kid: str


@dataclass(frozen=True, slots=True)
class KeyDocument:
    """A learning key document's members, decoded (:func:`check_learning_key`)."""

    org: str
    kid: str
    pub: bytes
    by: str
    sig: bytes
    grants: tuple[Grant, ...]


@dataclass(frozen=True, slots=True)
class Grant:
    """One grant of a key document, decoded: the learning private key wrapped for device ``to``."""

    to: str
    epk: bytes
    nonce: bytes
    ct: bytes


@dataclass(frozen=True, slots=True)
class SealedFacts:
    """A sealed fact set's members, decoded (:func:`check_sealed_facts`)."""

    kid: str
    epk: bytes
    nonce: bytes
    ct: bytes


def _is_version(value: object) -> bool:
    return value == LEARNING_VERSION and not isinstance(value, bool)


def _bytes_of(value: object, length: int, what: str) -> bytes:
    return check_bytes(value, length, what) if isinstance(value, bytes) else b64u_decode(value, length, what)


def learning_kid(pub: bytes) -> str:
    """The learning key's id: ``hex(SHA-256("alongside/v1/learning-kid" || 0x00 || pub)[0:16])``."""
    check_bytes(pub, KEY_BYTES, "learning public key")
    return labelled_sha256("alongside/v1/learning-kid", pub)[:16].hex()


def new_learning_key(random: Random = os.urandom) -> LearningKey:
    """A new learning key pair: draws 32 bytes (the X25519 private key)."""
    priv = draw(random, KEY_BYTES)
    pub = x25519_public(priv)
    return LearningKey(priv, pub, learning_kid(pub))


def _check_key_pair(pub: bytes, kid: object) -> str:
    check_hex_id(kid, 16, "kid")
    if learning_kid(pub) != kid:
        raise FormatError("kid is not the id of this learning key")
    return str(kid)


def learning_key_message(*, org: str, kid: str, pub: bytes) -> bytes:
    """``canonical_json({"ctx": "alongside/v1/learning-key", "kid", "org", "pub", "v": 1})``: what ``by`` signs."""
    return canonical_json(
        {"ctx": "alongside/v1/learning-key", "kid": kid, "org": org, "pub": b64u_encode(pub), "v": LEARNING_VERSION}
    )


def sign_learning_key(*, org: str, pub: bytes, kid: str, device_keys: DeviceKeys) -> dict[str, Any]:
    """The key document of learning key ``pub`` for organisation ``org``, signed by ``device_keys``, no grants yet."""
    check_hex_id(org, 16, "org")
    check_bytes(pub, KEY_BYTES, "learning public key")
    _check_key_pair(pub, kid)
    if not isinstance(device_keys, DeviceKeys):
        raise FormatError("device_keys must be DeviceKeys")
    sig = ed25519_sign(device_keys.signing_private, learning_key_message(org=org, kid=kid, pub=pub))
    return {
        "v": LEARNING_VERSION,
        "org": org,
        "kid": kid,
        "pub": b64u_encode(pub),
        "by": device_keys.device_id,
        "sig": b64u_encode(sig),
        "grants": [],
    }


def _parse_grant(grant: object) -> Grant:
    if not isinstance(grant, Mapping) or set(grant) != _GRANT_MEMBERS:
        raise FormatError("a grant has exactly to, epk, nonce and ct")
    return Grant(
        to=check_hex_id(grant["to"], 16, "grant to"),
        epk=b64u_decode(grant["epk"], KEY_BYTES, "epk"),
        nonce=b64u_decode(grant["nonce"], NONCE_BYTES, "nonce"),
        ct=b64u_decode(grant["ct"], KEY_BYTES + TAG_BYTES, "ct"),
    )


def check_learning_key(doc: object) -> KeyDocument:
    """A key document's members, decoded; ``FormatError`` unless it has exactly v, org, kid, pub, by, sig and grants
    (at most 100, one per device) of the right shapes. ``admins``, which the server adds to its answer, is ignored."""
    if not isinstance(doc, Mapping):
        raise FormatError("a learning key document is an object")
    if set(doc) - {"admins"} != _KEY_DOCUMENT_MEMBERS:
        raise FormatError("a learning key document has exactly v, org, kid, pub, by, sig and grants")
    if not _is_version(doc["v"]):
        raise FormatError("unknown learning key version")
    raw_grants = doc["grants"]
    if not isinstance(raw_grants, list) or len(raw_grants) > MAX_LEARNING_GRANTS:
        raise FormatError(f"grants is a list of at most {MAX_LEARNING_GRANTS}")
    grants = tuple(_parse_grant(grant) for grant in raw_grants)
    if len({grant.to for grant in grants}) != len(grants):
        raise FormatError("one grant per device")
    return KeyDocument(
        org=check_hex_id(doc["org"], 16, "org"),
        kid=check_hex_id(doc["kid"], 16, "kid"),
        pub=b64u_decode(doc["pub"], KEY_BYTES, "pub"),
        by=check_hex_id(doc["by"], 16, "by"),
        sig=b64u_decode(doc["sig"], SIGNATURE_BYTES, "sig"),
        grants=grants,
    )


def verify_learning_key(doc: object, sig_pub: bytes | str) -> KeyDocument:
    """Check a key document: its shape, that ``kid`` is the id of ``pub``, and ``sig`` under ``sig_pub`` (the
    Ed25519 public key of the device ``by``, bytes or base64url). ``SignatureError`` when ``sig`` does not verify."""
    parsed = check_learning_key(doc)
    _check_key_pair(parsed.pub, parsed.kid)
    signer = _bytes_of(sig_pub, KEY_BYTES, "signing key")
    if not ed25519_verify(signer, parsed.sig, learning_key_message(org=parsed.org, kid=parsed.kid, pub=parsed.pub)):
        raise SignatureError()
    return parsed


def _grant_associated(epk: bytes, kid: str, to: str) -> bytes:
    return canonical_json(
        {"ctx": "alongside/v1/learning-grant", "epk": b64u_encode(epk), "kid": kid, "to": to, "v": LEARNING_VERSION}
    )


def _grant_key(shared: bytes, epk: bytes, recipient: bytes) -> bytes:
    return hkdf_sha256(shared, epk + recipient, b"alongside/v1/learning-wrap", KEY_BYTES)


def wrap_learning_key_for(
    *, priv: bytes, kid: str, to: str, enc_pub: bytes | str, random: Random = os.urandom
) -> dict[str, str]:
    """The grant of learning private key ``priv`` (id ``kid``) to device ``to``, whose X25519 public key is
    ``enc_pub`` (bytes or base64url): ``{to, epk, nonce, ct}``. Draws 32 bytes (the ephemeral key), then 12."""
    check_bytes(priv, KEY_BYTES, "learning private key")
    _check_key_pair(x25519_public(priv), kid)
    check_hex_id(to, 16, "to")
    recipient = _bytes_of(enc_pub, KEY_BYTES, "encryption key")
    epk, shared = ephemeral_agreement(random, recipient, "recipient X25519 public key")
    nonce = draw(random, NONCE_BYTES)
    ct = aead_seal(_grant_key(shared, epk, recipient), nonce, priv, _grant_associated(epk, kid, to))
    return {"to": to, "epk": b64u_encode(epk), "nonce": b64u_encode(nonce), "ct": b64u_encode(ct)}


def open_learning_grant(doc: object, grant: object | None, device_keys: DeviceKeys) -> bytes:
    """The learning private key a grant of key document ``doc`` gives ``device_keys`` (``grant`` None: the
    document's grant to that device). ``DecryptionError`` when there is none, it is another device's, it was
    altered, or it does not give ``doc``'s key."""
    if not isinstance(device_keys, DeviceKeys):
        raise FormatError("device_keys must be DeviceKeys")
    parsed = check_learning_key(doc)
    try:
        if grant is None:
            wrapped = next((g for g in parsed.grants if g.to == device_keys.device_id), None)
        else:
            wrapped = _parse_grant(grant)
    except FormatError as exc:
        raise DecryptionError() from exc
    if wrapped is None or wrapped.to != device_keys.device_id:
        raise DecryptionError()
    shared = x25519_shared(device_keys.encryption_private, wrapped.epk)
    key = _grant_key(shared, wrapped.epk, device_keys.public.encryption)
    priv = aead_open(key, wrapped.nonce, wrapped.ct, _grant_associated(wrapped.epk, parsed.kid, wrapped.to))
    if not hmac.compare_digest(x25519_public(priv), parsed.pub) or learning_kid(parsed.pub) != parsed.kid:
        raise DecryptionError()
    return priv


def _utf16(text: str) -> bytes:
    return text.encode("utf-16-be", "surrogatepass")


def _check_tag(tag: object) -> str:
    if not isinstance(tag, str) or not _TAG.fullmatch(tag) or any(0xD800 <= ord(c) <= 0xDFFF for c in tag):
        raise FormatError("a tag is 1 to 60 characters, no control characters, commas or semicolons")
    return tag


def check_facts(facts: object) -> dict[str, Any]:
    """``facts`` if it is exactly a facts body of version 1 (spec §24.3): ``{"v": 1, "activities": [{"tag", "went",
    "again"}, ...] sorted by tag, each tag once, at most 50; "scales": [movement, ...] sorted, at most 50}``;
    ``FormatError`` otherwise (another member, free text where a fixed answer belongs, an unsorted list)."""
    if not isinstance(facts, Mapping) or set(facts) != _FACTS_MEMBERS:
        raise FormatError("facts have exactly v, activities and scales")
    if not _is_version(facts["v"]):
        raise FormatError("unknown facts version")
    activities, scales = facts["activities"], facts["scales"]
    if not isinstance(activities, list) or len(activities) > MAX_LEARNING_ACTIVITIES:
        raise FormatError(f"activities is a list of at most {MAX_LEARNING_ACTIVITIES}")
    previous: bytes | None = None
    for activity in activities:
        if not isinstance(activity, Mapping) or set(activity) != _ACTIVITY_MEMBERS:
            raise FormatError("an activity has exactly tag, went and again")
        order = _utf16(_check_tag(activity["tag"]))
        if activity["went"] not in LEARNING_ANSWERS or activity["again"] not in LEARNING_ANSWERS:
            raise FormatError("went and again are yes, no or unknown")
        if previous is not None and not previous < order:
            raise FormatError("activities are sorted by tag, each tag once")
        previous = order
    if not isinstance(scales, list) or len(scales) > MAX_LEARNING_SCALES:
        raise FormatError(f"scales is a list of at most {MAX_LEARNING_SCALES}")
    for index, movement in enumerate(scales):
        if not isinstance(movement, str) or movement not in LEARNING_MOVEMENTS:
            raise FormatError("a scale movement is up, up_a_little, same, down_a_little or down")
        if index and scales[index - 1] > movement:
            raise FormatError("scales are sorted")
    return dict(facts)


def check_sealed_facts(sealed: object) -> SealedFacts:
    """A sealed set's members, decoded; ``FormatError`` unless it is exactly ``{"v": 1, "kid", "epk", "nonce",
    "ct"}`` with a ciphertext as long as a padded facts body (256 ... 16,384 bytes) plus the tag. The server runs
    this check on every set it keeps: it cannot open them."""
    if not isinstance(sealed, Mapping) or set(sealed) != _SEALED_MEMBERS:
        raise FormatError("a sealed fact set has exactly v, kid, epk, nonce and ct")
    if not _is_version(sealed["v"]):
        raise FormatError("unknown fact set version")
    kid = check_hex_id(sealed["kid"], 16, "kid")
    epk = b64u_decode(sealed["epk"], KEY_BYTES, "epk")
    nonce = b64u_decode(sealed["nonce"], NONCE_BYTES, "nonce")
    text = sealed["ct"]
    if not isinstance(text, str) or len(text) > MAX_SEALED_CT_CHARS:
        raise FormatError("ct is too long")
    ct = b64u_decode(text, None, "ct")
    if not is_bucket_size(len(ct) - TAG_BYTES) or len(ct) - TAG_BYTES > MAX_FACTS_PADDED:
        raise FormatError("ct is not a padded fact set")
    return SealedFacts(kid, epk, nonce, ct)


def _facts_associated(kid: str) -> bytes:
    return canonical_json({"ctx": "alongside/v1/learning-facts", "kid": kid, "v": LEARNING_VERSION})


def _seal_key(shared: bytes, epk: bytes, pub: bytes) -> bytes:
    return hkdf_sha256(shared, epk + pub, b"alongside/v1/learning-seal", KEY_BYTES)


def seal_facts(facts: object, *, pub: bytes | str, kid: str, random: Random = os.urandom) -> dict[str, Any]:
    """Seal ``facts`` to the learning key ``pub`` (bytes or base64url) whose id is ``kid``:
    ``{"v": 1, "kid", "epk", "nonce", "ct"}``. Draws 32 bytes (the ephemeral key), then 12 (the nonce)."""
    check_facts(facts)
    key = _bytes_of(pub, KEY_BYTES, "learning public key")
    _check_key_pair(key, kid)
    plaintext = pad(canonical_json(facts))
    if len(plaintext) > MAX_FACTS_PADDED:
        raise FormatError("facts are too long")
    epk, shared = ephemeral_agreement(random, key, "learning public key")
    nonce = draw(random, NONCE_BYTES)
    ct = aead_seal(_seal_key(shared, epk, key), nonce, plaintext, _facts_associated(kid))
    return {
        "v": LEARNING_VERSION,
        "kid": kid,
        "epk": b64u_encode(epk),
        "nonce": b64u_encode(nonce),
        "ct": b64u_encode(ct),
    }


def open_facts(sealed: object, *, priv: bytes, kid: str) -> dict[str, Any]:
    """Open a sealed set with the learning private key ``priv`` (id ``kid``). ``FormatError`` when the set is
    malformed or what it holds is not a facts body; ``DecryptionError`` for another key (another kid) or an
    altered set."""
    check_bytes(priv, KEY_BYTES, "learning private key")
    pub = x25519_public(priv)
    _check_key_pair(pub, kid)
    parsed = check_sealed_facts(sealed)
    if parsed.kid != kid:
        raise DecryptionError()
    shared = x25519_shared(priv, parsed.epk)
    plaintext = aead_open(_seal_key(shared, parsed.epk, pub), parsed.nonce, parsed.ct, _facts_associated(kid))
    return check_facts(parse_canonical_json(unpad(plaintext)))
