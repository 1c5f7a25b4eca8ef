"""``b64u_decoded_length`` (the server's shape check counts ciphertext bytes without decoding them) agrees with
``b64u_decode`` on every input: the same length, or the same refusal."""

from __future__ import annotations

import os

from hypothesis import given, settings
from hypothesis import strategies as st

from alongside.crypto import FormatError, b64u_decode
from alongside.crypto.encoding import b64u_decoded_length, b64u_encode

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# Mostly base64url characters (so that lengths, tails and trailing bits vary), with the characters a
# near miss would use: padding, the other alphabet's + and /, white space, non-ASCII.
near_base64url = st.text(alphabet=st.sampled_from([*ALPHABET, "=", "+", "/", " ", "\n", "é", "\u0660"]), max_size=40)
encoded = st.binary(max_size=64).map(b64u_encode)


def _decoded(text: object) -> int | str:
    try:
        return len(b64u_decode(text))
    except FormatError:
        return "refused"


def _counted(text: object) -> int | str:
    try:
        return b64u_decoded_length(text)
    except FormatError:
        return "refused"


@settings(max_examples=2000, deadline=None)
@given(st.one_of(near_base64url, encoded, encoded.map(lambda t: t[:-1]), st.integers(), st.none()))
def test_the_counted_length_is_the_decoded_length_or_both_refuse(text: object) -> None:
    assert _counted(text) == _decoded(text)


def test_every_length_of_random_bytes_is_counted_exactly() -> None:
    for size in range(200):
        assert b64u_decoded_length(b64u_encode(os.urandom(size))) == size


def test_a_last_character_with_bits_set_past_the_data_is_refused_as_not_canonical() -> None:
    # "AB" holds one byte (0x00) and 4 spare bits; B sets one of them. "AAB" holds two bytes and 2 spare bits.
    for text in ("AB", "AAB", "AAAAAB", "AAAAAAB"):
        assert _decoded(text) == "refused"
        assert _counted(text) == "refused"
    assert b64u_decoded_length("AQ") == 1
    assert b64u_decoded_length("AAE") == 2
