"""Vectors for padding, canonical JSON, keys and ids, fingerprints and the PIN lock."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from vector_inputs import (
    ALICE,
    BOB,
    CARO,
    FAMILY1,
    KEY1,
    KEY2,
    MALLORY,
    OTHER_KEY,
    OTHER_PLAN,
    PLAN,
    WORKER1,
    Json,
    Script,
    fixed,
    key_json,
    mutate_b64,
    private_json,
    public_json,
)

from alongside.crypto import (
    PlanKey,
    b64u_encode,
    bucket_size,
    canonical_json,
    device_fingerprint,
    generate_device_keys,
    lock_device_keys,
    lock_secret,
    new_document_id,
    new_plan_id_for,
    pad,
    plan_fingerprint,
    plan_id_for,
    roster_document_id,
)


def padding_vectors() -> Json:
    lengths = [0, 1, 254, 255, 256, 511, 1000, 4095, 65534, 65535, 65536, 131071, 131072, 1_000_000, 16_777_215]
    generate: list[Json] = [
        {"name": f"bucket for {n} bytes", "length": n, "padded_length": bucket_size(n)} for n in lengths
    ]
    for n in (0, 1, 17, 255, 256):
        data = fixed(f"padding/{n}", n)
        generate.append({"name": f"pad {n} bytes", "data": b64u_encode(data), "padded": b64u_encode(pad(data))})
    verify: list[Json] = [
        {"name": "unpad 3 bytes", "padded": b64u_encode(b"abc\x80" + bytes(252)), "data": b64u_encode(b"abc")},
        {
            "name": "unpad data ending in zero bytes",
            "padded": b64u_encode(b"a\x00\x00\x80" + bytes(252)),
            "data": "YQAA",
        },
        {
            "name": "unpad 255 bytes ending in 0x80",
            "padded": b64u_encode(b"\x80" * 256),
            "data": b64u_encode(b"\x80" * 255),
        },
        {
            "name": "unpad 512 bytes",
            "padded": b64u_encode(bytes(300) + b"\x80" + bytes(211)),
            "data": b64u_encode(bytes(300)),
        },
    ]
    for size, allowed in (
        (0, False),
        (128, False),
        (256, True),
        (384, False),
        (32768, True),
        (65536, True),
        (98304, False),
        (131072, True),
        (16_777_216, True),
        (16_842_752, False),
    ):
        verify.append({"name": f"is {size} a bucket size", "size": size, "is_bucket": allowed})
    invalid: list[Json] = [
        {"name": "all zero", "padded": b64u_encode(bytes(256)), "error": "FormatError"},
        {"name": "no 0x80 marker", "padded": b64u_encode(b"abc\x01" + bytes(252)), "error": "FormatError"},
        {"name": "not a bucket size (300)", "padded": b64u_encode(b"abc\x80" + bytes(296)), "error": "FormatError"},
        {"name": "too short (255)", "padded": b64u_encode(b"abc\x80" + bytes(251)), "error": "FormatError"},
        {"name": "empty", "padded": "", "error": "FormatError"},
        {"name": "plaintext too large", "length": 16_777_216, "error": "FormatError"},
    ]
    return {"spec": "docs/crypto.md section 6", "generate": generate, "verify": verify, "invalid": invalid}


def canonical_vectors() -> Json:
    values: list[tuple[str, Any]] = [
        ("scalars", [None, True, False, 0, -7, 42, 9007199254740991, -9007199254740991, "", "a"]),
        ("sorted keys", {"b": 1, "a": {"d": [], "c": {}}, "": 0, "A": 2, "aa": 3}),
        ("keys sorted by UTF-16 code units", {"\uff21": 1, "\U0001f600": 2, "\u00e9": 3, "z": 4}),
        ("escapes", {"s": 'quote" backslash\\ slash/ \b\f\n\r\t \u0000\u001f\u007f \u2028\u2029 é 😀'}),
        ("nested arrays", [[[[]]], [{"k": [1, [2, [3]]]}]]),
        ("depth 64", json.loads("[" * 64 + "]" * 64)),
    ]
    generate = [{"name": name, "value": value, "canonical": canonical_json(value).decode()} for name, value in values]
    verify = [{"name": g["name"], "bytes": b64u_encode(g["canonical"].encode()), "value": g["value"]} for g in generate]
    bad_texts: list[tuple[str, bytes]] = [
        ("whitespace", b'{"a": 1}'),
        ("unsorted keys", b'{"b":1,"a":2}'),
        ("keys sorted by code point, not UTF-16", '{"\uff21":1,"\U0001f600":2}'.encode()),
        ("duplicate key", b'{"a":1,"a":1}'),
        ("float", b"1.0"),
        ("exponent", b"1e2"),
        ("integer beyond 2**53 - 1", b"9007199254740992"),
        ("negative zero", b"-0"),
        ("escaped slash", b'"\\/"'),
        ("upper-case unicode escape", b'"\\u001F"'),
        ("unnecessary unicode escape", b'"\\u0041"'),
        ("escaped non-ASCII", b'"\\u00e9"'),
        ("lone surrogate escape", b'"\\ud800"'),
        ("invalid UTF-8", b'"\xff"'),
        ("byte order mark", b'\xef\xbb\xbf{"a":1}'),
        ("trailing newline", b'{"a":1}\n'),
        ("nested 65 deep", b"[" * 65 + b"]" * 65),
        ("empty", b""),
        ("NaN", b"NaN"),
    ]
    invalid: list[Json] = [
        {"name": name, "bytes": b64u_encode(text), "error": "FormatError"} for name, text in bad_texts
    ]
    invalid += [
        {"name": "value: fraction", "value": 1.5, "error": "FormatError"},
        {"name": "value: integer too large", "value": 9007199254740992, "error": "FormatError"},
        {"name": "value: lone surrogate", "value": {"s": "\ud800"}, "error": "FormatError"},
        {"name": "value: 65 deep", "value": json.loads("[" * 65 + "]" * 65), "error": "FormatError"},
    ]
    return {"spec": "docs/crypto.md section 3.4", "generate": generate, "verify": verify, "invalid": invalid}


def keys_vectors() -> Json:
    generate: list[Json] = []
    for name in ("device one", "device two"):
        script = Script(f"keys/{name}")
        keys = generate_device_keys(script)
        generate.append(
            {
                "name": f"generate {name}",
                "type": "device",
                "random": script.draws,
                **private_json(keys),
                "public": public_json(keys.public),
            }
        )
    keys = (KEY1, KEY2, OTHER_KEY, PlanKey("p", 4294967295, fixed("plan/max", 32)), WORKER1, FAMILY1)
    for key in (*keys, PlanKey(PLAN, 2, fixed("plan/family2", 32), "family")):
        generate.append(
            {
                "name": f"key id epoch {key.epoch} plan {key.plan_id}"
                + ("" if key.audience == "everyone" else f" audience {key.audience}"),
                "type": "plan_key",
                "plan_id": key.plan_id,
                **key_json(key),
            }
        )
    script = Script("keys/doc-id")
    generate.append(
        {"name": "document id", "type": "document_id", "random": script.draws, "document_id": new_document_id(script)}
    )
    for name, creator in (("plan started by alice", ALICE), ("plan started by caro", CARO)):
        script = Script(f"keys/{name}")
        plan_id, salt = new_plan_id_for(creator.public, script)
        generate.append(
            {
                "name": f"new plan id: {name}",
                "type": "plan_id",
                "random": script.draws,
                "creator": public_json(creator.public),
                "salt": b64u_encode(salt),
                "plan_id": plan_id,
            }
        )
    for plan_id, member in ((PLAN, ALICE), (PLAN, BOB), (OTHER_PLAN, ALICE), ("p", CARO)):
        generate.append(
            {
                "name": f"roster id of {member.device_id[:6]} in plan {plan_id}",
                "type": "roster_id",
                "plan_id": plan_id,
                "device_id": member.device_id,
                "roster_id": roster_document_id(plan_id, member.device_id),
            }
        )
    verify = [
        {"name": f"public keys of {n}", "type": "device", **private_json(d), "public": public_json(d.public)}
        for n, d in (("alice", ALICE), ("bob", BOB), ("caro", CARO), ("mallory", MALLORY))
    ]
    salt = fixed("keys/salt", 16)
    verify += [
        {
            "name": f"plan id from salt and creator {d.device_id[:6]}",
            "type": "plan_id",
            "sig": b64u_encode(d.public.signing),
            "salt": b64u_encode(salt),
            "plan_id": plan_id_for(d.public.signing, salt),
        }
        for d in (ALICE, BOB)
    ]
    invalid: list[Json] = [
        {
            "name": "an audience that is not everyone, worker or family",
            "type": "plan_key",
            "plan_id": PLAN,
            "epoch": 1,
            "secret": b64u_encode(KEY1.secret),
            "audience": "organisation",
            "error": "FormatError",
        },
        {
            "name": "epoch 0",
            "type": "plan_key",
            "plan_id": PLAN,
            "epoch": 0,
            "secret": b64u_encode(KEY1.secret),
            "error": "FormatError",
        },
        {
            "name": "epoch 2**32",
            "type": "plan_key",
            "plan_id": PLAN,
            "epoch": 2**32,
            "secret": b64u_encode(KEY1.secret),
            "error": "FormatError",
        },
        {
            "name": "31-byte secret",
            "type": "plan_key",
            "plan_id": PLAN,
            "epoch": 1,
            "secret": b64u_encode(bytes(31)),
            "error": "FormatError",
        },
        {
            "name": "plan id with a dot",
            "type": "plan_key",
            "plan_id": "plan.1",
            "epoch": 1,
            "secret": b64u_encode(KEY1.secret),
            "error": "FormatError",
        },
        {
            "name": "plan id of 65 characters",
            "type": "plan_key",
            "plan_id": "a" * 65,
            "epoch": 1,
            "secret": b64u_encode(KEY1.secret),
            "error": "FormatError",
        },
        {
            "name": "public key JSON with padding",
            "type": "public_json",
            "public": {"enc": b64u_encode(ALICE.public.encryption) + "=", "sig": b64u_encode(ALICE.public.signing)},
            "error": "FormatError",
        },
        {
            "name": "public key JSON with extra member",
            "type": "public_json",
            "public": {**ALICE.public.to_json(), "x": 1},
            "error": "FormatError",
        },
        {
            "name": "public key JSON without sig",
            "type": "public_json",
            "public": {"enc": b64u_encode(ALICE.public.encryption)},
            "error": "FormatError",
        },
        {
            "name": "public key JSON with device_id",
            "type": "public_json",
            "public": {**ALICE.public.to_json(), "device_id": ALICE.device_id},
            "error": "FormatError",
        },
        {
            "name": "plan id from a 15-byte salt",
            "type": "plan_id",
            "sig": b64u_encode(ALICE.public.signing),
            "salt": b64u_encode(bytes(15)),
            "error": "FormatError",
        },
        {
            "name": "plan id from a 31-byte signing key",
            "type": "plan_id",
            "sig": b64u_encode(bytes(31)),
            "salt": b64u_encode(bytes(16)),
            "error": "FormatError",
        },
        {
            "name": "roster id of an upper-case device id",
            "type": "roster_id",
            "plan_id": PLAN,
            "device_id": ALICE.device_id.upper(),
            "error": "FormatError",
        },
        {
            "name": "roster id in a plan id with a dot",
            "type": "roster_id",
            "plan_id": "plan.1",
            "device_id": ALICE.device_id,
            "error": "FormatError",
        },
    ]
    return {"spec": "docs/crypto.md sections 4 and 5", "generate": generate, "verify": verify, "invalid": invalid}


def fingerprint_vectors() -> Json:
    generate: list[Json] = [
        {
            "name": f"plan fingerprint {i}",
            "type": "plan",
            "plan_id": key.plan_id,
            "kid": key.kid,
            "signer": b64u_encode(signer.public.signing),
            "hash": b64u_encode(
                hashlib.sha256(
                    canonical_json(
                        {
                            "ctx": "alongside/v1/fingerprint",
                            "kid": key.kid,
                            "plan": key.plan_id,
                            "signer": b64u_encode(signer.public.signing),
                        }
                    )
                ).digest()
            ),
            "fingerprint": plan_fingerprint(key.plan_id, key.kid, signer.public.signing),
        }
        for i, (key, signer) in enumerate(((KEY1, ALICE), (KEY2, ALICE), (KEY1, BOB), (OTHER_KEY, CARO)))
    ]
    generate += [
        {
            "name": f"device fingerprint {i}",
            "type": "device",
            "public": public_json(d.public),
            "fingerprint": device_fingerprint(d.public),
        }
        for i, d in enumerate((ALICE, BOB))
    ]
    verify = [
        {
            "name": "digits from a hash of 0xff bytes",
            "hash": b64u_encode(b"\xff" * 32),
            "fingerprint": "27775 27775 27775 27775",
        },
        {
            "name": "digits from bytes 0, 1, 2, ...",
            "hash": b64u_encode(bytes(range(32))),
            "fingerprint": "09060 60585 12110 63635",
        },
        {"name": "digits from a zero hash", "hash": b64u_encode(bytes(32)), "fingerprint": "00000 00000 00000 00000"},
    ]
    invalid = [
        {
            "name": "kid upper case",
            "plan_id": PLAN,
            "kid": KEY1.kid.upper(),
            "signer": b64u_encode(ALICE.public.signing),
            "error": "FormatError",
        },
        {
            "name": "signer 31 bytes",
            "plan_id": PLAN,
            "kid": KEY1.kid,
            "signer": b64u_encode(bytes(31)),
            "error": "FormatError",
        },
        {
            "name": "empty plan id",
            "plan_id": "",
            "kid": KEY1.kid,
            "signer": b64u_encode(ALICE.public.signing),
            "error": "FormatError",
        },
    ]
    return {"spec": "docs/crypto.md section 12", "generate": generate, "verify": verify, "invalid": invalid}


def pinlock_vectors() -> Json:
    generate: list[Json] = []
    script = Script("pinlock/device")
    blob = lock_device_keys(ALICE, "482916", random=script)
    generate.append(
        {
            "name": "alice's device keys under a 6-digit PIN",
            "type": "device_keys",
            "device": private_json(ALICE),
            "pin": "482916",
            "iterations": 600000,
            "random": script.draws,
            "expected": blob,
        }
    )
    script = Script("pinlock/passphrase")
    secret = fixed("pinlock/secret", 40)
    blob2 = lock_secret(secret, "Cr\u00e8me br\u00fbl\u00e9e on Sunday", iterations=650000, random=script)
    generate.append(
        {
            "name": "a secret under an NFC passphrase, 650000 iterations",
            "type": "secret",
            "secret": b64u_encode(secret),
            "pin": "Cr\u00e8me br\u00fbl\u00e9e on Sunday",
            "iterations": 650000,
            "random": script.draws,
            "expected": blob2,
        }
    )
    verify = [
        {
            "name": "unlock alice's device keys",
            "blob": blob,
            "pin": "482916",
            "secret": b64u_encode(ALICE.private_bytes()),
            "device_id": ALICE.device_id,
        },
        {
            "name": "unlock with the passphrase typed in NFD",
            "blob": blob2,
            "pin": "Cre\u0300me bru\u0302le\u0301e on Sunday",
            "secret": b64u_encode(secret),
        },
    ]
    invalid = [
        {"name": "wrong PIN", "blob": blob, "pin": "482917", "error": "DecryptionError"},
        {"name": "iterations changed", "blob": {**blob, "iter": 600001}, "pin": "482916", "error": "DecryptionError"},
        {
            "name": "flipped bit in ct",
            "blob": {**blob, "ct": mutate_b64(str(blob["ct"]), 5)},
            "pin": "482916",
            "error": "DecryptionError",
        },
        {"name": "too few iterations", "blob": {**blob, "iter": 599999}, "pin": "482916", "error": "FormatError"},
        {"name": "too many iterations", "blob": {**blob, "iter": 10000001}, "pin": "482916", "error": "FormatError"},
        {"name": "extra member", "blob": {**blob, "hint": "birthday"}, "pin": "482916", "error": "FormatError"},
        {
            "name": "salt too short",
            "blob": {**blob, "salt": b64u_encode(bytes(15))},
            "pin": "482916",
            "error": "FormatError",
        },
        {"name": "unknown version", "blob": {**blob, "v": 2}, "pin": "482916", "error": "FormatError"},
        {"name": "version as a string", "blob": {**blob, "v": "1"}, "pin": "482916", "error": "FormatError"},
        {"name": "version true", "blob": {**blob, "v": True}, "pin": "482916", "error": "FormatError"},
        {"name": "another kind", "blob": {**blob, "kind": "pin"}, "pin": "482916", "error": "FormatError"},
        {
            "name": "missing nonce",
            "blob": {k: v for k, v in blob.items() if k != "nonce"},
            "pin": "482916",
            "error": "FormatError",
        },
        {
            "name": "ct only a tag",
            "blob": {**blob, "ct": b64u_encode(bytes(16))},
            "pin": "482916",
            "error": "FormatError",
        },
        {
            "name": "ct of 4113 bytes",
            "blob": {**blob, "ct": b64u_encode(bytes(4113))},
            "pin": "482916",
            "error": "FormatError",
        },
        {
            "name": "ct text of 8228 characters",
            "blob": {**blob, "ct": "A" * 8228},
            "pin": "482916",
            "error": "FormatError",
        },
        {
            "name": "ct of 4112 bytes (the largest allowed) only fails to open",
            "blob": {**blob, "ct": b64u_encode(bytes(4112))},
            "pin": "482916",
            "error": "DecryptionError",
        },
        {"name": "empty PIN", "blob": blob, "pin": "", "error": "FormatError"},
    ]
    return {"spec": "docs/crypto.md section 13", "generate": generate, "verify": verify, "invalid": invalid}
