"""The Python implementation passes the known-answer vectors of signed items and versions, envelopes, the
version order and statements (tests/vectors: signature, envelope, history and statements)."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from vector_support import (
    ERRORS,
    ScriptedRandom,
    cases,
    device_from,
    devices_from,
    key_from,
    keyring_from,
    open_vector,
    opened_fields,
)

from alongside.crypto import (
    Leaf,
    VersionMemory,
    b64u_encode,
    item_associated_data,
    item_signature_message,
    judge_versions,
    next_version,
    reseal_item,
    seal_item,
    sign_field,
    sign_item,
    sign_statement,
    statement_message,
    verify_field,
    verify_item,
    verify_statement,
    version_hash,
)
from alongside.crypto.provenance import SignedItem, sign_item_v1

Case = dict[str, Any]


# --- signatures and versions ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("signature.json", "generate"))
def test_signature_generate_vector_signs_the_same_message_bytes_and_version_hash(case: Case) -> None:
    if case["type"] == "next_version":
        n, prev = next_version([(v[0], v[1]) for v in case["versions"]])
        assert (n, list(prev)) == (case["n"], case["prev"])
        return
    author = device_from(case["author"])
    where = {"plan_id": case["plan_id"], "doc_id": case["doc_id"], "deleted": case["deleted"]}
    message = item_signature_message(
        case["body"], by=author.device_id, n=case["n"], prev=case["prev"], version=case["version"], **where
    )
    assert message == case["message"].encode("utf-8")
    if case["version"] == 2:
        signed = sign_item(case["body"], author=author, n=case["n"], prev=case["prev"], **where)
    else:
        signed = sign_item_v1(case["body"], author=author, **where)
    assert signed.to_json() == case["signed"]
    assert version_hash(signed, **where) == case["vh"]
    assert b64u_encode(hashlib.sha256(message).digest()) == case["vh"]


@pytest.mark.parametrize("case", cases("signature.json", "verify"))
def test_signature_verify_vector_verifies_and_gives_the_version_hash(case: Case) -> None:
    signed = SignedItem.from_json(case["signed"], case["version"])
    where = {"plan_id": case["plan_id"], "doc_id": case["doc_id"], "deleted": case["deleted"]}
    verify_item(signed, devices=devices_from(case["devices"]), **where)
    assert version_hash(signed, **where) == case["vh"]
    assert signed.to_json() == case["signed"]


@pytest.mark.parametrize("case", cases("signature.json", "invalid"))
def test_signature_invalid_vector_is_refused(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        if case["type"] == "next_version":
            next_version([(v[0], v[1]) for v in case["versions"]])
        elif case["type"] == "parse":
            SignedItem.from_json(case["signed"], case["version"])
        else:
            verify_item(
                SignedItem.from_json(case["signed"], case["version"]),
                plan_id=case["plan_id"],
                doc_id=case["doc_id"],
                deleted=case["deleted"],
                devices=devices_from(case["devices"]),
            )
    assert type(caught.value) is ERRORS[case["error"]]


# --- envelopes -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("envelope.json", "generate"))
def test_envelope_generate_vector_seals_or_reseals_byte_for_byte(case: Case) -> None:
    random = ScriptedRandom(case["random"])
    if case["type"] == "reseal":
        doc = reseal_item(
            case["source"],
            plan_id=case["plan_id"],
            keyring=keyring_from(case["plan_id"], case["keys"]),
            devices=devices_from(case["devices"]),
            key=key_from(case["plan_id"], case["key"]),
            random=random,
        )
    else:
        key = key_from(case["plan_id"], case["key"])
        assert key.kid == case["key"]["kid"]
        associated = item_associated_data(
            plan_id=case["plan_id"], doc_id=case["doc_id"], kid=key.kid, deleted=case["deleted"]
        )
        assert associated == case["associated_data"].encode("utf-8")
        doc = seal_item(
            case["body"],
            plan_id=case["plan_id"],
            doc_id=case["doc_id"],
            key=key,
            author=device_from(case["author"]),
            deleted=case["deleted"],
            rev=case["rev"],
            n=case["n"],
            prev=case["prev"],
            random=random,
        )
    random.assert_used_up()
    assert doc == case["document"]
    assert list(doc) == list(case["document"])


@pytest.mark.parametrize("case", cases("envelope.json", "verify"))
def test_envelope_verify_vector_opens_to_the_body_author_and_version(case: Case) -> None:
    opened = open_vector(case)
    assert opened_fields(opened) == case["expected"]


@pytest.mark.parametrize("case", cases("envelope.json", "invalid"))
def test_envelope_invalid_vector_is_refused_with_the_named_error(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        open_vector(case)
    assert type(caught.value) is ERRORS[case["error"]]


# --- version order -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("history.json", "verify"))
def test_history_scenario_shows_and_remembers_what_each_step_expects(case: Case) -> None:
    memory = None if case["memory"] is None else VersionMemory.from_json(case["memory"])
    for number, step in enumerate(case["steps"], 1):
        leaves = [Leaf.from_json(leaf) for leaf in step["leaves"]]
        winner = next(leaf for leaf in leaves if leaf.rev == step["winner"])
        judgement = judge_versions(memory, winner, leaves)
        assert judgement.to_json() == step["expect"], f"step {number}"
        memory = judgement.memory
        if memory is not None:
            assert VersionMemory.from_json(memory.to_json()) == memory


@pytest.mark.parametrize("case", cases("history.json", "invalid"))
def test_history_invalid_vector_is_refused(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]):
        memory = None if case["memory"] is None else VersionMemory.from_json(case["memory"])
        judge_versions(memory, Leaf.from_json(case["winner"]), [Leaf.from_json(leaf) for leaf in case["leaves"]])


# --- statements ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("statements.json", "generate"))
def test_statements_generate_vector_signs_the_same_message_and_bytes(case: Case) -> None:
    author = device_from(case["author"])
    if case["type"] == "statement":
        assert statement_message(case["context"], case["fields"]) == case["message"].encode("utf-8")
        assert sign_statement(case["context"], case["fields"], author) == case["sig"]
        return
    sig = sign_field(
        plan_id=case["plan_id"],
        doc_id=case["doc_id"],
        name=case["field_name"],
        value=case["value"],
        h=case["h"],
        at=case["at"],
        author=author,
    )
    assert sig == case["field"]["sig"]
    assert case["field"] == {"v": case["value"], "h": case["h"], "at": case["at"], "dev": author.device_id, "sig": sig}
    fields = {"at": case["at"], "dev": author.device_id, "h": case["h"], "id": case["doc_id"]}
    fields |= {"name": case["field_name"], "plan": case["plan_id"], "v": case["value"]}
    assert statement_message("alongside/v2/field", fields) == case["message"].encode("utf-8")


def _check_statement(case: Case) -> None:
    devices = devices_from(case["devices"])
    if case["type"] == "statement":
        verify_statement(case["context"], case["fields"], case["sig"], signer=case["signer"], devices=devices)
    else:
        verify_field(
            plan_id=case["plan_id"],
            doc_id=case["doc_id"],
            name=case["field_name"],
            field=case["field"],
            devices=devices,
        )


@pytest.mark.parametrize("case", cases("statements.json", "verify"))
def test_statements_verify_vector_verifies(case: Case) -> None:
    _check_statement(case)


@pytest.mark.parametrize("case", cases("statements.json", "invalid"))
def test_statements_invalid_vector_is_refused_with_the_named_error(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        _check_statement(case)
    assert type(caught.value) is ERRORS[case["error"]]
