"""Vectors for a worker's private reflective notes (spec §23): the notes key a device derives from its own private
keys, a sealed note byte for byte, and notes that must not open: altered, under another id, and under every key the
person's device, another worker's device or the server could derive from what it holds."""

from __future__ import annotations

import json

from vector_inputs import ALICE, BOB, CARO, Json, Script, mutate_b64

from alongside.crypto.encoding import b64u_encode
from alongside.crypto.notes import notes_key, seal_note

# CARO is the worker who writes the note; ALICE is the person's phone on the same plan; BOB another worker.
NOTE_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
NOTE = {
    "v": 1,
    "id": NOTE_ID,
    "written": "2026-03-03T15:20:00.000Z",
    "plan": "5f0b1d2c3e4a59687786a5b4c3d2e1f0",
    "plan_title": "Sam's plan",
    "text": "I rushed the scale today; next time let Sam choose where we start. — مرة أخرى",
}


def _plaintext() -> bytes:
    return json.dumps(NOTE, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def notes_vectors() -> Json:
    key = notes_key(CARO.private_bytes())
    script = Script("notes/seal")
    sealed = seal_note(key, NOTE_ID, _plaintext(), random=script)
    secret = b64u_encode(CARO.private_bytes())
    generate = [
        {
            "name": "a worker's note sealed under the notes key of the worker's device",
            "secret": secret,
            "key": b64u_encode(key),
            "id": NOTE_ID,
            "plaintext": b64u_encode(_plaintext()),
            "random": script.draws,
            "expected": sealed,
        }
    ]
    verify = [
        {
            "name": "the worker's own device opens its note",
            "secret": secret,
            "sealed": sealed,
            "plaintext": b64u_encode(_plaintext()),
        }
    ]
    public = CARO.public
    not_hers = [
        ("the person's device on the same plan (its private keys)", ALICE.private_bytes()),
        ("another worker's device (its private keys)", BOB.private_bytes()),
        (
            "the server: the worker's device public keys, all it holds of that device",
            public.encryption + public.signing,
        ),
        ("the server: the worker's public keys in the other order", public.signing + public.encryption),
    ]
    invalid: list[Json] = [
        {
            "name": f"does not open for {who}",
            "secret": b64u_encode(material),
            "sealed": sealed,
            "error": "DecryptionError",
        }
        for who, material in not_hers
    ]
    invalid += [
        {
            "name": "one bit of the ciphertext flipped",
            "secret": secret,
            "sealed": {**sealed, "ct": mutate_b64(str(sealed["ct"]), 77)},
            "error": "DecryptionError",
        },
        {
            "name": "the nonce altered",
            "secret": secret,
            "sealed": {**sealed, "nonce": mutate_b64(str(sealed["nonce"]), 3)},
            "error": "DecryptionError",
        },
        {
            "name": "moved to another note id",
            "secret": secret,
            "sealed": {**sealed, "id": "f" * 32},
            "error": "DecryptionError",
        },
        {
            "name": "an upper-case id",
            "secret": secret,
            "sealed": {**sealed, "id": NOTE_ID.upper()},
            "error": "FormatError",
        },
        {"name": "another version", "secret": secret, "sealed": {**sealed, "v": 2}, "error": "FormatError"},
        {"name": "another kind", "secret": secret, "sealed": {**sealed, "kind": "caseload"}, "error": "FormatError"},
        {
            "name": "an extra member",
            "secret": secret,
            "sealed": {**sealed, "plan": NOTE["plan"]},
            "error": "FormatError",
        },
        {"name": "a short nonce", "secret": secret, "sealed": {**sealed, "nonce": "AAAA"}, "error": "FormatError"},
        {
            "name": "ct no longer than a tag",
            "secret": secret,
            "sealed": {**sealed, "ct": b64u_encode(bytes(16))},
            "error": "FormatError",
        },
    ]
    return {"spec": "docs/crypto.md section 23", "generate": generate, "verify": verify, "invalid": invalid}
