"""The server's shape check: envelopes and tombstones pass, anything that could carry plaintext is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from alongside.crypto import (
    CryptoError,
    FormatError,
    Keyring,
    WireFormatError,
    b64u_decode,
    b64u_encode,
    check_wire_document,
    document_key_id,
    document_kind,
    generate_device_keys,
    grant_plan_key,
    new_document_id,
    new_plan_id,
    new_plan_key,
    seal_item,
)

Json = dict[str, Any]


@pytest.fixture(scope="module")
def docs() -> dict[str, Json]:
    plan = new_plan_id()
    author = generate_device_keys()
    key = new_plan_key(plan)
    item = seal_item({"text": "a" * 100}, plan_id=plan, doc_id=new_document_id(), key=key, author=author)
    big = seal_item({"text": "a" * 70_000}, plan_id=plan, doc_id=new_document_id(), key=key, author=author)
    keyring = grant_plan_key(key, recipient=generate_device_keys().public, granter=author)
    assert Keyring(plan, [key]).current == key
    return {"item": item, "big": big, "keyring": keyring}


def test_a_bare_tombstone_without_an_envelope_is_accepted() -> None:
    doc = {"_id": new_document_id(), "_rev": "2-" + "0" * 32, "_deleted": True}
    check_wire_document(doc)
    assert document_kind(doc) == "tombstone"
    assert document_key_id(doc) is None


def test_envelopes_with_couchdb_replication_fields_are_accepted(docs: dict[str, Json]) -> None:
    doc = {**docs["item"], "_rev": "3-abc", "_revisions": {"start": 3, "ids": ["abc", "def", "0a"]}}
    check_wire_document(doc)
    check_wire_document({**docs["keyring"], "_rev": "1-" + "f" * 32})


def test_the_key_id_of_an_item_and_of_a_keyring_document_can_be_read(docs: dict[str, Json]) -> None:
    assert document_key_id(docs["item"]) == docs["item"]["kid"]
    assert document_key_id(docs["keyring"]) == docs["keyring"]["kid"]
    assert document_kind(docs["keyring"]) == "keyring"


def test_the_size_limit_is_configurable(docs: dict[str, Json]) -> None:
    check_wire_document(docs["big"])
    with pytest.raises(WireFormatError, match="too large"):
        check_wire_document(docs["big"], max_padded_bytes=65536)
    check_wire_document(docs["big"], max_padded_bytes=131072)


def test_every_plaintext_field_is_refused_with_a_reason_naming_it(docs: dict[str, Json]) -> None:
    for name in ("title", "text", "goal", "_attachments", "_conflicts", "_local_seq", "type"):
        with pytest.raises(WireFormatError) as caught:
            check_wire_document({**docs["item"], name: "I feel safe at home"})
        assert name in caught.value.reason
        assert "safe at home" not in caught.value.reason


def test_reasons_are_plain_english_and_never_echo_long_or_odd_input(docs: dict[str, Json]) -> None:
    odd = "<script>alert(1)</script>" + "x" * 500
    for doc in ({**docs["item"], odd: 1}, {**docs["item"], "kid": odd}, {**docs["item"], "_id": odd}):
        with pytest.raises(WireFormatError) as caught:
            check_wire_document(doc)
        reason = caught.value.reason
        assert odd not in reason and "<script>" not in reason
        assert re.fullmatch(r"[\w ,.:'\"()_\-=/]+", reason), reason
        assert str(caught.value) == reason


def test_a_float_version_is_refused_even_though_it_equals_one(docs: dict[str, Json]) -> None:
    with pytest.raises(WireFormatError):
        check_wire_document({**docs["item"], "v": 1.0})


def test_an_item_whose_ciphertext_is_not_a_padded_size_is_refused(docs: dict[str, Json]) -> None:
    with pytest.raises(WireFormatError, match="padded size"):
        check_wire_document({**docs["item"], "ct": b64u_encode(b64u_decode(docs["item"]["ct"])[:-3])})


def test_a_huge_ciphertext_string_is_refused_before_decoding() -> None:
    doc = {"_id": new_document_id(), "v": 1, "kind": "item", "kid": "0" * 16, "nonce": "A" * 16, "ct": "A" * 30_000_000}
    with pytest.raises(WireFormatError, match="size limit"):
        check_wire_document(doc)


def test_wire_errors_are_format_errors_and_crypto_errors() -> None:
    assert issubclass(WireFormatError, FormatError)
    assert issubclass(WireFormatError, CryptoError)
    with pytest.raises(CryptoError):
        check_wire_document([])  # type: ignore[arg-type]


def test_items_of_version_one_and_two_pass_and_a_keyring_document_of_version_two_does_not(
    docs: dict[str, Json],
) -> None:
    assert docs["item"]["v"] == 2
    assert document_kind({**docs["item"], "v": 1}) == "item"
    with pytest.raises(WireFormatError, match="v 1"):
        check_wire_document({**docs["keyring"], "v": 2})
    with pytest.raises(WireFormatError, match="v 1 or 2"):
        check_wire_document({**docs["item"], "v": 3})


def test_deleted_false_means_not_deleted_and_a_deleted_keyring_document_is_refused(docs: dict[str, Json]) -> None:
    assert document_kind({**docs["keyring"], "_deleted": False}) == "keyring"
    assert document_kind({**docs["item"], "_deleted": False}) == "item"
    with pytest.raises(WireFormatError, match="cannot be deleted"):
        check_wire_document({**docs["keyring"], "_deleted": True})
