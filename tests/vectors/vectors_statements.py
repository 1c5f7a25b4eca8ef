"""Vectors for statements (spec §8.4) and field statements (spec §8.5)."""

from __future__ import annotations

from typing import Any

from vector_inputs import (
    ALICE,
    BOB,
    CARO,
    DOC1,
    DOC2,
    MALLORY,
    OTHER_PLAN,
    PLAN,
    Json,
    private_json,
    public_json,
    public_of,
)

from alongside.crypto import DeviceKeys, b64u_encode, sign_field, sign_statement, statement_message
from alongside.crypto.statements import FIELD_CONTEXT, field_statement

DEVICES = [public_json(d.public) for d in (ALICE, BOB, CARO)]


def _statement(name: str, context: str, fields: Json, author: DeviceKeys) -> Json:
    return {
        "name": name,
        "type": "statement",
        "context": context,
        "fields": fields,
        "author": private_json(author),
        "message": statement_message(context, fields).decode(),
        "sig": sign_statement(context, fields, author),
    }


def _field(name: str, *, doc_id: str, field_name: str, value: Any, h: list[str], at: int, author: DeviceKeys) -> Json:
    sig = sign_field(plan_id=PLAN, doc_id=doc_id, name=field_name, value=value, h=h, at=at, author=author)
    fields = field_statement(
        plan_id=PLAN, doc_id=doc_id, name=field_name, value=value, h=h, at=at, dev=author.device_id
    )
    return {
        "name": name,
        "type": "field",
        "plan_id": PLAN,
        "doc_id": doc_id,
        "field_name": field_name,
        "value": value,
        "h": h,
        "at": at,
        "author": private_json(author),
        "message": statement_message(FIELD_CONTEXT, fields).decode(),
        "field": {"v": value, "h": h, "at": at, "dev": author.device_id, "sig": sig},
    }


def statements_vectors() -> Json:
    generate = [
        _statement("a statement with a few fields", "alongside/v2/test", {"a": 1, "b": [True, None], "é": "x"}, ALICE),
        _statement("a statement with no fields", "alongside/v2/empty", {}, BOB),
        _field(
            "the text of a strength, set by the person's phone",
            doc_id=DOC1,
            field_name="text",
            value="أنا جيدة في الطبخ لعائلتي",
            h=["k3v9q2", "a0b1c2"],
            at=1750000000123,
            author=CARO,
        ),
        _field(
            "a step ticked off",
            doc_id=DOC2,
            field_name="status",
            value="done",
            h=["s1"],
            at=0,
            author=BOB,
        ),
        _field(
            "a structured value",
            doc_id=DOC2,
            field_name="scale",
            value={"0": "never", "10": "every day", "n": [1, 2]},
            h=["z"],
            at=9007199254740991,
            author=ALICE,
        ),
    ]
    verify: list[Json] = []
    for g in generate:
        if g["type"] == "statement":
            verify.append(
                {
                    "name": "verify " + g["name"],
                    "type": "statement",
                    "context": g["context"],
                    "fields": g["fields"],
                    "sig": g["sig"],
                    "signer": public_of(g["author"]).device_id,
                    "devices": DEVICES,
                }
            )
        else:
            verify.append(
                {
                    "name": "verify " + g["name"],
                    "type": "field",
                    "plan_id": PLAN,
                    "doc_id": g["doc_id"],
                    "field_name": g["field_name"],
                    "field": g["field"],
                    "devices": DEVICES,
                }
            )
    text = verify[2]
    field = text["field"]
    statement = verify[0]

    def bad_field(name: str, error: str, **changes: Any) -> Json:
        return {**text, "name": name, "error": error, **changes}

    def bad_statement(name: str, error: str, **changes: Any) -> Json:
        return {**statement, "name": name, "error": error, **changes}

    invalid = [
        bad_statement("statement: fields changed", "SignatureError", fields={**statement["fields"], "a": 2}),
        bad_statement("statement: another context", "SignatureError", context="alongside/v2/other"),
        bad_statement("statement: another signer", "SignatureError", signer=BOB.device_id),
        bad_statement("statement: signer unknown", "SignatureError", devices=[public_json(BOB.public)]),
        bad_statement("statement: signature not base64url", "SignatureError", sig="!" * 86),
        bad_statement("statement: context outside alongside/", "FormatError", context="other/v2/test"),
        bad_statement("statement: fields with a ctx member", "FormatError", fields={**statement["fields"], "ctx": "x"}),
        bad_field("field: value changed", "SignatureError", field={**field, "v": "I am good at cooking"}),
        bad_field("field: time changed", "SignatureError", field={**field, "at": field["at"] + 1}),
        bad_field("field: own id changed", "SignatureError", field={**field, "h": ["other", *field["h"][1:]]}),
        bad_field("field: older history changed", "SignatureError", field={**field, "h": [field["h"][0], "zz"]}),
        bad_field("field: copied to another field name", "SignatureError", field_name="noticed"),
        bad_field("field: copied to another document", "SignatureError", doc_id=DOC2),
        bad_field("field: copied to another plan", "SignatureError", plan_id=OTHER_PLAN),
        bad_field("field: claimed by another device", "SignatureError", field={**field, "dev": ALICE.device_id}),
        bad_field(
            "field: signed by a device not its dev",
            "SignatureError",
            field={**field, "dev": MALLORY.device_id},
            devices=[*DEVICES, public_json(MALLORY.public)],
        ),
        bad_field("field: dev unknown", "SignatureError", devices=[public_json(ALICE.public)]),
        bad_field("field: missing sig", "FormatError", field={k: v for k, v in field.items() if k != "sig"}),
        bad_field("field: an extra member", "FormatError", field={**field, "by": "x"}),
        bad_field("field: at negative", "FormatError", field={**field, "at": -1}),
        bad_field("field: at a fraction", "FormatError", field={**field, "at": 1.5}),
        bad_field("field: at a string", "FormatError", field={**field, "at": "1750000000123"}),
        bad_field("field: h empty", "FormatError", field={**field, "h": []}),
        bad_field("field: h holding a number", "FormatError", field={**field, "h": [1]}),
        bad_field("field: h a string", "FormatError", field={**field, "h": "k3v9q2"}),
        bad_field("field: dev not a device id", "FormatError", field={**field, "dev": "caro"}),
        bad_field("field: signature 63 bytes", "SignatureError", field={**field, "sig": b64u_encode(bytes(63))}),
    ]
    return {"spec": "docs/crypto.md sections 8.4 and 8.5", "generate": generate, "verify": verify, "invalid": invalid}
