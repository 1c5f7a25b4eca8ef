"""``/api/v1``: enrolment, plans, members, removal, key rotation and the route table.

Errors are ``{"error", "detail"}``. Invites live in :mod:`invite_routes`; shared helpers in :mod:`api_common`.
"""

from __future__ import annotations

import hashlib
import re

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from alongside.sync.errors import BadRequest, Conflict, Forbidden, NotFound
from alongside.sync.store import Json

from .api_common import (
    MAX_API_BODY,
    app_state,
    authenticated,
    client_key,
    json_body,
    json_response,
    label_field,
    member_role,
    plan_id_param,
    public_keys_field,
    text_field,
)
from .directory import ID_PATTERN, Device, Directory
from .invite_routes import MAX_INVITE_LIFETIME, create_invite, redeem_invite
from .requests import parse_json, read_body

__all__ = ["MAX_API_BODY", "MAX_INVITE_LIFETIME", "api_routes"]

# Matched with ``fullmatch``: ``$`` alone would also accept a trailing newline.
KID_PATTERN = re.compile(r"[0-9a-f]{16}")
MAX_EPOCH = 2**32 - 1
STEWARD_ROLES = ("owner", "worker")


# -- enrolment ---------------------------------------------------------------------------------------


def enrolment_code_id(code: str) -> str:
    normalised = "".join(ch for ch in code.upper() if ch.isalnum())
    return "enrolment:" + hashlib.sha256(normalised.encode()).hexdigest()


async def enrol(request: Request) -> Response:
    """A worker's device enrols with the one-time code an admin gave them.

    Safe to repeat after a lost answer (docs/api.md §4): the code is claimed for the device its public keys
    name, and the same keys sent again while the code is valid get a ``201`` with another token for the same
    device, until the device first uses one of its tokens (:meth:`Directory.issue_another_token`). Other keys
    get ``403``. Everything is checked before anything is written.
    """
    state = app_state(request)
    state.limiter.check(client_key(request))
    body = await json_body(request)
    code = text_field(body, "code", max_length=64)
    keys = public_keys_field(body)
    label = label_field(body)
    assert code is not None
    directory = state.directory
    device_id = keys.device_id
    enrolment = await directory.get(enrolment_code_id(code))
    if (
        enrolment is None
        or (enrolment.get("used") and enrolment.get("used_by") != device_id)
        or int(enrolment.get("expires_at", 0)) <= directory.now()
    ):
        state.limiter.fail(client_key(request))
        raise Forbidden("This enrolment code is not valid. Ask your admin for a new one.")
    account = str(enrolment["account"])
    device = await directory.get(f"device:{device_id}")
    if device is not None and not directory.may_issue_another_token(device, account):
        raise Conflict("This device is already enrolled.")
    # The directory is a document store: no transaction spans two documents. So the writes go in an order a
    # repeat with the same keys can always finish: the code is claimed for this device first (another
    # device is refused from then on), then the device is created, or given another token if an earlier
    # attempt created it.
    await directory.claim(enrolment["_id"], device_id)
    token = await directory.ensure_device(account, device_id=device_id, public_keys=keys.to_json(), label=label)
    account_doc = await directory.get(f"account:{account}")
    assert account_doc is not None
    return json_response({"device_id": device_id, "token": token, "account": account, "kind": account_doc["kind"]}, 201)


async def me(request: Request) -> Response:
    _, device = await authenticated(request)
    return json_response({"device_id": device.id, "account": device.account, "kind": device.kind, "org": device.org})


# -- plans -------------------------------------------------------------------------------------------


async def list_plans(request: Request) -> Response:
    state, device = await authenticated(request)
    plans = []
    for membership in await state.directory.by_prefix("membership:"):
        if membership.get("account") == device.account and not membership.get("removed"):
            excluded = await state.directory.get(f"excluded:{membership['plan']}:{device.id}")
            if excluded is None:
                plans.append(
                    {"plan_id": membership["plan"], "role": membership["role"], "access": membership["access"]}
                )
    return json_response({"plans": plans})


async def create_plan(request: Request) -> Response:
    """A worker creates a plan with a person: the worker joins as ``worker``, the person as ``owner``.

    A device that started the plan offline sends the id it drew (``{"plan_id"}``). Sending the same
    request again from the same device (its answer was lost) is answered with the same plan (200).
    """
    state, device = await authenticated(request)
    if device.kind not in ("worker", "admin"):
        raise Forbidden("Only workers can start a plan here.")
    raw = await read_body(request, MAX_API_BODY)
    body = parse_json(raw) if raw.strip() else {}
    if not isinstance(body, dict):
        raise BadRequest("Request body must be a JSON object")
    wanted = body.get("plan_id")
    if wanted is not None and (not isinstance(wanted, str) or not ID_PATTERN.fullmatch(wanted)):
        raise BadRequest("`plan_id` must be 32 lower-case hex characters")
    directory = state.directory
    if wanted is not None:
        existing = await directory.get(f"plan:{wanted}")
        if existing is not None:
            if existing.get("created_by_device") != device.id:
                raise Conflict("A plan with this id already exists.")
            await _finish_plan_setup(directory, wanted, existing, device)
            return json_response({"plan_id": wanted, "owner_account": existing["owner"]}, 200)
    plan_id = await directory.create_plan(device, plan_id=wanted)
    plan = await directory.plan(plan_id)
    return json_response({"plan_id": plan_id, "owner_account": plan["owner"]}, 201)


async def _finish_plan_setup(directory: Directory, plan_id: str, plan: Json, device: Device) -> None:
    """A replayed plan set-up: add the memberships an earlier, interrupted attempt did not get to."""
    owner = str(plan["owner"])
    if await directory.get(f"membership:{plan_id}:{owner}") is None:
        await directory.add_member(plan_id, owner, role="owner", access="write")
    if device.account != owner and await directory.get(f"membership:{plan_id}:{device.account}") is None:
        await directory.add_member(plan_id, device.account, role="worker", access="write")


# -- members and removal -----------------------------------------------------------------------------


def _member_device(doc: Json, excluded: set[str], *, details: bool) -> Json:
    """One device in the members list; its label and when it last synced only with ``details``."""
    device_id = doc["_id"].split(":", 1)[1]
    listed: Json = {"device_id": device_id, "public_keys": doc.get("public_keys")}
    if details:
        listed |= {"label": doc.get("label", ""), "last_seen": doc.get("last_seen")}
    return listed | {"active": not doc.get("revoked") and device_id not in excluded}


async def list_members(request: Request) -> Response:
    """Who can see the plan. Device labels and ``last_seen`` go to the plan's stewards (the person and the
    worker) and to each member for their own devices only (docs/security.md section 3)."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device)
    members = []
    excluded = {doc["_id"].rsplit(":", 1)[1] for doc in await state.directory.by_prefix(f"excluded:{plan_id}:")}
    for membership in await state.directory.members(plan_id):
        account = str(membership["account"])
        account_doc = await state.directory.get(f"account:{account}") or {}
        details = role in STEWARD_ROLES or account == device.account
        devices = [_member_device(d, excluded, details=details) for d in await state.directory.devices_of(account)]
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
    return json_response({"plan_id": plan_id, "members": members})


async def remove_member(request: Request) -> Response:
    """The owner removes anyone; a worker removes supporters; anyone may leave."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device)
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
    return json_response({"ok": True, "plan_id": plan_id, "removed": account})


async def remove_device(request: Request) -> Response:
    """Stop serving this plan to one device: the owner, or the device's own account."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device)
    device_id = str(request.path_params["device_id"])
    target = await state.directory.get(f"device:{device_id}") if ID_PATTERN.fullmatch(device_id) else None
    if target is None or await state.directory.membership(plan_id, str(target["account"])) is None:
        raise NotFound("This device is not part of this plan.")
    if role != "owner" and target["account"] != device.account:
        raise Forbidden("Only the person whose plan this is can remove other people's devices.")
    await state.directory.exclude_device(plan_id, device_id, by=device.account)
    return json_response({"ok": True, "plan_id": plan_id, "removed_device": device_id})


async def revoke_worker(request: Request) -> Response:
    """An admin switches off a worker who left: every device of theirs is refused from now on."""
    state, device = await authenticated(request)
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
    return json_response({"ok": True, "account": account_id, "revoked_devices": revoked})


# -- key rotation ------------------------------------------------------------------------------------


async def plan_keys(request: Request) -> Response:
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    await member_role(state.directory, plan_id, device)
    doc = await state.directory.get(f"keys:{plan_id}") or {}
    return json_response({"plan_id": plan_id, "current": doc.get("current"), "retired": doc.get("retired", [])})


async def record_rotation(request: Request) -> Response:
    """A steward's device records the plan's next key (docs/crypto.md §10.2): documents under earlier key ids
    are refused from now on.

    Only devices of the owner or the worker with write access rotate, and only to exactly the next epoch
    (1 is the epoch before the first rotation), so nobody can move the epoch out of reach. A rotation that
    the other devices cannot open is replaced by the next one (§10.3): the key id it recorded is retired.
    """
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device, write=True)
    if role not in STEWARD_ROLES:
        raise Forbidden("Only the person's or the worker's devices can change the plan's key.")
    body = await json_body(request)
    kid = text_field(body, "kid", max_length=64)
    epoch = body.get("epoch")
    retire = body.get("retire", [])
    if not KID_PATTERN.fullmatch(kid or ""):
        raise BadRequest("`kid` must be a key id (16 lower-case hex characters)")
    if isinstance(epoch, bool) or not isinstance(epoch, int) or not 1 <= epoch <= MAX_EPOCH:
        raise BadRequest(f"`epoch` must be an integer from 1 to {MAX_EPOCH}")
    if not isinstance(retire, list) or not all(isinstance(k, str) and KID_PATTERN.fullmatch(k) for k in retire):
        raise BadRequest("`retire` must be a list of key ids")
    doc_id = f"keys:{plan_id}"
    current = await state.directory.get(doc_id)
    previous = (current or {}).get("current")
    recorded = int(previous["epoch"]) if previous else 1
    if epoch <= recorded:
        raise Conflict("A newer key is already recorded for this plan.")
    if epoch != recorded + 1:
        raise Conflict(f"The plan's next key must have epoch {recorded + 1}: epochs go up one at a time.")
    earlier = {*((current or {}).get("retired", [])), *([previous["kid"]] if previous else [])}
    if kid in earlier:
        raise Conflict("This key id was used before: a new key has a new key id.")
    retired = sorted(earlier | set(retire) - {kid})
    new = {"_id": doc_id, "type": "keys", "current": {"epoch": epoch, "kid": kid}, "retired": retired}
    if current is not None:
        new["_rev"] = current["_rev"]
    try:
        await state.directory.put(new)
    except Conflict:  # another device recorded a rotation at the same moment
        raise Conflict("A newer key is already recorded for this plan.") from None
    await state.directory.audit("key.rotated", plan=plan_id, device=device.id, epoch=epoch)
    return json_response({"plan_id": plan_id, "current": new["current"], "retired": retired}, 201)


async def openapi(request: Request) -> Response:
    from .openapi import openapi_document

    return json_response(openapi_document())


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
