"""``/api/v1`` handover: a worker hands a plan to a colleague (docs/api.md §9, docs/crypto.md §11.7).

The worker's device makes a pending invite for a worker (a handover code) and records here that it is a
handover from the worker's account. The colleague's enrolled work device redeems it and waits as a pending
member; the person's yes (on their own device, or on a worker's device ``in person``, as for anyone pending)
admits the colleague, and this module notes it. Then the old worker is removed, by the person's device, the
colleague's or their own, and the devices rotate the plan's keys. The server learns who handed over to whom
and when (audit entries ``handover.*``), never the note or the names: those are in the plan's ``handover`` item.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from alongside.sync.errors import Conflict, Forbidden
from alongside.sync.store import Json

from .api_common import authenticated, json_response, member_role, plan_id_param
from .api_models import Handover, HandoverRequest, Handovers, read_model
from .directory import Directory
from .directory_ids import device_doc_id, handover_doc_id, handovers_prefix, invite_doc_id

ONLY_THE_WORKER_HANDS_OVER = "Only the worker's devices can hand this plan over to a colleague."


async def start_handover(request: Request) -> Response:
    """The worker's device (write access) records that a pending worker invite is a handover from its account.

    The same request again from the same account is answered 200 with the same handover.
    """
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device, write=True)
    if role != "worker":
        raise Forbidden(ONLY_THE_WORKER_HANDS_OVER)
    body = await read_model(request, HandoverRequest)
    directory = state.directory
    await _check_handover_code(directory, plan_id, body.invite_id, device.account)
    doc_id = handover_doc_id(plan_id, body.invite_id)
    existing = await directory.get(doc_id)
    if existing is not None:
        if existing.get("from_account") != device.account:
            raise Conflict("This invite is already part of another handover.")
        return json_response(_answer(existing), 200)
    doc: Json = {
        "_id": doc_id,
        "type": "handover",
        "plan": plan_id,
        "invite_id": body.invite_id,
        "from_account": device.account,
        "from_device": device.id,
        "status": "asked",
        "started_at": directory.now(),
    }
    try:
        stored = await directory.put(doc)
    except Conflict:
        raise Conflict("This invite is already part of another handover.") from None
    await directory.audit("handover.started", plan=plan_id, account=device.account, device=device.id)
    return json_response(_answer(stored), 201)


async def _check_handover_code(directory: Directory, plan_id: str, invite_id: str, account: str) -> None:
    """``Conflict`` unless the invite, once registered, is a pending worker invite to this plan made by a device of
    ``account``. An invite not registered yet is accepted: its registration is queued on the same device and may
    come later (or with the redemption), and it is checked then by the invite routes."""
    invite = await directory.get(invite_doc_id(invite_id))
    if invite is None:
        return
    issuer = await directory.get(device_doc_id(str(invite.get("issued_by", ""))))
    if (
        invite.get("plan") != plan_id
        or invite.get("role") != "worker"
        or not invite.get("pending")
        or issuer is None
        or issuer.get("account") != account
    ):
        raise Conflict("This invite is not a handover code made on your devices for this plan.")


async def list_handovers(request: Request) -> Response:
    """The plan's handovers, for any member: who handed over to whom, and how far it got."""
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    await member_role(state.directory, plan_id, device)
    docs = await state.directory.by_prefix(handovers_prefix(plan_id))
    ordered = sorted(docs, key=lambda doc: (int(doc.get("started_at", 0)), str(doc["_id"])))
    return json_response(Handovers(plan_id=plan_id, handovers=[_answer(doc) for doc in ordered]))


def _answer(doc: Json) -> Handover:
    fields = ("invite_id", "from_account", "to_account", "status", "started_at", "agreed")
    return Handover.model_validate({"plan_id": doc["plan"], **{k: doc[k] for k in fields if doc.get(k) is not None}})


# -- what the consent and removal routes tell this module -------------------------------------------


async def note_decision(
    directory: Directory, plan_id: str, membership: Json, *, approved: bool, by: str, in_person: bool
) -> None:
    """The person said yes (or no) to a pending member: if they came with a handover code, the handover is
    agreed (or declined) and audited, naming who hands over to whom."""
    invite_id = membership.get("invite_id")
    if membership.get("role") != "worker" or not isinstance(invite_id, str):
        return
    doc_id = handover_doc_id(plan_id, invite_id)
    if await directory.get(doc_id) is None:
        return
    account = str(membership["account"])
    status = "agreed" if approved else "declined"
    extra: Json = {"agreed": "in person"} if approved and in_person else {}

    def decide(doc: Json) -> Json | None:
        if doc.get("status") != "asked":
            return None
        return {
            **doc,
            **extra,
            "status": status,
            "to_account": account,
            "decided_at": directory.now(),
            "decided_by": by,
        }

    handover = await directory.update(doc_id, decide)
    await directory.audit(f"handover.{status}", plan=plan_id, account=str(handover["from_account"]), to=account, by=by)


async def agreed_handover(directory: Directory, plan_id: str, *, from_account: str, to_account: str) -> Json | None:
    """The handover from ``from_account`` to ``to_account`` the person agreed to, if there is one."""
    for doc in await directory.by_prefix(handovers_prefix(plan_id)):
        if doc.get("status") == "agreed" and (doc.get("from_account"), doc.get("to_account")) == (
            from_account,
            to_account,
        ):
            return doc
    return None


async def note_removal(directory: Directory, plan_id: str, account: str, *, by: str) -> None:
    """A member was removed: a handover agreed from them is finished (the old worker is out), and audited."""
    for doc in await directory.by_prefix(handovers_prefix(plan_id)):
        if doc.get("status") != "agreed" or doc.get("from_account") != account:
            continue

        def finish(current: Json) -> Json | None:
            if current.get("status") != "agreed":
                return None
            return {**current, "status": "finished", "finished_at": directory.now(), "finished_by": by}

        await directory.update(str(doc["_id"]), finish)
        await directory.audit("handover.finished", plan=plan_id, account=account, to=str(doc.get("to_account")), by=by)
