"""``/api/v1``: enrolment, plans, members, removal, key rotation and the route table.

Errors are ``{"error", "detail"}``. Invites live in :mod:`invite_routes`; shared helpers in :mod:`api_common`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from alongside.sync.errors import Conflict, Forbidden, NotFound
from alongside.sync.store import Json

from .api_common import (
    app_state,
    authenticated,
    client_key,
    device_public_keys,
    json_response,
    member_role,
    plan_id_param,
)
from .api_models import (
    MAX_API_BODY,
    CreatePlanRequest,
    CurrentKey,
    DeviceRemoved,
    Enrolled,
    EnrolRequest,
    Me,
    Member,
    MemberDevice,
    MemberRemoved,
    Members,
    PlanCreated,
    PlanEntry,
    PlanKeys,
    Plans,
    RotationRequest,
    WorkerRevoked,
    read_model,
)
from .directory import Directory
from .directory_access import Device
from .directory_ids import (
    ID_PATTERN,
    account_doc_id,
    device_doc_id,
    enrolment_doc_id,
    keys_doc_id,
    last_part,
    membership_doc_id,
    plan_doc_id,
)
from .handover_routes import agreed_handover, note_removal
from .invite_routes import MAX_INVITE_LIFETIME, STEWARD_ROLES

__all__ = ["MAX_API_BODY", "MAX_INVITE_LIFETIME"]


# -- enrolment ---------------------------------------------------------------------------------------


async def enrol(request: Request) -> Response:
    """A worker's device enrols with the one-time code an admin gave them.

    Safe to repeat after a lost answer (docs/api.md §4): the code is claimed for the device its public keys
    name, and the same keys sent again while the code is valid get a ``201`` with another token for the same
    device, until the device first uses one of its tokens (:meth:`Directory.issue_another_token`). Other keys
    get ``403``. Everything is checked before anything is written.
    """
    state = app_state(request)
    state.limiter.check(client_key(request))
    body = await read_model(request, EnrolRequest)
    keys = device_public_keys(body.public_keys)
    directory = state.directory
    device_id = keys.device_id
    enrolment = await directory.get(enrolment_doc_id(body.code))
    if (
        enrolment is None
        or (enrolment.get("used") and enrolment.get("used_by") != device_id)
        or int(enrolment.get("expires_at", 0)) <= directory.now()
    ):
        state.limiter.fail(client_key(request))
        raise Forbidden("This enrolment code is not valid. Ask your admin for a new one.")
    account = str(enrolment["account"])
    device = await directory.get(device_doc_id(device_id))
    if device is not None and not directory.may_issue_another_token(device, account):
        raise Conflict("This device is already enrolled.")
    # The directory is a document store: no transaction spans two documents. So the writes go in an order a
    # repeat with the same keys can always finish: the code is claimed for this device first (another
    # device is refused from then on), then the device is created, or given another token if an earlier
    # attempt created it.
    await directory.claim(enrolment["_id"], device_id)
    token = await directory.ensure_device(
        account, device_id=device_id, public_keys=keys.to_json(), label=body.label or ""
    )
    account_doc = await directory.get(account_doc_id(account))
    assert account_doc is not None
    return json_response(Enrolled(device_id=device_id, token=token, account=account, kind=account_doc["kind"]), 201)


async def me(request: Request) -> Response:
    _, device = await authenticated(request)
    me = {"device_id": device.id, "account": device.account, "kind": device.kind, "org": device.org}
    return json_response(Me.model_validate(me))


# -- plans -------------------------------------------------------------------------------------------


async def list_plans(request: Request) -> Response:
    state, device = await authenticated(request)
    plans = []
    for membership in await state.directory.memberships_of_device(device):
        entry = {"plan_id": membership["plan"], "role": membership["role"], "access": membership["access"]}
        if membership.get("status") == "pending":  # waits for the person's yes: /sync refuses it until then
            entry["status"] = "pending"
        plans.append(PlanEntry.model_validate(entry))
    return json_response(Plans(plans=plans))


async def create_plan(request: Request) -> Response:
    """A worker creates a plan with a person: the worker joins as ``worker``, the person as ``owner``.

    A device that started the plan offline sends the id it drew (``{"plan_id"}``). Sending the same
    request again from the same device (its answer was lost) is answered with the same plan (200).
    """
    state, device = await authenticated(request)
    if device.kind not in ("worker", "admin"):
        raise Forbidden("Only workers can start a plan here.")
    wanted = (await read_model(request, CreatePlanRequest, optional=True)).plan_id
    directory = state.directory
    if wanted is None:
        plan_id = await directory.create_plan(device)
        plan = await directory.plan(plan_id)
        return json_response(PlanCreated(plan_id=plan_id, owner_account=plan["owner"]), 201)
    # A retry may arrive while the first attempt still runs (the page reloaded mid-request): one at a time here,
    # and a race with another server process ends in the directory's conflict, answered as a replay below.
    async with state.plan_setups.holding(wanted):
        if await directory.get(plan_doc_id(wanted)) is None:
            try:
                await directory.create_plan(device, plan_id=wanted)
            except Conflict:
                pass  # another process set it up at the same moment: a replay if it was this device
            else:
                plan = await directory.plan(wanted)
                return json_response(PlanCreated(plan_id=wanted, owner_account=plan["owner"]), 201)
        existing = await directory.get(plan_doc_id(wanted))
        if existing is None or existing.get("created_by_device") != device.id:
            raise Conflict("A plan with this id already exists.")
        await _finish_plan_setup(directory, wanted, existing, device)
        return json_response(PlanCreated(plan_id=wanted, owner_account=existing["owner"]), 200)


async def _finish_plan_setup(directory: Directory, plan_id: str, plan: Json, device: Device) -> None:
    """A replayed plan set-up: add the memberships an earlier, interrupted attempt did not get to."""
    owner = str(plan["owner"])
    wanted = [(owner, "owner")] + ([(device.account, "worker")] if device.account != owner else [])
    for account, role in wanted:
        if await directory.get(membership_doc_id(plan_id, account)) is not None:
            continue
        try:
            await directory.add_member(plan_id, account, role=role, access="write")
        except Conflict:
            if await directory.get(membership_doc_id(plan_id, account)) is None:
                raise  # not a concurrent attempt's membership: a real failure


# -- members and removal -----------------------------------------------------------------------------


def _member_device(doc: Json, excluded: set[str], *, details: bool) -> MemberDevice:
    """One device in the members list; its label and when it last synced only with ``details``."""
    device_id = last_part(doc["_id"])
    active = not doc.get("revoked") and device_id not in excluded
    if details:
        return MemberDevice(
            device_id=device_id,
            public_keys=doc.get("public_keys"),
            label=doc.get("label", ""),
            last_seen=doc.get("last_seen"),
            active=active,
        )
    return MemberDevice(device_id=device_id, public_keys=doc.get("public_keys"), active=active)


async def list_members(request: Request) -> Response:
    """Who can see the plan. Device labels and ``last_seen`` go to the plan's stewards (the person and the
    worker) and to each member for their own devices only (docs/security.md section 3)."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device)
    members = []
    excluded = await state.directory.excluded_devices(plan_id)
    memberships = await state.directory.members(plan_id)
    devices_of = await state.directory.devices_of_accounts([str(m["account"]) for m in memberships])
    for membership in memberships:
        account = str(membership["account"])
        account_doc = await state.directory.get(account_doc_id(account)) or {}
        details = role in STEWARD_ROLES or account == device.account
        devices = [_member_device(d, excluded, details=details) for d in devices_of[account]]
        member = {
            "account": account,
            "kind": account_doc.get("kind"),
            "role": membership["role"],
            "access": membership["access"],
            "active": bool(account_doc.get("active")),
            "devices": devices,
        }
        # A pending member's request (sealed: only devices holding the invite's request key read it), and how
        # a yes given on the worker's device was recorded (docs/crypto.md §11.6).
        for name in ("status", "invited_by", "invite_id", "join_request", "agreed"):
            if membership.get(name) is not None:
                member[name] = membership[name]
        members.append(Member.model_validate(member))
    return json_response(Members(plan_id=plan_id, members=members))


async def remove_member(request: Request) -> Response:
    """The owner removes anyone; a worker removes supporters, and the worker who handed the plan over to them
    once the person agreed (docs/api.md §9); anyone may leave."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device)
    account = str(request.path_params["account"])
    target = await state.directory.membership(plan_id, account) if ID_PATTERN.fullmatch(account) else None
    if target is None:
        raise NotFound("This person is not a member of this plan.")
    allowed = account == device.account or role == "owner" or (role == "worker" and target.role == "supporter")
    if not allowed and role == "worker" and target.role == "worker":
        handover = await agreed_handover(state.directory, plan_id, from_account=account, to_account=device.account)
        allowed = handover is not None
    if not allowed:
        raise Forbidden("Only the person whose plan this is can remove this member.")
    if target.role == "owner" and account != device.account:
        raise Forbidden("Nobody can remove the person from their own plan.")
    await state.directory.remove_member(plan_id, account, by=device.account)
    await note_removal(state.directory, plan_id, account, by=device.account)
    return json_response(MemberRemoved(ok=True, plan_id=plan_id, removed=account))


async def remove_device(request: Request) -> Response:
    """Stop serving this plan to one device: the owner, or the device's own account."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device)
    device_id = str(request.path_params["device_id"])
    target = await state.directory.get(device_doc_id(device_id)) if ID_PATTERN.fullmatch(device_id) else None
    if target is None or await state.directory.membership(plan_id, str(target["account"])) is None:
        raise NotFound("This device is not part of this plan.")
    if role != "owner" and target["account"] != device.account:
        raise Forbidden("Only the person whose plan this is can remove other people's devices.")
    await state.directory.exclude_device(plan_id, device_id, by=device.account)
    return json_response(DeviceRemoved(ok=True, plan_id=plan_id, removed_device=device_id))


async def revoke_worker(request: Request) -> Response:
    """An admin switches off a worker who left: every device of theirs is refused from now on."""
    state, device = await authenticated(request)
    if device.kind != "admin":
        raise Forbidden("Only an admin can switch off a worker.")
    account_id = str(request.path_params["account"])
    account = await state.directory.get(account_doc_id(account_id)) if ID_PATTERN.fullmatch(account_id) else None
    if account is None or account.get("org") != device.org or account.get("kind") not in ("worker", "admin"):
        raise NotFound("No such worker in your organisation.")
    await state.directory.update(account_doc_id(account_id), lambda doc: {**doc, "active": False})
    revoked = []
    for dev in await state.directory.devices_of(account_id):
        device_id = last_part(dev["_id"])
        await state.directory.revoke_device(device_id, by=device.account)
        revoked.append(device_id)
    return json_response(WorkerRevoked(ok=True, account=account_id, revoked_devices=revoked))


# -- key rotation ------------------------------------------------------------------------------------


async def plan_keys(request: Request) -> Response:
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    await member_role(state.directory, plan_id, device)
    doc = await state.directory.get(keys_doc_id(plan_id)) or {}
    return json_response(PlanKeys(plan_id=plan_id, current=doc.get("current"), retired=doc.get("retired", [])))


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
    body = await read_model(request, RotationRequest)
    kid, epoch = body.kid, body.epoch
    doc_id = keys_doc_id(plan_id)
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
    retired = sorted(earlier | set(body.retire) - {kid})
    new = {"_id": doc_id, "type": "keys", "current": {"epoch": epoch, "kid": kid}, "retired": retired}
    if current is not None:
        new["_rev"] = current["_rev"]
    try:
        await state.directory.put(new)
    except Conflict:  # another device recorded a rotation at the same moment
        raise Conflict("A newer key is already recorded for this plan.") from None
    await state.directory.audit("key.rotated", plan=plan_id, device=device.id, epoch=epoch)
    return json_response(PlanKeys(plan_id=plan_id, current=CurrentKey(epoch=epoch, kid=kid), retired=retired), 201)
