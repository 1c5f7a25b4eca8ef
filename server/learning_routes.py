"""``/api/v1/learning``: the organisation's learning key and the sealed fact sets (docs/api.md §17).

An admin's device publishes the learning key document; every device of the organisation (or in one of its plans)
fetches it. A device that holds a plan whose person said yes sends the plan's facts, sealed to that key, to
``/api/v1/learning/facts/{set}`` with no device token and no cookie: nothing in the request names a plan, a device
or an account, and nothing here logs or stores the caller's address, the set or a time. Only admins' devices
fetch the sealed sets, and only they hold the key that opens them.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from alongside.crypto.errors import FormatError, SignatureError
from alongside.crypto.learning import (
    MAX_LEARNING_GRANTS,
    check_learning_key,
    check_sealed_facts,
    verify_learning_key,
)
from alongside.sync.errors import BadRequest, Conflict, Forbidden, NotFound

from .api_common import app_state, authenticated, client_key, json_response
from .api_models import read_model, validated
from .directory import Directory
from .directory_access import Device
from .directory_ids import account_doc_id, device_doc_id, last_part, plan_doc_id
from .learning import MAX_FACTS_BODY, SET_PATTERN, Learning, SetWithdrawn, TooManySets, merged_grants
from .learning_models import (
    FactsDone,
    FactsRequest,
    LearningKeyAnswer,
    LearningKeyDocument,
    LearningSets,
    WithdrawRequest,
)
from .requests import read_json_object
from .state import AppState


def _learning(state: AppState) -> Learning:
    return Learning(state.store)


def _admin(device: Device) -> str:
    if device.kind != "admin" or device.org is None:
        raise Forbidden("Only an admin's device can publish the learning key or fetch the fact sets.")
    return device.org


async def _organisation_of(directory: Directory, device: Device) -> str:
    """The organisation a device belongs to: a worker's or admin's own; for a person's or supporter's device, the
    organisation of the plans it is a member of (``NotFound`` when there is none, or more than one)."""
    if device.org is not None and device.kind in ("worker", "admin"):
        return device.org
    orgs = set()
    for membership in await directory.memberships_of_device(device):
        plan = await directory.get(plan_doc_id(str(membership["plan"])))
        if plan is not None and plan.get("org"):
            orgs.add(str(plan["org"]))
    if len(orgs) != 1:
        raise NotFound("No learning key: this device is not in the plans of exactly one organisation.")
    return orgs.pop()


async def _admin_device(
    directory: Directory, org: str, device_id: str, *, active: bool = True
) -> dict[str, Any] | None:
    """The directory document of ``device_id`` if it is a device of an admin of ``org`` (not switched off, with
    ``active``), else None."""
    doc = await directory.get(device_doc_id(device_id))
    if doc is None or (active and doc.get("revoked")) or not isinstance(doc.get("public_keys"), dict):
        return None
    account = await directory.get(account_doc_id(str(doc["account"])))
    if account is None or account.get("kind") != "admin" or account.get("org") != org:
        return None
    if active and not account.get("active", False):
        return None
    return doc


def _admin_entry(doc: dict[str, Any]) -> dict[str, str]:
    keys = doc["public_keys"]
    return {"device": last_part(str(doc["_id"])), "enc_pub": str(keys["enc"]), "sig_pub": str(keys["sig"])}


async def _admins_of(directory: Directory, org: str) -> list[dict[str, str]]:
    """Every admin device of ``org`` that is not switched off (admins are few; persons' accounts are read too)."""
    accounts = [
        last_part(str(doc["_id"]))
        for doc in await directory.by_prefix("account:")
        if doc.get("kind") == "admin" and doc.get("org") == org and doc.get("active", False)
    ]
    devices = await directory.devices_of_accounts(accounts)
    return [
        _admin_entry(doc)
        for docs in devices.values()
        for doc in docs
        if not doc.get("revoked") and isinstance(doc.get("public_keys"), dict)
    ]


async def get_key(request: Request) -> Response:
    """The organisation's learning key document, with the admin devices the caller needs (see the model)."""
    state, device = await authenticated(request)
    org = await _organisation_of(state.directory, device)
    document = await _learning(state).key_document(org)
    if document is None:
        raise NotFound("This organisation has not set up learning yet.")
    if device.kind == "admin" and device.org == org:
        admins = await _admins_of(state.directory, org)
    else:
        signer = await _admin_device(state.directory, org, str(document["by"]))
        admins = [_admin_entry(signer)] if signer is not None else []
    return json_response(LearningKeyAnswer.model_validate({**document, "admins": admins}))


async def put_key(request: Request) -> Response:
    """An admin's device publishes the learning key document: checked, signed by the caller, grants to admin
    devices only; the same ``kid`` again adds grants, another ``kid`` is 409."""
    state, device = await authenticated(request)
    org = _admin(device)
    document = (await read_model(request, LearningKeyDocument)).model_dump()
    try:
        check_learning_key(document)
    except FormatError as exc:
        raise BadRequest(f"The learning key document is not valid: {exc}") from None
    if document["org"] != org:
        raise Forbidden("This is the learning key of another organisation.")
    if document["by"] != device.id:
        raise Forbidden("`by` must be the device that publishes the key.")
    caller = await _admin_device(state.directory, org, device.id)
    if caller is None:
        raise Forbidden("This device has no public keys on record to check its signature with.")
    try:
        verify_learning_key(document, str(caller["public_keys"]["sig"]))
    except (FormatError, SignatureError):
        raise BadRequest("`sig` is not this device's signature of the learning key, or `kid` is not its id.") from None
    learning = _learning(state)
    stored = await learning.key_document(org)
    same_key = stored is not None and stored["kid"] == document["kid"]
    already = {grant["to"] for grant in stored["grants"]} if stored is not None and same_key else set()
    for grant in document["grants"]:
        if grant["to"] not in already and await _admin_device(state.directory, org, grant["to"]) is None:
            raise BadRequest(f"Grant to {grant['to']}: that is not an admin device of this organisation.")
    if (
        stored is not None
        and same_key
        and len(merged_grants(stored["grants"], document["grants"])) > MAX_LEARNING_GRANTS
    ):
        raise Conflict(f"The learning key holds {MAX_LEARNING_GRANTS} grants already, as many as it may.")
    kept = await learning.put_key(org, document)
    await state.directory.audit("learning.key", org=org, device=device.id, kid=str(document["kid"]))
    return json_response(LearningKeyDocument.model_validate(kept))


def _anonymous(request: Request) -> str:
    """The fact set's id, after refusing a request that carries a device token or a cookie (which would tie the
    facts to a device) and a client over the failed-attempt limit."""
    if "authorization" in request.headers or "cookie" in request.headers:
        raise BadRequest("Fact sets are sent with no Authorization header and no cookie: they must not name a device.")
    app_state(request).limiter.check(client_key(request))
    set_id = str(request.path_params["set"])
    if not SET_PATTERN.fullmatch(set_id):
        raise NotFound("No such fact set.")
    return set_id


def _wrong_proof(request: Request) -> Forbidden:
    app_state(request).limiter.fail(client_key(request))
    return Forbidden("This is not the fact set's proof.")


async def put_facts(request: Request) -> Response:
    """Store (201) or replace (200, the same proof) one sealed fact set; a withdrawn set's id is 410 for good."""
    set_id = _anonymous(request)
    state = app_state(request)
    body = validated(FactsRequest, await read_json_object(request, MAX_FACTS_BODY))
    learning = _learning(state)
    stored, withdrawn = await learning.stored_set(set_id)
    if stored is not None and not learning.proof_matches(stored, body.proof):
        raise _wrong_proof(request)
    sealed = body.sealed.model_dump()
    try:
        check_sealed_facts(sealed)
    except FormatError as exc:
        raise BadRequest(f"`sealed` is not a sealed fact set: {exc}") from None
    if withdrawn:
        # A device whose copy of the plan predates the person's stop must not bring the set back.
        raise SetWithdrawn("This fact set was withdrawn; it is never stored again.")
    if sealed["kid"] not in await learning.current_kids():
        raise Conflict("`sealed.kid` is not the organisation's learning key: fetch the key again.")
    if stored is None and await learning.count_sets() >= state.settings.learning_max_sets:
        raise TooManySets("The server keeps no more fact sets.")
    await learning.put_set(set_id, sealed, body.proof, stored)
    return json_response(FactsDone(ok=True), 201 if stored is None else 200)


async def delete_facts(request: Request) -> Response:
    """Withdraw one fact set: its document is deleted."""
    set_id = _anonymous(request)
    state = app_state(request)
    body = validated(WithdrawRequest, await read_json_object(request, MAX_FACTS_BODY))
    learning = _learning(state)
    stored, _ = await learning.stored_set(set_id)
    if stored is None:
        raise NotFound("No such fact set.")
    if not learning.proof_matches(stored, body.proof):
        raise _wrong_proof(request)
    await learning.delete_set(stored)
    return json_response(FactsDone(ok=True))


async def list_facts(request: Request) -> Response:
    """Every fact set sealed to the organisation's learning key (admins' devices only)."""
    state, device = await authenticated(request)
    org = _admin(device)
    learning = _learning(state)
    document = await learning.key_document(org)
    sets = await learning.sets(str(document["kid"])) if document else []
    return json_response(LearningSets.model_validate({"sets": sets}))
