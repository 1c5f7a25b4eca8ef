"""Vectors for item envelopes, keyring documents and rotation, invites, and the wire shape check."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from vector_inputs import (
    ALICE,
    BOB,
    BODIES,
    CARO,
    DOC1,
    DOC2,
    KEY1,
    KEY2,
    MALLORY,
    NOW,
    OTHER_KEY,
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
    Keyring,
    PlanKey,
    b64u_decode,
    b64u_encode,
    base32_encode,
    canonical_json,
    create_invite,
    grant_plan_key,
    invite_auth_token,
    invite_registration,
    invite_verifier,
    item_associated_data,
    pad,
    parse_invite,
    plan_fingerprint,
    rotate_plan_key,
    seal_item,
    seal_signed_item,
    sign_item,
)
from alongside.crypto.grants import grant_signature_message, keyring_associated_data
from alongside.crypto.primitives import aead_seal, ed25519_sign, hkdf_sha256, x25519_public, x25519_shared
from alongside.crypto.provenance import SignedItem


def _envelope_case(
    name: str, body: Json, doc_id: str, key: PlanKey, author: DeviceKeys, deleted: bool = False, rev: str | None = None
) -> Json:
    script = Script(f"envelope/{name}")
    doc = seal_item(
        body, plan_id=key.plan_id, doc_id=doc_id, key=key, author=author, deleted=deleted, rev=rev, random=script
    )
    signed = sign_item(body, plan_id=key.plan_id, doc_id=doc_id, author=author, deleted=deleted)
    return {
        "name": name,
        "plan_id": key.plan_id,
        "doc_id": doc_id,
        "deleted": deleted,
        "rev": rev,
        "key": key_json(key),
        "author": private_json(author),
        "body": body,
        "random": script.draws,
        "associated_data": item_associated_data(
            plan_id=key.plan_id, doc_id=doc_id, kid=key.kid, deleted=deleted
        ).decode(),
        "plaintext": canonical_json(signed.to_json()).decode(),
        "document": doc,
    }


def _raw_item(key: PlanKey, doc_id: str, plaintext: bytes, label: str, deleted: bool = False) -> Json:
    nonce = fixed(f"envelope/raw/{label}", 12)
    ad = item_associated_data(plan_id=key.plan_id, doc_id=doc_id, kid=key.kid, deleted=deleted)
    doc: Json = {"_id": doc_id, "_rev": "1-" + fixed(label, 16).hex()}
    if deleted:
        doc["_deleted"] = True
    doc.update(
        {
            "v": 1,
            "kind": "item",
            "kid": key.kid,
            "nonce": b64u_encode(nonce),
            "ct": b64u_encode(
                aead_seal(
                    hkdf_sha256(key.secret, key.plan_id.encode(), b"alongside/v1/item-key", 32), nonce, plaintext, ad
                )
            ),
        }
    )
    return doc


def envelope_vectors() -> Json:
    generate = [
        _envelope_case("goal by alice under epoch 1", BODIES[0], DOC1, KEY1, ALICE),
        _envelope_case("arabic strength by bob under epoch 2", BODIES[1], DOC2, KEY2, BOB, rev="3-a1b2c3"),
        _envelope_case("long step (2048 bucket)", BODIES[2], DOC1, KEY2, CARO),
        _envelope_case(
            "signed deletion", {"deleted_at": "2025-04-01T09:00:00Z"}, DOC2, KEY2, ALICE, deleted=True, rev="4-ffee"
        ),
        _envelope_case("empty body in another plan", BODIES[3], DOC1, OTHER_KEY, ALICE),
    ]
    devices = [public_json(d.public) for d in (ALICE, BOB, CARO)]
    both = [key_json(KEY1), key_json(KEY2)]
    verify: list[Json] = []
    for g in generate:
        keys = [key_json(OTHER_KEY)] if g["plan_id"] == OTHER_PLAN else both
        verify.append(
            {
                "name": "open " + g["name"],
                "plan_id": g["plan_id"],
                "keys": keys,
                "devices": devices,
                "allow_retired": g["key"]["epoch"] == 1 and g["plan_id"] == PLAN,
                "document": g["document"],
                "expected": {
                    "body": g["body"],
                    "author": author_id(g["author"]),
                    "kid": g["key"]["kid"],
                    "deleted": g["deleted"],
                },
            }
        )
    first, second = generate[0]["document"], generate[1]["document"]
    invalid: list[Json] = []

    def bad(
        name: str,
        document: Json,
        error: str = "DecryptionError",
        *,
        plan_id: str = PLAN,
        keys: list[Json] | None = None,
        allow_retired: bool = False,
        devs: list[Json] | None = None,
    ) -> None:
        invalid.append(
            {
                "name": name,
                "plan_id": plan_id,
                "keys": both if keys is None else keys,
                "devices": devices if devs is None else devs,
                "allow_retired": allow_retired,
                "document": document,
                "error": error,
            }
        )

    bad("flipped bit in ciphertext", {**second, "ct": mutate_b64(second["ct"], 77)})
    bad("flipped bit in tag", {**second, "ct": mutate_b64(second["ct"], 8 * (256 + 15))})
    bad("flipped bit in nonce", {**second, "nonce": mutate_b64(second["nonce"], 3)})
    bad("ciphertext moved to another _id", {**second, "_id": DOC1})
    bad(
        "ciphertext moved to another plan",
        second,
        plan_id=OTHER_PLAN,
        keys=[key_json(PlanKey(OTHER_PLAN, 2, KEY2.secret))],
    )
    bad("truncated ciphertext", {**second, "ct": second["ct"][:-22]})
    bad("truncated to the tag", {**second, "ct": second["ct"][-22:]})
    bad("envelope missing ct", {k: v for k, v in second.items() if k != "ct"})
    bad("deleted flag added", {**second, "_deleted": True})
    bad("unknown key id", {**second, "kid": "0123456789abcdef"})
    bad("key id swapped for another key the reader holds", {**second, "kid": KEY1.kid}, allow_retired=True)
    bad("key missing from the keyring", second, keys=[key_json(KEY1)])
    bad("document under a rotated-out key presented as current", first)
    bad("unknown version", {**second, "v": 2})
    bad("plaintext field added", {**second, "title": "Swimming"})
    bad(
        "inner plaintext not padded",
        _raw_item(KEY2, DOC1, canonical_json(SignedItem({}, ALICE.device_id, bytes(64)).to_json()), "np"),
    )
    bad(
        "inner plaintext not canonical JSON",
        _raw_item(
            KEY2,
            DOC1,
            pad(b'{"body": {}, "by": "' + ALICE.device_id.encode() + b'", "sig": "' + b"A" * 86 + b'"}'),
            "nc",
        ),
    )
    bad(
        "inner plaintext missing the signature",
        _raw_item(KEY2, DOC1, pad(canonical_json({"body": {}, "by": ALICE.device_id})), "ns"),
    )
    forged = sign_item(BODIES[0], plan_id=PLAN, doc_id=DOC1, author=MALLORY)
    claimed = SignedItem(forged.body, ALICE.device_id, forged.sig)
    forged_doc = seal_signed_item(claimed, plan_id=PLAN, doc_id=DOC1, key=KEY2, random=Script("envelope/forged"))
    bad(
        "signature by a device that is not the claimed author",
        forged_doc,
        "SignatureError",
        devs=[*devices, public_json(MALLORY.public)],
    )
    bad("author not a known device", generate[1]["document"], "SignatureError", devs=[public_json(ALICE.public)])
    return {"spec": "docs/crypto.md section 7", "generate": generate, "verify": verify, "invalid": invalid}


def keywrap_vectors() -> Json:
    generate: list[Json] = []
    cases = [
        ("alice grants epoch 1 to bob", KEY1, ALICE, BOB, fixed("kr/1", 16).hex()),
        ("bob grants epoch 2 to caro, id drawn", KEY2, BOB, CARO, None),
        ("caro grants epoch 2 to herself", KEY2, CARO, CARO, fixed("kr/3", 16).hex()),
    ]
    for name, key, granter, recipient, doc_id in cases:
        script = Script(f"keywrap/{name}")
        doc = grant_plan_key(key, recipient=recipient.public, granter=granter, doc_id=doc_id, random=script)
        ephemeral = fixed(f"keywrap/{name}/{1 if doc_id is None else 0}", 32)
        epk = x25519_public(ephemeral)
        shared = x25519_shared(ephemeral, recipient.public.encryption)
        message = grant_signature_message(
            plan_id=PLAN, epoch=key.epoch, kid=key.kid, by=granter.device_id, to=recipient.device_id
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
            "random": script.draws,
            "new_key": key_json(new_key),
            "documents": docs,
        }
    )
    trusted = [public_json(d.public) for d in (ALICE, BOB, CARO)]
    verify: list[Json] = []
    for g, recipient in zip(generate[:3], (BOB, CARO, CARO), strict=True):
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
    # A grant whose inner signature is by mallory while it names alice as granter.
    script = Script("keywrap/forged")
    forged = _forged_grant(script)
    bad(
        "grant signed by a device that is not the named granter",
        forged,
        "SignatureError",
        trust=[*trusted, public_json(MALLORY.public)],
    )
    return {"spec": "docs/crypto.md sections 9 and 10", "generate": generate, "verify": verify, "invalid": invalid}


def _forged_grant(random: Callable[[int], bytes]) -> Json:
    doc_id = fixed("kr/forged", 16).hex()
    ephemeral = random(32)
    epk = x25519_public(ephemeral)
    shared = x25519_shared(ephemeral, BOB.public.encryption)
    nonce = random(12)
    message = grant_signature_message(plan_id=PLAN, epoch=1, kid=KEY1.kid, by=ALICE.device_id, to=BOB.device_id)
    grant = {
        "by": ALICE.device_id,
        "epoch": 1,
        "key": b64u_encode(KEY1.secret),
        "kid": KEY1.kid,
        "plan": PLAN,
        "sig": b64u_encode(ed25519_sign(MALLORY.signing_private, message)),
        "to": BOB.device_id,
    }
    ad = keyring_associated_data(plan_id=PLAN, doc_id=doc_id, kid=KEY1.kid, to=BOB.device_id, epk=epk)
    wrap = hkdf_sha256(shared, epk + BOB.public.encryption, b"alongside/v1/keyring-wrap", 32)
    return {
        "_id": doc_id,
        "v": 1,
        "kind": "keyring",
        "kid": KEY1.kid,
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
                },
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
    ]
    return {"spec": "docs/crypto.md sections 11 and 12", "generate": generate, "verify": verify, "invalid": invalid}


def wire_vectors(envelopes: Json, keywraps: Json) -> Json:
    item = envelopes["generate"][1]["document"]
    keyring = keywraps["generate"][0]["document"]
    tomb = {"_id": DOC1, "_rev": "2-" + "ab" * 16, "_deleted": True}
    revisions = {**item, "_rev": "3-a1b2c3", "_revisions": {"start": 3, "ids": ["a1b2c3", "bbb", "ccc"]}}
    generate = [
        {"name": "item envelope", "document": item, "kind": "item", "kid": item["kid"]},
        {"name": "keyring document", "document": keyring, "kind": "keyring", "kid": keyring["kid"]},
        {"name": "bare tombstone", "document": tomb, "kind": "tombstone", "kid": None},
        {"name": "item with _revisions", "document": revisions, "kind": "item", "kid": item["kid"]},
        {"name": "signed deletion", "document": envelopes["generate"][3]["document"], "kind": "item", "kid": KEY2.kid},
    ]
    verify = [{"name": g["name"], "document": g["document"], "options": {}} for g in generate]
    verify.append({"name": "item within a 512-byte limit", "document": item, "options": {"max_padded_bytes": 512}})
    long_item = envelopes["generate"][2]["document"]

    def bad(name: str, document: Any, options: Json | None = None) -> Json:
        return {"name": name, "document": document, "options": options or {}, "error": "WireFormatError"}

    invalid = [
        bad("not an object", [item]),
        bad("plaintext field", {**item, "text": "Get back to swimming"}),
        bad("_attachments", {**item, "_attachments": {}}),
        bad("_conflicts", {**item, "_conflicts": []}),
        bad("missing _id", {k: v for k, v in item.items() if k != "_id"}),
        bad("_id derived from content", {**item, "_id": "goal-swimming"}),
        bad("_id upper case hex", {**item, "_id": DOC1.upper()}),
        bad("_id starting with underscore", {**item, "_id": "_design/x"}),
        bad("bad _rev", {**item, "_rev": "x-1"}),
        bad("_rev with leading zero", {**item, "_rev": "01-abc"}),
        bad("_revisions not matching _rev", {**revisions, "_rev": "3-zzz"}),
        bad(
            "_revisions with more ids than start",
            {**item, "_rev": "1-a", "_revisions": {"start": 1, "ids": ["a", "b"]}},
        ),
        bad("_deleted not boolean", {**item, "_deleted": "yes"}),
        bad("no envelope and not deleted", {"_id": DOC1, "_rev": "1-abc"}),
        bad("tombstone with part of an envelope", {**tomb, "kid": KEY1.kid}),
        bad("unknown version", {**item, "v": 2}),
        bad("version as string", {**item, "v": "1"}),
        bad("version true", {**item, "v": True}),
        bad("unknown kind", {**item, "kind": "note"}),
        bad("item with keyring fields", {**item, "to": keyring["to"]}),
        bad("keyring missing epk", {k: v for k, v in keyring.items() if k != "epk"}),
        bad("deleted keyring document", {**keyring, "_deleted": True}),
        bad("kid not hex", {**item, "kid": "not-a-key-id-123"}),
        bad("kid too long", {**item, "kid": item["kid"] + "00"}),
        bad("nonce 11 bytes", {**item, "nonce": b64u_encode(bytes(11))}),
        bad("nonce with padding", {**item, "nonce": item["nonce"] + "=="}),
        bad("ct not base64url", {**item, "ct": item["ct"][:-4] + "+/+/"}),
        bad("ct truncated (not a bucket size)", {**item, "ct": item["ct"][:-4]}),
        bad("ct only a tag", {**item, "ct": b64u_encode(bytes(16))}),
        bad("ct over the size limit", long_item, {"max_padded_bytes": 1024}),
        bad("keyring epk 31 bytes", {**keyring, "epk": b64u_encode(bytes(31))}),
        bad("keyring to not a device id", {**keyring, "to": "bob"}),
        bad("keyring ct too long", {**keyring, "ct": b64u_encode(bytes(1041))}),
        bad("keyring ct only a tag", {**keyring, "ct": b64u_encode(bytes(16))}),
    ]
    return {"spec": "docs/crypto.md section 14", "generate": generate, "verify": verify, "invalid": invalid}
