"""What every ``/api/v1`` handler needs: the app's state, the calling device, its keys, the plan, the answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alongside.crypto.errors import FormatError
from alongside.crypto.keys import DevicePublicKeys
from alongside.sync.errors import BadRequest, NotFound

from .api_models import Model, PublicKeys
from .directory import Directory
from .directory_access import Device
from .directory_ids import ID_PATTERN
from .ratelimit import address_group
from .state import AppState


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.alongside
    return state


def client_key(request: Request) -> str:
    """What failed attempts count under (server/ratelimit.py): the address, an IPv6 address's /64."""
    return address_group(request.client.host) if request.client else "unknown"


async def authenticated(request: Request) -> tuple[AppState, Device]:
    state = app_state(request)
    return state, await state.directory.authenticate(request.headers.get("authorization"))


def device_public_keys(keys: PublicKeys) -> DevicePublicKeys:
    """The validated ``public_keys`` as keys (``BadRequest`` if they do not decode, which the model rules out)."""
    try:
        return DevicePublicKeys.from_json(keys.model_dump())
    except FormatError:
        raise BadRequest('`public_keys` must be {"enc": base64url X25519 key, "sig": base64url Ed25519 key}') from None


def plan_id_param(request: Request) -> str:
    plan_id = str(request.path_params["plan_id"])
    if not ID_PATTERN.fullmatch(plan_id):
        raise NotFound("No such plan.")
    return plan_id


def json_response(answer: Model, status: int = 200) -> Response:
    """``answer`` as JSON; optional fields the handler did not set are left out."""
    return JSONResponse(answer.model_dump(mode="json", exclude_unset=True), status_code=status)


async def member_role(directory: Directory, plan_id: str, device: Device, *, write: bool = False) -> str:
    try:
        membership = await directory.authorise_plan(device, plan_id, write=write)
    except NotFound:
        raise NotFound("No such plan.") from None
    return membership.role
