"""Statements (spec §8.4) and field statements (spec §8.5): facts a device signs on their own.

A statement is ``canonical_json(fields + {"ctx": context})`` signed with Ed25519. A field statement
says who set one field of an item body to one value; it is copied unchanged when a later version of
the item (by any device) keeps that field, so who set which words survives every edit and merge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .encoding import (
    MAX_SAFE_INTEGER,
    b64u_decode,
    b64u_encode,
    canonical_json,
    check_hex_id,
    check_plan_id,
)
from .errors import FormatError, SignatureError
from .keys import DeviceKeys, DevicePublicKeys
from .primitives import SIGNATURE_BYTES, ed25519_sign, ed25519_verify
from .provenance import lookup_device

FIELD_CONTEXT = "alongside/v2/field"
_FIELD_MEMBERS = frozenset({"v", "h", "at", "dev", "sig"})


def statement_message(context: str, fields: Mapping[str, object]) -> bytes:
    """``canonical_json(fields + {"ctx": context})`` (spec §8.4).

    ``context`` is a string starting ``alongside/``; ``fields`` an object without a ``ctx`` member whose
    values are canonical-JSON-serialisable. ``FormatError`` otherwise.
    """
    if not isinstance(context, str) or not context.startswith("alongside/"):
        raise FormatError('a statement context is a string starting "alongside/"')
    if not isinstance(fields, Mapping):
        raise FormatError("statement fields must be an object")
    if "ctx" in fields:
        raise FormatError("statement fields must not have a ctx member")
    return canonical_json({**fields, "ctx": context})


def sign_statement(context: str, fields: Mapping[str, object], author: DeviceKeys) -> str:
    """``b64u(Ed25519-Sign(author, statement_message(context, fields)))``."""
    if not isinstance(author, DeviceKeys):
        raise FormatError("author must be DeviceKeys")
    return b64u_encode(ed25519_sign(author.signing_private, statement_message(context, fields)))


def verify_statement(
    context: str, fields: Mapping[str, object], sig: object, *, signer: str, devices: Mapping[str, DevicePublicKeys]
) -> None:
    """Raise ``SignatureError`` unless ``sig`` is the known device ``signer``'s signature of the statement.

    ``SignatureError`` also when ``signer`` is unknown, its keys do not hash to its id, or ``sig`` is not
    64 bytes of base64url; ``FormatError`` when ``context`` or ``fields`` are malformed.
    """
    message = statement_message(context, fields)
    device = lookup_device(devices, signer)
    try:
        signature = b64u_decode(sig, SIGNATURE_BYTES, "signature")
    except FormatError as exc:
        raise SignatureError() from exc
    if not ed25519_verify(device.signing, signature, message):
        raise SignatureError()


def _check_at(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INTEGER:
        raise FormatError("at is an integer number of milliseconds, 0 or more")
    return value


def _check_name(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise FormatError("a field name is a non-empty string")
    return value


def _check_history(value: object) -> list[str]:
    if (
        not isinstance(value, (list, tuple))
        or not value
        or not all(isinstance(entry, str) for entry in value)
        or len(set(value)) != len(value)
    ):
        raise FormatError("h is a non-empty list of distinct strings")
    return list(value)


def field_statement(
    *, plan_id: str, doc_id: str, name: str, value: object, h: Sequence[str], at: int, dev: str
) -> dict[str, object]:
    """The fields of a field statement (spec §8.5): ``{"at", "dev", "h", "id", "name", "plan", "v"}``."""
    check_plan_id(plan_id)
    check_hex_id(doc_id, 16, "document id")
    check_hex_id(dev, 16, "device id")
    history = _check_history(h)
    name = _check_name(name)
    return {"at": _check_at(at), "dev": dev, "h": history, "id": doc_id, "name": name, "plan": plan_id, "v": value}


def sign_field(
    *, plan_id: str, doc_id: str, name: str, value: object, h: Sequence[str], at: int, author: DeviceKeys
) -> str:
    """The field statement ``sig`` for field ``name`` of document ``doc_id`` set to ``value`` by ``author``.

    ``h`` is the new field version's whole history (its own id first, then the ids it descends from)
    and ``at`` when it was set (integer milliseconds). The field version the application stores is
    ``{"v": value, "h": h, "at": at, "dev": author's device id, "sig": <this>}``. Signing the whole
    history means nobody can later make an old field version claim to descend from a newer one.
    """
    if not isinstance(author, DeviceKeys):
        raise FormatError("author must be DeviceKeys")
    fields = field_statement(plan_id=plan_id, doc_id=doc_id, name=name, value=value, h=h, at=at, dev=author.device_id)
    return sign_statement(FIELD_CONTEXT, fields, author)


def verify_field(
    *, plan_id: str, doc_id: str, name: str, field: Mapping[str, object], devices: Mapping[str, DevicePublicKeys]
) -> None:
    """Check one field version ``{"v", "h", "at", "dev", "sig"}`` of document ``doc_id`` (spec §8.5).

    ``FormatError`` when ``field`` does not have exactly these members, ``at`` is not an integer 0 or
    more, ``h`` not a non-empty list of distinct strings or ``dev`` not a device id; ``SignatureError`` when
    ``dev`` is not a known device or ``sig`` is not its statement for this value.
    """
    if not isinstance(field, Mapping) or set(field) != _FIELD_MEMBERS:
        raise FormatError("a field version has exactly v, h, at, dev and sig")
    history = field["h"]
    if not isinstance(history, list):
        raise FormatError("h is a non-empty list of distinct strings")
    dev = check_hex_id(field["dev"], 16, "dev")
    at = field["at"]
    fields = field_statement(
        plan_id=plan_id, doc_id=doc_id, name=name, value=field["v"], h=history, at=_check_at(at), dev=dev
    )
    verify_statement(FIELD_CONTEXT, fields, field["sig"], signer=dev, devices=devices)
