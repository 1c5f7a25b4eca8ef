"""The Python implementation passes every known-answer vector in tests/vectors (generate, verify, invalid).

Signatures, envelopes, the version order and statements are in ``test_known_answer_versions.py``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from vector_support import (
    ERRORS,
    VECTORS,
    ScriptedRandom,
    cases,
    device_from,
    devices_from,
    key_from,
    key_json,
    keyring_from,
    public_from,
)

from alongside.crypto import (
    DevicePublicKeys,
    admission_bind,
    b64u_decode,
    b64u_encode,
    bucket_size,
    canonical_json,
    check_wire_document,
    create_invite,
    device_fingerprint,
    document_key_id,
    document_kind,
    generate_device_keys,
    grant_plan_key,
    invite_bind_key,
    invite_registration,
    invite_verifier,
    lock_device_keys,
    lock_secret,
    new_document_id,
    new_plan_id_for,
    open_grant,
    open_invite,
    pad,
    parse_canonical_json,
    plan_fingerprint,
    plan_id_for,
    registration_message,
    roster_document_id,
    rotate_plan_key,
    unlock_device_keys,
    unlock_secret,
    unpad,
    verify_invite_registration,
)
from alongside.crypto.fingerprint import digits_from_hash
from alongside.crypto.padding import is_bucket_size

Case = dict[str, Any]


def test_vector_files_are_what_the_generator_produces_today() -> None:
    result = subprocess.run([sys.executable, str(VECTORS / "generate.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


# --- padding ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("padding.json", "generate"))
def test_padding_generate_vector_gives_the_expected_bucket_and_bytes(case: Case) -> None:
    if "length" in case:
        assert bucket_size(case["length"]) == case["padded_length"]
    else:
        assert b64u_encode(pad(b64u_decode(case["data"]))) == case["padded"]


@pytest.mark.parametrize("case", cases("padding.json", "verify"))
def test_padding_verify_vector_unpads_or_classifies_sizes(case: Case) -> None:
    if "size" in case:
        assert is_bucket_size(case["size"]) is case["is_bucket"]
    else:
        assert b64u_encode(unpad(b64u_decode(case["padded"]))) == case["data"]


@pytest.mark.parametrize("case", cases("padding.json", "invalid"))
def test_padding_invalid_vector_is_refused(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]):
        if "length" in case:
            bucket_size(case["length"])
        else:
            unpad(b64u_decode(case["padded"]))


# --- canonical JSON --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("canonical_json.json", "generate"))
def test_canonical_json_generate_vector_serialises_byte_for_byte(case: Case) -> None:
    assert canonical_json(case["value"]) == case["canonical"].encode("utf-8")


@pytest.mark.parametrize("case", cases("canonical_json.json", "verify"))
def test_canonical_json_verify_vector_parses_to_the_value(case: Case) -> None:
    assert parse_canonical_json(b64u_decode(case["bytes"])) == case["value"]


@pytest.mark.parametrize("case", cases("canonical_json.json", "invalid"))
def test_canonical_json_invalid_vector_is_refused(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]):
        if "bytes" in case:
            parse_canonical_json(b64u_decode(case["bytes"]))
        else:
            canonical_json(case["value"])


# --- keys ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("keys.json", "generate"))
def test_keys_generate_vector_derives_the_same_keys_and_ids(case: Case) -> None:
    if case["type"] == "device":
        random = ScriptedRandom(case["random"])
        keys = generate_device_keys(random)
        random.assert_used_up()
        assert b64u_encode(keys.encryption_private) == case["enc_private"]
        assert b64u_encode(keys.signing_private) == case["sig_private"]
        assert {**keys.public.to_json(), "device_id": keys.device_id} == case["public"]
    elif case["type"] == "plan_key":
        assert key_from(case["plan_id"], case).kid == case["kid"]
    elif case["type"] == "plan_id":
        random = ScriptedRandom(case["random"])
        plan_id, salt = new_plan_id_for(public_from(case["creator"]), random)
        random.assert_used_up()
        assert (plan_id, b64u_encode(salt)) == (case["plan_id"], case["salt"])
        assert plan_id_for(public_from(case["creator"]).signing, salt) == case["plan_id"]
    elif case["type"] == "roster_id":
        assert roster_document_id(case["plan_id"], case["device_id"]) == case["roster_id"]
    else:
        random = ScriptedRandom(case["random"])
        assert new_document_id(random) == case["document_id"]
        random.assert_used_up()


@pytest.mark.parametrize("case", cases("keys.json", "verify"))
def test_keys_verify_vector_public_keys_match_private_keys_and_plan_ids_their_creator(case: Case) -> None:
    if case["type"] == "plan_id":
        assert plan_id_for(b64u_decode(case["sig"]), b64u_decode(case["salt"])) == case["plan_id"]
        return
    keys = device_from(case)
    assert {**keys.public.to_json(), "device_id": keys.device_id} == case["public"]
    assert DevicePublicKeys.from_json(keys.public.to_json()) == keys.public


@pytest.mark.parametrize("case", cases("keys.json", "invalid"))
def test_keys_invalid_vector_is_refused(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]):
        if case["type"] == "plan_key":
            key_from(case["plan_id"], case)
        elif case["type"] == "plan_id":
            plan_id_for(b64u_decode(case["sig"]), b64u_decode(case["salt"]))
        elif case["type"] == "roster_id":
            roster_document_id(case["plan_id"], case["device_id"])
        else:
            DevicePublicKeys.from_json(case["public"])


# --- keyring documents (key wrapping) and rotation -------------------------------------------------------------


@pytest.mark.parametrize("case", cases("keywrap.json", "generate"))
def test_keywrap_generate_vector_wraps_byte_for_byte(case: Case) -> None:
    random = ScriptedRandom(case["random"])
    granter = device_from(case["granter"])
    if case["type"] == "grant":
        doc = grant_plan_key(
            key_from(case["plan_id"], case["key"]),
            recipient=public_from(case["recipient"]),
            granter=granter,
            doc_id=case["doc_id"],
            random=random,
        )
        assert doc == case["document"]
    else:
        new_key, docs = rotate_plan_key(
            keyring_from(case["plan_id"], case["keys"]),
            remaining=[public_from(p) for p in case["remaining"]],
            granter=granter,
            random=random,
            epoch=case["epoch"],
            audience=case.get("audience", "everyone"),
        )
        assert key_json(new_key) == case["new_key"]
        assert docs == case["documents"]
    random.assert_used_up()


@pytest.mark.parametrize("case", cases("keywrap.json", "verify"))
def test_keywrap_verify_vector_unwraps_the_plan_key(case: Case) -> None:
    grant = open_grant(
        case["document"],
        plan_id=case["plan_id"],
        device=device_from(case["device"]),
        trusted=devices_from(case["trusted"]),
    )
    expected = case["expected"]
    assert grant.key.epoch == expected["epoch"]
    assert b64u_encode(grant.key.secret) == expected["secret"]
    assert grant.key.kid == expected["kid"]
    assert grant.key.audience == expected.get("audience", "everyone")
    assert grant.granter == expected["granter"]


@pytest.mark.parametrize("case", cases("keywrap.json", "invalid"))
def test_keywrap_invalid_vector_is_refused_with_the_named_error(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        if case.get("type") == "rotate":
            rotate_plan_key(
                keyring_from(case["plan_id"], case["keys"]),
                remaining=[public_from(p) for p in case["remaining"]],
                granter=device_from(case["granter"]),
                random=ScriptedRandom([]),
                epoch=case["epoch"],
                audience=case.get("audience", "everyone"),
            )
        else:
            open_grant(
                case["document"],
                plan_id=case["plan_id"],
                device=device_from(case["device"]),
                trusted=devices_from(case["trusted"]),
            )
    assert type(caught.value) is ERRORS[case["error"]]


# --- invites ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("invite.json", "generate"))
def test_invite_generate_vector_encodes_byte_for_byte(case: Case) -> None:
    if case.get("type") == "admission_bind":
        bind = admission_bind(b64u_decode(case["bind_key"]), plan_id=case["plan_id"], device_id=case["device_id"])
        assert bind == case["bind"]
        return
    random = ScriptedRandom(case["random"])
    key = key_from(case["plan_id"], case["key"])
    inviter = device_from(case["inviter"])
    invite = create_invite(
        key,
        inviter=inviter,
        role=case["role"],
        access=case["access"],
        now=case["now"],
        lifetime=case["lifetime"],
        random=random,
    )
    random.assert_used_up()
    expected = case["expected"]
    assert invite_registration(invite) == expected["registration"]
    message = registration_message(
        **{k: v for k, v in expected["registration"].items() if k not in ("inviter", "signature")}
    )
    assert message.decode() == expected["registration_message"]
    assert verify_invite_registration(
        inviter.public.signing,
        expected["registration"]["signature"],
        **{k: v for k, v in expected["registration"].items() if k not in ("inviter", "signature")},
    )
    assert b64u_encode(invite.to_bytes()) == expected["bytes"]
    assert invite.to_text() == expected["text"]
    assert invite.invite_id_hex == expected["invite_id"]
    assert invite.expires_at == expected["expires_at"]
    assert plan_fingerprint(key.plan_id, key.kid, inviter.public.signing) == expected["fingerprint"]
    assert invite_verifier(expected["auth_token"]) == expected["verifier"]
    assert b64u_encode(invite_bind_key(invite)) == expected["bind_key"]


@pytest.mark.parametrize("case", cases("invite.json", "verify"))
def test_invite_verify_vector_opens_to_the_plan_key(case: Case) -> None:
    joined = open_invite(case["text"], now=case["now"])
    expected = case["expected"]
    assert joined.plan_key.plan_id == expected["plan_id"]
    assert (joined.plan_key.epoch, b64u_encode(joined.plan_key.secret), joined.plan_key.kid) == (
        expected["epoch"],
        expected["secret"],
        expected["kid"],
    )
    assert {**joined.inviter.to_json(), "device_id": joined.inviter.device_id} == expected["inviter"]
    assert (joined.invite_id, joined.expires_at, joined.auth_token) == (
        expected["invite_id"],
        expected["expires_at"],
        expected["auth_token"],
    )
    assert invite_verifier(joined.auth_token) == expected["verifier"]
    assert (joined.role, joined.access, joined.registration) == (
        expected["role"],
        expected["access"],
        expected["registration"],
    )
    assert (
        plan_fingerprint(joined.plan_key.plan_id, joined.plan_key.kid, joined.inviter.signing)
        == expected["fingerprint"]
    )
    assert b64u_encode(joined.bind_key) == expected["bind_key"]


@pytest.mark.parametrize("case", cases("invite.json", "invalid"))
def test_invite_invalid_vector_is_refused_with_the_named_error(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        if case.get("type") == "admission_bind":
            admission_bind(b64u_decode(case["bind_key"]), plan_id=case["plan_id"], device_id=case["device_id"])
        else:
            open_invite(case["text"], now=case["now"])
    assert type(caught.value) is ERRORS[case["error"]]


# --- fingerprints ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("fingerprint.json", "generate"))
def test_fingerprint_generate_vector_gives_the_same_digits(case: Case) -> None:
    if case["type"] == "plan":
        assert plan_fingerprint(case["plan_id"], case["kid"], b64u_decode(case["signer"])) == case["fingerprint"]
        assert digits_from_hash(b64u_decode(case["hash"])) == case["fingerprint"]
    else:
        assert device_fingerprint(public_from(case["public"])) == case["fingerprint"]


@pytest.mark.parametrize("case", cases("fingerprint.json", "verify"))
def test_fingerprint_verify_vector_digits_from_hash(case: Case) -> None:
    assert digits_from_hash(b64u_decode(case["hash"])) == case["fingerprint"]


@pytest.mark.parametrize("case", cases("fingerprint.json", "invalid"))
def test_fingerprint_invalid_vector_is_refused(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]):
        plan_fingerprint(case["plan_id"], case["kid"], b64u_decode(case["signer"]))


# --- PIN lock --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("pinlock.json", "generate"))
def test_pinlock_generate_vector_locks_byte_for_byte(case: Case) -> None:
    random = ScriptedRandom(case["random"])
    if case["type"] == "device_keys":
        blob = lock_device_keys(device_from(case["device"]), case["pin"], iterations=case["iterations"], random=random)
    else:
        blob = lock_secret(b64u_decode(case["secret"]), case["pin"], iterations=case["iterations"], random=random)
    random.assert_used_up()
    assert blob == case["expected"]


@pytest.mark.parametrize("case", cases("pinlock.json", "verify"))
def test_pinlock_verify_vector_unlocks(case: Case) -> None:
    assert b64u_encode(unlock_secret(case["blob"], case["pin"])) == case["secret"]
    if "device_id" in case:
        assert unlock_device_keys(case["blob"], case["pin"]).device_id == case["device_id"]


@pytest.mark.parametrize("case", cases("pinlock.json", "invalid"))
def test_pinlock_invalid_vector_is_refused_with_the_named_error(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        unlock_secret(case["blob"], case["pin"])
    assert type(caught.value) is ERRORS[case["error"]]


# --- the server's shape check ----------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("wire.json", "generate"))
def test_wire_generate_vector_reads_kind_and_key_id(case: Case) -> None:
    assert document_kind(case["document"]) == case["kind"]
    assert document_key_id(case["document"]) == case["kid"]


@pytest.mark.parametrize("case", cases("wire.json", "verify"))
def test_wire_verify_vector_passes_the_shape_check(case: Case) -> None:
    check_wire_document(case["document"], **case["options"])


@pytest.mark.parametrize("case", cases("wire.json", "invalid"))
def test_wire_invalid_vector_is_refused_with_a_reason(case: Case) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        check_wire_document(case["document"], **case["options"])
    assert caught.value.reason  # type: ignore[attr-defined]
