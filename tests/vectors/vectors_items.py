"""Vectors for signed items, versions and item envelopes (spec §7, §8.1, §8.2, §20)."""

from __future__ import annotations

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
    raw_item,
    vhash,
)

from alongside.crypto import (
    DeviceKeys,
    PlanKey,
    b64u_encode,
    canonical_json,
    item_associated_data,
    item_signature_message,
    next_version,
    pad,
    seal_item,
    seal_signed_item,
    sign_item,
    version_hash,
)
from alongside.crypto.primitives import ed25519_sign
from alongside.crypto.provenance import SignedItem, sign_item_v1

DEVICES = [public_json(d.public) for d in (ALICE, BOB, CARO)]
# Three versions of DOC1 by alice and bob: the first, an edit of it, and a merge of the edit with a concurrent one.
FIRST = sign_item(BODIES[0], plan_id=PLAN, doc_id=DOC1, author=ALICE)
FIRST_VH = version_hash(FIRST, plan_id=PLAN, doc_id=DOC1, deleted=False)
EDIT = sign_item(
    {**BODIES[0], "text": "Swimming on Thursdays"}, plan_id=PLAN, doc_id=DOC1, author=BOB, n=2, prev=[FIRST_VH]
)
EDIT_VH = version_hash(EDIT, plan_id=PLAN, doc_id=DOC1, deleted=False)
MERGE_N, MERGE_PREV = next_version([(2, EDIT_VH), (2, vhash("concurrent edit")), (1, FIRST_VH)])
LEGACY = sign_item_v1(BODIES[1], plan_id=PLAN, doc_id=DOC2, author=BOB)
LEGACY_VH = version_hash(LEGACY, plan_id=PLAN, doc_id=DOC2, deleted=False)


def _sign_case(
    name: str,
    body: Json,
    doc_id: str,
    author: DeviceKeys,
    *,
    deleted: bool = False,
    n: int = 1,
    prev: tuple[str, ...] = (),
    version: int = 2,
) -> Json:
    if version == 1:
        signed = sign_item_v1(body, plan_id=PLAN, doc_id=doc_id, author=author, deleted=deleted)
    else:
        signed = sign_item(body, plan_id=PLAN, doc_id=doc_id, author=author, deleted=deleted, n=n, prev=prev)
    message = item_signature_message(
        body,
        by=author.device_id,
        plan_id=PLAN,
        doc_id=doc_id,
        deleted=deleted,
        n=signed.n,
        prev=signed.prev,
        version=version,
    )
    return {
        "name": name,
        "type": "sign",
        "version": version,
        "plan_id": PLAN,
        "doc_id": doc_id,
        "deleted": deleted,
        "n": signed.n,
        "prev": list(signed.prev),
        "body": body,
        "author": private_json(author),
        "message": message.decode(),
        "signed": signed.to_json(),
        "vh": version_hash(signed, plan_id=PLAN, doc_id=doc_id, deleted=deleted),
    }


def _next_case(name: str, versions: list[tuple[int, str]]) -> Json:
    n, prev = next_version(versions)
    return {"name": name, "type": "next_version", "versions": [list(v) for v in versions], "n": n, "prev": list(prev)}


def signature_vectors() -> Json:
    seventeen = [(3 + i % 4, vhash(f"leaf {i}")) for i in range(17)]
    generate: list[Json] = [
        _sign_case("first version of a goal by alice", BODIES[0], DOC1, ALICE),
        _sign_case("an edit by bob replacing it", EDIT.body, DOC1, BOB, n=2, prev=(FIRST_VH,)),
        _sign_case("a merge of three leaves by caro", BODIES[1], DOC1, CARO, n=MERGE_N, prev=MERGE_PREV),
        _sign_case(
            "a signed deletion", {"deleted": {"at": 1750000000000}}, DOC2, CARO, deleted=True, n=4, prev=(EDIT_VH,)
        ),
        _sign_case("largest n", BODIES[3], DOC2, ALICE, n=2**53 - 1),
        _sign_case("version 1 item (legacy)", BODIES[1], DOC2, BOB, version=1),
        _sign_case("version 1 deletion (legacy)", BODIES[3], DOC1, CARO, deleted=True, version=1),
        _next_case("no versions: a first version", []),
        _next_case("an edit of one version", [(1, FIRST_VH)]),
        _next_case("an edit of a version 1 item", [(0, LEGACY_VH)]),
        _next_case("a merge: 1 + highest n, sorted distinct hashes", [(2, EDIT_VH), (5, vhash("b")), (2, EDIT_VH)]),
        _next_case("17 leaves: the 16 with the highest n, ties by the higher hash", seventeen),
    ]
    verify: list[Json] = [
        {
            "name": g["name"].replace("first", "verify the first")
            if g["name"].startswith("first")
            else "verify " + g["name"],
            "version": g["version"],
            "plan_id": PLAN,
            "doc_id": g["doc_id"],
            "deleted": g["deleted"],
            "devices": DEVICES,
            "signed": g["signed"],
            "vh": g["vh"],
        }
        for g in generate
        if g["type"] == "sign"
    ]
    good = generate[1]
    forged = sign_item(EDIT.body, plan_id=PLAN, doc_id=DOC1, author=MALLORY, n=2, prev=[FIRST_VH]).to_json()
    forged["by"] = BOB.device_id

    def bad(name: str, signed: Json, *, error: str = "SignatureError", version: int = 2, **changes: object) -> Json:
        case: Json = {
            "name": name,
            "type": "verify",
            "version": version,
            "plan_id": PLAN,
            "doc_id": DOC1,
            "deleted": False,
            "devices": DEVICES,
            "signed": signed,
            "error": error,
        }
        case.update(changes)
        return case

    legacy = generate[5]["signed"]
    invalid: list[Json] = [
        bad(
            "signed by a device that is not the claimed author", forged, devices=[*DEVICES, public_json(MALLORY.public)]
        ),
        bad("body altered", {**good["signed"], "body": {**EDIT.body, "text": "Stop swimming"}}),
        bad("signature over another n", {**good["signed"], "n": 3}),
        bad("signature over another prev", {**good["signed"], "prev": [vhash("another")]}),
        bad("prev emptied (claims to be a first version)", {**good["signed"], "prev": []}),
        bad("signature for another document", good["signed"], doc_id=DOC2),
        bad("signature for another plan", good["signed"], plan_id=OTHER_PLAN),
        bad("deleted flag changed", good["signed"], deleted=True),
        bad("author unknown", good["signed"], devices=[public_json(ALICE.public)]),
        bad(
            "known keys do not hash to the author id",
            good["signed"],
            devices=[{**public_json(BOB.public), "enc": b64u_encode(ALICE.public.encryption)}],
        ),
        bad("a version 1 signature read as version 2 with n 1", {**legacy, "n": 1, "prev": []}, doc_id=DOC2),
    ]
    parse_cases: list[tuple[str, object, int]] = [
        ("n 0", {**good["signed"], "n": 0}, 2),
        ("n negative", {**good["signed"], "n": -1}, 2),
        ("n a fraction", {**good["signed"], "n": 1.5}, 2),
        ("n a string", {**good["signed"], "n": "2"}, 2),
        ("n true", {**good["signed"], "n": True}, 2),
        ("n beyond 2**53 - 1", {**good["signed"], "n": 2**53}, 2),
        ("prev not a list", {**good["signed"], "prev": FIRST_VH}, 2),
        ("prev unsorted", {**good["signed"], "prev": sorted([FIRST_VH, EDIT_VH], reverse=True)}, 2),
        ("prev with a repeat", {**good["signed"], "prev": [FIRST_VH, FIRST_VH]}, 2),
        ("prev of 17 hashes", {**good["signed"], "prev": sorted(vhash(f"p{i}") for i in range(17))}, 2),
        ("prev hash of 31 bytes", {**good["signed"], "prev": [b64u_encode(bytes(31))]}, 2),
        ("prev hash with padding", {**good["signed"], "prev": [FIRST_VH + "="]}, 2),
        ("prev hash with non-zero trailing bits", {**good["signed"], "prev": [FIRST_VH[:-1] + "F"]}, 2),
        ("prev hash as hex", {**good["signed"], "prev": [fixed("hex", 32).hex()]}, 2),
        ("version 2 item missing prev", {k: v for k, v in good["signed"].items() if k != "prev"}, 2),
        ("version 2 item missing n", {k: v for k, v in good["signed"].items() if k != "n"}, 2),
        ("version 2 item with an extra member", {**good["signed"], "at": 1}, 2),
        ("version 1 item read as version 2", legacy, 2),
        ("version 2 item read as version 1", good["signed"], 1),
        ("version 1 item with n", {**legacy, "n": 0}, 1),
        ("body not an object", {**good["signed"], "body": []}, 2),
        ("author not a device id", {**good["signed"], "by": "bob"}, 2),
        ("signature 63 bytes", {**good["signed"], "sig": b64u_encode(bytes(63))}, 2),
    ]
    invalid += [
        {"name": name, "type": "parse", "version": version, "signed": signed, "error": "FormatError"}
        for name, signed, version in parse_cases
    ]
    invalid += [
        {
            "name": "next_version: negative n",
            "type": "next_version",
            "versions": [[-1, FIRST_VH]],
            "error": "FormatError",
        },
        {
            "name": "next_version: n a fraction",
            "type": "next_version",
            "versions": [[1.5, FIRST_VH]],
            "error": "FormatError",
        },
        {"name": "next_version: bad hash", "type": "next_version", "versions": [[1, "abc"]], "error": "FormatError"},
        {
            "name": "next_version: no room after 2**53 - 1",
            "type": "next_version",
            "versions": [[2**53 - 1, FIRST_VH]],
            "error": "FormatError",
        },
    ]
    return {"spec": "docs/crypto.md sections 8.1 and 8.2", "generate": generate, "verify": verify, "invalid": invalid}


def _envelope_case(
    name: str,
    body: Json,
    doc_id: str,
    key: PlanKey,
    author: DeviceKeys,
    *,
    deleted: bool = False,
    rev: str | None = None,
    n: int = 1,
    prev: tuple[str, ...] = (),
) -> Json:
    script = Script(f"envelope/{name}")
    doc = seal_item(
        body,
        plan_id=key.plan_id,
        doc_id=doc_id,
        key=key,
        author=author,
        deleted=deleted,
        rev=rev,
        n=n,
        prev=prev,
        random=script,
    )
    signed = sign_item(body, plan_id=key.plan_id, doc_id=doc_id, author=author, deleted=deleted, n=n, prev=prev)
    return {
        "name": name,
        "type": "seal",
        "version": 2,
        "plan_id": key.plan_id,
        "doc_id": doc_id,
        "deleted": deleted,
        "rev": rev,
        "n": n,
        "prev": list(prev),
        "key": key_json(key),
        "author": private_json(author),
        "body": body,
        "random": script.draws,
        "associated_data": item_associated_data(
            plan_id=key.plan_id, doc_id=doc_id, kid=key.kid, deleted=deleted
        ).decode(),
        "plaintext": canonical_json(signed.to_json()).decode(),
        "vh": version_hash(signed, plan_id=key.plan_id, doc_id=doc_id, deleted=deleted),
        "document": doc,
    }


def _legacy_envelope(name: str, signed: SignedItem, doc_id: str, key: PlanKey, deleted: bool = False) -> Json:
    """A version-1 envelope as version 1 of the spec wrote it (no random list: it is only opened)."""
    doc = seal_signed_item(
        signed,
        plan_id=key.plan_id,
        doc_id=doc_id,
        key=key,
        deleted=deleted,
        rev="2-" + fixed(name, 8).hex(),
        random=Script(f"envelope/legacy/{name}"),
    )
    return doc


def _reseal_case(
    name: str, source: Json, source_keys: list[PlanKey], signed: SignedItem, doc_id: str, key: PlanKey
) -> Json:
    script = Script(f"envelope/reseal/{name}")
    expected = seal_signed_item(
        signed,
        plan_id=key.plan_id,
        doc_id=doc_id,
        key=key,
        deleted=source.get("_deleted") is True,
        rev=source.get("_rev"),
        random=script,
    )
    return {
        "name": name,
        "type": "reseal",
        "plan_id": key.plan_id,
        "keys": [key_json(k) for k in source_keys],
        "devices": DEVICES,
        "key": key_json(key),
        "source": source,
        "random": script.draws,
        "document": expected,
    }


def envelope_vectors() -> Json:
    generate = [
        _envelope_case("goal by alice under epoch 1", BODIES[0], DOC1, KEY1, ALICE),
        _envelope_case(
            "an edit by bob under epoch 2", EDIT.body, DOC1, KEY2, BOB, rev="3-a1b2c3", n=2, prev=(FIRST_VH,)
        ),
        _envelope_case("arabic strength, a merge", BODIES[1], DOC2, KEY2, BOB, n=MERGE_N, prev=MERGE_PREV),
        _envelope_case("long step (2048 bucket)", BODIES[2], DOC1, KEY2, CARO, n=7, prev=(EDIT_VH,)),
        _envelope_case(
            "signed deletion",
            {"deleted": {"at": 1743498000000}},
            DOC2,
            KEY2,
            ALICE,
            deleted=True,
            rev="4-ffee",
            n=MERGE_N + 1,
            prev=(vhash("merged"),),
        ),
        _envelope_case("empty body in another plan", BODIES[3], DOC1, OTHER_KEY, ALICE),
    ]
    legacy_live = _legacy_envelope("legacy strength", LEGACY, DOC2, KEY1)
    legacy_deleted_signed = sign_item_v1(
        {"deleted_at": "2025-04-01T09:00:00Z"}, plan_id=PLAN, doc_id=DOC1, author=ALICE, deleted=True
    )
    legacy_deleted = _legacy_envelope("legacy deletion", legacy_deleted_signed, DOC1, KEY2, deleted=True)
    generate.append(
        _reseal_case(
            "re-seal a version 1 item under epoch 2: stays version 1", legacy_live, [KEY1, KEY2], LEGACY, DOC2, KEY2
        )
    )
    first_doc = generate[0]["document"]
    generate.append(
        _reseal_case(
            "re-seal a version 2 item under epoch 2: same n, prev, hash", first_doc, [KEY1, KEY2], FIRST, DOC1, KEY2
        )
    )
    both = [key_json(KEY1), key_json(KEY2)]
    verify: list[Json] = []
    for g in generate:
        if g["type"] != "seal":
            continue
        keys = [key_json(OTHER_KEY)] if g["plan_id"] == OTHER_PLAN else both
        verify.append(
            {
                "name": "open " + g["name"],
                "plan_id": g["plan_id"],
                "keys": keys,
                "devices": DEVICES,
                "allow_retired": g["key"]["epoch"] == 1 and g["plan_id"] == PLAN,
                "document": g["document"],
                "expected": {
                    "body": g["body"],
                    "author": author_id(g["author"]),
                    "kid": g["key"]["kid"],
                    "deleted": g["deleted"],
                    "version": 2,
                    "n": g["n"],
                    "prev": g["prev"],
                    "vh": g["vh"],
                },
            }
        )
    for name, doc, signed, doc_id, deleted, retired in (
        ("open a version 1 item (legacy)", legacy_live, LEGACY, DOC2, False, True),
        ("open a version 1 deletion (legacy)", legacy_deleted, legacy_deleted_signed, DOC1, True, False),
    ):
        verify.append(
            {
                "name": name,
                "plan_id": PLAN,
                "keys": both,
                "devices": DEVICES,
                "allow_retired": retired,
                "document": doc,
                "expected": {
                    "body": signed.body,
                    "author": signed.by,
                    "kid": doc["kid"],
                    "deleted": deleted,
                    "version": 1,
                    "n": 0,
                    "prev": [],
                    "vh": version_hash(signed, plan_id=PLAN, doc_id=doc_id, deleted=deleted),
                },
            }
        )
    return {
        "spec": "docs/crypto.md sections 7, 8 and 20",
        "generate": generate,
        "verify": verify,
        "invalid": _envelope_invalid(generate, legacy_live, both),
    }


def _envelope_invalid(generate: list[Json], legacy: Json, both: list[Json]) -> list[Json]:
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
                "devices": DEVICES if devs is None else devs,
                "allow_retired": allow_retired,
                "document": document,
                "error": error,
            }
        )

    bad("flipped bit in ciphertext", {**second, "ct": mutate_b64(second["ct"], 77)})
    bad("flipped bit in tag", {**second, "ct": mutate_b64(second["ct"], 8 * (512 + 15))})
    bad("flipped bit in nonce", {**second, "nonce": mutate_b64(second["nonce"], 3)})
    bad("ciphertext moved to another _id", {**second, "_id": DOC2})
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
    bad("version 2 envelope relabelled version 1", {**second, "v": 1})
    bad("version 1 envelope relabelled version 2", {**legacy, "v": 2}, allow_retired=True)
    bad("unknown version 3", {**second, "v": 3})
    bad("plaintext field added", {**second, "title": "Swimming"})
    signed = EDIT.to_json()

    def inner(name: str, value: object, *, version: int = 2, raw: bytes | None = None) -> None:
        plaintext = raw if raw is not None else pad(canonical_json(value))
        bad(name, raw_item(KEY2, DOC1, plaintext, name, version=version))

    inner("inner plaintext not padded", None, raw=canonical_json(signed))
    inner("inner plaintext not canonical JSON", None, raw=pad(canonical_json(signed).replace(b",", b", ", 1)))
    inner("inner plaintext missing the signature", {k: v for k, v in signed.items() if k != "sig"})
    inner("n 0", {**signed, "n": 0})
    inner("n negative", {**signed, "n": -2})
    inner("n a string", {**signed, "n": "2"})
    inner("n a fraction", None, raw=pad(canonical_json(signed).replace(b'"n":2', b'"n":2.5')))
    inner("n beyond 2**53 - 1", None, raw=pad(canonical_json(signed).replace(b'"n":2', b'"n":9007199254740992')))
    inner("prev unsorted", {**signed, "prev": sorted([FIRST_VH, EDIT_VH], reverse=True)})
    inner("prev with a repeat", {**signed, "prev": [FIRST_VH, FIRST_VH]})
    inner("prev of 17 hashes", {**signed, "prev": sorted(vhash(f"p{i}") for i in range(17))})
    inner("prev holding a bad hash", {**signed, "prev": [FIRST_VH[:-2]]})
    inner("version 2 item without n and prev", {k: v for k, v in signed.items() if k not in ("n", "prev")})
    inner(
        "version 2 envelope holding a version 1 signed item",
        sign_item_v1(EDIT.body, plan_id=PLAN, doc_id=DOC1, author=BOB).to_json(),
    )
    inner("version 1 envelope holding a version 2 signed item", signed, version=1)
    forged_n = SignedItem(EDIT.body, BOB.device_id, EDIT.sig, 3, EDIT.prev)
    bad(
        "signature over another n",
        seal_signed_item(forged_n, plan_id=PLAN, doc_id=DOC1, key=KEY2, random=Script("envelope/forged-n")),
        "SignatureError",
    )
    forged_prev = SignedItem(EDIT.body, BOB.device_id, EDIT.sig, 2, (vhash("elsewhere"),))
    bad(
        "signature over another prev",
        seal_signed_item(forged_prev, plan_id=PLAN, doc_id=DOC1, key=KEY2, random=Script("envelope/forged-prev")),
        "SignatureError",
    )
    forged = sign_item(EDIT.body, plan_id=PLAN, doc_id=DOC1, author=MALLORY, n=2, prev=[FIRST_VH])
    claimed = SignedItem(forged.body, BOB.device_id, forged.sig, 2, forged.prev)
    bad(
        "signature by a device that is not the claimed author",
        seal_signed_item(claimed, plan_id=PLAN, doc_id=DOC1, key=KEY2, random=Script("envelope/forged")),
        "SignatureError",
        devs=[*DEVICES, public_json(MALLORY.public)],
    )
    bad("author not a known device", second, "SignatureError", devs=[public_json(ALICE.public)])
    message_v1 = item_signature_message(
        EDIT.body, by=BOB.device_id, plan_id=PLAN, doc_id=DOC1, deleted=False, version=1
    )
    v1_sig_in_v2 = SignedItem(EDIT.body, BOB.device_id, ed25519_sign(BOB.signing_private, message_v1), 1, ())
    bad(
        "a version 1 signature carried in a version 2 item",
        seal_signed_item(v1_sig_in_v2, plan_id=PLAN, doc_id=DOC1, key=KEY2, random=Script("envelope/v1sig")),
        "SignatureError",
    )
    return invalid
