"""The OpenAPI 3.1 document of ``/api/v1``, checked against the live app by schemathesis in the tests.

Each operation lists the error statuses it can answer (no catch-all ``default``), so the tests can
tell an undocumented status from a documented one. Constraints on parameters and bodies are the
ones the server enforces; what a schema cannot express (an expiry within the next 7 days, an epoch
one more than the last one recorded) is said in the descriptions.
"""

from __future__ import annotations

from typing import Any

HEX32 = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
KID = {"type": "string", "pattern": "^[0-9a-f]{16}$", "description": "a key id (docs/crypto.md §5.2)"}
B64U_32 = {
    "type": "string",
    "pattern": "^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
    "description": "32 bytes, canonical base64url without padding",
}
TOKEN = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}\\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$",
    "description": "A device token, `<device id>.<secret>`: send it as `Authorization: Bearer <token>`. "
    "Shown once; the server keeps only its SHA-256.",
}
PUBLIC_KEYS = {
    "type": "object",
    "required": ["enc", "sig"],
    "additionalProperties": False,
    "description": "The device's public keys; the device id is derived from them (docs/crypto.md §5.1)",
    "properties": {
        "enc": {**B64U_32, "description": "base64url X25519 public key (32 bytes)"},
        "sig": {**B64U_32, "description": "base64url Ed25519 public key (32 bytes)"},
    },
}
LABEL = {
    "type": "string",
    "minLength": 1,
    "maxLength": 80,
    "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]*$",
    "description": "A name for the device, e.g. 'Tablet' (no control characters)",
}
ROLE = {"type": "string", "enum": ["owner", "worker", "supporter"]}
ACCESS = {"type": "string", "enum": ["write", "read"]}
KIND = {"type": "string", "enum": ["admin", "worker", "person", "supporter"]}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
INVITE_REGISTRATION = {
    "type": "object",
    "description": "The invite's registration, signed by the inviting device (docs/crypto.md §11.1)",
    "required": ["plan_id", "invite_id", "verifier", "expires_at", "role", "access", "inviter", "signature"],
    "properties": {
        "plan_id": HEX32,
        "invite_id": HEX32,
        "verifier": B64U_32,
        "expires_at": {"type": "integer", "description": "Unix seconds"},
        "role": {"type": "string", "enum": ["owner", "supporter"]},
        "access": ACCESS,
        "inviter": {**HEX32, "description": "the inviting device's id"},
        "signature": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_-]{85}[AQgw]$",
            "description": "base64url Ed25519 signature (64 bytes)",
        },
    },
}

ERROR_DESCRIPTIONS = {
    400: "The request is malformed (`detail` says which field)",
    401: "No device token, a wrong one, or the device or its account was switched off",
    403: "Not allowed (not a member, not enough access, not the person's or the worker's device, wrong or used "
    "code or invite)",
    404: "No such plan, member, device or worker",
    409: "Conflicts with the current state (already registered, already enrolled, not the next key epoch)",
    413: "The request body is larger than 64 KiB",
    429: "Too many failed attempts from this address; wait and try again",
    503: "The storage is unavailable; try again",
}
PATH_PARAMETERS = {
    "plan_id": {**HEX32, "description": "A plan id"},
    "invite_id": {**HEX32, "description": "The invite id from the QR code"},
    "account": {**HEX32, "description": "An account id"},
    "device_id": {**HEX32, "description": "A device id"},
}


def _object(required: list[str], properties: dict[str, Any], *, extra: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _error(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer "}}
        }
    return response


def _operation(
    summary: str,
    *,
    ok: tuple[int, dict[str, Any]],
    errors: tuple[int, ...],
    body: dict[str, Any] | None = None,
    auth: bool = True,
    params: list[str] | None = None,
    description: str | None = None,
    body_required: bool = True,
    also_ok: tuple[int, str] | None = None,
) -> dict[str, Any]:
    status, schema = ok
    responses: dict[str, Any] = {
        str(status): {"description": "Success", "content": {"application/json": {"schema": schema}}}
    }
    if also_ok is not None:  # a second success status with the same body (an idempotent repeat)
        responses[str(also_ok[0])] = {"description": also_ok[1], "content": {"application/json": {"schema": schema}}}
    for error in sorted({*errors, 503}):
        responses[str(error)] = _error(error)
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if description:
        operation["description"] = description
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {"application/json": {"schema": body}}}
    operation["security"] = [{"device": []}] if auth else []
    if params:
        operation["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": PATH_PARAMETERS[p]} for p in params
        ]
    return operation


def openapi_document() -> dict[str, Any]:
    """The document served at ``/api/v1/openapi.json``."""
    member_device = _object(
        ["device_id", "active"],
        {
            "device_id": HEX32,
            "label": {"type": "string", "description": "only to the plan's owner and worker, and for one's own"},
            "public_keys": {"anyOf": [PUBLIC_KEYS, {"type": "null"}]},
            "last_seen": {
                "type": ["integer", "null"],
                "description": "when the device last synced, to the hour; to the same callers as label",
            },
            "active": {"type": "boolean", "description": "false once the device is switched off or removed"},
        },
    )
    member = _object(
        ["account", "role", "access", "active", "devices"],
        {
            "account": HEX32,
            "kind": {"anyOf": [KIND, {"type": "null"}]},
            "role": ROLE,
            "access": ACCESS,
            "active": {"type": "boolean"},
            "devices": {"type": "array", "items": member_device},
        },
    )
    keys_state = _object(
        ["plan_id", "current", "retired"],
        {
            "plan_id": HEX32,
            "current": {
                "anyOf": [_object(["epoch", "kid"], {"epoch": {"type": "integer"}, "kid": KID}), {"type": "null"}]
            },
            "retired": {"type": "array", "items": KID},
        },
    )
    paths: dict[str, Any] = {
        "/api/v1/enrol": {
            "post": _operation(
                "Enrol a worker's device with a one-time code",
                description="The code comes from `alongside admin init` or `add-worker`; it works once, for 7 days. "
                "Failed attempts count towards the limit per client address. The code is claimed for the device the "
                "public keys name: the same keys sent again (an answer lost on the way) get 201 again, with another "
                "token, until the device first uses one of its tokens (docs/api.md §4); other keys get 403.",
                auth=False,
                errors=(400, 403, 409, 413, 429),
                body=_object(
                    ["code", "public_keys"],
                    {
                        "code": {"type": "string", "minLength": 1, "maxLength": 64},
                        "public_keys": PUBLIC_KEYS,
                        "label": LABEL,
                    },
                ),
                ok=(
                    201,
                    _object(
                        ["device_id", "token", "account", "kind"],
                        {"device_id": HEX32, "token": TOKEN, "account": HEX32, "kind": KIND},
                    ),
                ),
            )
        },
        "/api/v1/me": {
            "get": _operation(
                "The calling device and its account",
                errors=(401,),
                ok=(
                    200,
                    _object(
                        ["device_id", "account", "kind", "org"],
                        {"device_id": HEX32, "account": HEX32, "kind": KIND, "org": {"type": ["string", "null"]}},
                    ),
                ),
            )
        },
        "/api/v1/plans": {
            "get": _operation(
                "Plans this device can sync",
                errors=(401,),
                ok=(
                    200,
                    _object(
                        ["plans"],
                        {
                            "plans": {
                                "type": "array",
                                "items": _object(
                                    ["plan_id", "role", "access"], {"plan_id": HEX32, "role": ROLE, "access": ACCESS}
                                ),
                            }
                        },
                    ),
                ),
            ),
            "post": _operation(
                "Start a plan with a person (workers and admins only)",
                description="The worker joins as `worker`; a new account for the person joins as `owner`. A device "
                "that started the plan offline sends the id it drew (`plan_id`); without a body the server draws "
                "one. The same request again from the same device answers 200 with the same plan; an id that "
                "exists for anyone else is 409.",
                errors=(400, 401, 403, 409, 413),
                body=_object([], {"plan_id": {**HEX32, "description": "the id the device drew (32 hex)"}}),
                body_required=False,
                ok=(201, _object(["plan_id", "owner_account"], {"plan_id": HEX32, "owner_account": HEX32})),
                also_ok=(200, "This device set up this plan already (a repeated request)"),
            ),
        },
        "/api/v1/plans/{plan_id}/invites": {
            "post": _operation(
                "Register an invite created on this device",
                description="Only devices of the owner or the worker (the plan's stewards) with write access invite; "
                "anyone else gets 403. An owner invite (the person's own device) always gives write access. "
                "`expires_at` must be in the next 7 days. If the "
                "new device registered the invite already (redeeming it with the signed registration), the same "
                "invite id, verifier and inviting device answer 200, even once it is used; anything else is 409.",
                params=["plan_id"],
                errors=(400, 401, 403, 404, 409, 413),
                body=_object(
                    ["invite_id", "verifier", "expires_at"],
                    {
                        "invite_id": HEX32,
                        "verifier": {**B64U_32, "description": "base64url SHA-256 of the invite's one-time token"},
                        "expires_at": {"type": "integer", "description": "Unix seconds, within the next 7 days"},
                        "role": {"type": "string", "enum": ["owner", "supporter"], "default": "supporter"},
                        "access": {**ACCESS, "default": "read"},
                    },
                ),
                ok=(
                    201,
                    _object(
                        ["invite_id", "plan_id", "role", "access", "expires_at"],
                        {
                            "invite_id": HEX32,
                            "plan_id": HEX32,
                            "role": ROLE,
                            "access": ACCESS,
                            "expires_at": {"type": "integer"},
                        },
                    ),
                ),
                also_ok=(200, "Registered already, by the new device with the signed registration"),
            )
        },
        "/api/v1/invites/{invite_id}/redeem": {
            "post": _operation(
                "Join a plan from a new device with an invite's one-time token",
                description="No device token is needed. A device that is already enrolled sends its token too and "
                "joins with its own account (then no new token is returned). Wrong tokens count towards the limit "
                "per client address. If the inviting device had no connection, the invite is not registered yet: "
                "the body may then carry `registration`, the inviting device's signed registration from the QR "
                "code (docs/crypto.md §11). The server checks the signature against the inviting device's key "
                "and the same rules as registering an invite, then registers and redeems it in one step. When "
                "the plan itself is not on the server yet the answer is 404 with `error` `plan_not_set_up`. The "
                "invite is claimed for the joining device: the same device sending it again (an answer lost on the "
                "way) gets 201 with the same membership (docs/api.md §7); another device gets 403.",
                auth=False,
                params=["invite_id"],
                errors=(400, 401, 403, 404, 409, 413, 429),
                body=_object(
                    ["auth_token", "public_keys"],
                    {
                        "auth_token": {**B64U_32, "description": "the invite's one-time token (docs/crypto.md §11)"},
                        "public_keys": PUBLIC_KEYS,
                        "label": LABEL,
                        "registration": INVITE_REGISTRATION,
                    },
                ),
                ok=(
                    201,
                    _object(
                        ["plan_id", "device_id", "account", "role", "access"],
                        {
                            "plan_id": HEX32,
                            "device_id": HEX32,
                            "account": HEX32,
                            "role": ROLE,
                            "access": ACCESS,
                            "token": TOKEN,
                        },
                    ),
                ),
            )
        },
        "/api/v1/plans/{plan_id}/members": {
            "get": _operation(
                "Who can see this plan, and their devices",
                params=["plan_id"],
                errors=(401, 403, 404),
                ok=(
                    200,
                    _object(["plan_id", "members"], {"plan_id": HEX32, "members": {"type": "array", "items": member}}),
                ),
            )
        },
        "/api/v1/plans/{plan_id}/members/{account}": {
            "delete": _operation(
                "Remove a member (the owner removes anyone; a worker removes supporters; anyone may leave)",
                description="Nobody else can remove the owner. The member's devices are refused at once; a "
                "remaining device then rotates the plan key and records the rotation.",
                params=["plan_id", "account"],
                errors=(401, 403, 404),
                ok=(
                    200,
                    _object(
                        ["ok", "plan_id", "removed"], {"ok": {"type": "boolean"}, "plan_id": HEX32, "removed": HEX32}
                    ),
                ),
            )
        },
        "/api/v1/plans/{plan_id}/devices/{device_id}": {
            "delete": _operation(
                "Stop serving this plan to one device (the owner, or the device's own account)",
                params=["plan_id", "device_id"],
                errors=(401, 403, 404),
                ok=(
                    200,
                    _object(
                        ["ok", "plan_id", "removed_device"],
                        {"ok": {"type": "boolean"}, "plan_id": HEX32, "removed_device": HEX32},
                    ),
                ),
            )
        },
        "/api/v1/workers/{account}/revoke": {
            "post": _operation(
                "Switch off a worker who left (admins only): all their devices are refused",
                params=["account"],
                errors=(401, 403, 404),
                ok=(
                    200,
                    _object(
                        ["ok", "account", "revoked_devices"],
                        {
                            "ok": {"type": "boolean"},
                            "account": HEX32,
                            "revoked_devices": {"type": "array", "items": HEX32},
                        },
                    ),
                ),
            )
        },
        "/api/v1/plans/{plan_id}/keys": {
            "get": _operation(
                "The plan's current and retired key ids",
                params=["plan_id"],
                errors=(401, 403, 404),
                ok=(200, keys_state),
            )
        },
        "/api/v1/plans/{plan_id}/rotations": {
            "post": _operation(
                "Record a key rotation: documents under retired key ids are refused from now on",
                description="Devices of the owner or the worker (the plan's stewards) with write access; anyone "
                "else gets 403. `epoch` must be exactly one more than the epoch recorded (1 before the first "
                "rotation): an older or equal epoch, a jump, or a key id used before is 409. The previous current "
                "key id and those in `retire` become retired, so the next rotation also replaces one the other "
                "devices could not open (docs/crypto.md §10.3).",
                params=["plan_id"],
                errors=(400, 401, 403, 404, 409, 413),
                body=_object(
                    ["epoch", "kid"],
                    {
                        "epoch": {"type": "integer", "minimum": 1, "maximum": 2**32 - 1},
                        "kid": KID,
                        "retire": {"type": "array", "items": KID},
                    },
                ),
                ok=(201, keys_state),
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Alongside API",
            "version": "1",
            "description": "Enrolment, plans, invites, members and key rotations. Plan content never passes "
            "through this API: it is end-to-end encrypted and synchronised under /sync/{plan_id}. See docs/api.md.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer", "description": "A device token"}},
            "schemas": {
                "Error": _object(
                    ["error", "detail"], {"error": {"type": "string"}, "detail": {"type": "string"}}, extra=False
                )
            },
        },
    }
