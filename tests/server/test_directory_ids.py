"""The directory's ids (server/directory_ids.py): enrolment codes drawn without bias, one id per code."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from alongside.server.directory_ids import (
    ENROLMENT_ALPHABET,
    draw_enrolment_code,
    enrolment_doc_id,
    membership_doc_id,
    membership_parts,
)


def _bytes_from(stream: Iterator[int]) -> Callable[[int], bytes]:
    return lambda n: bytes(next(stream) for _ in range(n))


def test_an_enrolment_code_skips_the_bytes_past_the_last_multiple_of_the_alphabet() -> None:
    # 31 characters: 248 = 8 * 31, so bytes 248 to 255 are drawn again (with byte % 31 they would favour A to H).
    stream = iter([*range(248, 256), *range(0, 256)])
    assert draw_enrolment_code(_bytes_from(stream)) == "ABCD-EFGH-JKMN"


def test_every_character_of_an_enrolment_code_comes_from_as_many_byte_values_as_every_other() -> None:
    first_characters = Counter(
        draw_enrolment_code(_bytes_from(iter([value] * 12)))[0] for value in range(256 - 256 % len(ENROLMENT_ALPHABET))
    )
    assert set(first_characters) == set(ENROLMENT_ALPHABET)
    assert set(first_characters.values()) == {256 // len(ENROLMENT_ALPHABET)}


def test_a_code_typed_with_other_case_spaces_or_dashes_has_the_id_it_was_stored_under() -> None:
    assert enrolment_doc_id("abcd efgh-jkmn") == enrolment_doc_id("ABCD-EFGH-JKMN") == enrolment_doc_id("ABCDEFGHJKMN")
    assert enrolment_doc_id("ABCD-EFGH-JKMP") != enrolment_doc_id("ABCD-EFGH-JKMN")


def test_a_membership_id_names_its_plan_and_account_and_nothing_else_parses_as_one() -> None:
    assert membership_parts(membership_doc_id("p" * 32, "a" * 32)) == ("p" * 32, "a" * 32)
    assert membership_parts("membership:" + "p" * 32) is None
    assert membership_parts("excluded:" + "p" * 32 + ":" + "d" * 32) is None
