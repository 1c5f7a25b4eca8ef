"""``/api/v1``: enrolment, plans, invites, members, removal and key rotation. Errors are ``{"error", "detail"}``.

The server never sees a plan key: invites are created and opened on devices (docs/crypto.md §11);
the server only checks the invite's one-time token against the verifier the inviting device
registered, and admits the new device once.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alongside.crypto.errors import FormatError
from alongside.crypto.invite import check_invite_token
from alongside.crypto.keys import DevicePublicKeys
from alongside.sync.errors import BadRequest, Conflict, Forbidden, NotFound
from alongside.sync.store import Json

from .directory import ID_PATTERN, Device, Directory
from .requests import read_json_object
from .state import AppState

MAX_API_BODY = 64 * 1024
MAX_INVITE_LIFETIME = 7 * 24 * 3600
# Matched with ``fullmatch``: ``$`` alone would also accept a trailing newline.
KID_PATTERN = re.compile(r"[0-9a-f]{16,64}")
VERIFIER_PATTERN = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")  # 32 bytes, canonical base64url


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.alongside
    return state


def _client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _device(request: Request) -> tuple[AppState, Device]:
    state = _state(request)
    return state, await state.directory.authenticate(request.headers.get("authorization"))


async def _body(request: Request) -> dict[str, Any]:
    return await read_json_object(request, MAX_API_BODY)


def _text(body: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise BadRequest(f"`{name}` must be a string of 1 to {max_length} characters")
    return value


def _choice(body: dict[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = body.get(name, default)
    if value not in choices:
        raise BadRequest(f"`{name}` must be one of: {', '.join(choices)}")
    return str(value)


def _public_keys(body: dict[str, Any]) -> DevicePublicKeys:
    try:
        return DevicePublicKeys.from_json(body.get("public_keys"))
    except FormatError:
        raise BadRequest('`public_keys` must be {"enc": base64url X25519 key, "sig": base64url Ed25519 key}') from None


def _plan_id(request: Request) -> str:
    plan_id = str(request.path_params["plan_id"])
    if not ID_PATTERN.fullmatch(plan_id):
        raise NotFound("No such plan.")
    return plan_id


def _json(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


async def _member_or_forbidden(directory: Directory, plan_id: str, device: Device, *, write: bool = False) -> str:
    try:
        membership = await directory.authorise_plan(device, plan_id, write=write)
    except NotFound:
        raise NotFound("No such plan.") from None
    return membership.role


# -- enrolment ---------------------------------------------------------------------------------------


def enrolment_code_id(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return "enrolment:" + hashlib.sha256(normalised.encode()).hexdigest()


def _claim(doc: Json, now: int) -> Json:
    if doc.get("used"):
        raise Forbidden("This code or invite has already been used. Ask for a new one.")
    return {**doc, "used": True, "used_at": now}


async def enrol(request: Request) -> Response:
    """A worker's device enrols with the one-time code an admin gave them."""
    state = _state(request)
    state.limiter.check(_client_key(request))
    body = await _body(request)
    code = _text(body, "code", max_length=64)
    keys = _public_keys(body)
    label = _text(body, "label", required=False, max_length=80) or ""
    assert code is not None
    directory = state.directory
    enrolment = await directory.get(enrolment_code_id(code))
    if enrolment is None or enrolment.get("used") or int(enrolment.get("expires_at", 0)) <= directory.now():
        state.limiter.fail(_client_key(request))
        raise Forbidden("This enrolment code is not valid. Ask your admin for a new one.")
    if await directory.get(f"device:{keys.device_id}") is not None:
        raise Conflict("This device is already enrolled.")
    await directory.update(enrolment["_id"], lambda doc: _claim(doc, directory.now()))
    device_id, token = await directory.create_device(
        str(enrolment["account"]), device_id=keys.device_id, public_keys=keys.to_json(), label=label
    )
    account = await directory.get(f"account:{enrolment['account']}")
    assert account is not None
    kind = account["kind"]
    return _json({"device_id": device_id, "token": token, "account": enrolment["account"], "kind": kind}, 201)


async def me(request: Request) -> Response:
    _, device = await _device(request)
    return _json({"device_id": device.id, "account": device.account, "kind": device.kind, "org": device.org})


# -- plans -------------------------------------------------------------------------------------------


async def list_plans(request: Request) -> Response:
    state, device = await _device(request)
    plans = []
    for membership in await state.directory.by_prefix("membership:"):
        if membership.get("account") == device.account and not membership.get("removed"):
            excluded = await state.directory.get(f"excluded:{membership['plan']}:{device.id}")
            if excluded is None:
                plans.append(
                    {"plan_id": membership["plan"], "role": membership["role"], "access": membership["access"]}
                )
    return _json({"plans": plans})


async def create_plan(request: Request) -> Response:
    """A worker creates a plan with a person: the worker joins as ``worker``, the person as ``owner``."""
    state, device = await _device(request)
    if device.kind not in ("worker", "admin"):
        raise Forbidden("Only workers can start a plan here.")
    plan_id = await state.directory.create_plan(device)
    plan = await state.directory.plan(plan_id)
    return _json({"plan_id": plan_id, "owner_account": plan["owner"]}, 201)


# -- invites -----------------------------------------------------------------------------------------


async def create_invite(request: Request) -> Response:
    """Register an invite created on a member's device (its id, token verifier, expiry, role)."""
    state, device = await _device(request)
    plan_id = _plan_id(request)
    role = await _member_or_forbidden(state.directory, plan_id, device, write=True)
    body = await _body(request)
    invite_id = _text(body, "invite_id", max_length=32)
    verifier = _text(body, "verifier", max_length=43)
    expires_at = body.get("expires_at")
    as_role = _choice(body, "role", ("owner", "supporter"), "supporter")
    access = _choice(body, "access", ("write", "read"), "read")
    if not ID_PATTERN.fullmatch(invite_id or ""):
        raise BadRequest("`invite_id` must be 32 lower-case hex characters")
    if not VERIFIER_PATTERN.fullmatch(verifier or ""):
        raise BadRequest("`verifier` must be 32 bytes in base64url (43 characters)")
    now = state.directory.now()
    if (
        isinstance(expires_at, bool)
        or not isinstance(expires_at, int)
        or not now < expires_at <= now + MAX_INVITE_LIFETIME
    ):
        raise BadRequest("`expires_at` must be a Unix time in the next 7 days")
    if as_role == "owner":
        if role not in ("owner", "worker"):
            raise Forbidden("Only the person or their worker can invite the person's own device.")
        access = "write"
    if await state.directory.get(f"invite:{invite_id}") is not None:
        raise Conflict("This invite is already registered.")
    await state.directory.put(
        {
            "_id": f"invite:{invite_id}",
            "type": "invite",
            "plan": plan_id,
            "role": as_role,
            "access": access,
            "verifier": verifier,
            "expires_at": expires_at,
            "issued_by": device.id,
            "issued_at": now,
        }
    )
    await state.directory.audit("invite.issued", plan=plan_id, device=device.id)
    return _json(
        {"invite_id": invite_id, "plan_id": plan_id, "role": as_role, "access": access, "expires_at": expires_at}, 201
    )


async def _issuer_may_still_invite(directory: Directory, invite: Json, plan_id: str) -> bool:
    """Whether the device that registered ``invite`` could register it now.

    An invite dies with its maker's access: once they are removed from the plan, lose write access, or
    their device is removed or switched off, nobody can join through the invites they made before.
    """
    issuer_id = str(invite.get("issued_by", ""))
    issuer = await directory.get(f"device:{issuer_id}") if ID_PATTERN.fullmatch(issuer_id) else None
    if issuer is None or issuer.get("revoked"):
        return False
    account = await directory.get(f"account:{issuer['account']}")
    if account is None or not account.get("active", False):
        return False
    if await directory.get(f"excluded:{plan_id}:{issuer_id}") is not None:
        return False
    membership = await directory.membership(plan_id, str(issuer["account"]))
    if membership is None or membership.access != "write":
        return False
    return invite.get("role") != "owner" or membership.role in ("owner", "worker")


async def _admit(directory: Directory, plan_id: str, account: str, *, role: str, access: str) -> None:
    """Make ``account`` a member; someone removed earlier comes back with the new role and access."""
    doc_id = f"membership:{plan_id}:{account}"
    if await directory.get(doc_id) is None:
        await directory.add_member(plan_id, account, role=role, access=access)
        return

    def rejoin(doc: Json) -> Json:
        kept = {k: v for k, v in doc.items() if k not in ("removed", "removed_at", "removed_by")}
        return {**kept, "role": role, "access": access, "joined": directory.now()}

    await directory.update(doc_id, rejoin)
    await directory.audit("member.joined", plan=plan_id, account=account, role=role)


async def redeem_invite(request: Request) -> Response:
    """A new device joins a plan with an invite's one-time token: once, before expiry."""
    state = _state(request)
    state.limiter.check(_client_key(request))
    directory = state.directory
    invite_id = str(request.path_params["invite_id"])
    body = await _body(request)
    auth_token = _text(body, "auth_token", max_length=64)
    keys = _public_keys(body)
    label = _text(body, "label", required=False, max_length=80) or ""
    invite = await directory.get(f"invite:{invite_id}") if ID_PATTERN.fullmatch(invite_id) else None
    if invite is None or not check_invite_token(auth_token, invite.get("verifier")):
        state.limiter.fail(_client_key(request))
        raise Forbidden("This invite is not valid. Ask for a new one.")
    if invite.get("used"):
        raise Forbidden("This invite has already been used. Ask for a new one.")
    if int(invite["expires_at"]) <= directory.now():
        raise Forbidden("This invite has expired. Ask for a new one.")
    plan_id = str(invite["plan"])
    plan = await directory.plan(plan_id)
    if not await _issuer_may_still_invite(directory, invite, plan_id):
        raise Forbidden("Whoever made this invite can no longer add people to this plan. Ask for a new one.")

    existing: Device | None = None
    if request.headers.get("authorization"):
        existing = await directory.authenticate(request.headers.get("authorization"))
        if await directory.get(f"excluded:{plan_id}:{existing.id}") is not None:
            raise Conflict("This device was removed from this plan; join from a new device.")
    elif await directory.get(f"device:{keys.device_id}") is not None:
        raise Conflict("This device is already enrolled: send its token with the invite.")
    if existing is not None and invite["role"] == "owner" and existing.account != plan["owner"]:
        raise Conflict("This device belongs to someone else; join from a new device.")

    used_by = existing.id if existing is not None else keys.device_id
    await directory.update(f"invite:{invite_id}", lambda doc: {**_claim(doc, directory.now()), "used_by": used_by})
    token = None
    if existing is not None:
        account, device_id = existing.account, existing.id
    else:
        account = str(plan["owner"]) if invite["role"] == "owner" else await directory.create_account("supporter")
        device_id, token = await directory.create_device(
            account, device_id=keys.device_id, public_keys=keys.to_json(), label=label
        )
    membership = await directory.membership(plan_id, account)
    if membership is not None:  # already a member: the invite changes nothing
        role, access = membership.role, membership.access
    else:
        role, access = ("owner", "write") if account == plan["owner"] else (str(invite["role"]), str(invite["access"]))
        await _admit(directory, plan_id, account, role=role, access=access)
    await directory.audit("invite.redeemed", plan=plan_id, device=device_id)
    out = {"plan_id": plan_id, "device_id": device_id, "account": account, "role": role, "access": access}
    if token is not None:
        out["token"] = token
    return _json(out, 201)


# -- members and removal -----------------------------------------------------------------------------


async def list_members(request: Request) -> Response:
    state, device = await _device(request)
    plan_id = _plan_id(request)
    await _member_or_forbidden(state.directory, plan_id, device)
    members = []
    excluded = {doc["_id"].rsplit(":", 1)[1] for doc in await state.directory.by_prefix(f"excluded:{plan_id}:")}
    for membership in await state.directory.members(plan_id):
        account = str(membership["account"])
        account_doc = await state.directory.get(f"account:{account}") or {}
        devices = [
            {
                "device_id": d["_id"].split(":", 1)[1],
                "label": d.get("label", ""),
                "public_keys": d.get("public_keys"),
                "last_seen": d.get("last_seen"),
                "active": not d.get("revoked") and d["_id"].split(":", 1)[1] not in excluded,
            }
            for d in await state.directory.devices_of(account)
        ]
        members.append(
            {
                "account": account,
                "kind": account_doc.get("kind"),
                "role": membership["role"],
                "access": membership["access"],
                "active": bool(account_doc.get("active")),
                "devices": devices,
            }
        )
    return _json({"plan_id": plan_id, "members": members})


async def remove_member(request: Request) -> Response:
    """The owner removes anyone; a worker removes supporters; anyone may leave."""
    state, device = await _device(request)
    plan_id = _plan_id(request)
    role = await _member_or_forbidden(state.directory, plan_id, device)
    account = str(request.path_params["account"])
    target = await state.directory.membership(plan_id, account) if ID_PATTERN.fullmatch(account) else None
    if target is None:
        raise NotFound("This person is not a member of this plan.")
    allowed = account == device.account or role == "owner" or (role == "worker" and target.role == "supporter")
    if not allowed:
        raise Forbidden("Only the person whose plan this is can remove this member.")
    if target.role == "owner" and account != device.account:
        raise Forbidden("Nobody can remove the person from their own plan.")
    await state.directory.remove_member(plan_id, account, by=device.account)
    return _json({"ok": True, "plan_id": plan_id, "removed": account})


async def remove_device(request: Request) -> Response:
    """Stop serving this plan to one device: the owner, or the device's own account."""
    state, device = await _device(request)
    plan_id = _plan_id(request)
    role = await _member_or_forbidden(state.directory, plan_id, device)
    device_id = str(request.path_params["device_id"])
    target = await state.directory.get(f"device:{device_id}") if ID_PATTERN.fullmatch(device_id) else None
    if target is None or await state.directory.membership(plan_id, str(target["account"])) is None:
        raise NotFound("This device is not part of this plan.")
    if role != "owner" and target["account"] != device.account:
        raise Forbidden("Only the person whose plan this is can remove other people's devices.")
    await state.directory.exclude_device(plan_id, device_id, by=device.account)
    return _json({"ok": True, "plan_id": plan_id, "removed_device": device_id})


async def revoke_worker(request: Request) -> Response:
    """An admin switches off a worker who left: every device of theirs is refused from now on."""
    state, device = await _device(request)
    if device.kind != "admin":
        raise Forbidden("Only an admin can switch off a worker.")
    account_id = str(request.path_params["account"])
    account = await state.directory.get(f"account:{account_id}") if ID_PATTERN.fullmatch(account_id) else None
    if account is None or account.get("org") != device.org or account.get("kind") not in ("worker", "admin"):
        raise NotFound("No such worker in your organisation.")
    await state.directory.update(f"account:{account_id}", lambda doc: {**doc, "active": False})
    revoked = []
    for dev in await state.directory.devices_of(account_id):
        device_id = dev["_id"].split(":", 1)[1]
        await state.directory.revoke_device(device_id, by=device.account)
        revoked.append(device_id)
    return _json({"ok": True, "account": account_id, "revoked_devices": revoked})


# -- key rotation ------------------------------------------------------------------------------------


async def plan_keys(request: Request) -> Response:
    state, device = await _device(request)
    plan_id = _plan_id(request)
    await _member_or_forbidden(state.directory, plan_id, device)
    doc = await state.directory.get(f"keys:{plan_id}") or {}
    return _json({"plan_id": plan_id, "current": doc.get("current"), "retired": doc.get("retired", [])})


async def record_rotation(request: Request) -> Response:
    """A remaining device records a new epoch: documents under earlier key ids are refused from now on."""
    state, device = await _device(request)
    plan_id = _plan_id(request)
    await _member_or_forbidden(state.directory, plan_id, device, write=True)
    body = await _body(request)
    kid = _text(body, "kid", max_length=64)
    epoch = body.get("epoch")
    retire = body.get("retire", [])
    if not KID_PATTERN.fullmatch(kid or ""):
        raise BadRequest("`kid` must be a key id (16 to 64 lower-case hex characters)")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch < 2**31:
        raise BadRequest("`epoch` must be a positive integer")
    if not isinstance(retire, list) or not all(isinstance(k, str) and KID_PATTERN.fullmatch(k) for k in retire):
        raise BadRequest("`retire` must be a list of key ids")
    doc_id = f"keys:{plan_id}"
    current = await state.directory.get(doc_id)
    previous = (current or {}).get("current")
    if previous and epoch <= int(previous["epoch"]):
        raise Conflict("A newer key is already recorded for this plan.")
    retired = sorted({*((current or {}).get("retired", [])), *retire, *([previous["kid"]] if previous else [])} - {kid})
    new = {"_id": doc_id, "type": "keys", "current": {"epoch": epoch, "kid": kid}, "retired": retired}
    if current is not None:
        new["_rev"] = current["_rev"]
    await state.directory.put(new)
    await state.directory.audit("key.rotated", plan=plan_id, device=device.id, epoch=epoch)
    return _json({"plan_id": plan_id, "current": new["current"], "retired": retired}, 201)


async def openapi(request: Request) -> Response:
    from .openapi import openapi_document

    return _json(openapi_document())


def api_routes() -> list[Route]:
    prefix = "/api/v1"
    return [
        Route(prefix + "/openapi.json", openapi, methods=["GET"]),
        Route(prefix + "/enrol", enrol, methods=["POST"]),
        Route(prefix + "/me", me, methods=["GET"]),
        Route(prefix + "/plans", list_plans, methods=["GET"]),
        Route(prefix + "/plans", create_plan, methods=["POST"]),
        Route(prefix + "/plans/{plan_id}/invites", create_invite, methods=["POST"]),
        Route(prefix + "/invites/{invite_id}/redeem", redeem_invite, methods=["POST"]),
        Route(prefix + "/plans/{plan_id}/members", list_members, methods=["GET"]),
        Route(prefix + "/plans/{plan_id}/members/{account}", remove_member, methods=["DELETE"]),
        Route(prefix + "/plans/{plan_id}/devices/{device_id}", remove_device, methods=["DELETE"]),
        Route(prefix + "/workers/{account}/revoke", revoke_worker, methods=["POST"]),
        Route(prefix + "/plans/{plan_id}/keys", plan_keys, methods=["GET"]),
        Route(prefix + "/plans/{plan_id}/rotations", record_rotation, methods=["POST"]),
    ]
