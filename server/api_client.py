"""The one Python client of ``/api/v1``: the tests, the load tests and anything else in Python call the API here.

A call is a value (:class:`Call`): its method, path, body and the model its answer is read with, built by one
function per route (:func:`enrol`, :func:`create_plan`…). Sending it is left to whoever holds a connection:
:class:`ApiClient` over any ``httpx.Client`` (a Starlette ``TestClient`` is one), :class:`AsyncApiClient` over an
``httpx.AsyncClient``, or a load-test user's own HTTP session (loadtests/kit/runtime.py), which reads the answer
with :meth:`Call.read`. Bodies are built from the request models and answers are read with the answer models of
:mod:`alongside.server.api_models`, so a client cannot send what the server would refuse for its shape, and an
answer that breaks the contract fails loudly. An error answer raises :class:`ApiClientError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from .activities_models import ActivitiesExport, ActivityDeleted, ActivityRequest, ActivitySaved, SignedActivities
from .api_models import (
    ApproveRequest,
    CreatePlanRequest,
    DeviceRemoved,
    Enrolled,
    EnrolRequest,
    Handover,
    HandOverPlans,
    HandoverRequest,
    Handovers,
    HandoversRequested,
    InviteRegistered,
    InviteRegistration,
    InviteRequest,
    JoinCodeBox,
    JoinCodeRequest,
    JoinCodeStored,
    Joined,
    Me,
    MemberDecided,
    MemberRemoved,
    Members,
    PlanCreated,
    PlanKeys,
    Plans,
    PlanSettings,
    PlanSettingsAnswer,
    RedeemRequest,
    RotationRequest,
    WorkerRevoked,
)
from .learning_models import (
    FactsDone,
    FactsRequest,
    LearningKeyAnswer,
    LearningKeyDocument,
    LearningSets,
    WithdrawRequest,
)

PREFIX = "/api/v1"
Answer = TypeVar("Answer", bound=BaseModel)


class ApiClientError(Exception):
    """An answer other than the call's success statuses: its status and, for an API error, ``error`` and ``detail``."""

    def __init__(self, status: int, error: str, detail: str) -> None:
        super().__init__(f"{status} {error}: {detail}")
        self.status = status
        self.error = error
        self.detail = detail


@dataclass(frozen=True)
class Call(Generic[Answer]):
    """One request to ``/api/v1`` and how to read its answer."""

    method: str
    route: str  # the operation's path under /api/v1, with {parameters}
    parameters: tuple[tuple[str, str], ...]
    answer: type[Answer]
    statuses: tuple[int, ...]
    body: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        """The path to request (the route with its parameters filled in)."""
        return PREFIX + self.route.format_map(dict(self.parameters))

    @property
    def name(self) -> str:
        """The route without ids, as load-test statistics group requests: ``/api/v1/plans/[plan]/invites``."""
        return PREFIX + re.sub(r"\{(\w+?)(?:_id)?\}", r"[\1]", self.route)

    def read(self, status: int, content: bytes) -> Answer:
        """The answer as the call's model, or :class:`ApiClientError`."""
        if status not in self.statuses:
            try:
                body = json.loads(content)
                error, detail = str(body["error"]), str(body["detail"])
            except (ValueError, KeyError, TypeError):
                error, detail = "unexpected_answer", content[:200].decode("utf-8", "replace")
            raise ApiClientError(status, error, detail)
        return self.answer.model_validate_json(content)


def _call(
    method: str,
    route: str,
    answer: type[Answer],
    *,
    body: BaseModel | None = None,
    ok: tuple[int, ...] = (200,),
    **ids: str,
) -> Call[Answer]:
    """A call; the body sends only the fields that were given."""
    sent = body.model_dump(mode="json", exclude_unset=True) if body is not None else None
    return Call(method, route, tuple(ids.items()), answer, ok, sent)


# -- the routes ----------------------------------------------------------------------------------------


def enrol(code: str, public_keys: dict[str, str], *, label: str | None = None) -> Call[Enrolled]:
    """``POST /enrol``: a worker's device enrols with a one-time code (no token)."""
    fields: dict[str, Any] = {"code": code, "public_keys": public_keys}
    if label is not None:
        fields["label"] = label
    return _call("POST", "/enrol", Enrolled, body=EnrolRequest.model_validate(fields), ok=(201,))


def me() -> Call[Me]:
    """``GET /me``: the calling device and its account."""
    return _call("GET", "/me", Me)


def list_plans() -> Call[Plans]:
    """``GET /plans``: the plans this device can sync."""
    return _call("GET", "/plans", Plans)


def create_plan(plan_id: str | None = None) -> Call[PlanCreated]:
    """``POST /plans``: a worker starts a plan (with the id the device drew, if it drew one)."""
    body = CreatePlanRequest(plan_id=plan_id) if plan_id is not None else CreatePlanRequest()
    return _call("POST", "/plans", PlanCreated, body=body, ok=(201, 200))


def register_invite(
    plan_id: str,
    *,
    invite_id: str,
    verifier: str,
    expires_at: int,
    role: str = "supporter",
    access: str = "read",
    pending: bool = False,
) -> Call[InviteRegistered]:
    """``POST /plans/{plan_id}/invites``: register an invite made on this device (``pending``: its new member
    waits for the person's yes, docs/crypto.md §11.6)."""
    fields = {"invite_id": invite_id, "verifier": verifier, "expires_at": expires_at, "role": role, "access": access}
    body = InviteRequest.model_validate({**fields, **({"pending": True} if pending else {})})
    route = "/plans/{plan_id}/invites"
    return _call("POST", route, InviteRegistered, body=body, ok=(201, 200), plan_id=plan_id)


def redeem_invite(
    invite_id: str,
    *,
    auth_token: str,
    public_keys: dict[str, str],
    label: str | None = None,
    registration: dict[str, Any] | None = None,
    join_request: str | None = None,
) -> Call[Joined]:
    """``POST /invites/{invite_id}/redeem``: a device joins with an invite's one-time token (and, for an invite
    made offline, the inviting device's signed registration; for a pending invite, its sealed join request)."""
    fields: dict[str, Any] = {"auth_token": auth_token, "public_keys": public_keys}
    if label is not None:
        fields["label"] = label
    if join_request is not None:
        fields["join_request"] = join_request
    if registration is not None:
        fields["registration"] = InviteRegistration.model_validate(registration)
    body = RedeemRequest.model_validate(fields)
    return _call("POST", "/invites/{invite_id}/redeem", Joined, body=body, ok=(201,), invite_id=invite_id)


def put_join_code(lookup: str, *, plan_id: str, invite_id: str, box: str, expires_at: int) -> Call[JoinCodeStored]:
    """``PUT /join-codes/{lookup}``: keep an invite's box under a join code's lookup id (docs/crypto.md §21)."""
    body = JoinCodeRequest.model_validate(
        {"plan_id": plan_id, "invite_id": invite_id, "box": box, "expires_at": expires_at}
    )
    return _call("PUT", "/join-codes/{lookup}", JoinCodeStored, body=body, ok=(201, 200), lookup=lookup)


def open_join_code(lookup: str) -> Call[JoinCodeBox]:
    """``POST /join-codes/{lookup}/open``: fetch the box kept under a lookup id (no token)."""
    return _call("POST", "/join-codes/{lookup}/open", JoinCodeBox, lookup=lookup)


def list_members(plan_id: str) -> Call[Members]:
    """``GET /plans/{plan_id}/members``: who can see the plan, and their devices."""
    return _call("GET", "/plans/{plan_id}/members", Members, plan_id=plan_id)


def approve_member(plan_id: str, account: str, *, in_person: bool = False) -> Call[MemberDecided]:
    """``POST /plans/{plan_id}/members/{account}/approve``: the person says yes to a pending member."""
    body = ApproveRequest.model_validate({"in_person": in_person})
    route = "/plans/{plan_id}/members/{account}/approve"
    return _call("POST", route, MemberDecided, body=body, plan_id=plan_id, account=account)


def decline_member(plan_id: str, account: str, *, in_person: bool = False) -> Call[MemberDecided]:
    """``POST /plans/{plan_id}/members/{account}/decline``: the person says no to a pending member."""
    body = ApproveRequest.model_validate({"in_person": in_person})
    route = "/plans/{plan_id}/members/{account}/decline"
    return _call("POST", route, MemberDecided, body=body, plan_id=plan_id, account=account)


def start_handover(plan_id: str, invite_id: str, *, request_id: str | None = None) -> Call[Handover]:
    """``POST /plans/{plan_id}/handovers``: the worker's device records a pending worker invite as a handover
    (with ``request_id``: the person's device or the worker's makes the code for a handover an admin asked for)."""
    body = HandoverRequest.model_validate({"invite_id": invite_id, "request_id": request_id})
    return _call("POST", "/plans/{plan_id}/handovers", Handover, body=body, ok=(201, 200), plan_id=plan_id)


def list_handovers(plan_id: str) -> Call[Handovers]:
    """``GET /plans/{plan_id}/handovers``: who handed the plan over to whom."""
    return _call("GET", "/plans/{plan_id}/handovers", Handovers, plan_id=plan_id)


def plan_settings(plan_id: str) -> Call[PlanSettingsAnswer]:
    """``GET /plans/{plan_id}/settings``."""
    return _call("GET", "/plans/{plan_id}/settings", PlanSettingsAnswer, plan_id=plan_id)


def change_plan_settings(plan_id: str, *, supporters_may_invite: bool) -> Call[PlanSettingsAnswer]:
    """``PUT /plans/{plan_id}/settings``: the person's own device lets supporters invite, or not."""
    body = PlanSettings.model_validate({"supporters_may_invite": supporters_may_invite})
    return _call("PUT", "/plans/{plan_id}/settings", PlanSettingsAnswer, body=body, plan_id=plan_id)


def remove_member(plan_id: str, account: str) -> Call[MemberRemoved]:
    """``DELETE /plans/{plan_id}/members/{account}``."""
    return _call("DELETE", "/plans/{plan_id}/members/{account}", MemberRemoved, plan_id=plan_id, account=account)


def remove_device(plan_id: str, device_id: str) -> Call[DeviceRemoved]:
    """``DELETE /plans/{plan_id}/devices/{device_id}``."""
    route = "/plans/{plan_id}/devices/{device_id}"
    return _call("DELETE", route, DeviceRemoved, plan_id=plan_id, device_id=device_id)


def revoke_worker(account: str) -> Call[WorkerRevoked]:
    """``POST /workers/{account}/revoke``: an admin switches off a worker who left."""
    return _call("POST", "/workers/{account}/revoke", WorkerRevoked, account=account)


def request_handover(account: str, to_account: str, *, plan_id: str | None = None) -> Call[HandoversRequested]:
    """``POST /workers/{account}/handovers``: an admin asks for a worker's plans to go to a colleague."""
    body = HandOverPlans.model_validate({"to_account": to_account, "plan_id": plan_id})
    return _call("POST", "/workers/{account}/handovers", HandoversRequested, body=body, ok=(201, 200), account=account)


def plan_keys(plan_id: str) -> Call[PlanKeys]:
    """``GET /plans/{plan_id}/keys``: the plan's current and retired key ids."""
    return _call("GET", "/plans/{plan_id}/keys", PlanKeys, plan_id=plan_id)


def record_rotation(plan_id: str, *, epoch: int, kid: str, retire: Sequence[str] = ()) -> Call[PlanKeys]:
    """``POST /plans/{plan_id}/rotations``: record the plan's next key."""
    body = RotationRequest(epoch=epoch, kid=kid, retire=list(retire))
    return _call("POST", "/plans/{plan_id}/rotations", PlanKeys, body=body, ok=(201,), plan_id=plan_id)


# -- senders -------------------------------------------------------------------------------------------


def list_activities() -> Call[SignedActivities]:
    """``GET /activities``: the organisation's community activities, signed by its catalogue key."""
    return _call("GET", "/activities", SignedActivities)


def export_activities() -> Call[ActivitiesExport]:
    """``GET /activities/export``: every activity as JSON (admins; ``?format=csv`` or ``hsds`` over plain HTTP)."""
    return _call("GET", "/activities/export", ActivitiesExport)


def put_activity(activity_id: str, activity: ActivityRequest) -> Call[ActivitySaved]:
    """``PUT /activities/{activity_id}``: an admin adds (201) or replaces (200) one activity."""
    return _call(
        "PUT", "/activities/{activity_id}", ActivitySaved, body=activity, ok=(200, 201), activity_id=activity_id
    )


def delete_activity(activity_id: str) -> Call[ActivityDeleted]:
    """``DELETE /activities/{activity_id}``: an admin removes one activity."""
    return _call("DELETE", "/activities/{activity_id}", ActivityDeleted, activity_id=activity_id)


def learning_key() -> Call[LearningKeyAnswer]:
    """``GET /learning/key``: the organisation's learning key document, with the admin devices the caller needs."""
    return _call("GET", "/learning/key", LearningKeyAnswer)


def publish_learning_key(document: LearningKeyDocument) -> Call[LearningKeyDocument]:
    """``PUT /learning/key``: an admin's device publishes the learning key document (docs/crypto.md §24.2)."""
    return _call("PUT", "/learning/key", LearningKeyDocument, body=document)


def put_facts(set_id: str, request: FactsRequest) -> Call[FactsDone]:
    """``PUT /learning/facts/{set}``: store (201) or replace (200) a sealed fact set; send it with no token."""
    return _call("PUT", "/learning/facts/{set}", FactsDone, body=request, ok=(200, 201), set=set_id)


def withdraw_facts(set_id: str, request: WithdrawRequest) -> Call[FactsDone]:
    """``DELETE /learning/facts/{set}``: delete a fact set with its proof; send it with no token."""
    return _call("DELETE", "/learning/facts/{set}", FactsDone, body=request, set=set_id)


def learning_sets() -> Call[LearningSets]:
    """``GET /learning/facts``: every fact set sealed to the organisation's learning key (admins)."""
    return _call("GET", "/learning/facts", LearningSets)


def bearer(token: str | None) -> dict[str, str]:
    """The ``Authorization`` header of a device token (none without one)."""
    return {"Authorization": f"Bearer {token}"} if token else {}


class HttpAnswer(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...


class SyncHttp(Protocol):
    """What :class:`ApiClient` needs of a connection: ``httpx.Client`` and Starlette's ``TestClient`` have it."""

    def request(self, method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None) -> HttpAnswer:
        """Send one request."""


class AsyncHttp(Protocol):
    """What :class:`AsyncApiClient` needs of a connection: ``httpx.AsyncClient`` has it."""

    async def request(
        self, method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> HttpAnswer:
        """Send one request."""


class ApiClient:
    """Sends calls over an ``httpx.Client`` (or a Starlette ``TestClient``) as the device whose ``token`` it holds."""

    def __init__(self, http: SyncHttp, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def __call__(self, call: Call[Answer]) -> Answer:
        response = self.http.request(call.method, call.url, json=call.body, headers=bearer(self.token))
        return call.read(response.status_code, response.content)


class AsyncApiClient:
    """Sends calls over an ``httpx.AsyncClient`` as the device whose ``token`` it holds."""

    def __init__(self, http: AsyncHttp, token: str | None = None) -> None:
        self.http = http
        self.token = token

    async def __call__(self, call: Call[Answer]) -> Answer:
        response = await self.http.request(call.method, call.url, json=call.body, headers=bearer(self.token))
        return call.read(response.status_code, response.content)
