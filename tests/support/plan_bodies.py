"""Item bodies of schema 2 (docs/app.md "Items and provenance"), made and read the way the app does.

A body is ``{"a": 2, "type", "created": {"at", "dev"}, "f": {name: {"v", "h", "at", "dev", "sig"}}}``:
every field version carries its own short history ``h`` (a fresh id first), when and by which device
it was set, and that device's field statement (docs/crypto.md §8.5). Only the device that sets a value
signs a new field version; an edit copies the fields it does not change, statements and all.

A deletion's body is a stamp: ``{"a": 2, "type", "deleted": {"at", "dev"}}`` (or ``"superseded"`` for a
conflicting leaf a merge retired).
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any

from alongside.crypto import DeviceKeys, DevicePublicKeys, b64u_encode, canonical_json
from alongside.crypto.errors import CryptoError
from alongside.crypto.statements import sign_field, verify_field

SCHEMA = 2
FIELD_HISTORY = 24
Body = dict[str, Any]

# The fields of each type that hold what someone said (docs/app.md: `WORDS`, as the registry `pwa/src/data/kinds.js`).
WORDS: dict[str, tuple[str, ...]] = {
    "strength": ("text", "noticed", "example"),
    "matter": ("text",),
    "goal": ("text", "low", "high"),
    "reading": ("why", "higher"),
    "step": ("text",),
    "contingency": ("trigger", "response"),
    "person": ("name", "relationship"),
    "activity": ("text", "where"),
    "good_news": ("text",),
}
# Fields an agreement does not cover (docs/app.md "Agreements"): where steps and goals are up to, and the
# old agree fields.
NOT_AGREED = {"step": frozenset({"status"}), "goal": frozenset({"status"})}
OLD_AGREEMENT_FIELDS = frozenset({"agree", "agree_note"})


def now_ms() -> int:
    """The clock as integer milliseconds (canonical JSON has no fractions)."""
    return int(time.time() * 1000)


def new_field_id() -> str:
    """A fresh id for a field version: 5 random bytes as hex, as the app draws them."""
    return os.urandom(5).hex()


def field_version(
    previous: Mapping[str, Any] | None,
    value: Any,
    *,
    plan_id: str,
    doc_id: str,
    name: str,
    author: DeviceKeys,
    at: int,
    history: Iterable[str] = (),
) -> Body:
    """A new version of field ``name`` set to ``value`` by ``author``, descending from ``previous`` (and
    from every id in ``history``), signed with ``author``'s field statement."""
    older = [*(previous["h"] if previous else []), *history]
    h0 = new_field_id()
    h = [h0, *dict.fromkeys(older)][:FIELD_HISTORY]
    sig = sign_field(plan_id=plan_id, doc_id=doc_id, name=name, value=value, h=h, at=at, author=author)
    return {"v": value, "h": h, "at": at, "dev": author.device_id, "sig": sig}


def new_body(
    item_type: str, values: Mapping[str, Any], *, plan_id: str, doc_id: str, author: DeviceKeys, at: int | None = None
) -> Body:
    """The first version of an item: every field set (and signed) by ``author``."""
    at = now_ms() if at is None else at
    fields = {
        name: field_version(None, value, plan_id=plan_id, doc_id=doc_id, name=name, author=author, at=at)
        for name, value in values.items()
    }
    return {"a": SCHEMA, "type": item_type, "created": {"at": at, "dev": author.device_id}, "f": fields}


def edited_body(
    body: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    plan_id: str,
    doc_id: str,
    author: DeviceKeys,
    at: int | None = None,
) -> Body:
    """A later version of ``body``: the fields in ``values`` get new versions by ``author``; the others are
    copied as they are (values, histories, statements and all)."""
    at = now_ms() if at is None else at
    fields = dict(body["f"])
    for name, value in values.items():
        fields[name] = field_version(
            fields.get(name), value, plan_id=plan_id, doc_id=doc_id, name=name, author=author, at=at
        )
    return {**body, "f": fields}


def stamp_body(item_type: str, stamp: str, *, author: DeviceKeys, at: int | None = None) -> Body:
    """The body of a deletion: ``{"a", "type", "deleted" | "superseded": {"at", "dev"}}``."""
    at = now_ms() if at is None else at
    return {"a": SCHEMA, "type": item_type, stamp: {"at": at, "dev": author.device_id}}


def values(body: Mapping[str, Any]) -> dict[str, Any]:
    """The plain values of a body's fields."""
    return {name: field["v"] for name, field in body.get("f", {}).items()}


def compare_fields(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    """``"same"``, ``"a"`` (a descends from b), ``"b"``, ``"equal"`` (concurrent, same value) or ``"conflict"``."""
    if a["h"][0] == b["h"][0]:
        return "same"
    if b["h"][0] in a["h"]:
        return "a"
    if a["h"][0] in b["h"]:
        return "b"
    return "equal" if a["v"] == b["v"] else "conflict"


def merged_fields(bodies: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Field-by-field merge of several versions' fields, the first (the winner's) kept where they conflict."""
    fields: dict[str, Any] = {}
    for body in bodies:
        for name, version in body.get("f", {}).items():
            current = fields.get(name)
            if current is None or compare_fields(current, version) == "b":
                fields[name] = version
    return fields


def unverified_fields(
    body: Mapping[str, Any], *, plan_id: str, doc_id: str, devices: Mapping[str, DevicePublicKeys]
) -> list[str]:
    """The names of the fields whose statement does not verify (docs/crypto.md §8.5)."""
    bad = []
    for name, field in body.get("f", {}).items():
        try:
            verify_field(plan_id=plan_id, doc_id=doc_id, name=name, field=field, devices=devices)
        except CryptoError:
            bad.append(name)
    return bad


def content_hash(body: Mapping[str, Any]) -> str:
    """``b64u(SHA-256(canonical_json({"fields": {name: value}, "type": type})))`` over every field an
    agreement covers (docs/app.md "Agreements")."""
    skip = NOT_AGREED.get(str(body["type"]), frozenset()) | OLD_AGREEMENT_FIELDS
    fields = {name: value for name, value in values(body).items() if name not in skip}
    return b64u_encode(hashlib.sha256(canonical_json({"fields": fields, "type": body["type"]})).digest())


def origin(body: Mapping[str, Any]) -> str | None:
    """The device that typed the item: the device of its oldest field version (docs/app.md)."""
    fields = body.get("f", {})
    if not fields:
        created = body.get("created")
        return created.get("dev") if isinstance(created, dict) else None
    oldest = min(fields, key=lambda name: (fields[name]["at"], name))
    dev: str = fields[oldest]["dev"]
    return dev
