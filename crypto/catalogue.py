"""The signed activities catalogue (spec §22): what an organisation's server hands its devices, signed so that a
device can tell that nobody on the way (a proxy, a cache) altered it.

The signed message is a statement (§8.4): ``canonical_json(catalogue + {"ctx": "alongside/v1/activities"})``,
where ``catalogue`` is ``{"v": 1, "org", "version", "issued_at", "activities"}``. The wire form is
``{"catalogue", "key", "sig"}``: the catalogue, the organisation's catalogue public key and the signature, both
base64url. A device checks the signature under the key it pinned, not under the ``key`` it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .encoding import MAX_SAFE_INTEGER, b64u_decode, b64u_encode
from .errors import FormatError, SignatureError
from .primitives import KEY_BYTES, SIGNATURE_BYTES, ed25519_public, ed25519_sign, ed25519_verify
from .statements import statement_message

CATALOGUE_CONTEXT = "alongside/v1/activities"
CATALOGUE_VERSION = 1
_MEMBERS = frozenset({"v", "org", "version", "issued_at", "activities"})


def check_catalogue(catalogue: object) -> dict[str, Any]:
    """``catalogue`` if it has exactly the members of a catalogue of version 1; ``FormatError`` otherwise."""
    if not isinstance(catalogue, Mapping) or set(catalogue) != _MEMBERS:
        raise FormatError("a catalogue has exactly v, org, version, issued_at and activities")
    if catalogue["v"] != CATALOGUE_VERSION:
        raise FormatError("unknown catalogue version")
    if not isinstance(catalogue["org"], str) or not catalogue["org"]:
        raise FormatError("org must be a non-empty string")
    for name in ("version", "issued_at"):
        value = catalogue[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
            raise FormatError(f"{name} must be a non-negative integer")
    activities = catalogue["activities"]
    if not isinstance(activities, list) or not all(isinstance(a, Mapping) for a in activities):
        raise FormatError("activities must be a list of objects")
    return dict(catalogue)


def catalogue_message(catalogue: Mapping[str, object]) -> bytes:
    """The bytes an organisation's catalogue key signs: the catalogue as a statement (§8.4, §22)."""
    return statement_message(CATALOGUE_CONTEXT, check_catalogue(catalogue))


def catalogue_public_key(private: bytes) -> str:
    """The base64url public key of a catalogue signing key (a 32-byte Ed25519 seed)."""
    return b64u_encode(ed25519_public(private))


def sign_catalogue(catalogue: Mapping[str, object], private: bytes) -> dict[str, Any]:
    """The wire form ``{"catalogue", "key", "sig"}`` of ``catalogue`` signed with the seed ``private``."""
    signature = ed25519_sign(private, catalogue_message(catalogue))
    return {"catalogue": dict(catalogue), "key": catalogue_public_key(private), "sig": b64u_encode(signature)}


def verify_catalogue(signed: object, pinned_key: str) -> dict[str, Any]:
    """The catalogue of ``signed`` if its signature verifies under ``pinned_key`` (base64url); ``SignatureError``
    if it does not (altered, signed by another key, or no signature), ``FormatError`` if it is malformed."""
    if not isinstance(signed, Mapping) or not {"catalogue", "sig"} <= set(signed):
        raise SignatureError()
    message = catalogue_message(signed["catalogue"])
    public = b64u_decode(pinned_key, KEY_BYTES, "catalogue key")
    try:
        signature = b64u_decode(signed["sig"], SIGNATURE_BYTES, "signature")
    except FormatError:
        raise SignatureError() from None
    if not ed25519_verify(public, signature, message):
        raise SignatureError()
    return check_catalogue(signed["catalogue"])
