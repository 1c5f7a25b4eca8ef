"""What every ``/api/v1`` handler needs: the app's state, the calling device, bounded JSON bodies, typed fields."""

from __future__ import annotations

import unicodedata
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alongside.crypto.errors import FormatError
from alongside.crypto.keys import DevicePublicKeys
from alongside.sync.errors import BadRequest, NotFound

from .directory import ID_PATTERN, Device, Directory
from .ratelimit import address_group
from .requests import read_json_object
from .state import AppState

MAX_API_BODY = 64 * 1024


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.alongside
    return state


def client_key(request: Request) -> str:
    """What failed attempts count under (server/ratelimit.py): the address, an IPv6 address's /64."""
    return address_group(request.client.host) if request.client else "unknown"


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


def label_field(body: dict[str, Any]) -> str:
    """A device's optional ``label`` (1 to 80 characters of text people can read), or ``""``."""
    label = text_field(body, "label", required=False, max_length=80) or ""
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in label):
        raise BadRequest("`label` must be text without control characters")
    return label
