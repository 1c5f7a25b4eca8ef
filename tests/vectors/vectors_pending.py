"""Vectors for pending invites (layout version 3) and the join requests sealed under their request key."""

from __future__ import annotations

from vector_inputs import ALICE, BOB, CARO, MALLORY, NOW, PLAN, Json, Script, fixed, private_json, public_json

from alongside.crypto import (
    b64u_decode,
    b64u_encode,
    base32_encode,
    canonical_json,
    create_pending_invite,
    invite_auth_token,
    invite_bind_key,
    invite_registration,
    invite_verifier,
    seal_join_request,
)
from alongside.crypto.primitives import aead_seal, hkdf_sha256

REQUEST = {"name": "Dee", "label": "Dee's phone", "bind": b64u_encode(fixed("bind/dee", 32))}
LONG_REQUEST = {"name": "رنا " + "ي" * 76, "label": "ن" * 80, "bind": b64u_encode(fixed("bind/rana", 32))}


def pending_invite_vectors() -> Json:
    generate: list[Json] = []
    for name, inviter, lifetime, access in (
        ("caro (the worker) invites a reader who waits for the person's yes", CARO, 900, "read"),
        ("bob (a supporter) invites a writer who waits for the person's yes", BOB, 3600, "write"),
    ):
        script = Script(f"pending-invite/{name}")
        invite, request_key = create_pending_invite(
            PLAN, inviter=inviter, access=access, now=NOW, lifetime=lifetime, random=script
        )
        token = invite_auth_token(invite)
        registration = invite_registration(invite)
        generate.append(
            {
                "name": name,
                "type": "pending_invite",
                "plan_id": PLAN,
                "inviter": private_json(inviter),
                "role": "supporter",
                "access": access,
                "now": NOW,
                "lifetime": lifetime,
                "random": script.draws,
                "expected": {
                    "bytes": b64u_encode(invite.to_bytes()),
                    "text": invite.to_text(),
                    "invite_id": invite.invite_id_hex,
                    "expires_at": invite.expires_at,
                    "auth_token": token,
                    "verifier": invite_verifier(token),
                    "registration_message": canonical_json(
                        {k: v for k, v in registration.items() if k not in ("inviter", "signature")}
                        | {"ctx": "alongside/v1/invite-registration"}
                    ).decode(),
                    "registration": registration,
                    "request_key": b64u_encode(request_key),
                    "bind_key": b64u_encode(invite_bind_key(invite)),
                },
            }
        )
    requests: list[Json] = []
    for name, request, device in (
        ("Dee's join request", REQUEST, MALLORY),
        ("the longest name and label, in Arabic", LONG_REQUEST, ALICE),
    ):
        script = Script(f"join-request/{name}")
        first = generate[0]
        key = b64u_decode(first["expected"]["request_key"])
        sealed = seal_join_request(
            key,
            request,
            plan_id=PLAN,
            invite_id=first["expected"]["invite_id"],
            device_id=device.public.device_id,
            random=script,
        )
        requests.append(
            {
                "name": name,
                "type": "join_request",
                "request_key": first["expected"]["request_key"],
                "plan_id": PLAN,
                "invite_id": first["expected"]["invite_id"],
                "device_id": device.public.device_id,
                "request": request,
                "random": script.draws,
                "sealed": sealed,
            }
        )
    verify: list[Json] = []
    for g in generate:
        expected = {
            "plan_id": g["plan_id"],
            "request_key": g["expected"]["request_key"],
            "inviter": public_json(private_inviter(g)),
            "invite_id": g["expected"]["invite_id"],
            "expires_at": g["expected"]["expires_at"],
            "auth_token": g["expected"]["auth_token"],
            "role": g["role"],
            "access": g["access"],
            "registration": g["expected"]["registration"],
            "bind_key": g["expected"]["bind_key"],
        }
        verify.append(
            {
                "name": "open " + g["name"],
                "type": "pending_invite",
                "text": g["expected"]["text"],
                "now": NOW,
                "expected": expected,
            }
        )
    verify += [{**r, "name": "open " + r["name"]} for r in requests]
    return {
        "spec": "docs/crypto.md section 11.6",
        "generate": generate + requests,
        "verify": verify,
        "invalid": _invalid(generate[0], requests[0]),
    }


def private_inviter(g: Json) -> object:
    return {"caro": CARO, "bob": BOB}[g["name"].split(" ", 1)[0]].public


def _text(data: bytes) -> str:
    return "AS1:" + base32_encode(data)


def _resealed(raw: bytes, plaintext: bytes) -> str:
    """The pending invite with ``plaintext`` in place of ``u32(0) || Q``, sealed so that it authenticates."""
    n = raw[1]
    invite_id, secret = raw[2 + n : 18 + n], raw[18 + n : 34 + n]
    key = hkdf_sha256(secret, invite_id, b"alongside/v1/invite-key", 32)
    header, nonce = raw[: 167 + n], raw[167 + n : 179 + n]
    return _text(header + nonce + aead_seal(key, nonce, plaintext, b"alongside/v1/invite\x00" + header))


def _invalid(invite: Json, request: Json) -> list[Json]:
    raw = b64u_decode(invite["expected"]["bytes"])
    n = raw[1]
    text = invite["expected"]["text"]
    sealed = request["sealed"]
    base = {k: request[k] for k in ("type", "request_key", "plan_id", "invite_id", "device_id", "sealed")}
    return [
        {
            "name": "pending invite: expired",
            "type": "pending_invite",
            "text": text,
            "now": invite["expected"]["expires_at"],
            "error": "InviteExpiredError",
        },
        {
            "name": "pending invite: version byte changed to 2",
            "type": "pending_invite",
            "text": _text(b"\x02" + raw[1:]),
            "now": NOW,
            "error": "FormatError",
        },
        {
            "name": "pending invite: opened as a version 2 invite",
            "type": "invite",
            "text": text,
            "now": NOW,
            "error": "FormatError",
        },
        {
            "name": "pending invite: owner grant",
            "type": "pending_invite",
            "text": _text(raw[: 38 + n] + b"\x01" + raw[39 + n :]),
            "now": NOW,
            "error": "FormatError",
        },
        {
            "name": "pending invite: grant changed from read to write",
            "type": "pending_invite",
            "text": _text(raw[: 38 + n] + b"\x02" + raw[39 + n :]),
            "now": NOW,
            "error": "DecryptionError",
        },
        {
            "name": "pending invite: carrying epoch 1 (sealed correctly)",
            "type": "pending_invite",
            "text": _resealed(raw, (1).to_bytes(4, "big") + bytes(32)),
            "now": NOW,
            "error": "DecryptionError",
        },
        {
            "name": "join request: altered",
            "error": "DecryptionError",
            **base,
            "sealed": sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1],
        },
        {
            "name": "join request: another device",
            "error": "DecryptionError",
            **base,
            "device_id": CARO.public.device_id,
        },
        {"name": "join request: another invite", "error": "DecryptionError", **base, "invite_id": "0" * 32},
        {
            "name": "join request: another request key",
            "error": "DecryptionError",
            **base,
            "request_key": b64u_encode(fixed("q/other", 32)),
        },
        {"name": "join request: too short", "error": "FormatError", **base, "sealed": sealed[:30]},
        {"name": "join request: not base64url", "error": "FormatError", **base, "sealed": sealed[:-1] + "="},
    ]
