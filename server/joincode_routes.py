"""``/api/v1`` join codes: a member device puts an invite's box under a lookup id; anyone fetches it.

The box is the invite encrypted under a key derived from a short code (docs/crypto.md §21); the server never
sees the code and cannot open the box. Fetching is not authenticated, so every lookup that finds nothing counts
as a failed attempt against the client's address, as a wrong invite token does: online guessing stops at the
limit.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from alongside.crypto.encoding import b64u_decode
from alongside.crypto.errors import FormatError
from alongside.sync.errors import BadRequest, Conflict, NotFound
from alongside.sync.store import Json

from .api_common import app_state, authenticated, client_key, json_response
from .api_models import JoinCodeBox, JoinCodeRequest, JoinCodeStored, read_model
from .directory_ids import ID_PATTERN, invite_doc_id, join_code_doc_id, join_code_of_doc_id
from .invite_routes import check_may_invite
from .join_codes import MAX_JOIN_CODE_LIFETIME, forget_join_code, purge_expired_join_codes

NO_SUCH_CODE = "No invite has this code. Check the letters, or ask for a new code."


def _lookup_param(request: Request) -> str | None:
    lookup = str(request.path_params["lookup"])
    return lookup if ID_PATTERN.fullmatch(lookup) else None


def _stored(doc: Json, lookup: str) -> JoinCodeStored:
    return JoinCodeStored.model_validate(
        {"lookup": lookup, "plan_id": doc["plan"], "invite_id": doc["invite"], "expires_at": doc["expires_at"]}
    )


async def put_join_code(request: Request) -> Response:
    """Keep a join code's box under its lookup id, for at most a day and not beyond its invite's expiry.

    Only a device that may register the invite may put its box (the same check, :func:`check_may_invite`).
    The same box from the same device again is answered ``200``; anything else under a lookup id in use is
    ``409``.
    """
    state, device = await authenticated(request)
    directory = state.directory
    lookup = _lookup_param(request)
    if lookup is None:
        raise BadRequest("The lookup id must be 32 lower-case hex characters")
    body = await read_model(request, JoinCodeRequest)
    await check_may_invite(directory, body.plan_id, device)
    try:
        b64u_decode(body.box, None, "box")
    except FormatError:
        raise BadRequest("`box` must be base64url without padding") from None
    now = directory.now()
    if not now < body.expires_at <= now + MAX_JOIN_CODE_LIFETIME:
        raise BadRequest("`expires_at` must be a Unix time in the next 24 hours")
    invite = await directory.get(invite_doc_id(body.invite_id))
    if invite is not None:
        if invite.get("plan") != body.plan_id:
            raise Conflict("This invite belongs to another plan.")
        if invite.get("used"):
            raise Conflict("This invite has been used already.")
        if body.expires_at > int(invite["expires_at"]):
            raise BadRequest("`expires_at` must not be after the invite's expiry")
    doc: Json = {
        "_id": join_code_doc_id(lookup),
        "type": "join-code",
        "plan": body.plan_id,
        "invite": body.invite_id,
        "issued_by": device.id,
        "box": body.box,
        "expires_at": body.expires_at,
        "issued_at": now,
    }
    existing = await directory.get(join_code_doc_id(lookup))
    if existing is not None and int(existing.get("expires_at", 0)) > now:
        same = ("plan", "invite", "issued_by", "box")
        if any(existing.get(name) != doc[name] for name in same):
            raise Conflict("This lookup id is in use.")
        return json_response(_stored(existing, lookup), 200)
    await purge_expired_join_codes(directory)
    # The pointer from the invite first: a box is never left that redeeming its invite would not delete.
    pointer_id = join_code_of_doc_id(body.invite_id, lookup)
    if await directory.get(pointer_id) is None:
        try:
            await directory.put({"_id": pointer_id, "type": "join-code-of"})
        except Conflict:  # the same request at this moment
            pass
    try:
        await directory.put(doc)
    except Conflict:
        raise Conflict("This lookup id is in use.") from None
    await directory.audit("join_code.stored", plan=body.plan_id, device=device.id)
    return json_response(_stored(doc, lookup), 201)


async def open_join_code(request: Request) -> Response:
    """The box kept under a lookup id, to anyone who asks; an unknown or expired one counts as a failed attempt."""
    state = app_state(request)
    key = client_key(request)
    state.limiter.check(key)
    directory = state.directory
    lookup = _lookup_param(request)
    box = await directory.get(join_code_doc_id(lookup)) if lookup is not None else None
    if box is not None and int(box.get("expires_at", 0)) <= directory.now():
        await forget_join_code(directory, box)
        box = None
    if box is None:
        state.limiter.fail(key)
        raise NotFound(NO_SUCH_CODE)
    await directory.audit("join_code.opened", plan=str(box["plan"]))
    return json_response(JoinCodeBox(box=box["box"], expires_at=box["expires_at"]))
