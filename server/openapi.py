"""The OpenAPI 3.1 document of ``/api/v1``, checked against the live app by schemathesis in the tests."""

from __future__ import annotations

from typing import Any

HEX32 = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
KID = {"type": "string", "pattern": "^[0-9a-f]{16,64}$"}
PUBLIC_KEYS = {
    "type": "object",
    "required": ["enc", "sig"],
    "additionalProperties": False,
    "properties": {
        "enc": {"type": "string", "description": "base64url X25519 public key (32 bytes)"},
        "sig": {"type": "string", "description": "base64url Ed25519 public key (32 bytes)"},
    },
}
ROLE = {"type": "string", "enum": ["owner", "worker", "supporter"]}
ACCESS = {"type": "string", "enum": ["write", "read"]}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _object(required: list[str], properties: dict[str, Any], *, extra: bool = True) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if not extra:
        schema["additionalProperties"] = False
    return schema


def _operation(
    summary: str,
    *,
    ok: tuple[int, dict[str, Any]],
    body: dict[str, Any] | None = None,
    auth: bool = True,
    params: list[str] | None = None,
) -> dict[str, Any]:
    status, schema = ok
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            str(status): {"description": "Success", "content": {"application/json": {"schema": schema}}},
            "default": {"description": "An error", "content": {"application/json": {"schema": ERROR_REF}}},
        },
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if auth:
        operation["security"] = [{"device": []}]
    else:
        operation["security"] = []
    if params:
        operation["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
        ]
    return operation


def openapi_document() -> dict[str, Any]:
    """The document served at ``/api/v1/openapi.json``."""
    member_device = _object(
        ["device_id", "label", "active"],
        {
            "device_id": HEX32,
            "label": {"type": "string"},
            "public_keys": {"anyOf": [PUBLIC_KEYS, {"type": "null"}]},
            "last_seen": {"type": ["integer", "null"]},
            "active": {"type": "boolean"},
        },
    )
    member = _object(
        ["account", "role", "access", "active", "devices"],
        {
            "account": HEX32,
            "kind": {"type": ["string", "null"]},
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
                auth=False,
                body=_object(
                    ["code", "public_keys"],
                    {"code": {"type": "string"}, "public_keys": PUBLIC_KEYS, "label": {"type": "string"}},
                ),
                ok=(
                    201,
                    _object(
                        ["device_id", "token", "account", "kind"],
                        {"device_id": HEX32, "token": {"type": "string"}, "account": HEX32, "kind": {"type": "string"}},
                    ),
                ),
            )
        },
        "/api/v1/me": {
            "get": _operation(
                "The calling device and its account",
                ok=(
                    200,
                    _object(
                        ["device_id", "account", "kind", "org"],
                        {
                            "device_id": HEX32,
                            "account": HEX32,
                            "kind": {"type": "string"},
                            "org": {"type": ["string", "null"]},
                        },
                    ),
                ),
            )
        },
        "/api/v1/plans": {
            "get": _operation(
                "Plans this device can sync",
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
                "Start a plan with a person (workers only)",
                ok=(201, _object(["plan_id", "owner_account"], {"plan_id": HEX32, "owner_account": HEX32})),
            ),
        },
        "/api/v1/plans/{plan_id}/invites": {
            "post": _operation(
                "Register an invite created on this device",
                params=["plan_id"],
                body=_object(
                    ["invite_id", "verifier", "expires_at"],
                    {
                        "invite_id": HEX32,
                        "verifier": {"type": "string"},
                        "expires_at": {"type": "integer"},
                        "role": {"type": "string", "enum": ["owner", "supporter"]},
                        "access": ACCESS,
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
            )
        },
        "/api/v1/invites/{invite_id}/redeem": {
            "post": _operation(
                "Join a plan from a new device with an invite's one-time token",
                auth=False,
                params=["invite_id"],
                body=_object(
                    ["auth_token", "public_keys"],
                    {"auth_token": {"type": "string"}, "public_keys": PUBLIC_KEYS, "label": {"type": "string"}},
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
                            "token": {"type": "string"},
                        },
                    ),
                ),
            )
        },
        "/api/v1/plans/{plan_id}/members": {
            "get": _operation(
                "Who can see this plan, and their devices",
                params=["plan_id"],
                ok=(
                    200,
                    _object(["plan_id", "members"], {"plan_id": HEX32, "members": {"type": "array", "items": member}}),
                ),
            )
        },
        "/api/v1/plans/{plan_id}/members/{account}": {
            "delete": _operation(
                "Remove a member (the owner removes anyone; a worker removes supporters; anyone may leave)",
                params=["plan_id", "account"],
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
                "Stop serving this plan to one device",
                params=["plan_id", "device_id"],
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
            "get": _operation("The plan's current and retired key ids", params=["plan_id"], ok=(200, keys_state))
        },
        "/api/v1/plans/{plan_id}/rotations": {
            "post": _operation(
                "Record a key rotation: documents under retired key ids are refused from now on",
                params=["plan_id"],
                body=_object(
                    ["epoch", "kid"],
                    {"epoch": {"type": "integer"}, "kid": KID, "retire": {"type": "array", "items": KID}},
                ),
                ok=(201, keys_state),
            )
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "Alongside API", "version": "1"},
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
