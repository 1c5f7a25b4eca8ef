"""Fixed inputs shared by the vector generators: keys, ids and bodies made from SHA-256 of fixed labels."""

from __future__ import annotations

import hashlib
from typing import Any

from alongside.crypto import (
    DeviceKeys,
    DevicePublicKeys,
    PlanKey,
    b64u_decode,
    b64u_encode,
    canonical_json,
)
from alongside.crypto.primitives import aead_seal, hkdf_sha256

Json = dict[str, Any]


def fixed(label: str, length: int) -> bytes:
    """Fixed, random-looking bytes: SHA-256(label || counter) blocks."""
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(f"alongside-vectors/{label}/{counter}".encode()).digest()
        counter += 1
    return out[:length]


class Script:
    """A random source that hands out fixed bytes and records every draw."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.draws: list[str] = []

    def __call__(self, length: int) -> bytes:
        data = fixed(f"{self.label}/{len(self.draws)}", length)
        self.draws.append(b64u_encode(data))
        return data


def device(name: str) -> DeviceKeys:
    return DeviceKeys(fixed(f"device/{name}/enc", 32), fixed(f"device/{name}/sig", 32))


def private_json(keys: DeviceKeys) -> Json:
    return {"enc_private": b64u_encode(keys.encryption_private), "sig_private": b64u_encode(keys.signing_private)}


def public_json(keys: DevicePublicKeys) -> Json:
    return {**keys.to_json(), "device_id": keys.device_id}


def key_json(key: PlanKey) -> Json:
    audience = {} if key.audience == "everyone" else {"audience": key.audience}
    return {"epoch": key.epoch, "secret": b64u_encode(key.secret), "kid": key.kid, **audience}


ALICE, BOB, CARO, MALLORY = device("alice"), device("bob"), device("caro"), device("mallory")
PLAN = "5f0b1d2c3e4a59687786a5b4c3d2e1f0"
OTHER_PLAN = "other-plan_7"
KEY1 = PlanKey(PLAN, 1, fixed("plan/key1", 32))
KEY2 = PlanKey(PLAN, 2, fixed("plan/key2", 32))
OTHER_KEY = PlanKey(OTHER_PLAN, 1, fixed("plan/key1", 32))
# Audience keys (spec §5.3): the worker key shares KEY1's secret to show that the audience changes the key id.
WORKER1 = PlanKey(PLAN, 1, fixed("plan/key1", 32), "worker")
FAMILY1 = PlanKey(PLAN, 1, fixed("plan/family1", 32), "family")
DOC1 = fixed("doc/1", 16).hex()
DOC2 = fixed("doc/2", 16).hex()
BODIES: list[Json] = [
    {
        "type": "goal",
        "text": "Get back to swimming on Thursdays",
        "voice": "own_words",
        "said_by": "person",
        "lang": "en",
        "created": "2025-03-02T10:15:00Z",
    },
    {
        "type": "strength",
        "text": "أنا جيدة في الطبخ لعائلتي 🍲",
        "lang": "ar",
        "gloss": "I am good at cooking for my family",
        "noticed_by": ["sister", "neighbour"],
        "rating": 7,
    },
    {"type": "step", "text": "x" * 1500, "done": False, "by_when": None, "n": -9007199254740991},
    {},
]


def mutate_b64(text: str, bit: int = 0) -> str:
    raw = bytearray(b64u_decode(text))
    raw[bit // 8] ^= 1 << (bit % 8)
    return b64u_encode(bytes(raw))


def author_id(private: Json) -> str:
    return DeviceKeys(b64u_decode(private["enc_private"]), b64u_decode(private["sig_private"])).device_id


def public_of(private: Json) -> DevicePublicKeys:
    return DeviceKeys(b64u_decode(private["enc_private"]), b64u_decode(private["sig_private"])).public


NOW = 1_750_000_000


def vhash(label: str) -> str:
    """A made-up but well-formed version hash (43 base64url characters of 32 bytes)."""
    return b64u_encode(fixed(f"vh/{label}", 32))


def item_key_bytes(key: PlanKey) -> bytes:
    """The item encryption key of spec §5.2, derived here from primitives."""
    return hkdf_sha256(key.secret, key.plan_id.encode(), b"alongside/v1/item-key", 32)


def raw_item(
    key: PlanKey, doc_id: str, plaintext: bytes, label: str, *, deleted: bool = False, version: int = 2
) -> Json:
    """An item envelope sealed from primitives around any plaintext (for cases the package refuses to make)."""
    nonce = fixed(f"envelope/raw/{label}", 12)
    ad = canonical_json(
        {
            "ctx": f"alongside/v{version}/item",
            "del": deleted,
            "id": doc_id,
            "kid": key.kid,
            "plan": key.plan_id,
            "v": version,
        }
    )
    doc: Json = {"_id": doc_id, "_rev": "1-" + fixed(label, 16).hex()}
    if deleted:
        doc["_deleted"] = True
    ct = aead_seal(item_key_bytes(key), nonce, plaintext, ad)
    doc.update({"v": version, "kind": "item", "kid": key.kid, "nonce": b64u_encode(nonce), "ct": b64u_encode(ct)})
    return doc
