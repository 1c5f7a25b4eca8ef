"""Signed provenance (spec §8): the authoring device signs each item; the signature lives inside the ciphertext."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .encoding import (
    JSONValue,
    b64u_decode,
    b64u_encode,
    canonical_json,
    check_hex_id,
    check_plan_id,
    parse_canonical_json,
)
from .errors import FormatError, SignatureError
from .keys import DeviceKeys, DevicePublicKeys
from .primitives import SIGNATURE_BYTES, ed25519_sign, ed25519_verify


@dataclass(frozen=True, slots=True)
class SignedItem:
    """An item body with its author's device id and Ed25519 signature: the plaintext of an envelope."""

    body: dict[str, JSONValue]
    by: str
    sig: bytes

    def to_json(self) -> dict[str, JSONValue]:
        """``{"body", "by", "sig"}`` as it is encrypted."""
        return {"body": self.body, "by": self.by, "sig": b64u_encode(self.sig)}

    @classmethod
    def from_json(cls, value: object) -> SignedItem:
        """Parse ``{"body": object, "by": device id, "sig": base64url}``; ``FormatError`` on anything else."""
        if not isinstance(value, dict) or set(value) != {"body", "by", "sig"}:
            raise FormatError("a signed item has exactly body, by and sig")
        body = value["body"]
        if not isinstance(body, dict):
            raise FormatError("an item body must be an object")
        by = check_hex_id(value["by"], 16, "author device id")
        return cls(body, by, b64u_decode(value["sig"], SIGNATURE_BYTES, "signature"))


def _as_body(body: Mapping[str, object]) -> dict[str, JSONValue]:
    """A plain-JSON deep copy of ``body``, checked to be canonical-JSON-serialisable."""
    if not isinstance(body, Mapping):
        raise FormatError("an item body must be an object")
    copy = parse_canonical_json(canonical_json(body))
    assert isinstance(copy, dict)
    return copy


def item_signature_message(body: Mapping[str, object], *, by: str, plan_id: str, doc_id: str, deleted: bool) -> bytes:
    """The canonical JSON an author signs: ``{"body", "by", "ctx": "alongside/v1/item", "del", "id", "plan"}``."""
    check_hex_id(by, 16, "device id")
    check_plan_id(plan_id)
    check_hex_id(doc_id, 16, "document id")
    if not isinstance(deleted, bool):
        raise FormatError("deleted must be a boolean")
    return canonical_json(
        {"body": body, "by": by, "ctx": "alongside/v1/item", "del": deleted, "id": doc_id, "plan": plan_id}
    )


def sign_item(
    body: Mapping[str, object], *, plan_id: str, doc_id: str, author: DeviceKeys, deleted: bool = False
) -> SignedItem:
    """Sign ``body`` as written by ``author`` for document ``doc_id`` of plan ``plan_id``."""
    if not isinstance(author, DeviceKeys):
        raise FormatError("author must be DeviceKeys")
    plain = _as_body(body)
    message = item_signature_message(plain, by=author.device_id, plan_id=plan_id, doc_id=doc_id, deleted=deleted)
    return SignedItem(plain, author.device_id, ed25519_sign(author.signing_private, message))


def lookup_device(devices: Mapping[str, DevicePublicKeys], device_id: str) -> DevicePublicKeys:
    """The known device ``device_id``, checking its keys hash to that id; ``SignatureError`` otherwise."""
    known = devices.get(device_id)
    if not isinstance(known, DevicePublicKeys) or known.device_id != device_id:
        raise SignatureError()
    return known


def verify_item(
    signed: SignedItem, *, plan_id: str, doc_id: str, deleted: bool, devices: Mapping[str, DevicePublicKeys]
) -> None:
    """Raise ``SignatureError`` unless ``signed.sig`` is the known device ``signed.by``'s signature for this item."""
    author = lookup_device(devices, signed.by)
    try:
        message = item_signature_message(signed.body, by=signed.by, plan_id=plan_id, doc_id=doc_id, deleted=deleted)
    except FormatError as exc:
        raise SignatureError() from exc
    if not ed25519_verify(author.signing, signed.sig, message):
        raise SignatureError()
