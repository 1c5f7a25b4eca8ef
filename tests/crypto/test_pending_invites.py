"""Pending invites (docs/crypto.md §11.6): an invite made by anyone but the person's own device carries no plan
key, only a request key; the join request sealed under it opens only for its plan, invite and device. The
Python implementation passes tests/vectors/pending_invite.json."""

from __future__ import annotations

from typing import Any

import pytest
from vector_support import ERRORS, ScriptedRandom, cases, device_from, public_from

from alongside.crypto import (
    DecryptionError,
    FormatError,
    b64u_decode,
    b64u_encode,
    create_invite,
    create_pending_invite,
    generate_device_keys,
    invite_registration,
    new_plan_key,
    open_invite,
    open_join_request,
    open_pending_invite,
    parse_invite,
    registration_message,
    seal_join_request,
    verify_invite_registration,
)
from alongside.crypto.invite import WRAPPED_BYTES

NOW = 1_750_000_000


def _request_fields(case: dict[str, Any]) -> dict[str, str]:
    return {"plan_id": case["plan_id"], "invite_id": case["invite_id"], "device_id": case["device_id"]}


@pytest.mark.parametrize("case", cases("pending_invite.json", "generate"))
def test_pending_invite_generate_vector_encodes_byte_for_byte(case: dict[str, Any]) -> None:
    random = ScriptedRandom(case["random"])
    if case["type"] == "join_request":
        key = b64u_decode(case["request_key"])
        sealed = seal_join_request(key, case["request"], **_request_fields(case), random=random)
        random.assert_used_up()
        assert sealed == case["sealed"]
        return
    inviter = device_from(case["inviter"])
    invite, request_key = create_pending_invite(
        case["plan_id"],
        inviter=inviter,
        access=case["access"],
        now=case["now"],
        lifetime=case["lifetime"],
        random=random,
    )
    random.assert_used_up()
    expected = case["expected"]
    assert (b64u_encode(invite.to_bytes()), invite.to_text()) == (expected["bytes"], expected["text"])
    assert b64u_encode(request_key) == expected["request_key"]
    assert invite_registration(invite) == expected["registration"]
    fields = {k: v for k, v in expected["registration"].items() if k not in ("inviter", "signature")}
    assert registration_message(**fields).decode() == expected["registration_message"]
    assert '"pending":true' in expected["registration_message"]
    assert verify_invite_registration(inviter.public.signing, expected["registration"]["signature"], **fields)


@pytest.mark.parametrize("case", cases("pending_invite.json", "verify"))
def test_pending_invite_verify_vector_opens_to_the_request_key_only(case: dict[str, Any]) -> None:
    if case["type"] == "join_request":
        opened = open_join_request(b64u_decode(case["request_key"]), case["sealed"], **_request_fields(case))
        assert opened == case["request"]
        return
    pending = open_pending_invite(case["text"], now=case["now"])
    expected = case["expected"]
    assert not hasattr(pending, "plan_key")
    assert b64u_encode(pending.request_key) == expected["request_key"]
    assert pending.inviter == public_from(expected["inviter"])
    assert (pending.plan_id, pending.invite_id, pending.expires_at, pending.auth_token) == (
        expected["plan_id"],
        expected["invite_id"],
        expected["expires_at"],
        expected["auth_token"],
    )
    assert (pending.role, pending.access, pending.registration) == (
        expected["role"],
        expected["access"],
        expected["registration"],
    )
    assert b64u_encode(pending.bind_key) == expected["bind_key"]


@pytest.mark.parametrize("case", cases("pending_invite.json", "invalid"))
def test_pending_invite_invalid_vector_is_refused_with_the_named_error(case: dict[str, Any]) -> None:
    with pytest.raises(ERRORS[case["error"]]) as caught:
        if case["type"] == "join_request":
            open_join_request(b64u_decode(case["request_key"]), case["sealed"], **_request_fields(case))
        elif case["type"] == "invite":
            open_invite(case["text"], now=case["now"])
        else:
            open_pending_invite(case["text"], now=case["now"])
    assert type(caught.value) is ERRORS[case["error"]]


def test_a_pending_invite_holds_no_plan_key_in_any_byte() -> None:
    """The plan key is nowhere in a pending invite: not in its bytes, not in what it decrypts to."""
    key = new_plan_key("p" * 32)
    worker = generate_device_keys()
    invite, request_key = create_pending_invite(key.plan_id, inviter=worker, access="write")
    raw = invite.to_bytes()
    assert key.secret not in raw
    assert len(invite.wrapped) == WRAPPED_BYTES
    pending = open_pending_invite(invite.to_text())
    assert pending.request_key == request_key != key.secret
    with pytest.raises(FormatError):
        open_invite(raw)
    # An ordinary invite (the person's own device inviting) still carries the key, and is not pending.
    direct = create_invite(key, inviter=worker, role="supporter", access="write")
    assert open_invite(direct.to_bytes()).plan_key == key
    assert "pending" not in invite_registration(direct)
    with pytest.raises(FormatError):
        open_pending_invite(direct.to_bytes())


def test_a_pending_invite_is_for_supporters_only() -> None:
    with pytest.raises(FormatError):
        create_pending_invite("p" * 32, inviter=generate_device_keys(), role="owner", access="write")


def test_the_pending_mark_is_signed_so_the_server_cannot_be_shown_a_direct_registration() -> None:
    invite, _ = create_pending_invite("p" * 32, inviter=generate_device_keys(), access="read")
    registration = invite_registration(invite)
    fields = {k: v for k, v in registration.items() if k not in ("inviter", "signature", "pending")}
    signature = str(registration["signature"])
    assert verify_invite_registration(invite.inviter.signing, signature, **fields, pending=True)  # type: ignore[arg-type]
    assert not verify_invite_registration(invite.inviter.signing, signature, **fields)  # type: ignore[arg-type]
    assert parse_invite(invite.to_text()).pending


def test_a_join_request_opens_only_for_its_device() -> None:
    invite, request_key = create_pending_invite("p" * 32, inviter=generate_device_keys(), access="read")
    device = generate_device_keys().public.device_id
    fields = {"plan_id": "p" * 32, "invite_id": invite.invite_id_hex, "device_id": device}
    sealed = seal_join_request(request_key, {"name": "Dee", "label": "", "bind": b64u_encode(bytes(32))}, **fields)
    assert open_join_request(request_key, sealed, **fields)["name"] == "Dee"
    with pytest.raises(DecryptionError):
        open_join_request(request_key, sealed, **{**fields, "device_id": "0" * 32})
    with pytest.raises(FormatError):
        seal_join_request(request_key, {"name": "", "label": "", "bind": b64u_encode(bytes(32))}, **fields)
