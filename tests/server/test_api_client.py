"""The one Python client of ``/api/v1`` (server/api_client.py): each call is an operation the server declares, the
calls work end to end against the app, and an error answer is raised with its status, name and sentence."""

from __future__ import annotations

import inspect
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient
from support.api import Member, admin_cli, create_plan, enrol, join, register_invite

from alongside.crypto import PlanKey, generate_device_keys
from alongside.crypto.learning import new_learning_key, seal_facts, sign_learning_key
from alongside.server import api_client as api
from alongside.server.activities_models import ActivityRequest
from alongside.server.api_client import ApiClient, ApiClientError, Call
from alongside.server.api_operations import OPERATIONS
from alongside.server.app import create_app
from alongside.server.learning_models import FactsRequest, LearningKeyDocument, SealedFacts, WithdrawRequest
from alongside.server.settings import Settings

HEX = "ab" * 16


KEYS = generate_device_keys().public.to_json()
LEARNING = new_learning_key()
LEARNING_DOCUMENT = LearningKeyDocument.model_validate(
    sign_learning_key(org=HEX, pub=LEARNING.pub, kid=LEARNING.kid, device_keys=generate_device_keys())
)
SEALED = SealedFacts.model_validate(
    seal_facts({"v": 1, "activities": [], "scales": []}, pub=LEARNING.pub, kid=LEARNING.kid)
)
PROOF = "A" * 43
CALLS: list[Call[Any]] = [
    api.enrol("ABCD-EFGH-JKMN", KEYS),
    api.me(),
    api.list_plans(),
    api.create_plan(),
    api.register_invite(HEX, invite_id=HEX, verifier="A" * 43, expires_at=1),
    api.redeem_invite(HEX, auth_token="token", public_keys=KEYS),
    api.put_join_code(HEX, plan_id=HEX, invite_id=HEX, box="A" * 40, expires_at=1),
    api.open_join_code(HEX),
    api.list_members(HEX),
    api.approve_member(HEX, HEX, in_person=True),
    api.decline_member(HEX, HEX),
    api.start_handover(HEX, HEX),
    api.list_handovers(HEX),
    api.plan_settings(HEX),
    api.change_plan_settings(HEX, supporters_may_invite=True),
    api.remove_member(HEX, HEX),
    api.remove_device(HEX, HEX),
    api.revoke_worker(HEX),
    api.request_handover(HEX, HEX),
    api.plan_keys(HEX),
    api.record_rotation(HEX, epoch=2, kid="cd" * 8),
    api.list_activities(),
    api.export_activities(),
    api.put_activity("walk", ActivityRequest(name="Walk")),
    api.delete_activity("walk"),
    api.learning_key(),
    api.publish_learning_key(LEARNING_DOCUMENT),
    api.put_facts(HEX, FactsRequest(sealed=SEALED, proof=PROOF)),
    api.withdraw_facts(HEX, WithdrawRequest(proof=PROOF)),
    api.learning_sets(),
]


def test_every_operation_has_exactly_one_call_and_every_call_is_an_operation() -> None:
    builders = [
        name
        for name, build in inspect.getmembers(api, inspect.isfunction)
        if build.__module__ == api.__name__
        and not name.startswith("_")
        and str(inspect.signature(build).return_annotation).startswith("Call[")
    ]
    assert len(builders) == len(CALLS)
    declared = sorted((op.method, op.path) for op in OPERATIONS)
    assert sorted((call.method, call.route) for call in CALLS) == declared


def test_a_call_fills_in_its_ids_and_names_its_route_without_them() -> None:
    call = api.remove_device(HEX, "cd" * 16)
    assert call.url == f"/api/v1/plans/{HEX}/devices/{'cd' * 16}"
    assert call.name == "/api/v1/plans/[plan]/devices/[device]"


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Member, Member, PlanKey]]:
    data = tmp_path_factory.mktemp("api-client")
    admin_cli(data, "init", "--org", "Riverside", "--name", "Admin")
    code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    with TestClient(create_app(Settings(data_dir=data))) as client:
        worker = enrol(client, code)
        _, key = create_plan(client, worker)
        supporter = join(client, register_invite(client, worker, key))
        yield client, worker, supporter, key


def test_the_calls_work_against_the_app_and_their_answers_are_the_models(
    plan: tuple[TestClient, Member, Member, PlanKey],
) -> None:
    client, worker, supporter, key = plan
    as_worker = ApiClient(client, worker.token)
    assert as_worker(api.me()).device_id == worker.device_id
    assert key.plan_id in {entry.plan_id for entry in as_worker(api.list_plans()).plans}
    members = as_worker(api.list_members(key.plan_id)).members
    assert {member.account for member in members} >= {worker.account, supporter.account}
    kid = secrets.token_hex(8)
    recorded = as_worker(api.record_rotation(key.plan_id, epoch=2, kid=kid))
    assert recorded.current is not None and recorded.current.kid == kid
    assert as_worker(api.plan_keys(key.plan_id)) == recorded
    left = ApiClient(client, supporter.token)(api.remove_member(key.plan_id, supporter.account))
    assert left.removed == supporter.account


def test_an_error_answer_is_raised_with_its_status_name_and_sentence(
    plan: tuple[TestClient, Member, Member, PlanKey],
) -> None:
    client, worker, _, key = plan
    with pytest.raises(ApiClientError) as refused:
        ApiClient(client, worker.token)(api.record_rotation(key.plan_id, epoch=9, kid=secrets.token_hex(8)))
    assert (refused.value.status, refused.value.error) == (409, "conflict")
    assert "epoch" in refused.value.detail
    with pytest.raises(ApiClientError) as unknown:
        ApiClient(client)(api.me())
    assert (unknown.value.status, unknown.value.error) == (401, "unauthorized")
