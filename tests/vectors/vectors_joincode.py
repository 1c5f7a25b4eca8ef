"""Known-answer vectors for join codes (docs/crypto.md §21): codes from random draws, parsing what people type,
the lookup id and box key a code stretches into, boxes, and what must be refused."""

from __future__ import annotations

from vector_inputs import Json, Script, fixed

from alongside.crypto import b64u_encode
from alongside.crypto.joincode import (
    ITERATIONS,
    JoinCodeKeys,
    format_join_code,
    join_code_keys,
    new_join_code,
    parse_join_code,
    seal_join_box,
)
from alongside.crypto.primitives import NONCE_BYTES, aead_seal


def _keys_json(keys: JoinCodeKeys) -> Json:
    return {"lookup": keys.lookup, "box_key": b64u_encode(keys.box_key)}


def join_code_vectors() -> Json:
    generate: list[Json] = []
    codes = []
    for n in range(3):
        script = Script(f"join-code/code/{n}")
        code = new_join_code(script)
        codes.append(code)
        generate.append(
            {"type": "code", "name": f"a code from 10 drawn bytes ({n})", "random": script.draws, "code": code}
        )
        generate[-1]["display"] = format_join_code(code)
    # The two ends of the alphabet.
    codes += ["0000000000000000", "ZZZZZZZZZZZZZZZZ"]
    for code in codes:
        generate.append(
            {"type": "keys", "name": f"stretching {code}", "code": code, **_keys_json(join_code_keys(code))}
        )
    payload = fixed("join-code/invite-payload", 263)  # as long as a version-2 invite for a 32-character plan id
    keys = join_code_keys(codes[0])
    script = Script("join-code/seal")
    box = seal_join_box(keys, payload, script)
    generate.append(
        {
            "type": "seal",
            "name": "a 263-byte invite payload boxed under the first code",
            "code": codes[0],
            "payload": b64u_encode(payload),
            "random": script.draws,
            "lookup": keys.lookup,
            "box": b64u_encode(box),
        }
    )
    small = seal_join_box(join_code_keys(codes[1]), b"\x02", Script("join-code/seal-small"))
    typed = [
        (codes[0].lower(), "in lower case"),
        ("-".join(codes[0][i : i + 4] for i in range(0, 16, 4)), "with dashes"),
        (f"  {codes[0][:4]}\t{codes[0][4:8]} \r\n{codes[0][8:]} ", "with spaces, a tab and a line break"),
        ("O0IL 1lio o0oo OOOO", "with O, I and L for 0, 1 and 1"),
    ]
    verify: list[Json] = [
        {"type": "parse", "name": f"a code typed {how}", "text": text, "code": parse_join_code(text)}
        for text, how in typed
    ]
    verify += [
        {
            "type": "open",
            "name": "the box opened with the code typed in lower case with dashes",
            "code": "-".join(codes[0].lower()[i : i + 4] for i in range(0, 16, 4)),
            "lookup": keys.lookup,
            "box": b64u_encode(box),
            "payload": b64u_encode(payload),
        },
        {
            "type": "open",
            "name": "a box holding one byte",
            "code": codes[1],
            "lookup": join_code_keys(codes[1]).lookup,
            "box": b64u_encode(small),
            "payload": b64u_encode(b"\x02"),
        },
    ]
    invalid: list[Json] = [
        {"type": "parse", "name": name, "text": text, "error": "FormatError"}
        for name, text in [
            ("15 characters", codes[0][:15]),
            ("17 characters", codes[0] + "2"),
            ("a U, which the alphabet leaves out", "U" + codes[0][1:]),
            ("an Arabic-Indic digit", "\u0661" + codes[0][1:]),
            ("an invite's text form", "AS1:AEBAGBAFAYDQQCIKBMGA2DQPCAIREEYU"),
            ("nothing", ""),
            ("punctuation", codes[0][:15] + "."),
            ("not text", None),
        ]
    ]

    def flipped(data: bytes, index: int) -> str:
        changed = bytearray(data)
        changed[index] ^= 0x01
        return b64u_encode(bytes(changed))

    other_lookup = join_code_keys(codes[1]).lookup
    # A box sealed with the right key but for another lookup id: moved to another lookup, it does not open.
    nonce = fixed("join-code/moved-nonce", NONCE_BYTES)
    moved = nonce + aead_seal(keys.box_key, nonce, payload, b"alongside/v2/join-code\x00" + other_lookup.encode())
    invalid += [
        {"type": "open", "name": name, "code": code, "box": text, "error": "DecryptionError"}
        for name, code, text in [
            ("another code", codes[1], b64u_encode(box)),
            ("a byte of the nonce changed", codes[0], flipped(box, 0)),
            ("a byte of the ciphertext changed", codes[0], flipped(box, 40)),
            ("a byte of the tag changed", codes[0], flipped(box, len(box) - 1)),
            ("cut short", codes[0], b64u_encode(box[:-1])),
            ("only a nonce and a tag", codes[0], b64u_encode(box[: NONCE_BYTES + 16])),
            ("sealed for another lookup id", codes[0], b64u_encode(moved)),
        ]
    ]
    invalid += [
        {"type": "seal", "name": name, "code": codes[0], "payload": b64u_encode(data), "error": "FormatError"}
        for name, data in [("an empty payload", b""), ("a payload of 1025 bytes", fixed("join-code/long", 1025))]
    ]
    return {
        "spec": "docs/crypto.md section 21 (join codes)",
        "iterations": ITERATIONS,
        "generate": generate,
        "verify": verify,
        "invalid": invalid,
    }
