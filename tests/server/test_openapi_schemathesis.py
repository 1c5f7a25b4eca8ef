"""The OpenAPI document against the live app: schemathesis generates requests for every operation.

The app runs in-process (schemathesis' ASGI transport). Requests carry a real worker's device token
(an admin's for switching a worker off), and half of the generated requests use path parameters that
exist (the worker's plan, a supporter's account and device, a registered invite), so authorised code
paths run too. Every response must be free of server errors and match the document: status codes,
content type, body schema, required headers; requests that break the schema must be refused with a 4xx.
Generation is bounded and derandomized, so the run is the same every time.

``/sync/{plan_id}/…`` (CouchDB's replication protocol) is fuzzed the same way from its own description
(tests/support/sync_openapi.py), as a member who writes and as a read-only member: no answer may be a server
error, and every answer must have a documented status and shape (``{"error", "reason"}`` for errors).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient
from support.api import (
    Member,
    admin_cli,
    create_plan,
    enrol,
    join,
    join_pending,
    redemption,
    register_invite,
    registration,
)
from support.sync_openapi import sync_openapi_document

from alongside.crypto import b64u_encode, create_invite, generate_device_keys, new_document_id, seal_item
from alongside.crypto.learning import new_learning_key, seal_facts, sign_learning_key
from alongside.server import api_client
from alongside.server.api_client import ApiClient
from alongside.server.api_operations import openapi_document
from alongside.server.app import create_app
from alongside.server.settings import Settings

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    ignored_auth,
]
OPERATIONS = [(path, method.upper()) for path, item in openapi_document()["paths"].items() for method in item]
SYNC_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    ignored_auth,
]
SYNC_OPERATIONS = [(path, method.upper()) for path, item in sync_openapi_document()["paths"].items() for method in item]


@dataclass
class Valid:
    """A request that succeeds: its path parameters, body and caller."""

    path_parameters: dict[str, str]
    body: Any
    caller: Member | None


@dataclass
class Sync:
    """``/sync`` for the fuzzer: its schema (bound to an app whose longpolls end quickly), two members, and an
    item that exists."""

    schema: Any
    writer: Member
    reader: Member
    real: dict[str, dict[str, str]]  # operation path → path parameters that exist


@dataclass
class Api:
    schema: Any
    worker: Member
    admin: Member
    real: dict[str, dict[str, str]]  # operation path → path parameters that exist
    valid: dict[tuple[str, str], Valid]
    sync: Sync

    def auth(self, path: str, method: str) -> dict[str, str]:
        operation = openapi_document()["paths"][path][method.lower()]
        if not operation["security"]:
            return {}
        admins = ("/api/v1/workers/", "/api/v1/activities", "/api/v1/learning")
        return (self.admin if path.startswith(admins) else self.worker).auth


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    data = tmp_path_factory.mktemp("schemathesis")
    admin_code = admin_cli(data, "init", "--org", "Riverside", "--name", "Admin")["code"]
    worker_code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    leaver = admin_cli(data, "add-worker", "--name", "Cal")["account"]
    spare_code = admin_cli(data, "add-worker", "--name", "Dee")["code"]
    colleague = admin_cli(data, "add-worker", "--name", "Eve")["account"]  # takes the worker's plans over
    # No brute-force limit here: the generated requests are full of wrong codes and tokens.
    settings = Settings(data_dir=data, failure_limit=1_000_000)

    # The world is built through the API with a test client, which then closes the app; schemathesis
    # starts it again on the same store for the generated requests.
    with TestClient(create_app(settings)) as client:
        admin = enrol(client, admin_code)
        worker = enrol(client, worker_code)
        plan, key = create_plan(client, worker)
        owner = join(client, register_invite(client, worker, key, role="owner"))
        supporter, other, leaving, losing_a_device = (
            join(client, register_invite(client, worker, key)) for _ in range(4)
        )
        invite = register_invite(client, worker, key)
        unused = register_invite(client, worker, key)
        fresh = create_invite(key, inviter=worker.keys)
        sync_reader = join(client, register_invite(client, worker, key, access="read"))  # for /sync only
        # Members waiting for the person's yes: two for the generated requests, two for the valid ones.
        fuzz_approve, fuzz_decline, to_approve, to_decline = (
            join_pending(client, worker, plan).member for _ in range(4)
        )
        boxed, in_a_box = register_invite(client, worker, key), create_invite(key, inviter=worker.keys)
        stored_lookup, new_lookup = secrets.token_hex(16), secrets.token_hex(16)
        box = b64u_encode(secrets.token_bytes(300))  # the server cannot tell a box from random bytes
        put_box = api_client.put_join_code(
            stored_lookup, plan_id=plan, invite_id=boxed.invite_id_hex, box=box, expires_at=boxed.expires_at
        )
        ApiClient(client, worker.token)(put_box)
        item = seal_item({"text": "strong"}, plan_id=plan, doc_id=new_document_id(), key=key, author=worker.keys)
        assert client.put(f"/sync/{plan}/{item['_id']}", json=item, headers=worker.auth).status_code == 201
        for activity_id in ("walk", "choir"):  # activities an admin keeps (tests/server/test_activities.py)
            saved = client.put(f"/api/v1/activities/{activity_id}", json={"name": activity_id}, headers=admin.auth)
            assert saved.status_code == 201, saved.text
        # The organisation's learning key (docs/crypto.md §24), and fact sets: one for the generated requests to
        # meet, one for the valid withdrawal.
        org = client.get("/api/v1/me", headers=admin.auth).json()["org"]
        learning = new_learning_key()
        learning_doc = sign_learning_key(org=org, pub=learning.pub, kid=learning.kid, device_keys=admin.keys)
        assert client.put("/api/v1/learning/key", json=learning_doc, headers=admin.auth).status_code == 200
        facts = {"v": 1, "activities": [], "scales": ["up"]}
        fact_sets = {secrets.token_hex(16): b64u_encode(secrets.token_bytes(32)) for _ in range(2)}
        for set_id, proof in fact_sets.items():
            body = {"sealed": seal_facts(facts, pub=learning.pub, kid=learning.kid), "proof": proof}
            assert client.put(f"/api/v1/learning/facts/{set_id}", json=body).status_code == 201
        stored_set, withdrawn_set = fact_sets
        for member in (worker, sync_reader):  # a replication checkpoint of each device's own
            saved = client.put(f"/sync/{plan}/_local/checkpoint", json={"last_seq": 1}, headers=member.auth)
            assert saved.status_code == 201, saved.text

    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    real = {
        "/api/v1/plans/{plan_id}/invites": {"plan_id": plan},
        "/api/v1/invites/{invite_id}/redeem": {"invite_id": invite.invite_id_hex},
        "/api/v1/plans/{plan_id}/members": {"plan_id": plan},
        "/api/v1/plans/{plan_id}/members/{account}": {"plan_id": plan, "account": supporter.account},
        "/api/v1/plans/{plan_id}/members/{account}/approve": {"plan_id": plan, "account": fuzz_approve.account},
        "/api/v1/plans/{plan_id}/members/{account}/decline": {"plan_id": plan, "account": fuzz_decline.account},
        "/api/v1/plans/{plan_id}/settings": {"plan_id": plan},
        "/api/v1/plans/{plan_id}/handovers": {"plan_id": plan},
        "/api/v1/plans/{plan_id}/devices/{device_id}": {"plan_id": plan, "device_id": other.device_id},
        "/api/v1/workers/{account}/revoke": {"account": leaver},
        "/api/v1/workers/{account}/handovers": {"account": worker.account},
        "/api/v1/plans/{plan_id}/keys": {"plan_id": plan},
        "/api/v1/plans/{plan_id}/rotations": {"plan_id": plan},
        "/api/v1/join-codes/{lookup}": {"lookup": stored_lookup},
        "/api/v1/join-codes/{lookup}/open": {"lookup": stored_lookup},
        "/api/v1/activities/{activity_id}": {"activity_id": "walk"},
        "/api/v1/learning/facts/{set}": {"set": stored_set},
    }
    new_keys = generate_device_keys().public.to_json()
    valid = {
        ("/api/v1/enrol", "POST"): Valid({}, {"code": spare_code, "public_keys": new_keys}, None),
        ("/api/v1/me", "GET"): Valid({}, None, worker),
        ("/api/v1/plans", "GET"): Valid({}, None, worker),
        ("/api/v1/plans", "POST"): Valid({}, None, worker),
        ("/api/v1/plans/{plan_id}/invites", "POST"): Valid({"plan_id": plan}, registration(fresh), worker),
        ("/api/v1/invites/{invite_id}/redeem", "POST"): Valid(
            {"invite_id": unused.invite_id_hex}, redemption(unused, generate_device_keys()), None
        ),
        ("/api/v1/plans/{plan_id}/members", "GET"): Valid({"plan_id": plan}, None, worker),
        ("/api/v1/plans/{plan_id}/members/{account}", "DELETE"): Valid(
            {"plan_id": plan, "account": leaving.account}, None, leaving
        ),
        ("/api/v1/plans/{plan_id}/devices/{device_id}", "DELETE"): Valid(
            {"plan_id": plan, "device_id": losing_a_device.device_id}, None, owner
        ),
        ("/api/v1/workers/{account}/revoke", "POST"): Valid({"account": leaver}, None, admin),
        ("/api/v1/workers/{account}/handovers", "POST"): Valid(
            {"account": worker.account}, {"to_account": colleague, "plan_id": plan}, admin
        ),
        ("/api/v1/plans/{plan_id}/members/{account}/approve", "POST"): Valid(
            {"plan_id": plan, "account": to_approve.account}, {}, owner
        ),
        ("/api/v1/plans/{plan_id}/members/{account}/decline", "POST"): Valid(
            {"plan_id": plan, "account": to_decline.account}, {"in_person": True}, worker
        ),
        ("/api/v1/plans/{plan_id}/handovers", "POST"): Valid(
            {"plan_id": plan}, {"invite_id": secrets.token_hex(16)}, worker
        ),
        ("/api/v1/plans/{plan_id}/handovers", "GET"): Valid({"plan_id": plan}, None, worker),
        ("/api/v1/plans/{plan_id}/settings", "GET"): Valid({"plan_id": plan}, None, worker),
        ("/api/v1/plans/{plan_id}/settings", "PUT"): Valid({"plan_id": plan}, {"supporters_may_invite": False}, owner),
        ("/api/v1/plans/{plan_id}/keys", "GET"): Valid({"plan_id": plan}, None, worker),
        ("/api/v1/join-codes/{lookup}", "PUT"): Valid(
            {"lookup": new_lookup},
            {"plan_id": plan, "invite_id": in_a_box.invite_id_hex, "box": box, "expires_at": in_a_box.expires_at},
            worker,
        ),
        ("/api/v1/join-codes/{lookup}/open", "POST"): Valid({"lookup": stored_lookup}, None, None),
        ("/api/v1/activities", "GET"): Valid({}, None, worker),
        ("/api/v1/activities/export", "GET"): Valid({}, None, admin),
        ("/api/v1/activities/{activity_id}", "PUT"): Valid(
            {"activity_id": "choir-2"}, {"name": "Choir", "days": ["we"], "free": True}, admin
        ),
        ("/api/v1/activities/{activity_id}", "DELETE"): Valid({"activity_id": "choir"}, None, admin),
        ("/api/v1/learning/key", "GET"): Valid({}, None, worker),
        ("/api/v1/learning/key", "PUT"): Valid({}, learning_doc, admin),
        ("/api/v1/learning/facts/{set}", "PUT"): Valid(
            {"set": secrets.token_hex(16)},
            {
                "sealed": seal_facts(facts, pub=learning.pub, kid=learning.kid),
                "proof": b64u_encode(secrets.token_bytes(32)),
            },
            None,
        ),
        ("/api/v1/learning/facts/{set}", "DELETE"): Valid(
            {"set": withdrawn_set}, {"proof": fact_sets[withdrawn_set]}, None
        ),
        ("/api/v1/learning/facts", "GET"): Valid({}, None, admin),
        # The epoch is filled in when the request is sent: the recorded epoch plus one (docs/crypto.md §10.2).
        ("/api/v1/plans/{plan_id}/rotations", "POST"): Valid(
            {"plan_id": plan}, {"kid": secrets.token_hex(8), "retire": [secrets.token_hex(8)]}, owner
        ),
    }
    sync_schema = schemathesis.openapi.from_dict(sync_openapi_document())
    sync_schema.app = create_app(Settings(data_dir=data, failure_limit=1_000_000, longpoll_max_seconds=0.2))
    sync_real = {
        path: {"plan_id": plan, **({"doc_id": "checkpoint"} if "_local" in path else {"doc_id": item["_id"]})}
        if "{doc_id}" in path
        else {"plan_id": plan}
        for path, _ in SYNC_OPERATIONS
    }
    sync = Sync(sync_schema, worker, sync_reader, sync_real)
    try:
        yield Api(schema, worker, admin, real, valid, sync)
    finally:
        shutdown_lifespans()


def _strategy(api: Api, path: str, method: str, mode: str) -> st.SearchStrategy[Any]:
    """Generated cases; for an operation with path parameters, half of them use ids that exist."""
    operation = api.schema[path][method]
    generation_mode = schemathesis.GenerationMode(mode)
    generated = operation.as_strategy(generation_mode=generation_mode)
    if path not in api.real:
        return generated
    return st.one_of(operation.as_strategy(generation_mode=generation_mode, path_parameters=api.real[path]), generated)


# The same examples every run (no database, no deadline): a 5xx found once is found again.
FUZZ_SETTINGS = hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
)


@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_generated_requests_get_documented_answers(api: Api, path: str, method: str, mode: str) -> None:
    headers = api.auth(path, method)
    statuses: list[int] = []

    @FUZZ_SETTINGS
    @hypothesis.given(case=_strategy(api, path, method, mode))
    def run(case: Any) -> None:
        statuses.append(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    run()
    if mode == "positive":
        # Not everything was refused at the door: some generated requests reached the authorised code paths.
        assert not set(statuses) <= {400} and not set(statuses) <= {404}, statuses


@pytest.mark.parametrize("caller", ["writer", "reader"])
@pytest.mark.parametrize("mode", ["positive", "negative"])
@pytest.mark.parametrize(("path", "method"), SYNC_OPERATIONS, ids=[f"{m} {p}" for p, m in SYNC_OPERATIONS])
def test_generated_sync_requests_from_members_get_documented_answers_and_no_server_error(
    api: Api, path: str, method: str, mode: str, caller: str
) -> None:
    sync = api.sync
    member = sync.writer if caller == "writer" else sync.reader
    operation = sync.schema[path][method]
    generation_mode = schemathesis.GenerationMode(mode)
    strategy = st.one_of(
        operation.as_strategy(generation_mode=generation_mode, path_parameters=sync.real[path]),
        operation.as_strategy(generation_mode=generation_mode),
    )
    statuses: list[int] = []

    @FUZZ_SETTINGS
    @hypothesis.given(case=strategy)
    def run(case: Any) -> None:
        statuses.append(case.call_and_validate(headers=member.auth, checks=SYNC_CHECKS).status_code)

    run()
    if mode == "positive":
        # Not everything was refused at the door: some generated requests reached the authorised code paths.
        assert not set(statuses) <= {400, 401, 404}, statuses


@pytest.mark.parametrize(("path", "method"), OPERATIONS, ids=[f"{m} {p}" for p, m in OPERATIONS])
def test_a_valid_request_succeeds_and_its_answer_matches_the_document(api: Api, path: str, method: str) -> None:
    valid = api.valid[(path, method)]
    kwargs: dict[str, Any] = {"path_parameters": valid.path_parameters}
    body = valid.body
    if path == "/api/v1/plans/{plan_id}/rotations":
        keys = api.schema["/api/v1/plans/{plan_id}/keys"]["GET"].Case(path_parameters=valid.path_parameters)
        recorded = keys.call(headers=api.worker.auth).json()["current"]
        body = {**body, "epoch": (recorded["epoch"] if recorded else 1) + 1}
    if body is not None:
        kwargs.update(body=body, media_type="application/json")
    case = api.schema[path][method].Case(**kwargs)
    response = case.call_and_validate(headers=valid.caller.auth if valid.caller else {}, checks=CHECKS)
    assert 200 <= response.status_code < 300, response.text


def test_every_api_route_is_documented() -> None:
    app = create_app(Settings())
    served = {
        (route.path, method)
        for route in app.routes
        if getattr(route, "path", "").startswith("/api/v1/") and route.path != "/api/v1/openapi.json"
        for method in getattr(route, "methods", None) or ()
        if method != "HEAD"
    }
    assert served == set(OPERATIONS)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/plans/{plan_id}/rotations", {"epoch": 7, "kid": "ab" * 8 + "\n"}, "kid"),
        ("/api/v1/plans/{plan_id}/rotations", {"epoch": 7, "kid": "ab" * 8, "retire": ["cd" * 8 + "\n"]}, "retire"),
        ("/api/v1/plans/{plan_id}/invites", {"invite_id": "ab" * 16, "verifier": "A" * 43 + "\n"}, "verifier"),
        # 43 base64url characters that are not the canonical form of any 32 bytes: no token could ever match.
        ("/api/v1/plans/{plan_id}/invites", {"invite_id": "ab" * 16, "verifier": "A" * 42 + "B"}, "verifier"),
    ],
    ids=["kid-newline", "retire-newline", "verifier-newline", "verifier-not-canonical"],
)
def test_values_are_matched_whole(api: Api, path: str, body: dict[str, Any], field: str) -> None:
    """Regression: ``re.match`` with ``$`` let a trailing newline through, so a key id "…\\n" was recorded (and the
    real key id was not retired), and the answer broke the documented pattern."""
    case = api.schema[path]["POST"].Case(
        path_parameters=api.real[path],
        body={**body, "expires_at": int(time.time()) + 600},
        media_type="application/json",
    )
    response = case.call(headers=api.worker.auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "bad_request" and f"`{field}`" in response.json()["detail"]
