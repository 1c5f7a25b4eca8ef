"""``/api/v1`` handover: a worker hands a plan to a colleague (docs/api.md §9, docs/crypto.md §11.7).

The worker's device makes a pending invite for a worker (a handover code) and records here that it is a
handover from the worker's account. The colleague's enrolled work device redeems it and waits as a pending
member; the person's yes (on their own device, or on a worker's device ``in person``, as for anyone pending)
admits the colleague, and this module notes it. Then the old worker is removed, by the person's device, the
colleague's or their own, and the devices rotate the plan's keys. The server learns who handed over to whom
and when (audit entries ``handover.*``), never the note or the names: those are in the plan's ``handover`` item.

When the worker is away, ill or gone, an admin of the organisation asks for the handover instead (a handover
*request*, from one worker's account to another's, for one plan or for each of the worker's plans). The admin
holds no plan key and the server reads no plan, so the request only waits on the server: a device that holds
the keys (the person's own, or the old worker's) makes its handover code, and the server binds the handover to
the colleague's account (any other device that redeems the code is refused). Then the usual path follows: the
person's yes to the colleague they meet, the old worker removed (even if their devices never come back), the
keys rotated.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from alongside.sync.errors import BadRequest, Conflict, Forbidden, NotFound
from alongside.sync.store import Json

from .api_common import authenticated, json_response, member_role, plan_id_param
from .api_models import Handover, HandOverPlans, HandoverRequest, Handovers, HandoversRequested, read_model
from .directory import Directory
from .directory_ids import (
    ID_PATTERN,
    account_doc_id,
    device_doc_id,
    handover_doc_id,
    handovers_prefix,
    invite_doc_id,
    last_part,
    plan_doc_id,
    plans_of_prefix,
)

ONLY_THE_WORKER_HANDS_OVER = "Only the worker's devices can hand this plan over to a colleague."
OPEN = ("requested", "asked", "agreed")  # a handover still under way
WORKER_KINDS = ("worker", "admin")


async def start_handover(request: Request) -> Response:
    """The worker's device (write access) records that a pending worker invite is a handover from its account.

    The same request again from the same account is answered 200 with the same handover.
    """
    state, device = await authenticated(request)
    plan_id = plan_id_param(request)
    role = await member_role(state.directory, plan_id, device, write=True)
    body = await read_model(request, HandoverRequest)
    directory = state.directory
    if body.request_id is not None:
        caller = (device.account, role, device.id)
        return await _answer_request(directory, plan_id, body.request_id, body.invite_id, *caller)
    if role != "worker":
        raise Forbidden(ONLY_THE_WORKER_HANDS_OVER)
    await _check_handover_code(directory, plan_id, body.invite_id, device.account)
    doc_id = handover_doc_id(plan_id, body.invite_id)
    existing = await directory.get(doc_id)
    if existing is None and await _by_invite(directory, plan_id, body.invite_id) is not None:
        raise Conflict("This invite is already part of another handover.")
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
    fields = (
        "invite_id",
        "request_id",
        "requested_by",
        "from_account",
        "from_name",
        "to_account",
        "to_name",
        "status",
        "started_at",
        "agreed",
    )
    return Handover.model_validate({"plan_id": doc["plan"], **{k: doc[k] for k in fields if doc.get(k) is not None}})


async def _by_invite(directory: Directory, plan_id: str, invite_id: str) -> Json | None:
    """The plan's handover that goes through ``invite_id``: its own document, or a request it answered."""
    found = await directory.get(handover_doc_id(plan_id, invite_id))
    if found is not None:
        return found
    docs = await directory.by_prefix(handovers_prefix(plan_id))
    return next((doc for doc in docs if doc.get("invite_id") == invite_id), None)


# -- an admin asks for a handover ---------------------------------------------------------------------


async def request_handover(request: Request) -> Response:
    """An admin asks for the handover of one plan, or of every plan, of a worker of their organisation to a
    colleague (docs/api.md §9). A repeat is answered 200 with the handovers already asked for."""
    state, device = await authenticated(request)
    if device.kind != "admin" or device.org is None:
        raise Forbidden("Only an admin of the organisation can ask for a worker's plans to be handed over.")
    body = await read_model(request, HandOverPlans)
    from_account = str(request.path_params["account"])
    handovers, created = await request_handovers(
        state.directory,
        org=device.org,
        from_account=from_account,
        to_account=body.to_account,
        plan_id=body.plan_id,
        by=device.account,
    )
    answer = HandoversRequested(from_account=from_account, to_account=body.to_account, handovers=handovers)
    return json_response(answer, 201 if created else 200)


async def _worker_of(directory: Directory, org: str, account: str) -> Json:
    """The account document of a worker (or admin) of ``org``; ``NotFound`` otherwise."""
    doc = await directory.get(account_doc_id(account)) if ID_PATTERN.fullmatch(account) else None
    if doc is None or doc.get("org") != org or doc.get("kind") not in WORKER_KINDS:
        raise NotFound("No such worker in your organisation.")
    return doc


async def request_handovers(
    directory: Directory, *, org: str, from_account: str, to_account: str, plan_id: str | None, by: str
) -> tuple[list[Handover], bool]:
    """Record the organisation's request to hand ``from_account``'s plan (or each plan of the organisation
    ``from_account`` is the worker on) to ``to_account``: one ``requested`` handover per plan, bound to
    ``to_account``, unless one between the two is still under way there. Returns the handovers, and whether
    any was new. Used by the admin's route and ``alongside admin hand-over``."""
    giver = await _worker_of(directory, org, from_account)
    taker = await _worker_of(directory, org, to_account)
    if from_account == to_account:
        raise BadRequest("`to_account` is the worker who hands the plans over: name a colleague.")
    if not taker.get("active"):
        raise Conflict("This colleague's account is switched off: hand the plans to an active worker.")
    if plan_id is not None:
        plans = [plan_id]
    else:
        plans = [last_part(str(d["_id"])) for d in await directory.by_prefix(plans_of_prefix(from_account))]
    handovers: list[Handover] = []
    created = False
    for plan in plans:
        membership = await directory.membership(plan, from_account)
        plan_doc = await directory.get(plan_doc_id(plan)) if membership is not None else None
        if membership is None or membership.role != "worker" or plan_doc is None or plan_doc.get("org") != org:
            if plan_id is not None:
                raise NotFound("This worker is not the worker on this plan.")
            continue
        docs = await directory.by_prefix(handovers_prefix(plan))
        existing = next(
            (
                d
                for d in docs
                if d.get("status") in OPEN
                and d.get("requested_by")
                and (d.get("from_account"), d.get("to_account")) == (from_account, to_account)
            ),
            None,
        )
        if existing is None:
            request_id = directory.new_id()
            existing = await directory.put(
                {
                    "_id": handover_doc_id(plan, request_id),
                    "type": "handover",
                    "plan": plan,
                    "request_id": request_id,
                    "requested_by": by,
                    "from_account": from_account,
                    "from_name": giver.get("name"),
                    "to_account": to_account,
                    "to_name": taker.get("name"),
                    "status": "requested",
                    "started_at": directory.now(),
                }
            )
            created = True
            await directory.audit("handover.requested", plan=plan, account=from_account, to=to_account, by=by)
        handovers.append(_answer(existing))
    if not handovers:
        raise NotFound("This worker is not the worker on any plan of your organisation.")
    return handovers, created


async def _answer_request(
    directory: Directory, plan_id: str, request_id: str, invite_id: str, account: str, role: str, device_id: str
) -> Response:
    """A device holding the plan's keys makes the handover code for the organisation's request: the person's
    own (the owner's) or the old worker's. The handover is bound to the colleague the admin named."""
    doc_id = handover_doc_id(plan_id, request_id)
    doc = await directory.get(doc_id)
    if doc is None or doc.get("request_id") != request_id:
        raise NotFound("No such handover request for this plan.")
    if role != "owner" and account != doc.get("from_account"):
        raise Forbidden("Only the person's devices, or the worker's, can make the code for this handover.")
    if doc.get("invite_id") == invite_id:
        return json_response(_answer(doc), 200)  # a repeat
    if doc.get("status") != "requested":
        raise Conflict("This handover is already under way with another code.")
    await _check_handover_code(directory, plan_id, invite_id, account)
    if await _by_invite(directory, plan_id, invite_id) is not None:
        raise Conflict("This invite is already part of another handover.")
    invite = await directory.get(invite_doc_id(invite_id))
    if invite is not None and invite.get("used") and invite.get("used_account") != doc.get("to_account"):
        raise Conflict("This handover code was used by someone other than the colleague asked for.")

    def start(current: Json) -> Json | None:
        if current.get("status") != "requested":
            return None
        started = {"invite_id": invite_id, "status": "asked", "from_device": device_id, "code_by": account}
        return {**current, **started}

    stored = await directory.update(doc_id, start)
    if stored.get("invite_id") != invite_id:
        raise Conflict("This handover is already under way with another code.")
    await directory.audit(
        "handover.started", plan=plan_id, account=str(doc["from_account"]), to=str(doc["to_account"]), device=device_id
    )
    return json_response(_answer(stored), 201)


async def check_bound_colleague(directory: Directory, plan_id: str, invite_id: str, account: str) -> None:
    """``Forbidden`` when ``invite_id`` is the code of a handover the organisation asked for, for another
    colleague than ``account`` (its redemption, and the person's yes to whoever redeemed it)."""
    handover = await _by_invite(directory, plan_id, invite_id)
    if handover is not None and handover.get("requested_by") and handover.get("to_account") != account:
        raise Forbidden("This handover code is for another colleague: ask your organisation.")


# -- what the consent and removal routes tell this module -------------------------------------------


async def note_decision(
    directory: Directory, plan_id: str, membership: Json, *, approved: bool, by: str, in_person: bool
) -> None:
    """The person said yes (or no) to a pending member: if they came with a handover code, the handover is
    agreed (or declined) and audited, naming who hands over to whom."""
    invite_id = membership.get("invite_id")
    if membership.get("role") != "worker" or not isinstance(invite_id, str):
        return
    found = await _by_invite(directory, plan_id, invite_id)
    if found is None:
        return
    doc_id = str(found["_id"])
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
