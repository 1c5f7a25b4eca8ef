"""What every ``/api/v1`` handler needs: the app's state, the calling device, bounded JSON bodies, typed fields."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alongside.crypto.errors import FormatError
from alongside.crypto.keys import DevicePublicKeys
from alongside.sync.errors import BadRequest, Forbidden, NotFound
from alongside.sync.store import Json

from .directory import ID_PATTERN, Device, Directory
from .requests import read_json_object
from .state import AppState

MAX_API_BODY = 64 * 1024


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.alongside
    return state


def client_key(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def authenticated(request: Request) -> tuple[AppState, Device]:
    state = app_state(request)
    return state, await state.directory.authenticate(request.headers.get("authorization"))


async def json_body(request: Request) -> dict[str, Any]:
    return await read_json_object(request, MAX_API_BODY)


def text_field(body: dict[str, Any], name: str, *, required: bool = True, max_length: int = 200) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value or len(value) > max_length:
        raise BadRequest(f"`{name}` must be a string of 1 to {max_length} characters")
    return value


def choice_field(body: dict[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = body.get(name, default)
    if value not in choices:
        raise BadRequest(f"`{name}` must be one of: {', '.join(choices)}")
    return str(value)


def public_keys_field(body: dict[str, Any]) -> DevicePublicKeys:
    try:
        return DevicePublicKeys.from_json(body.get("public_keys"))
    except FormatError:
        raise BadRequest('`public_keys` must be {"enc": base64url X25519 key, "sig": base64url Ed25519 key}') from None


def plan_id_param(request: Request) -> str:
    plan_id = str(request.path_params["plan_id"])
    if not ID_PATTERN.fullmatch(plan_id):
        raise NotFound("No such plan.")
    return plan_id


def json_response(body: Any, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status)


async def member_role(directory: Directory, plan_id: str, device: Device, *, write: bool = False) -> str:
    try:
        membership = await directory.authorise_plan(device, plan_id, write=write)
    except NotFound:
        raise NotFound("No such plan.") from None
    return membership.role


def claim_once(doc: Json, now: int) -> Json:
    if doc.get("used"):
        raise Forbidden("This code or invite has already been used. Ask for a new one.")
    return {**doc, "used": True, "used_at": now}
