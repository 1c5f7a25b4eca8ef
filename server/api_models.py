"""The ``/api/v1`` contract: request and response models (pydantic 2).

The same models validate each request body (:func:`read_model`) and describe it in the generated
``/api/v1/openapi.json`` (:mod:`alongside.server.api_operations`), so the document and the checks cannot drift apart.
Every pattern is anchored (``^…$``) and pydantic matches it with the Rust ``regex`` engine, where ``$`` is the
end of the text: a trailing newline is refused. Scalars are strict (``true`` is not an integer, ``"1"`` is not
a number); fields not named here are ignored, as before, except in ``public_keys``.

A refused body is a ``400`` with ``{"error": "bad_request", "detail"}``, the detail one plain sentence naming the
field: each field's ``description`` says what it must be.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from starlette.requests import Request

from alongside.sync.errors import BadRequest

from .directory_ids import ID_PATTERN
from .requests import read_json_object

MAX_API_BODY = 64 * 1024
MAX_EPOCH = 2**32 - 1
MAX_UNIX_TIME = 2**32 - 1

# What each kind of value looks like, written once: the models, hence the OpenAPI document, use these.
HEX_ID = ID_PATTERN.pattern  # plans, accounts, devices, invites
KEY_ID = r"[0-9a-f]{16}"  # a plan key's id (docs/crypto.md §5.2)
BASE64URL_32 = r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]"  # 32 bytes in canonical base64url, without padding
DEVICE_TOKEN = rf"{HEX_ID}\.{BASE64URL_32}"
NO_CONTROL_CHARACTERS = r"[^\x00-\x1f\x7f-\x9f]*"  # Unicode's Cc; lone surrogates are refused by the JSON reader


HexId = Annotated[str, StringConstraints(pattern=f"^{HEX_ID}$"), Field(description="32 lower-case hex characters")]
KeyId = Annotated[
    str, StringConstraints(pattern=f"^{KEY_ID}$"), Field(description="a key id (16 lower-case hex characters)")
]
Base64Url32 = Annotated[
    str, StringConstraints(pattern=f"^{BASE64URL_32}$"), Field(description="32 bytes in base64url (43 characters)")
]
DeviceToken = Annotated[
    str,
    StringConstraints(pattern=f"^{DEVICE_TOKEN}$"),
    Field(description="a device token, `<device id>.<secret>`: send it as `Authorization: Bearer <token>`"),
]
Label = Annotated[
    str,
    StringConstraints(min_length=1, max_length=80, pattern=f"^{NO_CONTROL_CHARACTERS}$"),
    Field(description="text of 1 to 80 characters without control characters, e.g. 'Tablet'"),
]
Role = Literal["owner", "worker", "supporter"]
Access = Literal["write", "read"]
Kind = Literal["admin", "worker", "person", "supporter"]
InvitedRole = Literal["owner", "supporter", "worker"]


class Model(BaseModel):
    """Strict scalars; fields not declared are ignored."""

    model_config = ConfigDict(strict=True, frozen=True)


# -- requests ----------------------------------------------------------------------------------------


class PublicKeys(Model):
    """The device's public keys; the device id is derived from them (docs/crypto.md §5.1)."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")
    enc: Base64Url32 = Field(description="base64url X25519 public key (32 bytes)")
    sig: Base64Url32 = Field(description="base64url Ed25519 public key (32 bytes)")


class NewDevice(Model):
    """What a device sends when it first meets the server (enrolling, or joining with an invite)."""

    public_keys: PublicKeys = Field(description='{"enc": base64url X25519 key, "sig": base64url Ed25519 key}')
    label: Label | None = None


class EnrolRequest(NewDevice):
    code: str = Field(min_length=1, max_length=64, description="a string of 1 to 64 characters (the one-time code)")


class CreatePlanRequest(Model):
    plan_id: HexId | None = Field(None, description="32 lower-case hex characters (the id the device drew)")


# A join request sealed under a pending invite's request key (docs/crypto.md §11.6), opaque to the server.
MAX_JOIN_REQUEST = 2048
JoinRequest = Annotated[
    str,
    StringConstraints(min_length=38, max_length=MAX_JOIN_REQUEST, pattern=r"^[A-Za-z0-9_-]+$"),
    Field(description=f"base64url text of 38 to {MAX_JOIN_REQUEST} characters (a sealed join request)"),
]


class PlanSettings(Model):
    supporters_may_invite: bool = Field(
        description="true or false: whether people the person trusts (with write access) may invite others"
    )


class ApproveRequest(Model):
    in_person: bool = Field(
        False, description="true or false: the worker's device confirms that the person is there and says yes"
    )


class InviteRequest(Model):
    invite_id: HexId = Field(description="32 lower-case hex characters")
    verifier: Base64Url32 = Field(
        description="32 bytes in base64url (43 characters): the SHA-256 of the invite's one-time token"
    )
    expires_at: int = Field(description="a Unix time in the next 7 days")
    role: InvitedRole = Field("supporter", description="owner, supporter or worker (a worker only pending: a handover)")
    access: Access = Field("read", description="write or read (an owner invite always gives write)")
    pending: bool = Field(
        False, description="true or false: true when the new member waits for the person's yes (docs/crypto.md §11.6)"
    )


class InviteRegistration(Model):
    """The invite's registration, signed by the inviting device (docs/crypto.md §11.1)."""

    plan_id: HexId = Field(description="32 lower-case hex characters")
    invite_id: HexId = Field(description="the invite id in the path")
    verifier: Base64Url32 = Field(description="32 bytes in base64url (43 characters)")
    expires_at: int = Field(ge=0, le=MAX_UNIX_TIME, description="a Unix time")
    role: InvitedRole = Field(description="owner, supporter or worker")
    access: Access = Field(description="write or read")
    inviter: HexId = Field(description="a device id (the inviting device)")
    signature: str = Field(description="base64url (the inviting device's Ed25519 signature, 64 bytes)")
    pending: bool = Field(False, description="true or false (true for a pending invite, docs/crypto.md §11.6)")


class RedeemRequest(NewDevice):
    auth_token: str = Field(min_length=1, max_length=64, description="the invite's one-time token (base64url)")
    registration: InviteRegistration | None = Field(
        None, description="the signed invite registration object, when the invite is not registered yet"
    )
    join_request: JoinRequest | None = Field(
        None, description=f"base64url text of at most {MAX_JOIN_REQUEST} characters (the sealed join request)"
    )


# A join code's box (docs/crypto.md §21): a 12-byte nonce, 1 to 1024 bytes of invite, a 16-byte tag, in base64url.
MAX_JOIN_BOX_BYTES = 12 + 1024 + 16
JoinBox = Annotated[
    str,
    StringConstraints(min_length=39, max_length=(MAX_JOIN_BOX_BYTES * 4 + 2) // 3, pattern=r"^[A-Za-z0-9_-]+$"),
    Field(description=f"base64url without padding: a join code's box, 29 to {MAX_JOIN_BOX_BYTES} bytes"),
]


class JoinCodeRequest(Model):
    plan_id: HexId = Field(description="32 lower-case hex characters (the plan the invite is for)")
    invite_id: HexId = Field(description="32 lower-case hex characters (the invite the box holds)")
    box: JoinBox
    expires_at: int = Field(description="a Unix time in the next 24 hours, not after the invite's expiry")


class RotationRequest(Model):
    epoch: int = Field(ge=1, le=MAX_EPOCH, description=f"an integer from 1 to {MAX_EPOCH}")
    kid: KeyId = Field(description="a key id (16 lower-case hex characters)")
    retire: list[KeyId] = Field(default_factory=list, description="a list of key ids")


# -- answers -----------------------------------------------------------------------------------------


class Enrolled(Model):
    device_id: HexId
    token: DeviceToken
    account: HexId
    kind: Kind


class Me(Model):
    device_id: HexId
    account: HexId
    kind: Kind
    org: str | None


class PlanEntry(Model):
    plan_id: HexId
    role: Role
    access: Access
    status: Literal["pending"] | None = Field(None, description="`pending` while the member waits for the person's yes")


class HandoverRequest(Model):
    invite_id: HexId = Field(
        description="32 lower-case hex characters: the pending worker invite the colleague joins with"
    )
    request_id: HexId | None = Field(
        None, description="the organisation's request this handover code answers (an admin asked for it)"
    )


class Handover(Model):
    """A handover as the server records it: metadata only (the note and the names are in the plan's items).

    A handover an admin asked for (``requested_by``) starts as ``requested``, with no invite yet, bound to the
    colleague's account ``to_account``; its names are the ones the organisation gave its workers."""

    plan_id: HexId
    invite_id: HexId | None = None
    request_id: HexId | None = None
    requested_by: str | None = Field(None, description="the admin's account, or `operator` (the command line)")
    from_account: HexId
    from_name: str | None = None
    to_account: HexId | None = None
    to_name: str | None = None
    status: Literal["requested", "asked", "agreed", "declined", "finished"]
    started_at: int
    agreed: Literal["in person"] | None = None


class Handovers(Model):
    plan_id: HexId
    handovers: list[Handover]


class HandOverPlans(Model):
    to_account: HexId = Field(description="the colleague's account: an active worker of the same organisation")
    plan_id: HexId | None = Field(None, description="one plan; without it, every plan the worker is the worker on")


class HandoversRequested(Model):
    from_account: HexId
    to_account: HexId
    handovers: list[Handover]


class PlanSettingsAnswer(Model):
    plan_id: HexId
    supporters_may_invite: bool


class MemberDecided(Model):
    ok: bool
    plan_id: HexId
    account: HexId
    decision: Literal["approved", "declined"]


class Plans(Model):
    plans: list[PlanEntry]


class PlanCreated(Model):
    plan_id: HexId
    owner_account: HexId


class InviteRegistered(Model):
    invite_id: HexId
    plan_id: HexId
    role: Role
    access: Access
    expires_at: int


class JoinCodeStored(Model):
    lookup: HexId
    plan_id: HexId
    invite_id: HexId
    expires_at: int


class JoinCodeBox(Model):
    box: JoinBox
    expires_at: int


class Joined(Model):
    plan_id: HexId
    device_id: HexId
    account: HexId
    role: Role
    access: Access
    token: DeviceToken | None = Field(None, description="only for a new device; shown once")
    status: Literal["pending"] | None = Field(None, description="`pending` while the member waits for the person's yes")


class MemberDevice(Model):
    device_id: HexId
    public_keys: PublicKeys | None
    label: str | None = Field(None, description="only to the plan's owner and worker, and for one's own")
    last_seen: int | None = Field(
        None, description="when the device last synced, to the hour; to the same callers as label"
    )
    active: bool = Field(description="false once the device is switched off or removed")


class Member(Model):
    account: HexId
    kind: Kind | None
    role: Role
    access: Access
    active: bool
    devices: list[MemberDevice]
    status: Literal["pending"] | None = Field(None, description="`pending` while the member waits for the person's yes")
    invited_by: HexId | None = Field(None, description="a pending member's inviting device")
    invite_id: HexId | None = Field(None, description="the invite a pending member used")
    join_request: str | None = Field(None, description="a pending member's sealed join request (base64url)")
    agreed: Literal["in person"] | None = Field(
        None, description="`in person` when the worker's device recorded the person's yes"
    )


class Members(Model):
    plan_id: HexId
    members: list[Member]


class MemberRemoved(Model):
    ok: bool
    plan_id: HexId
    removed: HexId


class DeviceRemoved(Model):
    ok: bool
    plan_id: HexId
    removed_device: HexId


class WorkerRevoked(Model):
    ok: bool
    account: HexId
    revoked_devices: list[HexId]


class CurrentKey(Model):
    epoch: int
    kid: KeyId


class PlanKeys(Model):
    plan_id: HexId
    current: CurrentKey | None
    retired: list[KeyId]


class ApiError(Model):
    """Every error on ``/api``."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")
    error: str = Field(description="a short name, e.g. `bad_request`")
    detail: str = Field(description="a plain sentence saying what was wrong")


# -- reading a request -------------------------------------------------------------------------------

RequestModel = TypeVar("RequestModel", bound=Model)


async def read_model(request: Request, model: type[RequestModel], *, optional: bool = False) -> RequestModel:
    """The request's JSON body as ``model``: bounded and parsed by :mod:`alongside.server.requests` first (size,
    depth and value limits), then validated; ``BadRequest`` with a plain sentence. With ``optional``, an empty
    body is ``{}``."""
    return validated(model, await read_json_object(request, MAX_API_BODY, allow_empty=optional))


def validated(model: type[RequestModel], body: dict[str, Any]) -> RequestModel:
    """``body`` as ``model``, or ``BadRequest`` naming the first field that is wrong."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise BadRequest(plain_sentence(model, exc)) from None


def plain_sentence(model: type[BaseModel], exc: ValidationError) -> str:
    """pydantic's first error as a sentence: "`field` must be …" in the words of the field's description."""
    error = exc.errors(include_url=False)[0]
    loc = [part for part in error["loc"] if isinstance(part, str)]
    name = ".".join(loc) or "body"
    if error["type"] == "missing":
        return f"`{name}` is required"
    if error["type"] == "extra_forbidden":
        return f"`{name}` is not a field of this request"
    description = _description(model, loc)
    if description is None:
        return f"`{name}`: {error['msg']}"
    return f"`{name}` must be {description}"


def _description(model: type[BaseModel], loc: list[str]) -> str | None:
    """The description of the field at ``loc`` (the innermost one that has one)."""
    found: str | None = None
    current: type[BaseModel] | None = model
    for part in loc:
        field = current.model_fields.get(part) if current is not None else None
        if field is None:
            break
        found = field.description or found
        nested = field.annotation
        current = next(
            (t for t in (nested, *getattr(nested, "__args__", ())) if isinstance(t, type) and issubclass(t, BaseModel)),
            None,
        )
    return found
