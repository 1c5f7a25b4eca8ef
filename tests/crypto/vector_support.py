"""Helpers shared by the crypto tests: loading vectors and turning their JSON into key objects."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from alongside.crypto import (
    CryptoError,
    DecryptionError,
    DeviceKeys,
    DevicePublicKeys,
    FormatError,
    InviteExpiredError,
    Keyring,
    OpenedItem,
    PlanKey,
    SignatureError,
    WireFormatError,
    b64u_decode,
    b64u_encode,
    open_item,
)

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
ERRORS: dict[str, type[CryptoError]] = {
    "FormatError": FormatError,
    "WireFormatError": WireFormatError,
    "DecryptionError": DecryptionError,
    "SignatureError": SignatureError,
    "InviteExpiredError": InviteExpiredError,
}
Json = dict[str, Any]


def load(name: str) -> Json:
    """One vector file."""
    data: Json = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def cases(name: str, kind: str) -> list[Any]:
    """pytest params for one set (``generate``, ``verify``, ``invalid``) of a vector file, named by case."""
    import pytest

    return [pytest.param(case, id=case["name"]) for case in load(name)[kind]]


class ScriptedRandom:
    """A random source that replays the draws a vector lists, checking every size."""

    def __init__(self, draws: Iterable[str]) -> None:
        self._draws = [b64u_decode(d) for d in draws]
        self._next = 0

    def __call__(self, length: int) -> bytes:
        assert self._next < len(self._draws), "drew more random values than the vector lists"
        data = self._draws[self._next]
        assert len(data) == length, f"draw {self._next}: asked for {length} bytes, vector has {len(data)}"
        self._next += 1
        return data

    def assert_used_up(self) -> None:
        """Every listed draw was consumed."""
        assert self._next == len(self._draws), "drew fewer random values than the vector lists"


def device_from(private: Mapping[str, str]) -> DeviceKeys:
    """DeviceKeys from ``{"enc_private", "sig_private"}``."""
    return DeviceKeys(b64u_decode(private["enc_private"]), b64u_decode(private["sig_private"]))


def public_from(value: Mapping[str, str]) -> DevicePublicKeys:
    """DevicePublicKeys from ``{"enc", "sig", ...}`` (a ``device_id`` member is ignored)."""
    return DevicePublicKeys(b64u_decode(value["enc"]), b64u_decode(value["sig"]))


def devices_from(values: Iterable[Mapping[str, str]]) -> dict[str, DevicePublicKeys]:
    """A roster keyed by device id; a ``device_id`` member, when present, is used as the key."""
    out: dict[str, DevicePublicKeys] = {}
    for value in values:
        public = public_from(value)
        out[value.get("device_id", public.device_id)] = public
    return out


def key_from(plan_id: str, value: Mapping[str, Any]) -> PlanKey:
    """PlanKey from ``{"epoch", "secret"}`` and, for an audience key (spec §5.3), ``"audience"``."""
    return PlanKey(plan_id, value["epoch"], b64u_decode(value["secret"]), value.get("audience", "everyone"))


def key_json(key: PlanKey) -> dict[str, Any]:
    """``{"epoch", "secret", "kid"}`` and, for an audience key, ``"audience"`` (as the vectors write a key)."""
    audience = {} if key.audience == "everyone" else {"audience": key.audience}
    return {"epoch": key.epoch, "secret": b64u_encode(key.secret), "kid": key.kid, **audience}


def keyring_from(plan_id: str, values: Iterable[Mapping[str, Any]]) -> Keyring:
    """Keyring from a list of ``{"epoch", "secret"}``."""
    return Keyring(plan_id, [key_from(plan_id, value) for value in values])


def opened_fields(opened: OpenedItem) -> Json:
    """An opened item as the vectors and the JS side's ``open_item`` task write it: every field, as JSON."""
    return {
        "body": opened.body,
        "author": opened.author,
        "kid": opened.kid,
        "deleted": opened.deleted,
        "version": opened.version,
        "n": opened.n,
        "prev": list(opened.prev),
        "vh": opened.vh,
    }


def open_vector(case: Mapping[str, Any]) -> OpenedItem:
    """Open an envelope vector's document with its plan, keys and devices (its ``allow_retired`` too)."""
    return open_item(
        case["document"],
        plan_id=case["plan_id"],
        keyring=keyring_from(case["plan_id"], case["keys"]),
        devices=devices_from(case["devices"]),
        allow_retired=case["allow_retired"],
    )
