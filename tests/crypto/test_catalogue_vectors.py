"""The signed activities catalogue (docs/crypto.md §22) against tests/vectors/activities.json, which the Node
tests (tests/pwa/vector_checks.mjs) check the JavaScript side against too."""

from __future__ import annotations

from typing import Any

import pytest
from vector_support import ERRORS, cases

from alongside.crypto.catalogue import catalogue_message, sign_catalogue, verify_catalogue
from alongside.crypto.encoding import b64u_decode


@pytest.mark.parametrize("case", cases("activities.json", "generate"))
def test_a_catalogue_key_signs_the_catalogue_statement_byte_for_byte(case: dict[str, Any]) -> None:
    assert catalogue_message(case["catalogue"]) == case["message"].encode("utf-8")
    signed = sign_catalogue(case["catalogue"], b64u_decode(case["private"]))
    assert signed == {"catalogue": case["catalogue"], "key": case["key"], "sig": case["sig"]}


@pytest.mark.parametrize("case", cases("activities.json", "verify"))
def test_a_signed_catalogue_verifies_under_the_pinned_key(case: dict[str, Any]) -> None:
    assert verify_catalogue(case["signed"], case["pinned"]) == case["catalogue"]


@pytest.mark.parametrize("case", cases("activities.json", "invalid"))
def test_an_altered_foreign_or_unsigned_catalogue_is_refused(case: dict[str, Any]) -> None:
    with pytest.raises(ERRORS[case["error"]]) as raised:
        verify_catalogue(case["signed"], case["pinned"])
    assert type(raised.value) is ERRORS[case["error"]]
