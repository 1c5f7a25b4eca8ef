"""``/api/v1/activities``: the organisation's community activities (docs/api.md §16).

Any enrolled device of the organisation (a worker's or an admin's) downloads the catalogue, signed by the
organisation's catalogue key (docs/crypto.md §22); only admins add, replace, remove and export activities. The
catalogue holds no personal data: the server reads it, and nothing here touches a plan.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alongside.sync.errors import BadRequest, Forbidden, NotFound

from .activities import ACTIVITY_ID_PATTERN, Activities, ActivityError, activity_record
from .activities_import import FORMATS, write_csv
from .activities_models import ActivityDeleted, ActivityRecord, ActivityRequest, ActivitySaved, SignedActivities
from .api_common import authenticated, json_response
from .api_models import read_model
from .directory_access import Device
from .directory_ids import org_doc_id
from .hsds import hsds_page
from .state import AppState


def _activities(state: AppState) -> Activities:
    return Activities(state.store)


def _organisation_device(device: Device) -> str:
    if device.org is None or device.kind not in ("worker", "admin"):
        raise Forbidden("Only devices enrolled with an organisation can read its activities.")
    return device.org


def _admin(device: Device) -> str:
    if device.kind != "admin" or device.org is None:
        raise Forbidden("Only an admin can change or export the organisation's activities.")
    return device.org


def _activity_id(request: Request) -> str:
    activity_id = str(request.path_params["activity_id"])
    if not ACTIVITY_ID_PATTERN.fullmatch(activity_id):
        raise NotFound("No such activity.")
    return activity_id


async def list_activities(request: Request) -> Response:
    """The organisation's catalogue, signed: a device checks it under the key it pinned before keeping it."""
    state, device = await authenticated(request)
    org = _organisation_device(device)
    signed = await _activities(state).signed_catalogue(org)
    return json_response(SignedActivities.model_validate(signed))


async def put_activity(request: Request) -> Response:
    """An admin adds (201) or replaces (200) one activity."""
    state, device = await authenticated(request)
    org = _admin(device)
    activity_id = _activity_id(request)
    body = await read_model(request, ActivityRequest)
    try:
        record = activity_record(body.model_dump(), activity_id=activity_id)
    except ActivityError as exc:
        raise BadRequest(str(exc)) from None
    created, version = await _activities(state).put(org, record)
    await state.directory.audit("activity.saved", org=org, device=device.id, activity=activity_id)
    answer = ActivitySaved(activity=ActivityRecord.model_validate(record), version=version)
    return json_response(answer, 201 if created else 200)


async def delete_activity(request: Request) -> Response:
    state, device = await authenticated(request)
    org = _admin(device)
    activity_id = _activity_id(request)
    version = await _activities(state).delete(org, activity_id)
    await state.directory.audit("activity.removed", org=org, device=device.id, activity=activity_id)
    return json_response(ActivityDeleted(ok=True, id=activity_id, version=version))


async def export_activities(request: Request) -> Response:
    """Every activity as ``format=json`` (the default), ``csv`` or ``hsds`` (HSDS 3.0 services)."""
    state, device = await authenticated(request)
    org = _admin(device)
    if set(request.query_params) - {"format"}:
        raise BadRequest("`format` is the only query parameter of an export")
    wanted = request.query_params.get("format", "json")
    if wanted not in FORMATS or len(request.query_params.getlist("format")) > 1:
        raise BadRequest("`format` must be json, csv or hsds")
    activities = _activities(state)
    records = await activities.list(org)
    if wanted == "csv":
        return Response(write_csv(records), media_type="text/csv; charset=utf-8")
    if wanted == "hsds":
        org_doc = await state.directory.get(org_doc_id(org)) or {}
        return JSONResponse(hsds_page(org, str(org_doc.get("name", "")), records))
    return JSONResponse({"v": 1, "org": org, "version": await activities.version(org), "activities": records})
