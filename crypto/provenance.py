"""Signed items and versions (spec §8.1, §8.2): the authoring device signs each version of an item.

The signature, the author's device id, the version number ``n`` and the hashes ``prev`` of the versions
a version replaces all live inside the ciphertext. A version's hash (``version_hash``) is the SHA-256 of
the message its author signed, so re-sealing a version under another key keeps its hash.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from .encoding import (
    MAX_SAFE_INTEGER,
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
from .primitives import SIGNATURE_BYTES, ed25519_sign, ed25519_verify, sha256

ITEM_VERSIONS = (1, 2)
CURRENT_ITEM_VERSION = 2
MAX_VERSION_NUMBER = MAX_SAFE_INTEGER
MAX_PREV = 16
VERSION_HASH_BYTES = 32
_ITEM_CONTEXT = {1: "alongside/v1/item", 2: "alongside/v2/item"}
_MEMBERS = {1: frozenset({"body", "by", "sig"}), 2: frozenset({"body", "by", "n", "prev", "sig"})}
_HASH_TEXT = re.compile(r"[A-Za-z0-9_-]{43}")


def check_version_hash(value: object, what: str = "version hash") -> str:
    """Return ``value`` if it is a version hash: canonical base64url (43 characters) of 32 bytes."""
    if not isinstance(value, str) or not _HASH_TEXT.fullmatch(value):
        raise FormatError(f"{what} must be 43 base64url characters")
    b64u_decode(value, VERSION_HASH_BYTES, what)
    return value


def check_version_number(value: object, *, allow_zero: bool = False) -> int:
    """Return ``value`` if it is an integer ``n`` from 1 (or 0 with ``allow_zero``) to 2**53 - 1."""
    low = 0 if allow_zero else 1
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_VERSION_NUMBER:
        raise FormatError(f"a version number n is an integer from {low} to 2**53 - 1")
    return value


def check_prev(value: object) -> tuple[str, ...]:
    """Return ``value`` as a tuple if it is a valid ``prev``: at most 16 version hashes, strictly increasing."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise FormatError("prev must be a list of version hashes")
    if len(value) > MAX_PREV:
        raise FormatError(f"prev lists at most {MAX_PREV} version hashes")
    hashes = tuple(check_version_hash(item, "a prev entry") for item in value)
    if any(earlier >= later for earlier, later in itertools.pairwise(hashes)):
        raise FormatError("prev must be sorted and without repeats")
    return hashes


def _prev_from(prev: Iterable[str]) -> tuple[str, ...]:
    if isinstance(prev, (str, bytes, Mapping)) or not isinstance(prev, Iterable):
        raise FormatError("prev must be a list of version hashes")
    return check_prev(tuple(prev))


def _check_item_version(version: object) -> int:
    if isinstance(version, bool) or version not in ITEM_VERSIONS:
        raise FormatError("an item version is 1 or 2")
    assert isinstance(version, int)
    return version


@dataclass(frozen=True, slots=True)
class SignedItem:
    """One version of an item: its body, author, signature and place in history (the envelope's plaintext).

    ``version`` is the format: 2 (``n`` 1 ... 2**53 - 1, ``prev`` up to 16 sorted version hashes) or 1
    (written under version 1 of the spec; ``n`` is 0 and ``prev`` empty). ``SignedItem(body, by, sig)``
    is a version-2 first version (``n`` 1, no ``prev``).
    """

    body: dict[str, JSONValue]
    by: str
    sig: bytes
    n: int = 1
    prev: tuple[str, ...] = ()
    version: int = CURRENT_ITEM_VERSION

    def __post_init__(self) -> None:
        _check_item_version(self.version)
        if not isinstance(self.body, dict):
            raise FormatError("an item body must be an object")
        check_hex_id(self.by, 16, "author device id")
        if not isinstance(self.sig, bytes) or len(self.sig) != SIGNATURE_BYTES:
            raise FormatError("a signature is 64 bytes")
        if self.version == 1:
            if self.n != 0 or self.prev != ():
                raise FormatError("a version-1 signed item has n 0 and no prev")
        else:
            check_version_number(self.n)
            object.__setattr__(self, "prev", check_prev(self.prev))

    def to_json(self) -> dict[str, JSONValue]:
        """The members of spec §7.2: ``{"body", "by", "n", "prev", "sig"}`` (version 1: ``{"body", "by", "sig"}``)."""
        if self.version == 1:
            return {"body": self.body, "by": self.by, "sig": b64u_encode(self.sig)}
        return {"body": self.body, "by": self.by, "n": self.n, "prev": list(self.prev), "sig": b64u_encode(self.sig)}

    @classmethod
    def from_json(cls, value: object, version: int = CURRENT_ITEM_VERSION) -> SignedItem:
        """Parse a signed item of format ``version`` strictly (spec §7.4 step 4); ``FormatError`` on anything else."""
        version = _check_item_version(version)
        if not isinstance(value, dict) or set(value) != _MEMBERS[version]:
            members = ", ".join(sorted(_MEMBERS[version]))
            raise FormatError(f"a version-{version} signed item has exactly {members}")
        body = value["body"]
        if not isinstance(body, dict):
            raise FormatError("an item body must be an object")
        by = check_hex_id(value["by"], 16, "author device id")
        sig = b64u_decode(value["sig"], SIGNATURE_BYTES, "signature")
        if version == 1:
            return cls(body, by, sig, 0, (), 1)
        return cls(body, by, sig, check_version_number(value["n"]), check_prev(value["prev"]), 2)


def _as_body(body: Mapping[str, object]) -> dict[str, JSONValue]:
    """A plain-JSON deep copy of ``body``, checked to be canonical-JSON-serialisable."""
    if not isinstance(body, Mapping):
        raise FormatError("an item body must be an object")
    copy = parse_canonical_json(canonical_json(body))
    assert isinstance(copy, dict)
    return copy


def item_signature_message(
    body: Mapping[str, object],
    *,
    by: str,
    plan_id: str,
    doc_id: str,
    deleted: bool,
    n: int | None = None,
    prev: Iterable[str] = (),
    version: int = CURRENT_ITEM_VERSION,
) -> bytes:
    """The canonical JSON an author signs (spec §8.1).

    Version 2: ``{"body", "by", "ctx": "alongside/v2/item", "del", "id", "n", "plan", "prev"}`` (``n``
    defaults to 1). Version 1: ``{"body", "by", "ctx": "alongside/v1/item", "del", "id", "plan"}``, where
    ``n`` must be absent or 0 and ``prev`` empty.
    """
    version = _check_item_version(version)
    check_hex_id(by, 16, "device id")
    check_plan_id(plan_id)
    check_hex_id(doc_id, 16, "document id")
    if not isinstance(deleted, bool):
        raise FormatError("deleted must be a boolean")
    message: dict[str, object] = {
        "body": body,
        "by": by,
        "ctx": _ITEM_CONTEXT[version],
        "del": deleted,
        "id": doc_id,
        "plan": plan_id,
    }
    hashes = _prev_from(prev)
    if version == 1:
        if n not in (None, 0) or hashes:
            raise FormatError("a version-1 message has no n and no prev")
    else:
        message["n"] = check_version_number(1 if n is None else n)
        message["prev"] = list(hashes)
    return canonical_json(message)


def signed_item_message(signed: SignedItem, *, plan_id: str, doc_id: str, deleted: bool) -> bytes:
    """The message ``signed`` was (or should have been) signed over, for its own version."""
    return item_signature_message(
        signed.body,
        by=signed.by,
        plan_id=plan_id,
        doc_id=doc_id,
        deleted=deleted,
        n=signed.n,
        prev=signed.prev,
        version=signed.version,
    )


def sign_item(
    body: Mapping[str, object],
    *,
    plan_id: str,
    doc_id: str,
    author: DeviceKeys,
    deleted: bool = False,
    n: int = 1,
    prev: Iterable[str] = (),
) -> SignedItem:
    """Sign ``body`` as version ``n`` of document ``doc_id``, replacing the versions ``prev`` (spec §8.1, §8.2).

    Always a version-2 signed item. ``prev`` must already be sorted and without repeats (at most 16);
    :func:`next_version` computes ``n`` and ``prev`` from the versions an edit, merge or deletion replaces.
    """
    if not isinstance(author, DeviceKeys):
        raise FormatError("author must be DeviceKeys")
    plain = _as_body(body)
    hashes = _prev_from(prev)
    number = check_version_number(n)
    message = item_signature_message(
        plain, by=author.device_id, plan_id=plan_id, doc_id=doc_id, deleted=deleted, n=number, prev=hashes
    )
    return SignedItem(plain, author.device_id, ed25519_sign(author.signing_private, message), number, hashes, 2)


def sign_item_v1(
    body: Mapping[str, object], *, plan_id: str, doc_id: str, author: DeviceKeys, deleted: bool = False
) -> SignedItem:
    """Legacy, for vectors and tests of spec §20 only: a version-1 signed item. Applications never write these."""
    if not isinstance(author, DeviceKeys):
        raise FormatError("author must be DeviceKeys")
    plain = _as_body(body)
    message = item_signature_message(
        plain, by=author.device_id, plan_id=plan_id, doc_id=doc_id, deleted=deleted, version=1
    )
    return SignedItem(plain, author.device_id, ed25519_sign(author.signing_private, message), 0, (), 1)


def version_hash(signed: SignedItem, *, plan_id: str, doc_id: str, deleted: bool) -> str:
    """``b64u(SHA-256(M))`` with ``M`` the signed message of ``signed`` (spec §8.2); 43 characters."""
    if not isinstance(signed, SignedItem):
        raise FormatError("signed must be a SignedItem")
    return b64u_encode(sha256(signed_item_message(signed, plan_id=plan_id, doc_id=doc_id, deleted=deleted)))


class VersionLike(Protocol):
    """Anything with a version number ``n`` and a version hash ``vh`` (an opened item, a remembered version)."""

    @property
    def n(self) -> int: ...

    @property
    def vh(self) -> str: ...


def next_version(versions: Iterable[tuple[int, str] | VersionLike]) -> tuple[int, tuple[str, ...]]:
    """``(n, prev)`` for a version that replaces ``versions`` (spec §8.2).

    ``versions`` holds ``(n, vh)`` pairs or objects with ``.n`` and ``.vh`` (for example
    :class:`alongside.crypto.envelope.OpenedItem`); a version-1 item counts as ``n`` 0. The result is
    ``(1 + max n, prev)`` where ``prev`` is the sorted distinct version hashes, at most 16: those of the
    highest ``n``, ties broken in favour of the higher hash (as a string). No versions: ``(1, ())``.
    """
    seen: dict[str, int] = {}
    for version in versions:
        if isinstance(version, tuple):
            if len(version) != 2:
                raise FormatError("a version is an (n, vh) pair")
            n, vh = version
        else:
            n, vh = version.n, version.vh
        number = check_version_number(n, allow_zero=True)
        check_version_hash(vh)
        if vh in seen and seen[vh] != number:
            raise FormatError("one version hash with two version numbers")
        seen[vh] = number
    if not seen:
        return 1, ()
    highest = max(seen.values())
    if highest >= MAX_VERSION_NUMBER:
        raise FormatError("version numbers exhausted")
    kept = sorted(seen.items(), key=lambda item: (item[1], item[0]), reverse=True)[:MAX_PREV]
    return highest + 1, tuple(sorted(vh for vh, _ in kept))


def lookup_device(devices: Mapping[str, DevicePublicKeys], device_id: str) -> DevicePublicKeys:
    """The known device ``device_id``, checking its keys hash to that id; ``SignatureError`` otherwise."""
    known = devices.get(device_id) if isinstance(device_id, str) else None
    if not isinstance(known, DevicePublicKeys) or known.device_id != device_id:
        raise SignatureError()
    return known


def verify_item(
    signed: SignedItem, *, plan_id: str, doc_id: str, deleted: bool, devices: Mapping[str, DevicePublicKeys]
) -> None:
    """Raise ``SignatureError`` unless ``signed.sig`` is the known device ``signed.by``'s signature for this version.

    The message is rebuilt (for the signed item's own version, with its ``n`` and ``prev``) from the
    document's id, its deleted flag and the caller's plan id (spec §8.1).
    """
    if not isinstance(signed, SignedItem):
        raise SignatureError()
    author = lookup_device(devices, signed.by)
    try:
        message = signed_item_message(signed, plan_id=plan_id, doc_id=doc_id, deleted=deleted)
    except FormatError as exc:
        raise SignatureError() from exc
    if not ed25519_verify(author.signing, signed.sig, message):
        raise SignatureError()
