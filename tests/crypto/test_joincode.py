"""Join codes (docs/crypto.md §21): the known-answer vectors, parsing what people type, and boxes that say nothing
when they fail to open."""

from __future__ import annotations

from typing import Any

import pytest
from vector_support import ERRORS, ScriptedRandom, cases, load

from alongside.crypto import DecryptionError, FormatError, b64u_decode, b64u_encode
from alongside.crypto.joincode import (
    ALPHABET,
    ITERATIONS,
    format_join_code,
    join_code_keys,
    new_join_code,
    open_join_box,
    parse_join_code,
    seal_join_box,
)
from alongside.crypto.primitives import hkdf_sha256, pbkdf2_sha256

Case = dict[str, Any]


def test_the_vectors_use_the_iterations_the_code_uses() -> None:
    assert load("join_code.json")["iterations"] == ITERATIONS


@pytest.mark.parametrize("case", cases("join_code.json", "generate"))
def test_join_code_generate_vector_is_reproduced_byte_for_byte(case: Case) -> None:
    if case["type"] == "code":
        random = ScriptedRandom(case["random"])
        assert new_join_code(random) == case["code"]
        random.assert_used_up()
        assert format_join_code(case["code"]) == case["display"]
    elif case["type"] == "keys":
        keys = join_code_keys(case["code"])
        assert (keys.lookup, b64u_encode(keys.box_key)) == (case["lookup"], case["box_key"])
    else:
        random = ScriptedRandom(case["random"])
        keys = join_code_keys(case["code"])
        assert keys.lookup == case["lookup"]
        assert b64u_encode(seal_join_box(keys, b64u_decode(case["payload"]), random)) == case["box"]
        random.assert_used_up()


@pytest.mark.parametrize("case", cases("join_code.json", "verify"))
def test_join_code_verify_vector_parses_or_opens(case: Case) -> None:
    if case["type"] == "parse":
        assert parse_join_code(case["text"]) == case["code"]
    else:
        keys = join_code_keys(case["code"])
        assert keys.lookup == case["lookup"]
        assert b64u_encode(open_join_box(keys, b64u_decode(case["box"]))) == case["payload"]


@pytest.mark.parametrize("case", cases("join_code.json", "invalid"))
def test_join_code_invalid_vector_is_refused_with_the_named_error(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        if case["type"] == "parse":
            parse_join_code(case["text"])
        elif case["type"] == "open":
            open_join_box(join_code_keys(case["code"]), b64u_decode(case["box"]))
        else:
            seal_join_box(join_code_keys(case["code"]), b64u_decode(case["payload"]))
    assert type(caught.value) is ERRORS[case["error"]]


def test_the_lookup_and_box_key_are_derived_as_the_spec_writes_them() -> None:
    code = "JGAGNSNYAG6FEGWH"
    stretched = pbkdf2_sha256(code.encode("ascii"), b"alongside/v2/join-code", 300_000, 32)
    keys = join_code_keys("jgag-nsny-ag6f-egwh")
    assert keys.lookup == hkdf_sha256(stretched, b"", b"alongside/v2/join-code-lookup", 16).hex()
    assert keys.box_key == hkdf_sha256(stretched, b"", b"alongside/v2/join-code-box", 32)


def test_a_failed_open_says_the_same_thing_whatever_went_wrong() -> None:
    keys = join_code_keys(new_join_code())
    box = seal_join_box(keys, b"an invite")
    wrong_code = join_code_keys(new_join_code())
    altered = bytearray(box)
    altered[-1] ^= 0x80
    messages = set()
    for attempt_keys, attempt_box in [(wrong_code, box), (keys, bytes(altered)), (keys, box[:20]), (keys, b"")]:
        with pytest.raises(DecryptionError) as caught:
            open_join_box(attempt_keys, attempt_box)
        messages.add(str(caught.value))
    assert len(messages) == 1
    assert open_join_box(keys, box) == b"an invite"


def test_new_codes_use_the_whole_alphabet_and_parse_as_themselves() -> None:
    seen: set[str] = set()
    for _ in range(200):
        code = new_join_code()
        assert parse_join_code(code) == code
        assert parse_join_code(format_join_code(code).lower()) == code
        seen.update(code)
    assert seen == set(ALPHABET)


@pytest.mark.parametrize("text", ["0OoU" * 4, "ABCD EFGH JKMN PQR", "ABCDEFGHJKMNPQRSTV", "ABCD_EFGH_JKMN_PQRS"])
def test_text_that_is_not_a_join_code_is_a_format_error(text: str) -> None:
    with pytest.raises(FormatError):
        parse_join_code(text)
