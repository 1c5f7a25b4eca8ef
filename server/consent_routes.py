"""``/api/v1`` consent to membership: the person's plan settings, and their yes or no to a pending member.

A member invited by anyone but the person's own device waits (``status: "pending"``) until the person says
yes on their own device, or on the worker's device with the person there (``in_person``, recorded as
``agreed: "in person"``). The server only records the decision: the keys are granted by the person's device
(docs/crypto.md §11.6, §19.2).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from alongside.sync.errors import Conflict, Forbidden, NotFound
from alongside.sync.store import Json

from .api_common import authenticated, json_response, member_role, plan_id_param
from .api_models import ApproveRequest, MemberDecided, PlanSettings, PlanSettingsAnswer, read_model
from .directory import Directory
from .directory_access import Device
from .directory_ids import ID_PATTERN, membership_doc_id, plan_doc_id
from .handover_routes import check_bound_colleague, note_decision
from .invite_routes import CONSENT_FIELDS

ONLY_THE_PERSON_DECIDES = "Only the person whose plan this is can say who joins it."
ASK_THE_PERSON = (
    "Only the person can let someone in. If the person is with you and says yes, confirm that they are here."
)


async def plan_settings(request: Request) -> Response:
    """Any member reads the plan's settings (a supporter's device shows whether they may invite)."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    await member_role(state.directory, plan_id, device)
    plan = await state.directory.plan(plan_id)
    answer = PlanSettingsAnswer(plan_id=plan_id, supporters_may_invite=bool(plan.get("supporters_may_invite")))
    return json_response(answer)


async def change_plan_settings(request: Request) -> Response:
    """The person's own devices (the owner's, with write access) change the plan's settings."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device, write=True)
    if role != "owner":
        raise Forbidden("Only the person whose plan this is can change who may invite others.")
    body = await read_model(request, PlanSettings)
    allowed = body.supporters_may_invite
    await state.directory.update(plan_doc_id(plan_id), lambda doc: {**doc, "supporters_may_invite": allowed})
    await state.directory.audit("plan.settings", plan=plan_id, device=device.id)
    return json_response(PlanSettingsAnswer(plan_id=plan_id, supporters_may_invite=allowed))


async def _pending_member(request: Request) -> tuple[Directory, Device, str, str, str]:
    """The caller (the person's device, or the worker's when the person is there) and the pending member."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device, write=True)
    account = str(request.path_params["account"])
    doc = await state.directory.get(membership_doc_id(plan_id, account)) if ID_PATTERN.fullmatch(account) else None
    if doc is None or doc.get("removed"):
        raise NotFound("This person is not waiting to join this plan.")
    if role not in ("owner", "worker"):
        raise Forbidden(ONLY_THE_PERSON_DECIDES)
    if doc.get("status") != "pending":
        raise Conflict("This person is not waiting for a yes: they are a member already.")
    return state.directory, device, role, plan_id, account


async def approve_member(request: Request) -> Response:
    """The person says yes: the pending member becomes a member. The person's own devices; the worker's
    device only with ``in_person`` (the person is there and says yes), recorded as ``agreed: "in person"``."""
    directory, device, role, plan_id, account = await _pending_member(request)
    body = await read_model(request, ApproveRequest, optional=True)
    if role != "owner" and not body.in_person:
        raise Forbidden(ASK_THE_PERSON)
    agreed: Json = {"agreed": "in person"} if role != "owner" else {}
    waiting = await directory.get(membership_doc_id(plan_id, account)) or {}
    if waiting.get("role") == "worker" and isinstance(waiting.get("invite_id"), str):
        await check_bound_colleague(directory, plan_id, str(waiting["invite_id"]), account)

    def approve(doc: Json) -> Json | None:
        if doc.get("removed") or doc.get("status") != "pending":
            return None
        kept = {k: v for k, v in doc.items() if k not in ("status", "join_request")}
        return {**kept, **agreed, "approved_by": device.id, "approved_at": directory.now()}

    approved = await directory.update(membership_doc_id(plan_id, account), approve)
    if approved.get("removed"):
        raise Conflict("The person said no to this member a moment ago.")
    await directory.audit("member.approved", plan=plan_id, account=account, by=device.id)
    await note_decision(directory, plan_id, approved, approved=True, by=device.id, in_person=role != "owner")
    return json_response(MemberDecided(ok=True, plan_id=plan_id, account=account, decision="approved"))


async def decline_member(request: Request) -> Response:
    """The person says no: the pending member is removed (nothing was granted); the same callers as a yes."""
    directory, device, role, plan_id, account = await _pending_member(request)
    body = await read_model(request, ApproveRequest, optional=True)
    if role != "owner" and not body.in_person:
        raise Forbidden(ASK_THE_PERSON)

    def decline(doc: Json) -> Json | None:
        if doc.get("removed") or doc.get("status") != "pending":
            return None
        kept = {k: v for k, v in doc.items() if k not in CONSENT_FIELDS}
        return {**kept, "removed": True, "declined": True, "removed_at": directory.now(), "removed_by": device.id}

    pending = await directory.get(membership_doc_id(plan_id, account)) or {}
    if not (await directory.update(membership_doc_id(plan_id, account), decline)).get("declined"):
        raise Conflict("This person was let in a moment ago; remove them from the plan instead.")
    await directory.audit("member.declined", plan=plan_id, account=account, by=device.id)
    await note_decision(directory, plan_id, pending, approved=False, by=device.id, in_person=role != "owner")
    return json_response(MemberDecided(ok=True, plan_id=plan_id, account=account, decision="declined"))
