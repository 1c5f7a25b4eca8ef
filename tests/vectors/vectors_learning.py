"""Vectors for learning facts (spec §24): the learning key and its id, the key document an admin's device signs,
a grant of the key to an admin device, a sealed fact set byte for byte; and what must be refused: a set under
another kid or key, altered, with an extra member, holding free text or an unknown member; malformed facts; a
key document signed by another device, or with a key that is not its kid's; grants for another device."""

from __future__ import annotations

from typing import Any

from vector_inputs import ALICE, BOB, CARO, Json, Script, fixed, mutate_b64, private_json

from alongside.crypto.encoding import b64u_encode, canonical_json
from alongside.crypto.learning import (
    _facts_associated,
    _seal_key,
    learning_key_message,
    new_learning_key,
    seal_facts,
    sign_learning_key,
    wrap_learning_key_for,
)
from alongside.crypto.padding import pad
from alongside.crypto.primitives import aead_seal, x25519_public, x25519_shared

# ALICE is the admin's device that draws the key; BOB a second admin device; CARO a worker's device.
ORG = fixed("learning/org", 16).hex()
FACTS: Json = {
    "v": 1,
    "activities": [
        {"tag": "cerdded", "went": "yes", "again": "yes"},
        {"tag": "choir", "went": "no", "again": "unknown"},
        {"tag": "walking group", "went": "unknown", "again": "unknown"},
        {"tag": "مشي", "went": "yes", "again": "no"},
    ],
    "scales": ["down_a_little", "same", "up", "up", "up_a_little"],
}
EMPTY_FACTS: Json = {"v": 1, "activities": [], "scales": []}


def _key_json(priv: bytes, pub: bytes, kid: str) -> Json:
    return {"priv": b64u_encode(priv), "pub": b64u_encode(pub), "kid": kid}


def _seal_raw(body: Any, *, pub: bytes, kid: str, label: str) -> Json:
    """A set sealed exactly as seal_facts seals, around a body seal_facts would refuse (for the negative vectors)."""
    script = Script(label)
    ephemeral = script(32)
    epk = x25519_public(ephemeral)
    nonce = script(12)
    ct = aead_seal(
        _seal_key(x25519_shared(ephemeral, pub), epk, pub), nonce, pad(canonical_json(body)), _facts_associated(kid)
    )
    return {"v": 1, "kid": kid, "epk": b64u_encode(epk), "nonce": b64u_encode(nonce), "ct": b64u_encode(ct)}


def _invalid_facts() -> list[tuple[str, Any]]:
    one = {"tag": "choir", "went": "yes", "again": "no"}
    return [
        ("an extra member (free text)", {**EMPTY_FACTS, "note": "Sam loved the choir"}),
        ("free text where a fixed answer belongs", {**EMPTY_FACTS, "activities": [{**one, "went": "she loved it"}]}),
        ("an unknown member in an activity", {**EMPTY_FACTS, "activities": [{**one, "plan": "5f0b1d2c"}]}),
        ("a member missing", {"v": 1, "activities": []}),
        ("another version", {**EMPTY_FACTS, "v": 2}),
        ("true for the version", {**EMPTY_FACTS, "v": True}),
        ("a tag with a comma", {**EMPTY_FACTS, "activities": [{**one, "tag": "choir, sam"}]}),
        ("a tag with a new line", {**EMPTY_FACTS, "activities": [{**one, "tag": "choir\nsam"}]}),
        ("an empty tag", {**EMPTY_FACTS, "activities": [{**one, "tag": ""}]}),
        ("a tag of 61 characters", {**EMPTY_FACTS, "activities": [{**one, "tag": "a" * 61}]}),
        (
            "activities not sorted by tag",
            {**EMPTY_FACTS, "activities": [{**one, "tag": "walk"}, {**one, "tag": "choir"}]},
        ),
        ("a tag twice", {**EMPTY_FACTS, "activities": [one, one]}),
        (
            "51 activities",
            {**EMPTY_FACTS, "activities": [{**one, "tag": f"tag-{i:02d}"} for i in range(51)]},
        ),
        ("an unknown movement", {**EMPTY_FACTS, "scales": ["much better"]}),
        ("a number for a movement", {**EMPTY_FACTS, "scales": [2]}),
        ("scales not sorted", {**EMPTY_FACTS, "scales": ["up", "down"]}),
        ("51 scales", {**EMPTY_FACTS, "scales": ["same"] * 51}),
        ("not an object", ["choir"]),
    ]


def learning_vectors() -> Json:
    key_script = Script("learning/key")
    key = new_learning_key(key_script)
    other = new_learning_key(Script("learning/other-key"))
    key_json = _key_json(key.priv, key.pub, key.kid)
    other_json = _key_json(other.priv, other.pub, other.kid)
    doc = sign_learning_key(org=ORG, pub=key.pub, kid=key.kid, device_keys=ALICE)
    grant_script = Script("learning/grant")
    grant = wrap_learning_key_for(
        priv=key.priv, kid=key.kid, to=BOB.device_id, enc_pub=BOB.public.encryption, random=grant_script
    )
    own_grant = wrap_learning_key_for(
        priv=key.priv,
        kid=key.kid,
        to=ALICE.device_id,
        enc_pub=ALICE.public.encryption,
        random=Script("learning/own-grant"),
    )
    published = {**doc, "grants": [own_grant, grant]}
    seal_script = Script("learning/seal")
    sealed = seal_facts(FACTS, pub=key.pub, kid=key.kid, random=seal_script)
    sig_pub = b64u_encode(ALICE.public.signing)
    signer = {"device": private_json(ALICE), "device_id": ALICE.device_id}

    generate: list[Json] = [
        {"name": "a learning key from 32 drawn bytes", "type": "key", "random": key_script.draws, "expected": key_json},
        {
            "name": "the key document an admin's device signs",
            "type": "key_document",
            "org": ORG,
            "key": key_json,
            **signer,
            "message": learning_key_message(org=ORG, kid=key.kid, pub=key.pub).decode(),
            "expected": doc,
        },
        {
            "name": "a grant of the learning key to a second admin device",
            "type": "grant",
            "key": key_json,
            "to": BOB.device_id,
            "enc_pub": b64u_encode(BOB.public.encryption),
            "random": grant_script.draws,
            "expected": grant,
        },
        {
            "name": "a fact set sealed to the learning key (Welsh and Arabic tags, sorted in UTF-16 order)",
            "type": "seal",
            "facts": FACTS,
            "pub": key_json["pub"],
            "kid": key.kid,
            "random": seal_script.draws,
            "expected": sealed,
        },
    ]
    verify: list[Json] = [
        {
            "name": "the published key document (with grants, and the admins the server adds) verifies",
            "type": "key_document",
            "doc": {**published, "admins": [{"device": ALICE.device_id, "sig_pub": sig_pub}]},
            "sig_pub": sig_pub,
            "expected": {"org": ORG, "kid": key.kid, "pub": key_json["pub"], "by": ALICE.device_id},
        },
        {
            "name": "the second admin device opens its grant",
            "type": "grant",
            "doc": published,
            "grant": grant,
            "device": private_json(BOB),
            "expected": key_json["priv"],
        },
        {
            "name": "the first admin device finds and opens its own grant",
            "type": "grant",
            "doc": published,
            "grant": None,
            "device": private_json(ALICE),
            "expected": key_json["priv"],
        },
        {"name": "an admin device opens the set", "type": "open", "sealed": sealed, "key": key_json, "expected": FACTS},
        {"name": "facts with nothing to tell", "type": "facts", "facts": EMPTY_FACTS},
        {"name": "facts of a plan", "type": "facts", "facts": FACTS},
    ]

    def opening(name: str, value: Any, error: str, with_key: Json = key_json) -> Json:
        return {"name": name, "type": "open", "sealed": value, "key": with_key, "error": error}

    invalid: list[Json] = [
        opening("under another kid", {**sealed, "kid": other.kid}, "DecryptionError"),
        opening("opened with another learning key", sealed, "DecryptionError", other_json),
        opening("one bit of the ciphertext flipped", {**sealed, "ct": mutate_b64(sealed["ct"], 40)}, "DecryptionError"),
        opening("the ephemeral key altered", {**sealed, "epk": mutate_b64(sealed["epk"], 5)}, "DecryptionError"),
        opening("the nonce altered", {**sealed, "nonce": mutate_b64(sealed["nonce"], 2)}, "DecryptionError"),
        opening("an extra member", {**sealed, "set": "ab" * 16}, "FormatError"),
        opening("another version", {**sealed, "v": 2}, "FormatError"),
        opening("an upper-case kid", {**sealed, "kid": key.kid.upper()}, "FormatError"),
        opening("a ciphertext that is not a padded length", {**sealed, "ct": b64u_encode(bytes(300))}, "FormatError"),
        opening(
            "a set holding free text",
            _seal_raw({**EMPTY_FACTS, "note": "Sam is at 4 Mill Lane"}, pub=key.pub, kid=key.kid, label="learning/x1"),
            "FormatError",
        ),
        opening(
            "a set holding an unknown member",
            _seal_raw({**EMPTY_FACTS, "plan": "5f0b1d2c"}, pub=key.pub, kid=key.kid, label="learning/x2"),
            "FormatError",
        ),
        opening(
            "a set holding an activity's free text",
            _seal_raw(
                {**EMPTY_FACTS, "activities": [{"tag": "choir", "went": "loved it", "again": "yes"}]},
                pub=key.pub,
                kid=key.kid,
                label="learning/x3",
            ),
            "FormatError",
        ),
    ]
    invalid += [
        {"name": name, "type": "facts", "facts": facts, "error": "FormatError"} for name, facts in _invalid_facts()
    ]
    invalid += [
        {
            "name": "a key document checked under another device's key",
            "type": "key_document",
            "doc": published,
            "sig_pub": b64u_encode(BOB.public.signing),
            "error": "SignatureError",
        },
        {
            "name": "a key document whose public key was swapped",
            "type": "key_document",
            "doc": {**published, "pub": other_json["pub"]},
            "sig_pub": sig_pub,
            "error": "FormatError",
        },
        {
            "name": "a key document whose public key and kid were swapped",
            "type": "key_document",
            "doc": {**published, "pub": other_json["pub"], "kid": other.kid},
            "sig_pub": sig_pub,
            "error": "SignatureError",
        },
        {
            "name": "a key document for another organisation",
            "type": "key_document",
            "doc": {**published, "org": "cd" * 16},
            "sig_pub": sig_pub,
            "error": "SignatureError",
        },
        {
            "name": "a key document with an extra member",
            "type": "key_document",
            "doc": {**published, "priv": key_json["priv"]},
            "sig_pub": sig_pub,
            "error": "FormatError",
        },
        {
            "name": "a key document with two grants to one device",
            "type": "key_document",
            "doc": {**published, "grants": [grant, grant]},
            "sig_pub": sig_pub,
            "error": "FormatError",
        },
        {
            "name": "a grant with an extra member",
            "type": "key_document",
            "doc": {**published, "grants": [{**grant, "by": ALICE.device_id}]},
            "sig_pub": sig_pub,
            "error": "FormatError",
        },
        {
            "name": "a worker's device opens no grant",
            "type": "grant",
            "doc": published,
            "grant": None,
            "device": private_json(CARO),
            "error": "DecryptionError",
        },
        {
            "name": "a grant readdressed to a worker's device",
            "type": "grant",
            "doc": published,
            "grant": {**grant, "to": CARO.device_id},
            "device": private_json(CARO),
            "error": "DecryptionError",
        },
        {
            "name": "a grant with one bit of its ciphertext flipped",
            "type": "grant",
            "doc": published,
            "grant": {**grant, "ct": mutate_b64(grant["ct"], 7)},
            "device": private_json(BOB),
            "error": "DecryptionError",
        },
        {
            "name": "a grant moved into another key's document",
            "type": "grant",
            "doc": {**published, "pub": other_json["pub"], "kid": other.kid},
            "grant": grant,
            "device": private_json(BOB),
            "error": "DecryptionError",
        },
    ]
    return {"spec": "docs/crypto.md section 24", "generate": generate, "verify": verify, "invalid": invalid}
