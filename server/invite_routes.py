"""``/api/v1`` invites: registering an invite made on a member's device, and joining with one.

The server never sees a plan key: invites are created and opened on devices (docs/crypto.md §11);
the server only checks the invite's one-time token against the verifier the inviting device
registered (or that the new device brings, signed by the inviting device), and admits the new device once.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from alongside.crypto.errors import FormatError
from alongside.crypto.invite import GRANT_CODES, check_invite_token, verify_invite_registration
from alongside.crypto.keys import DevicePublicKeys
from alongside.sync.errors import BadRequest, Conflict, Forbidden, NotFound
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
from .api_models import InviteRegistered, InviteRegistration, InviteRequest, Joined, RedeemRequest, read_model
from .directory import Directory
from .directory_access import Device
from .directory_ids import (
    ID_PATTERN,
    account_doc_id,
    device_doc_id,
    excluded_doc_id,
    invite_doc_id,
    membership_doc_id,
    plan_doc_id,
)
from .handover_routes import check_bound_colleague
from .join_codes import forget_join_codes_of
from .state import AppState

MAX_INVITE_LIFETIME = 7 * 24 * 3600
# What a membership records while it waits for the person's yes, and how the yes was given.
CONSENT_FIELDS = ("status", "invited_by", "invite_id", "join_request", "approved_by", "approved_at", "agreed")
STEWARD_ROLES = ("owner", "worker")
ONLY_STEWARDS_INVITE = "Only the person's or the worker's devices can invite someone to this plan."
SUPPORTERS_MAY_NOT_INVITE = (
    "Only the person's or the worker's devices can invite someone to this plan: "
    "the person has not let people they trust invite others."
)


class PlanNotSetUp(NotFound):
    """The plan an invite names is not on the server yet (started offline; its device has not connected)."""

    error = "plan_not_set_up"


# -- invites -----------------------------------------------------------------------------------------


async def create_invite(request: Request) -> Response:
    """Register an invite created on a steward's device (its id, token verifier, expiry, role).

    Only devices of the owner or the worker with write access invite (docs/crypto.md §11, §19.3).
    """
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    issuer_role = await check_may_invite(state.directory, plan_id, device)
    body = await read_model(request, InviteRequest)
    _check_grant(issuer_role, body.role, pending=body.pending)
    invite_id, verifier, expires_at, access = body.invite_id, body.verifier, body.expires_at, body.access
    registered = await state.directory.get(invite_doc_id(invite_id))
    if registered is not None:
        # The new device registered it already (docs/api.md §7): the same invite from the same device is done.
        if (registered.get("plan"), registered.get("verifier"), registered.get("issued_by")) != (
            plan_id,
            verifier,
            device.id,
        ):
            raise Conflict("This invite is already registered.")
        return json_response(_invite_answer(registered), 200)
    now = state.directory.now()
    if not now < expires_at <= now + MAX_INVITE_LIFETIME:
        raise BadRequest("`expires_at` must be a Unix time in the next 7 days")
    if body.role == "owner":
        access = "write"
    doc = _invite_doc(invite_id, plan_id, body.role, access, verifier, expires_at, device.id, now, pending=body.pending)
    try:
        await state.directory.put(doc)
    except Conflict:
        raise Conflict("This invite is already registered.") from None
    await state.directory.audit("invite.issued", plan=plan_id, device=device.id)
    return json_response(_invite_answer(doc), 201)


async def check_may_invite(directory: Directory, plan_id: str, device: Device) -> str:
    """``Forbidden`` unless ``device`` may invite someone to the plan now (``NotFound`` for an unknown plan);
    the inviting member's role.

    Registering an invite and putting a join code's box (:mod:`joincode_routes`) both ask this. The person's
    and the worker's devices with write access invite; a supporter with write access only while the person
    lets people they trust invite (``supporters_may_invite``, docs/api.md §6).
    """
    role = await member_role(directory, plan_id, device, write=True)
    if role not in STEWARD_ROLES and not (await directory.plan(plan_id)).get("supporters_may_invite"):
        raise Forbidden(SUPPORTERS_MAY_NOT_INVITE)
    return role


def _check_grant(issuer_role: str, role: str, *, pending: bool) -> None:
    """What an invite may grant, by whom it is made (docs/crypto.md §11.6): the person's own device is never
    pending; a supporter invites only supporters, and they wait for the person's yes."""
    if pending and role == "owner":
        raise BadRequest("`pending` must be false for an invite for the person's own device")
    if role == "worker" and not pending:
        raise BadRequest("`pending` must be true for an invite for a worker: the person says yes first")
    if issuer_role in STEWARD_ROLES:
        return
    if role != "supporter":
        raise Forbidden("People the person trusts can invite only other supporters, never the person's own device.")
    if not pending:
        raise Forbidden(
            "Someone invited by a person they trust waits for the person's yes: the invite must be pending."
        )


def _invite_doc(
    invite_id: str,
    plan_id: str,
    role: str,
    access: str,
    verifier: str,
    expires_at: int,
    issuer: str,
    now: int,
    *,
    pending: bool = False,
) -> Json:
    return {
        **({"pending": True} if pending else {}),
        "_id": invite_doc_id(invite_id),
        "type": "invite",
        "plan": plan_id,
        "role": role,
        "access": access,
        "verifier": verifier,
        "expires_at": expires_at,
        "issued_by": issuer,
        "issued_at": now,
    }


def _invite_answer(doc: Json) -> InviteRegistered:
    invite_id = str(doc["_id"]).split(":", 1)[1]
    return InviteRegistered(
        invite_id=invite_id, plan_id=doc["plan"], role=doc["role"], access=doc["access"], expires_at=doc["expires_at"]
    )


async def _check_issuer_may_invite(directory: Directory, invite: Json, plan_id: str) -> None:
    """``Forbidden`` unless the device that registered (or signed) ``invite`` could register it now.

    The person's and the worker's devices invite, and a supporter with write access while the person lets
    them, for a supporter who waits for the person's yes (docs/crypto.md §11, §11.6). An invite dies with its maker's
    access: once they are removed from the plan, lose write access, or their device is removed or switched
    off, nobody can join through the invites they made before.
    """
    gone = Forbidden("Whoever made this invite can no longer add people to this plan. Ask for a new one.")
    issuer_id = str(invite.get("issued_by", ""))
    issuer = await directory.get(device_doc_id(issuer_id)) if ID_PATTERN.fullmatch(issuer_id) else None
    if issuer is None or issuer.get("revoked"):
        raise gone
    account = await directory.get(account_doc_id(str(issuer["account"])))
    if account is None or not account.get("active", False):
        raise gone
    if await directory.get(excluded_doc_id(plan_id, issuer_id)) is not None:
        raise gone
    membership = await directory.get(membership_doc_id(plan_id, str(issuer["account"])))
    if membership is None or membership.get("removed") or membership.get("status") == "pending":
        raise gone
    if membership.get("access") != "write":
        raise gone
    if membership.get("role") not in STEWARD_ROLES:
        if not (await directory.plan(plan_id)).get("supporters_may_invite"):
            raise Forbidden(f"{SUPPORTERS_MAY_NOT_INVITE} Ask the person or the worker for a new one.")
        _check_grant(str(membership.get("role")), str(invite.get("role")), pending=bool(invite.get("pending")))


async def _admit(
    directory: Directory, plan_id: str, account: str, *, role: str, access: str, pending: Json | None = None
) -> None:
    """Make ``account`` a member; someone removed earlier comes back with the new role and access.

    With ``pending`` (``{"invited_by", "invite_id", "join_request"}``) the member waits for the person's yes
    (``status: "pending"``): written with the membership in one document, so nobody is ever admitted half-way.
    """
    doc_id = membership_doc_id(plan_id, account)
    extra: Json = {"status": "pending", **pending} if pending is not None else {}
    if await directory.get(doc_id) is None:
        await directory.add_member(plan_id, account, role=role, access=access, extra=extra)
        return

    def rejoin(doc: Json) -> Json:
        gone = ("removed", "removed_at", "removed_by", "declined", *CONSENT_FIELDS)
        kept = {k: v for k, v in doc.items() if k not in gone}
        return {**kept, **extra, "role": role, "access": access, "joined": directory.now()}

    await directory.update(doc_id, rejoin)
    await directory.audit("member.joined", plan=plan_id, account=account, role=role)


async def _register_on_redemption(
    request: Request, state: AppState, invite_id: str, auth_token: str, registration: InviteRegistration
) -> Json:
    """Register an invite the new device brings, signed by the inviting device (docs/api.md §7).

    The same rules as registering it from the inviting device apply: the signature must verify under
    the inviter's stored key, and the inviter must still be a device of the person or the worker with
    write access.
    """
    directory = state.directory
    plan_id, inviter, verifier = registration.plan_id, registration.inviter, registration.verifier
    expires_at, role, access = registration.expires_at, registration.role, registration.access
    if registration.invite_id != invite_id:
        raise BadRequest("`registration.invite_id` must be the invite id in the path")
    if (role, access) not in GRANT_CODES:
        raise BadRequest(
            "`registration.role` and `access` must be owner/write, supporter/write, supporter/read or worker/write"
        )
    if not check_invite_token(auth_token, verifier):
        state.limiter.fail(client_key(request))
        raise Forbidden("This invite is not valid. Ask for a new one.")
    now = directory.now()
    if expires_at <= now:
        raise Forbidden("This invite has expired. Ask for a new one.")
    if expires_at > now + MAX_INVITE_LIFETIME:
        raise BadRequest("`registration.expires_at` must be a Unix time in the next 7 days")
    issuer = await directory.get(device_doc_id(inviter))
    keys = issuer.get("public_keys") if issuer else None
    try:
        signing = DevicePublicKeys.from_json(keys).signing if keys is not None else None
    except FormatError:
        signing = None
    if signing is None or not verify_invite_registration(
        signing,
        registration.signature,
        plan_id=plan_id,
        invite_id=invite_id,
        verifier=verifier,
        expires_at=expires_at,
        role=role,
        access=access,
        pending=registration.pending,
    ):
        state.limiter.fail(client_key(request))
        raise Forbidden("This invite's signature does not check out. Ask for a new one.")
    if await directory.get(plan_doc_id(plan_id)) is None:
        raise PlanNotSetUp(
            "This plan is not set up on the server yet: the device that made the invite has to connect first."
        )
    if registration.pending and role == "owner":
        raise BadRequest("`registration.pending` must be false for an invite for the person's own device")
    if role == "worker" and not registration.pending:
        raise BadRequest("`registration.pending` must be true for an invite for a worker")
    doc = _invite_doc(
        invite_id, plan_id, role, access, verifier, expires_at, inviter, now, pending=registration.pending
    )
    await _check_issuer_may_invite(directory, doc, plan_id)
    try:
        stored = await directory.put({**doc, "registered_on_redemption": True})
    except Conflict:  # registered meanwhile (by the inviter, or a redemption at the same moment)
        current = await directory.get(invite_doc_id(invite_id))
        if current is None:
            raise
        return current
    await directory.audit("invite.issued", plan=plan_id, device=inviter)
    return stored


async def redeem_invite(request: Request) -> Response:
    """A new device joins a plan with an invite's one-time token: once, before expiry.

    Safe to repeat after a lost answer (docs/api.md §7): the invite is claimed for the joining device (and
    the account it joins as), and the same device sending the redemption again before the invite expires
    gets the same membership, a new device another token (until it first uses one of its tokens). Another
    device gets ``403``. Everything is checked before anything is claimed.
    """
    state = app_state(request)
    state.limiter.check(client_key(request))
    directory = state.directory
    invite_id = str(request.path_params["invite_id"])
    body = await read_model(request, RedeemRequest)
    auth_token = body.auth_token
    keys = device_public_keys(body.public_keys)
    existing: Device | None = None
    if request.headers.get("authorization"):
        existing = await directory.authenticate(request.headers.get("authorization"))
    invite = await directory.get(invite_doc_id(invite_id)) if ID_PATTERN.fullmatch(invite_id) else None
    if invite is None and body.registration is not None and ID_PATTERN.fullmatch(invite_id):
        invite = await _register_on_redemption(request, state, invite_id, auth_token, body.registration)
    if invite is None or not check_invite_token(auth_token, invite.get("verifier")):
        state.limiter.fail(client_key(request))
        raise Forbidden("This invite is not valid. Ask for a new one.")
    device_id = existing.id if existing is not None else keys.device_id
    # A repeat: this very device (its keys, and its token if it has one) claimed the invite before.
    repeat = bool(invite.get("used")) and invite.get("used_by") == device_id == keys.device_id
    if invite.get("used") and not repeat:
        raise Forbidden("This invite has already been used. Ask for a new one.")
    if int(invite["expires_at"]) <= directory.now():
        raise Forbidden("This invite has expired. Ask for a new one.")
    plan_id = str(invite["plan"])
    plan = await directory.plan(plan_id)
    await _check_issuer_may_invite(directory, invite, plan_id)
    if await directory.get(excluded_doc_id(plan_id, device_id)) is not None:
        raise Conflict("This device was removed from this plan; join from a new device.")
    account = await _joining_account(directory, invite, plan, existing, keys.device_id, repeat=repeat)
    if invite["role"] == "worker":  # a handover the organisation asked for is bound to the colleague it named
        await check_bound_colleague(directory, plan_id, invite_id, account)
    if repeat:
        await _check_not_removed_since(directory, invite, plan_id, account)
    pending = bool(invite.get("pending"))
    if pending and body.join_request is None:
        raise BadRequest("`join_request` is required: this invite waits for the person's yes")

    # The directory is a document store: no transaction spans two documents. So the writes go in an order a
    # repeat of this redemption can always finish: the invite is claimed for this device and the account it
    # joins as (another device is refused from then on), then the account, the device and the membership
    # are each written if they are still missing, and a device an earlier attempt created gets another token.
    claimed = await directory.claim(invite_doc_id(invite_id), device_id, used_account=account)
    account = str(claimed.get("used_account") or account)
    token = None
    if existing is None:
        if invite["role"] != "owner" and await directory.get(account_doc_id(account)) is None:
            try:
                await directory.create_account("supporter", account_id=account)
            except Conflict:  # a repeat created it at this moment
                pass
        token = await directory.ensure_device(
            account, device_id=device_id, public_keys=keys.to_json(), label=body.label or ""
        )
    membership = await directory.get(membership_doc_id(plan_id, account))
    if membership is not None and not membership.get("removed"):
        # Already a member (or joined by an earlier attempt): the invite changes nothing.
        role, access, status = str(membership["role"]), str(membership["access"]), membership.get("status")
    else:
        role, access = ("owner", "write") if account == plan["owner"] else (str(invite["role"]), str(invite["access"]))
        waiting = pending and role != "owner"
        request_fields = {
            "invited_by": str(invite["issued_by"]),
            "invite_id": invite_id,
            "join_request": body.join_request,
        }
        await _admit(directory, plan_id, account, role=role, access=access, pending=request_fields if waiting else None)
        status = "pending" if waiting else None
    await directory.audit("invite.redeemed", plan=plan_id, device=device_id, again=1 if repeat else None)
    await forget_join_codes_of(directory, invite_id)  # its join codes' boxes are not needed any more
    out = {"plan_id": plan_id, "device_id": device_id, "account": account, "role": role, "access": access}
    if token is not None:
        out["token"] = token
    if status == "pending":
        out["status"] = "pending"
    return json_response(Joined.model_validate(out), 201)


async def _joining_account(
    directory: Directory, invite: Json, plan: Json, existing: Device | None, device_id: str, *, repeat: bool
) -> str:
    """The account a redemption joins the plan as: the enrolled device's own; for a new device the person's
    (an ``owner`` invite) or a new supporter account, the one an earlier attempt drew if this is a repeat.

    ``Conflict`` when an enrolled device joins someone else's plan as its owner, or a new device's keys
    are enrolled already (except a repeat's device that has not used a token yet).
    """
    if invite["role"] == "worker":
        # A handover code (docs/crypto.md §11.7): for a colleague's enrolled work device, in the plan's organisation.
        if existing is None or existing.kind != "worker" or existing.org != plan.get("org"):
            raise Forbidden("A handover code is for a colleague's work device: enrol it first, then use the code.")
    if existing is not None:
        if invite["role"] == "owner" and existing.account != plan["owner"]:
            raise Conflict("This device belongs to someone else; join from a new device.")
        return existing.account
    device = await directory.get(device_doc_id(device_id))
    if invite["role"] == "owner":
        account = str(plan["owner"])
    elif repeat and (invite.get("used_account") or device is not None):
        account = str(invite.get("used_account") or (device or {})["account"])
    else:
        account = directory.new_id()
    if device is not None and not (repeat and directory.may_issue_another_token(device, account)):
        raise Conflict("This device is already enrolled: send its token with the invite.")
    return account


async def _check_not_removed_since(directory: Directory, invite: Json, plan_id: str, account: str) -> None:
    """A repeat does not bring back a member removed after the invite was used: ``Forbidden`` then."""
    membership = await directory.get(membership_doc_id(plan_id, account))
    if membership is not None and membership.get("removed"):
        if int(membership.get("removed_at", 0)) >= int(invite.get("used_at", 0)):
            raise Forbidden("This device joined with this invite and was removed from the plan since.")
