"""Vectors for keyring documents and rotation, and invites and admission binds."""

from __future__ import annotations

from collections.abc import Callable

from vector_inputs import (
    ALICE,
    BOB,
    CARO,
    DOC1,
    FAMILY1,
    KEY1,
    KEY2,
    MALLORY,
    NOW,
    OTHER_PLAN,
    PLAN,
    Json,
    Script,
    author_id,
    fixed,
    key_json,
    mutate_b64,
    private_json,
    public_json,
    public_of,
)

from alongside.crypto import (
    DeviceKeys,
    FormatError,
    Keyring,
    PlanKey,
    admission_bind,
    b64u_decode,
    b64u_encode,
    base32_encode,
    canonical_json,
    create_invite,
    grant_plan_key,
    invite_auth_token,
    invite_bind_key,
    invite_registration,
    invite_verifier,
    parse_invite,
    plan_fingerprint,
    rotate_plan_key,
)
from alongside.crypto.grants import grant_signature_message, keyring_associated_data
from alongside.crypto.primitives import aead_seal, ed25519_sign, hkdf_sha256, x25519_public, x25519_shared


def keywrap_vectors() -> Json:
    generate: list[Json] = []
    cases = [
        ("alice grants epoch 1 to bob", KEY1, ALICE, BOB, fixed("kr/1", 16).hex()),
        ("bob grants epoch 2 to caro, id drawn", KEY2, BOB, CARO, None),
        ("caro grants epoch 2 to herself", KEY2, CARO, CARO, fixed("kr/3", 16).hex()),
        ("alice grants the family key of epoch 1 to caro", FAMILY1, ALICE, CARO, fixed("kr/4", 16).hex()),
    ]
    for name, key, granter, recipient, doc_id in cases:
        script = Script(f"keywrap/{name}")
        doc = grant_plan_key(key, recipient=recipient.public, granter=granter, doc_id=doc_id, random=script)
        ephemeral = fixed(f"keywrap/{name}/{1 if doc_id is None else 0}", 32)
        epk = x25519_public(ephemeral)
        shared = x25519_shared(ephemeral, recipient.public.encryption)
        message = grant_signature_message(
            plan_id=PLAN,
            epoch=key.epoch,
            kid=key.kid,
            by=granter.device_id,
            to=recipient.device_id,
            audience=key.audience,
        )
        generate.append(
            {
                "name": name,
                "type": "grant",
                "plan_id": PLAN,
                "key": key_json(key),
                "granter": private_json(granter),
                "recipient": public_json(recipient.public),
                "doc_id": doc_id,
                "random": script.draws,
                "shared_secret": b64u_encode(shared),
                "wrap_key": b64u_encode(
                    hkdf_sha256(shared, epk + recipient.public.encryption, b"alongside/v1/keyring-wrap", 32)
                ),
                "signed_message": message.decode(),
                "associated_data": keyring_associated_data(
                    plan_id=PLAN, doc_id=str(doc["_id"]), kid=key.kid, to=recipient.device_id, epk=epk
                ).decode(),
                "document": doc,
            }
        )
    script = Script("keywrap/rotate")
    new_key, docs = rotate_plan_key(
        Keyring(PLAN, [KEY1]), remaining=[ALICE.public, CARO.public], granter=ALICE, random=script
    )
    generate.append(
        {
            "name": "alice rotates after removing bob",
            "type": "rotate",
            "plan_id": PLAN,
            "keys": [key_json(KEY1)],
            "granter": private_json(ALICE),
            "remaining": [public_json(ALICE.public), public_json(CARO.public)],
            "epoch": None,
            "random": script.draws,
            "new_key": key_json(new_key),
            "documents": docs,
        }
    )
    script = Script("keywrap/supersede")
    superseding, superseding_docs = rotate_plan_key(
        Keyring(PLAN, [KEY1, KEY2]),
        remaining=[CARO.public, BOB.public, ALICE.public],
        granter=CARO,
        random=script,
        epoch=4,
    )
    generate.append(
        {
            "name": "caro supersedes a stuck rotation to epoch 3 (recorded by the server) with epoch 4",
            "type": "rotate",
            "plan_id": PLAN,
            "keys": [key_json(KEY1), key_json(KEY2)],
            "granter": private_json(CARO),
            "remaining": [public_json(CARO.public), public_json(BOB.public), public_json(ALICE.public)],
            "epoch": 4,
            "random": script.draws,
            "new_key": key_json(superseding),
            "documents": superseding_docs,
        }
    )
    script = Script("keywrap/rotate-family")
    family_key, family_docs = rotate_plan_key(
        Keyring(PLAN, [KEY1, KEY2, FAMILY1]),
        remaining=[ALICE.public, CARO.public],
        granter=ALICE,
        random=script,
        audience="family",
    )
    generate.append(
        {
            "name": "alice rotates only the family key line (epoch 1 to 2) after removing a family member",
            "type": "rotate",
            "plan_id": PLAN,
            "keys": [key_json(KEY1), key_json(KEY2), key_json(FAMILY1)],
            "granter": private_json(ALICE),
            "remaining": [public_json(ALICE.public), public_json(CARO.public)],
            "epoch": None,
            "audience": "family",
            "random": script.draws,
            "new_key": key_json(family_key),
            "documents": family_docs,
        }
    )
    trusted = [public_json(d.public) for d in (ALICE, BOB, CARO)]
    verify: list[Json] = []
    for doc in family_docs:
        recipient = ALICE if doc["to"] == ALICE.device_id else CARO
        verify.append(
            {
                "name": f"open the family rotation's grant for {recipient.device_id[:6]}",
                "plan_id": PLAN,
                "device": private_json(recipient),
                "trusted": trusted,
                "document": doc,
                "expected": {**key_json(family_key), "granter": ALICE.device_id},
            }
        )
    for g, recipient in zip(generate[:4], (BOB, CARO, CARO, CARO), strict=True):
        verify.append(
            {
                "name": "open: " + g["name"],
                "plan_id": PLAN,
                "device": private_json(recipient),
                "trusted": trusted,
                "document": g["document"],
                "expected": {**g["key"], "granter": author_id(g["granter"])},
            }
        )
    for doc, recipient in zip(docs, (ALICE, CARO), strict=True):
        verify.append(
            {
                "name": f"open rotation grant for {recipient.device_id[:6]}",
                "plan_id": PLAN,
                "device": private_json(recipient),
                "trusted": trusted,
                "document": doc,
                "expected": {**key_json(new_key), "granter": ALICE.device_id},
            }
        )
    verify.append(
        {
            "name": "open the superseding rotation's grant for bob (a read-only member)",
            "plan_id": PLAN,
            "device": private_json(BOB),
            "trusted": trusted,
            "document": superseding_docs[1],
            "expected": {**key_json(superseding), "granter": CARO.device_id},
        }
    )
    verify.append(
        {
            **verify[0],
            "name": "open a keyring document carrying _deleted: false",
            "document": {**verify[0]["document"], "_deleted": False},
        }
    )
    first = generate[0]["document"]
    invalid: list[Json] = []

    def bad(
        name: str,
        document: Json,
        error: str = "DecryptionError",
        *,
        device: DeviceKeys = BOB,
        plan_id: str = PLAN,
        trust: list[Json] | None = None,
    ) -> None:
        invalid.append(
            {
                "name": name,
                "plan_id": plan_id,
                "device": private_json(device),
                "trusted": trusted if trust is None else trust,
                "document": document,
                "error": error,
            }
        )

    bad("opened by a device it is not addressed to", first, device=CARO)
    bad("readdressed to another device", {**first, "to": CARO.device_id}, device=CARO)
    bad("flipped bit in ciphertext", {**first, "ct": mutate_b64(first["ct"], 100)})
    bad("flipped bit in ephemeral key", {**first, "epk": mutate_b64(first["epk"], 9)})
    bad("moved to another _id", {**first, "_id": DOC1})
    bad("moved to another plan", first, plan_id=OTHER_PLAN)
    bad("key id changed", {**first, "kid": KEY2.kid})
    bad("truncated ciphertext", {**first, "ct": first["ct"][:-4]})
    bad("deleted keyring document", {**first, "_deleted": True})
    bad("granter not trusted", first, "SignatureError", trust=[public_json(BOB.public)])
    bad("keyring document of version 2", {**first, "v": 2})
    # A grant whose inner signature is by mallory while it names alice as granter.
    bad(
        "grant signed by a device that is not the named granter",
        _raw_grant("forged", _grant_fields(MALLORY)),
        "SignatureError",
        trust=[*trusted, public_json(MALLORY.public)],
    )
    bad("grant with an eighth member", _raw_grant("eight", _grant_fields(ALICE, note="hello")))
    bad("grant without by", _raw_grant("no-by", _grant_fields(ALICE, by=None)))
    bad("grant whose by is not a device id", _raw_grant("bad-by", _grant_fields(ALICE, by="alice")))
    bad("grant of epoch 0", _raw_grant("epoch-0", _grant_fields(ALICE, epoch=0)))
    bad("grant whose key is 31 bytes", _raw_grant("short-key", _grant_fields(ALICE, key=b64u_encode(bytes(31)))))
    bad("grant naming another plan", _raw_grant("other-plan", _grant_fields(ALICE, plan=OTHER_PLAN)))
    bad("grant whose signature is 63 bytes", _raw_grant("short-sig", _grant_fields(ALICE, sig=b64u_encode(bytes(63)))))
    bad("grant of the plan key naming aud everyone", _raw_grant("aud-everyone", _grant_fields(ALICE, aud="everyone")))
    bad("grant of an everyone key id claiming aud family", _raw_grant("aud-moved", _grant_fields(ALICE, aud="family")))
    bad("grant naming an unknown audience", _raw_grant("aud-unknown", _grant_fields(ALICE, aud="organisation")))
    unsigned_aud = grant_signature_message(plan_id=PLAN, epoch=1, kid=FAMILY1.kid, by=ALICE.device_id, to=BOB.device_id)
    family = {
        "epoch": 1,
        "key": b64u_encode(FAMILY1.secret),
        "kid": FAMILY1.kid,
        "aud": "family",
        "sig": b64u_encode(ed25519_sign(ALICE.signing_private, unsigned_aud)),
    }
    bad(
        "family grant whose signature does not cover aud",
        _raw_grant("aud-unsigned", _grant_fields(ALICE, **family), kid=FAMILY1.kid),
        "SignatureError",
    )
    invalid += _rotation_invalid()
    return {"spec": "docs/crypto.md sections 9 and 10", "generate": generate, "verify": verify, "invalid": invalid}


def _rotation_invalid() -> list[Json]:
    cases = [
        ("rotate to the current epoch", 2),
        ("rotate to an earlier epoch", 1),
        ("rotate beyond 2**32 - 1", 2**32),
        ("rotate to epoch 0", 0),
    ]
    for name, epoch in cases:
        try:
            rotate_plan_key(Keyring(PLAN, [KEY1, KEY2]), remaining=[ALICE.public], granter=ALICE, epoch=epoch)
        except FormatError:
            pass
        else:
            raise AssertionError(f"rotation vector {name!r} was accepted")
    return [
        {
            "name": name,
            "type": "rotate",
            "plan_id": PLAN,
            "keys": [key_json(KEY1), key_json(KEY2)],
            "granter": private_json(ALICE),
            "remaining": [public_json(ALICE.public)],
            "epoch": epoch,
            "error": "FormatError",
        }
        for name, epoch in cases
    ]


def _grant_fields(signer: DeviceKeys, **changes: object) -> Json:
    """Alice's grant of epoch 1 to bob, signed by ``signer``, with members changed, added or (None) removed."""
    message = grant_signature_message(plan_id=PLAN, epoch=1, kid=KEY1.kid, by=ALICE.device_id, to=BOB.device_id)
    grant: Json = {
        "by": ALICE.device_id,
        "epoch": 1,
        "key": b64u_encode(KEY1.secret),
        "kid": KEY1.kid,
        "plan": PLAN,
        "sig": b64u_encode(ed25519_sign(signer.signing_private, message)),
        "to": BOB.device_id,
    }
    grant.update(changes)
    return {k: v for k, v in grant.items() if v is not None}


def _raw_grant(label: str, grant: Json, kid: str = KEY1.kid) -> Json:
    """A keyring document for bob wrapping any grant plaintext (under key id ``kid``), built from primitives."""
    random: Callable[[int], bytes] = Script(f"keywrap/raw/{label}")
    doc_id = fixed(f"kr/raw/{label}", 16).hex()
    ephemeral = random(32)
    epk = x25519_public(ephemeral)
    shared = x25519_shared(ephemeral, BOB.public.encryption)
    nonce = random(12)
    ad = keyring_associated_data(plan_id=PLAN, doc_id=doc_id, kid=kid, to=BOB.device_id, epk=epk)
    wrap = hkdf_sha256(shared, epk + BOB.public.encryption, b"alongside/v1/keyring-wrap", 32)
    return {
        "_id": doc_id,
        "v": 1,
        "kind": "keyring",
        "kid": kid,
        "to": BOB.device_id,
        "epk": b64u_encode(epk),
        "nonce": b64u_encode(nonce),
        "ct": b64u_encode(aead_seal(wrap, nonce, canonical_json(grant), ad)),
    }


def _invite_signed_by_someone_else(raw: bytes, n: int) -> str:
    """The first invite with MALLORY's signature in place of the inviter's, wrapped again so that it opens."""
    invite = parse_invite(raw)
    token = invite_auth_token(invite)
    message = canonical_json(
        {
            "access": invite.access,
            "ctx": "alongside/v1/invite-registration",
            "expires_at": invite.expires_at,
            "invite_id": invite.invite_id_hex,
            "plan_id": invite.plan_id,
            "role": invite.role,
            "verifier": invite_verifier(token),
        }
    )
    forged = ed25519_sign(MALLORY.signing_private, message)
    header = raw[: 103 + n] + forged
    key = hkdf_sha256(invite.secret, invite.invite_id, b"alongside/v1/invite-key", 32)
    plaintext = KEY1.epoch.to_bytes(4, "big") + KEY1.secret
    nonce = raw[167 + n : 179 + n]
    wrapped = aead_seal(key, nonce, plaintext, b"alongside/v1/invite\x00" + header)
    return "AS1:" + base32_encode(header + nonce + wrapped)


def invite_vectors() -> Json:
    generate: list[Json] = []
    binds: list[Json] = []
    for name, key, inviter, lifetime, role, access in (
        ("alice invites the person's own device to epoch 1", KEY1, ALICE, 900, "owner", "write"),
        ("caro invites a reader to epoch 2, one hour", KEY2, CARO, 3600, "supporter", "read"),
        (
            "short plan id, a supporter who writes",
            PlanKey("p", 7, fixed("plan/short", 32)),
            BOB,
            900,
            "supporter",
            "write",
        ),
    ):
        script = Script(f"invite/{name}")
        invite = create_invite(
            key, inviter=inviter, role=role, access=access, now=NOW, lifetime=lifetime, random=script
        )
        token = invite_auth_token(invite)
        registration = invite_registration(invite)
        bind_key = invite_bind_key(invite)
        generate.append(
            {
                "name": name,
                "plan_id": key.plan_id,
                "key": key_json(key),
                "inviter": private_json(inviter),
                "role": role,
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
                    "fingerprint": plan_fingerprint(key.plan_id, key.kid, inviter.public.signing),
                    "bind_key": b64u_encode(bind_key),
                },
            }
        )
        joiner = MALLORY if inviter is BOB else BOB
        binds.append(
            {
                "name": f"admission bind: {joiner.device_id[:6]} joins with the invite '{name}'",
                "type": "admission_bind",
                "bind_key": b64u_encode(bind_key),
                "plan_id": key.plan_id,
                "device_id": joiner.device_id,
                "bind": admission_bind(bind_key, plan_id=key.plan_id, device_id=joiner.device_id),
            }
        )
    verify: list[Json] = []
    for g in generate:
        inviter_public = public_of(g["inviter"])
        expected = {
            "plan_id": g["plan_id"],
            **g["key"],
            "inviter": public_json(inviter_public),
            "invite_id": g["expected"]["invite_id"],
            "expires_at": g["expected"]["expires_at"],
            "auth_token": g["expected"]["auth_token"],
            "verifier": g["expected"]["verifier"],
            "role": g["role"],
            "access": g["access"],
            "registration": g["expected"]["registration"],
            "fingerprint": g["expected"]["fingerprint"],
            "bind_key": g["expected"]["bind_key"],
        }
        verify.append({"name": "open " + g["name"], "text": g["expected"]["text"], "now": NOW, "expected": expected})
    text = generate[0]["expected"]["text"]
    grouped = "as1:" + " ".join(text[4:][i : i + 4].lower() for i in range(0, len(text) - 4, 4))
    verify.append({**verify[0], "name": "typed in lower case, in groups of four", "text": grouped})
    verify.append({**verify[0], "name": "one second before expiry", "now": generate[0]["expected"]["expires_at"] - 1})
    raw = b64u_decode(generate[0]["expected"]["bytes"])

    def text_of(data: bytes) -> str:
        return "AS1:" + base32_encode(data)

    def flip(offset: int) -> str:
        data = bytearray(raw)
        data[offset] ^= 1
        return text_of(bytes(data))

    n = 32
    invalid = [
        {
            "name": "expired (now equals expiry)",
            "text": text,
            "now": generate[0]["expected"]["expires_at"],
            "error": "InviteExpiredError",
        },
        {
            "name": "expiry moved later",
            "text": text_of(raw[: 34 + n] + (NOW + 86400).to_bytes(4, "big") + raw[38 + n :]),
            "now": NOW,
            "error": "DecryptionError",
        },
        {"name": "plan id altered", "text": flip(2), "now": NOW, "error": "DecryptionError"},
        {"name": "inviter signing key altered", "text": flip(71 + n), "now": NOW, "error": "DecryptionError"},
        {"name": "registration signature altered", "text": flip(103 + n), "now": NOW, "error": "DecryptionError"},
        {
            "name": "grant changed from owner/write to supporter/read",
            "text": text_of(raw[: 38 + n] + b"\x03" + raw[39 + n :]),
            "now": NOW,
            "error": "DecryptionError",
        },
        {
            "name": "unknown grant byte",
            "text": text_of(raw[: 38 + n] + b"\x04" + raw[39 + n :]),
            "now": NOW,
            "error": "FormatError",
        },
        {
            "name": "registration signed by another device (sealed correctly)",
            "text": _invite_signed_by_someone_else(raw, n),
            "now": NOW,
            "error": "SignatureError",
        },
        {"name": "secret altered", "text": flip(18 + n), "now": NOW, "error": "DecryptionError"},
        {"name": "wrapped key altered", "text": flip(len(raw) - 1), "now": NOW, "error": "DecryptionError"},
        {"name": "wrong prefix", "text": "AS2:" + text[4:], "now": NOW, "error": "FormatError"},
        {
            "name": "non-ASCII letter that upper-cases to S",
            "text": "A\u017f1:" + text[4:],
            "now": NOW,
            "error": "FormatError",
        },
        {"name": "truncated", "text": text_of(raw[:-1]), "now": NOW, "error": "FormatError"},
        {"name": "extra byte", "text": text_of(raw + b"\x00"), "now": NOW, "error": "FormatError"},
        {"name": "version 1", "text": text_of(b"\x01" + raw[1:]), "now": NOW, "error": "FormatError"},
        {"name": "version 3", "text": text_of(b"\x03" + raw[1:]), "now": NOW, "error": "FormatError"},
        {"name": "plan id length 0", "text": text_of(raw[:1] + b"\x00" + raw[2:]), "now": NOW, "error": "FormatError"},
        {
            "name": "plan id not allowed characters",
            "text": text_of(raw[:2] + b"." + raw[3:]),
            "now": NOW,
            "error": "FormatError",
        },
        {"name": "not base32", "text": text[:-1] + "1", "now": NOW, "error": "FormatError"},
        {"name": "non-canonical base32 trailing bits", "text": text[:-1] + "7", "now": NOW, "error": "FormatError"},
        {"name": "empty", "text": "", "now": NOW, "error": "FormatError"},
        {
            "name": "carrying epoch 0 (sealed correctly)",
            "text": _invite_with_epoch(raw, n, 0),
            "now": NOW,
            "error": "DecryptionError",
        },
    ]
    first_bind = binds[0]
    invalid += [
        {**first_bind, "name": "admission bind: a 31-byte bind key", "bind_key": b64u_encode(bytes(31))},
        {**first_bind, "name": "admission bind: an upper-case device id", "device_id": BOB.device_id.upper()},
        {**first_bind, "name": "admission bind: a plan id with a dot", "plan_id": "plan.1"},
    ]
    for case in invalid[-3:]:
        case.pop("bind")
        case["error"] = "FormatError"
    binds.append(
        {
            **first_bind,
            "name": "admission bind: the same key for another device gives another bind",
            "device_id": CARO.device_id,
            "bind": admission_bind(b64u_decode(first_bind["bind_key"]), plan_id=PLAN, device_id=CARO.device_id),
        }
    )
    return {
        "spec": "docs/crypto.md sections 11 and 12",
        "generate": generate + binds,
        "verify": verify,
        "invalid": invalid,
    }


def _invite_with_epoch(raw: bytes, n: int, epoch: int) -> str:
    """The first invite with its wrapped key replaced by one carrying ``epoch``, sealed so that it authenticates."""
    invite = parse_invite(raw)
    key = hkdf_sha256(invite.secret, invite.invite_id, b"alongside/v1/invite-key", 32)
    nonce = raw[167 + n : 179 + n]
    wrapped = aead_seal(key, nonce, epoch.to_bytes(4, "big") + KEY1.secret, b"alongside/v1/invite\x00" + raw[: 167 + n])
    return "AS1:" + base32_encode(raw[: 179 + n] + wrapped)
