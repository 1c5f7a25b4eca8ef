"""``/api/v1`` declared once: every operation's method, path, handler, summary, auth, models and statuses.

The routes (:func:`api_routes`) and the OpenAPI 3.1 document served at ``/api/v1/openapi.json``
(:func:`openapi_document`) are both built from :data:`OPERATIONS`; the request and answer schemas are generated
from the pydantic models in :mod:`alongside.server.api_models`, which also validate the requests. Each operation
lists the error statuses it can answer (no catch-all ``default``), so the tests tell an undocumented status from
a documented one. What a schema cannot say (an expiry within the next 7 days, an epoch one more than the last
one recorded) is in the descriptions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import activities_models as activity_models
from . import activities_routes as activities
from . import api_models as models
from . import api_routes as api
from . import consent_routes as consent
from . import handover_routes as handovers
from . import invite_routes as invites
from . import joincode_routes as join_codes
from . import learning_models
from . import learning_routes as learning
from .activities import ACTIVITY_ID

PREFIX = "/api/v1"
Handler = Callable[[Request], Awaitable[Response]]

ERROR_DESCRIPTIONS = {
    400: "The request is malformed (`detail` says which field)",
    401: "No device token, a wrong one, or the device or its account was switched off",
    403: "Not allowed (not a member, not enough access, not the person's or the worker's device, wrong or used "
    "code or invite)",
    404: "No such plan, member, device, worker or activity",
    409: "Conflicts with the current state (already registered, already enrolled, not the next key epoch)",
    410: "The learning fact set was withdrawn: its id is never stored again (`gone`)",
    413: f"The request body is larger than {models.MAX_API_BODY // 1024} KiB",
    429: "Too many failed attempts from this address; wait and try again",
    503: "The storage is unavailable; try again",
    507: "The server keeps no more learning fact sets (`too_many`, `ALONGSIDE_LEARNING_MAX_SETS`)",
}
PATH_PARAMETERS = {
    "plan_id": "A plan id",
    "invite_id": "The invite id from the QR code",
    "account": "An account id",
    "device_id": "A device id",
    "lookup": "A join code's lookup id (docs/crypto.md §21)",
    "activity_id": "An activity id (1 to 64 lower-case letters, digits or dashes)",
    "set": "A learning fact set's id: 16 random bytes the device drew, as 32 lower-case hex characters",
}
# Path parameters that are not 32 hex characters.
PATH_PATTERNS = {"activity_id": ACTIVITY_ID}


@dataclass(frozen=True)
class Operation:
    """One route of ``/api/v1``: how it is served and how it is described."""

    method: str
    path: str  # under /api/v1, with {parameters}
    handler: Handler
    summary: str
    answer: type[BaseModel]  # the success answer's model
    status: int = 200  # the success status
    repeated: str = ""  # when set: a repeated request is answered 200 with the same model, and why
    errors: tuple[int, ...] = (403, 404)
    body: type[BaseModel] | None = None
    body_required: bool = True
    auth: bool = True
    description: str = ""
    # query parameters: (name, description, the values it may take)
    query: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    also_csv: bool = False  # the success answer may be text/csv instead of JSON (an export)
    parameters: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        names = tuple(part[1:-1] for part in self.path.split("/") if part.startswith("{"))
        object.__setattr__(self, "parameters", names)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/enrol",
        api.enrol,
        "Enrol a worker's device with a one-time code",
        description="The code comes from `alongside admin init` or `add-worker`; it works once, for 7 days. "
        "Failed attempts count towards the limit per client address. The code is claimed for the device the "
        "public keys name: the same keys sent again (an answer lost on the way) get 201 again, with another "
        "token, until the device first uses one of its tokens (docs/api.md §4); other keys get 403.",
        auth=False,
        body=models.EnrolRequest,
        answer=models.Enrolled,
        status=201,
        errors=(400, 403, 409, 413, 429),
    ),
    Operation("GET", "/me", api.me, "The calling device and its account", answer=models.Me, errors=()),
    Operation("GET", "/plans", api.list_plans, "Plans this device can sync", answer=models.Plans, errors=()),
    Operation(
        "POST",
        "/plans",
        api.create_plan,
        "Start a plan with a person (workers and admins only)",
        description="The worker joins as `worker`; a new account for the person joins as `owner`. A device "
        "that started the plan offline sends the id it drew (`plan_id`); without a body the server draws "
        "one. The same request again from the same device answers 200 with the same plan; an id that "
        "exists for anyone else is 409.",
        body=models.CreatePlanRequest,
        body_required=False,
        answer=models.PlanCreated,
        status=201,
        repeated="This device set up this plan already (a repeated request)",
        errors=(400, 403, 409, 413),
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/invites",
        invites.create_invite,
        "Register an invite created on this device",
        description="Devices of the owner or the worker (the plan's stewards) with write access invite; a "
        "supporter with write access only while the plan's `supporters_may_invite` is on, and only `pending` "
        "supporter invites; anyone else gets 403. A `pending` invite admits its new member as pending: they "
        "wait for the person's yes (docs/crypto.md §11.6). An owner invite (the person's own device) always "
        "gives write access. "
        "`expires_at` must be in the next 7 days. If the new device registered the invite already (redeeming it "
        "with the signed registration), the same invite id, verifier and inviting device answer 200, even once "
        "it is used; anything else is 409.",
        body=models.InviteRequest,
        answer=models.InviteRegistered,
        status=201,
        repeated="Registered already, by the new device with the signed registration",
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "POST",
        "/invites/{invite_id}/redeem",
        invites.redeem_invite,
        "Join a plan from a new device with an invite's one-time token",
        description="No device token is needed. A device that is already enrolled sends its token too and "
        "joins with its own account (then no new token is returned). Wrong tokens count towards the limit "
        "per client address. If the inviting device had no connection, the invite is not registered yet: "
        "the body may then carry `registration`, the inviting device's signed registration from the QR "
        "code (docs/crypto.md §11). The server checks the signature against the inviting device's key "
        "and the same rules as registering an invite, then registers and redeems it in one step. When "
        "the plan itself is not on the server yet the answer is 404 with `error` `plan_not_set_up`. The "
        "invite is claimed for the joining device: the same device sending it again (an answer lost on the "
        "way) gets 201 with the same membership (docs/api.md §7); another device gets 403.",
        auth=False,
        body=models.RedeemRequest,
        answer=models.Joined,
        status=201,
        errors=(400, 401, 403, 404, 409, 413, 429),
    ),
    Operation(
        "PUT",
        "/join-codes/{lookup}",
        join_codes.put_join_code,
        "Keep an invite's box under a join code's lookup id",
        description="The box is the invite encrypted under a key derived from a short code the server never sees "
        "(docs/crypto.md §21). Only a device that may register the invite (section 6) puts its box. `expires_at` "
        "must be in the next 24 hours and not after the invite's expiry. The same box from the same device again "
        "is answered 200; anything else under a lookup id in use, or a box for an invite already used or "
        "registered for another plan, is 409. The box is deleted when the invite is redeemed, or once expired.",
        body=models.JoinCodeRequest,
        answer=models.JoinCodeStored,
        status=201,
        repeated="The same box from the same device, stored already",
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "POST",
        "/join-codes/{lookup}/open",
        join_codes.open_join_code,
        "Fetch the box kept under a join code's lookup id",
        description="No device token is needed. An unknown or expired lookup id is 404 and counts towards the "
        "limit of failed attempts per client address; once the limit is reached every request is 429 with "
        "Retry-After until the window passes.",
        auth=False,
        answer=models.JoinCodeBox,
        errors=(404, 429),
    ),
    Operation(
        "GET", "/plans/{plan_id}/members", api.list_members, "Who can see this plan, and their devices", models.Members
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/members/{account}/approve",
        consent.approve_member,
        "The person says yes to a pending member (the person's devices; the worker's with `in_person`)",
        description="A member invited by anyone but the person's own device waits for the person's yes "
        "(docs/crypto.md §11.6). The owner's devices approve; the worker's device only with `in_person: true`, "
        'which the membership records as `agreed: "in person"`. Anyone else gets 403; a member who is not '
        "waiting is 409. The person's device then grants the keys; the server only records the yes.",
        body=models.ApproveRequest,
        body_required=False,
        answer=models.MemberDecided,
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/members/{account}/decline",
        consent.decline_member,
        "The person says no to a pending member: they are removed, nothing was granted",
        description="The same callers as approving. The member's devices are then refused with a plain "
        "`forbidden` saying that the person said no.",
        body=models.ApproveRequest,
        body_required=False,
        answer=models.MemberDecided,
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "POST",
        "/plans/{plan_id}/handovers",
        handovers.start_handover,
        "Record that a pending worker invite hands the plan over to a colleague (the worker's devices)",
        description="The worker's device (write access) names the pending worker invite (docs/crypto.md §11.7) "
        "it made for a colleague. The colleague's enrolled work device redeems it and waits for the person's "
        "yes; the yes marks the handover agreed, and the worker who handed over may then be removed by the "
        "colleague's device too. Anyone but the worker gets 403; an invite already in another handover is 409. "
        "With `request_id` it answers a handover an admin asked for: the person's devices or the worker's make "
        "the code, and the handover stays bound to the colleague the admin named.",
        body=models.HandoverRequest,
        answer=models.Handover,
        status=201,
        repeated="This worker recorded this handover already (a repeated request)",
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "POST",
        "/workers/{account}/handovers",
        handovers.request_handover,
        "Ask for a worker's plans to be handed over to a colleague (admins only)",
        description="An admin of the organisation asks for the handover of one plan (`plan_id`) or of every plan "
        "the worker is the worker on, to `to_account`, an active worker of the same organisation. Each plan gets a "
        "handover with status `requested`, bound to that colleague: the person's device (or the worker's) makes its "
        "handover code with `request_id`, only a device of the colleague may redeem it, and the person says yes "
        "or no as for any handover. Anyone but an admin gets 403; a worker or plan not found is 404; the worker "
        "named as the colleague is 400; a colleague switched off is 409.",
        body=models.HandOverPlans,
        answer=models.HandoversRequested,
        status=201,
        repeated="These handovers were asked for already and are still under way (a repeated request)",
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "GET",
        "/plans/{plan_id}/handovers",
        handovers.list_handovers,
        "The plan's handovers: who handed over to whom, and how far it got (members)",
        answer=models.Handovers,
    ),
    Operation(
        "GET",
        "/plans/{plan_id}/settings",
        consent.plan_settings,
        "The plan's settings (members)",
        answer=models.PlanSettingsAnswer,
    ),
    Operation(
        "PUT",
        "/plans/{plan_id}/settings",
        consent.change_plan_settings,
        "Change the plan's settings (the person's own devices only)",
        description="`supporters_may_invite`: whether supporters with write access may invite others. Their "
        "invites are always pending, for supporters only, and wait for the person's yes.",
        body=models.PlanSettings,
        answer=models.PlanSettingsAnswer,
        errors=(400, 403, 404, 413),
    ),
    Operation(
        "DELETE",
        "/plans/{plan_id}/members/{account}",
        api.remove_member,
        "Remove a member (the owner removes anyone; a worker removes supporters; anyone may leave)",
        description="Nobody else can remove the owner. The member's devices are refused at once; a "
        "remaining device then rotates the plan key and records the rotation.",
        answer=models.MemberRemoved,
    ),
    Operation(
        "DELETE",
        "/plans/{plan_id}/devices/{device_id}",
        api.remove_device,
        "Stop serving this plan to one device (the owner, or the device's own account)",
        models.DeviceRemoved,
    ),
    Operation(
        "POST",
        "/workers/{account}/revoke",
        api.revoke_worker,
        "Switch off a worker who left (admins only): all their devices are refused",
        models.WorkerRevoked,
    ),
    Operation("GET", "/plans/{plan_id}/keys", api.plan_keys, "The plan's current and retired key ids", models.PlanKeys),
    Operation(
        "POST",
        "/plans/{plan_id}/rotations",
        api.record_rotation,
        "Record a key rotation: documents under retired key ids are refused from now on",
        description="Devices of the owner or the worker (the plan's stewards) with write access; anyone "
        "else gets 403. `epoch` must be exactly one more than the epoch recorded (1 before the first "
        "rotation): an older or equal epoch, a jump, or a key id used before is 409. The previous current "
        "key id and those in `retire` become retired, so the next rotation also replaces one the other "
        "devices could not open (docs/crypto.md §10.3), and the other audiences' key lines rotated with it "
        "are retired too (§5.3).",
        body=models.RotationRequest,
        answer=models.PlanKeys,
        status=201,
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "GET",
        "/activities",
        activities.list_activities,
        "The organisation's community activities, signed by its catalogue key",
        description="Any enrolled device of the organisation (a worker's or an admin's); others get 403. The "
        "catalogue is signed by the organisation's catalogue key (docs/crypto.md §22): a device keeps it only if "
        "the signature verifies under the key it pinned and the version is not older than the copy it has.",
        answer=activity_models.SignedActivities,
        errors=(403,),
    ),
    Operation(
        "GET",
        "/activities/export",
        activities.export_activities,
        "Export every activity as JSON, CSV or HSDS 3.0 (admins only)",
        description="`format=json` (the default) is what `alongside admin activities import` reads back; `csv` "
        "answers text/csv with one row per activity; `hsds` is a page of Open Referral HSDS 3.0 services "
        "(docs/api.md §16 says which fields map). Anyone but an admin gets 403.",
        answer=activity_models.ActivitiesExport,
        query=(("format", "json, csv or hsds", ("json", "csv", "hsds")),),
        also_csv=True,
        errors=(400, 403),
    ),
    Operation(
        "PUT",
        "/activities/{activity_id}",
        activities.put_activity,
        "Add or replace one activity (admins only)",
        description="The body is the whole activity: fields left out are empty. A field that is wrong is 400 with "
        "a plain reason; anyone but an admin gets 403. The catalogue's version goes up when something changed.",
        body=activity_models.ActivityRequest,
        answer=activity_models.ActivitySaved,
        status=201,
        repeated="The activity existed and was replaced (or was already as given)",
        errors=(400, 403, 404, 409, 413),
    ),
    Operation(
        "DELETE",
        "/activities/{activity_id}",
        activities.delete_activity,
        "Remove one activity (admins only)",
        answer=activity_models.ActivityDeleted,
        errors=(403, 404, 409),
    ),
    Operation(
        "GET",
        "/learning/key",
        learning.get_key,
        "The organisation's learning key document (any device of the organisation or in one of its plans)",
        description="Workers' and admins' devices get their organisation's key; a person's or supporter's device the "
        "key of the organisation of its plans (404 when that is not exactly one). `admins` lists every admin device "
        "for an admin's device (to add grants), and only the signing device `by` for any other (to check `sig`). "
        "404 when learning is not set up (docs/crypto.md §24).",
        answer=learning_models.LearningKeyAnswer,
        errors=(404,),
    ),
    Operation(
        "PUT",
        "/learning/key",
        learning.put_key,
        "Publish the learning key document (admins' devices only)",
        description="The document's `org` is the caller's organisation, `by` the calling device, `sig` its signature "
        "(docs/crypto.md §24.2); every new grant is to an admin device of the organisation. The same `kid` again "
        "adds grants (the stored ones are kept, a new grant replacing one to the same device); another `kid` is 409: "
        "the learning key is not rotated.",
        body=learning_models.LearningKeyDocument,
        answer=learning_models.LearningKeyDocument,
        errors=(400, 403, 409, 413),
    ),
    Operation(
        "PUT",
        "/learning/facts/{set}",
        learning.put_facts,
        "Store or replace a sealed learning fact set (no device token, no cookie)",
        description="Sent with no Authorization header and no cookie (either is 400): nothing ties the facts to a "
        "device. The first request stores the set (201); the same `proof` again replaces it (200); another proof is "
        "403 and counts towards the limit of failed attempts per client address. `sealed.kid` must be an "
        "organisation's learning key id (else 409). At most 32 KiB; 507 `too_many` when the server keeps "
        "`ALONGSIDE_LEARNING_MAX_SETS` sets. A set that was withdrawn is 410 `gone` for good, with any proof.",
        auth=False,
        body=learning_models.FactsRequest,
        answer=learning_models.FactsDone,
        status=201,
        repeated="Replaced: the same proof as when the set was stored",
        errors=(400, 403, 404, 409, 410, 413, 429, 507),
    ),
    Operation(
        "DELETE",
        "/learning/facts/{set}",
        learning.delete_facts,
        "Withdraw a learning fact set: its document is deleted (no device token, no cookie)",
        description="The body is the set's `proof`; another proof is 403 and counts towards the limit of failed "
        "attempts per client address; an unknown set is 404.",
        auth=False,
        body=learning_models.WithdrawRequest,
        answer=learning_models.FactsDone,
        errors=(400, 403, 404, 413, 429),
    ),
    Operation(
        "GET",
        "/learning/facts",
        learning.list_facts,
        "Every fact set sealed to the organisation's learning key (admins' devices only)",
        description="Sorted by `kid` then `ct`: no set ids, no proof hashes, no order of arrival. Only the admins' "
        "devices hold the key that opens them.",
        answer=learning_models.LearningSets,
        errors=(403,),
    ),
)


async def serve_openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


def api_routes() -> list[Route]:
    """The ``/api/v1`` routes: the document, then every operation."""
    routes = [Route(PREFIX + "/openapi.json", serve_openapi, methods=["GET"])]
    return routes + [Route(PREFIX + op.path, op.handler, methods=[op.method]) for op in OPERATIONS]


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {"description": ERROR_DESCRIPTIONS[status], **_json(_ref(models.ApiError))}
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {"required": True, "schema": {"type": "string", "pattern": "^Bearer "}}
        }
    return response


def _operation(op: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {str(op.status): {"description": "Success", **_json(_ref(op.answer))}}
    if op.also_csv:
        responses[str(op.status)]["content"]["text/csv"] = {"schema": {"type": "string"}}
    if op.repeated:
        responses["200"] = {"description": op.repeated, **_json(_ref(op.answer))}
    # Every route may meet storage that is down; every route with a device token may meet a wrong one.
    for status in sorted({*op.errors, 503, *((401,) if op.auth else ())}):
        responses[str(status)] = _error(status)
    operation: dict[str, Any] = {"summary": op.summary}
    if op.description:
        operation["description"] = op.description
    if op.body is not None:
        operation["requestBody"] = {"required": op.body_required, **_json(_ref(op.body))}
    operation["responses"] = responses
    operation["security"] = [{"device": []}] if op.auth else []
    if op.parameters:
        operation["parameters"] = [
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": PATH_PARAMETERS[name],
                "schema": {"type": "string", "pattern": f"^{PATH_PATTERNS.get(name, models.HEX_ID)}$"},
            }
            for name in op.parameters
        ]
    if op.query:
        operation.setdefault("parameters", []).extend(
            {"name": name, "in": "query", "required": False, "description": text, "schema": {"enum": list(values)}}
            for name, text, values in op.query
        )
    return operation


@cache
def openapi_document() -> dict[str, Any]:
    """The document served at ``/api/v1/openapi.json``, generated from :data:`OPERATIONS` and the models."""
    requests = {op.body for op in OPERATIONS if op.body is not None}
    answers = {op.answer for op in OPERATIONS} | {models.ApiError}
    _, schemas = models_json_schema(
        [(model, "validation") for model in sorted(requests, key=lambda m: m.__name__)]
        + [(model, "serialization") for model in sorted(answers, key=lambda m: m.__name__)],
        ref_template="#/components/schemas/{model}",
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Alongside API",
            "version": "1",
            "description": "Enrolment, plans, invites, members and key rotations. Plan content never passes "
            "through this API: it is end-to-end encrypted and synchronised under /sync/{plan_id}. See docs/api.md.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"device": {"type": "http", "scheme": "bearer", "description": "A device token"}},
            "schemas": schemas.get("$defs", {}),
        },
    }
