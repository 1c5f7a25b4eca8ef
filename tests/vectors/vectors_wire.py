"""Vectors for the server's shape check (spec §14.1)."""

from __future__ import annotations

from typing import Any

from vector_inputs import DOC1, KEY1, KEY2, Json

from alongside.crypto import b64u_encode


def wire_vectors(envelopes: Json, keywraps: Json) -> Json:
    item = envelopes["generate"][1]["document"]
    legacy = next(v["document"] for v in envelopes["verify"] if v["expected"]["version"] == 1)
    keyring = keywraps["generate"][0]["document"]
    tomb = {"_id": DOC1, "_rev": "2-" + "ab" * 16, "_deleted": True}
    revisions = {**item, "_rev": "3-a1b2c3", "_revisions": {"start": 3, "ids": ["a1b2c3", "bbb", "ccc"]}}
    generate = [
        {"name": "item envelope", "document": item, "kind": "item", "kid": item["kid"]},
        {"name": "keyring document", "document": keyring, "kind": "keyring", "kid": keyring["kid"]},
        {"name": "bare tombstone", "document": tomb, "kind": "tombstone", "kid": None},
        {"name": "item with _revisions", "document": revisions, "kind": "item", "kid": item["kid"]},
        {"name": "signed deletion", "document": envelopes["generate"][4]["document"], "kind": "item", "kid": KEY2.kid},
        {"name": "version 1 item (legacy)", "document": legacy, "kind": "item", "kid": legacy["kid"]},
        {
            "name": "item with _deleted false",
            "document": {**item, "_deleted": False},
            "kind": "item",
            "kid": item["kid"],
        },
        {
            "name": "keyring document with _deleted false",
            "document": {**keyring, "_deleted": False},
            "kind": "keyring",
            "kid": keyring["kid"],
        },
        {
            "name": "keyring document with _revisions of generation 1",
            "document": {**keyring, "_rev": "1-k", "_revisions": {"start": 1, "ids": ["k"]}},
            "kind": "keyring",
            "kid": keyring["kid"],
        },
        {
            "name": "tombstone with _deleted and _revisions",
            "document": {**tomb, "_revisions": {"start": 2, "ids": ["ab" * 16, "cd"]}},
            "kind": "tombstone",
            "kid": None,
        },
    ]
    verify = [{"name": g["name"], "document": g["document"], "options": {}} for g in generate]
    verify.append({"name": "item within a 512-byte limit", "document": item, "options": {"max_padded_bytes": 512}})
    verify.append(
        {
            "name": "_revisions.start of 999999999",
            "document": {**item, "_rev": "999999999-a", "_revisions": {"start": 999_999_999, "ids": ["a"]}},
            "options": {},
        }
    )
    long_item = envelopes["generate"][3]["document"]

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
        bad("unknown item version 3", {**item, "v": 3}),
        bad("item version 0", {**item, "v": 0}),
        bad("keyring document of version 2", {**keyring, "v": 2}),
        bad("version a fraction", {**item, "v": 1.5}),
        bad(
            "_revisions.start a fraction", {**item, "_rev": "3-a1b2c3", "_revisions": {"start": 2.5, "ids": ["a1b2c3"]}}
        ),
        bad("_revisions.start true", {**item, "_rev": "1-a", "_revisions": {"start": True, "ids": ["a"]}}),
        bad("_revisions.start a string", {**item, "_revisions": {"start": "3", "ids": ["a1b2c3"]}}),
        bad("_revisions.start 0", {**item, "_revisions": {"start": 0, "ids": ["a"]}}),
        bad("_revisions.start 1000000000", {**item, "_revisions": {"start": 1_000_000_000, "ids": ["a"]}}),
        bad("_revisions.ids empty", {**item, "_revisions": {"start": 3, "ids": []}}),
        bad("_revisions with an extra member", {**revisions, "_revisions": {**revisions["_revisions"], "x": 1}}),
        bad(
            "_revisions.ids over the limit",
            {**revisions, "_revisions": {"start": 3, "ids": ["a1b2c3", "b", "c"]}},
            {"max_revisions": 2},
        ),
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
