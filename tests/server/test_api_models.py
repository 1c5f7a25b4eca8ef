"""The ``/api/v1`` models (server/api_models.py): what they accept is what the generated document says, values are
matched whole, scalars are strict, and a refusal is one sentence naming the field."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient
from support.api import Member, admin_cli, assert_api_error, enrol

from alongside.crypto import generate_device_keys
from alongside.server.api_models import (
    CreatePlanRequest,
    EnrolRequest,
    InviteRequest,
    RedeemRequest,
    RotationRequest,
    validated,
)
from alongside.server.api_operations import openapi_document
from alongside.server.app import create_app
from alongside.server.settings import Settings
from alongside.sync.errors import BadRequest

KEYS = generate_device_keys().public.to_json()
KID = "ab" * 8
HEX = "cd" * 16
VERIFIER = "A" * 43
GOOD: list[tuple[type[BaseModel], dict[str, Any]]] = [
    (EnrolRequest, {"code": "ABCD-EFGH-JKMN", "public_keys": KEYS, "label": "Tablet"}),
    (CreatePlanRequest, {"plan_id": HEX}),
    (InviteRequest, {"invite_id": HEX, "verifier": VERIFIER, "expires_at": 1}),
    (RedeemRequest, {"auth_token": VERIFIER, "public_keys": KEYS}),
    (RotationRequest, {"epoch": 2, "kid": KID, "retire": [KID]}),
]
# Every value with a pattern, where it sits in a good body.
MATCHED_WHOLE = [
    (EnrolRequest, ("public_keys", "enc")),
    (EnrolRequest, ("public_keys", "sig")),
    (CreatePlanRequest, ("plan_id",)),
    (InviteRequest, ("invite_id",)),
    (InviteRequest, ("verifier",)),
    (RotationRequest, ("kid",)),
    (RotationRequest, ("retire", 0)),
]


def _good(model: type[BaseModel]) -> dict[str, Any]:
    return next({**body} for m, body in GOOD if m is model)


def _replaced(body: Any, path: tuple[str | int, ...], change: Any) -> Any:
    """``body`` with the value at ``path`` replaced by ``change(value)``."""
    if not path:
        return change(body)
    head, rest = path[0], path[1:]
    if isinstance(body, list):
        assert isinstance(head, int)
        return [_replaced(v, rest, change) if i == head else v for i, v in enumerate(body)]
    return {**body, head: _replaced(body[head], rest, change)}


def _refusal(model: type[BaseModel], body: dict[str, Any]) -> str:
    with pytest.raises(BadRequest) as refused:
        validated(model, body)
    return refused.value.reason


@pytest.mark.parametrize(("model", "body"), GOOD, ids=[m.__name__ for m, _ in GOOD])
def test_a_good_body_is_accepted(model: type[BaseModel], body: dict[str, Any]) -> None:
    validated(model, body)


@pytest.mark.parametrize(
    ("model", "path"), MATCHED_WHOLE, ids=[f"{m.__name__}-{'.'.join(map(str, p))}" for m, p in MATCHED_WHOLE]
)
def test_a_trailing_newline_is_refused_and_the_sentence_names_the_field(
    model: type[BaseModel], path: tuple[str | int, ...]
) -> None:
    """Regression: ``re.match`` on a ``^…$`` pattern let "…\\n" through."""
    detail = _refusal(model, _replaced(_good(model), path, lambda value: value + "\n"))
    assert detail.startswith(f"`{path[0]}") and " must be " in detail, detail


@pytest.mark.parametrize(
    ("model", "field", "value"),
    [
        (RotationRequest, "epoch", True),
        (RotationRequest, "epoch", "2"),
        (RotationRequest, "epoch", 2.0),
        (RotationRequest, "epoch", 0),
        (RotationRequest, "epoch", 2**32),
        (RotationRequest, "retire", KID),
        (InviteRequest, "expires_at", "1"),
        (InviteRequest, "role", "admin"),
        (InviteRequest, "access", "admin"),
        (EnrolRequest, "code", ""),
        (EnrolRequest, "code", 7),
        (EnrolRequest, "label", "Tab\x07let"),
        (EnrolRequest, "label", "x" * 81),
        (EnrolRequest, "public_keys", {**KEYS, "extra": "x"}),
    ],
)
def test_a_value_of_the_wrong_type_or_range_is_refused_in_a_sentence(
    model: type[BaseModel], field: str, value: Any
) -> None:
    detail = _refusal(model, {**_good(model), field: value})
    assert detail.startswith(f"`{field}") and "Input should" not in detail, detail


def test_a_missing_field_is_named() -> None:
    assert _refusal(RotationRequest, {"epoch": 2}) == "`kid` is required"


def test_fields_the_models_do_not_name_are_ignored() -> None:
    assert validated(RotationRequest, {"epoch": 2, "kid": KID, "note": "x"}).retire == []


def test_every_pattern_in_the_document_is_anchored_and_says_what_the_model_checks() -> None:
    """The patterns of the bodies and path parameters are whole-value patterns, and a client reading one with
    Python's ``re.fullmatch`` refuses what the model refuses (a trailing newline)."""
    document = openapi_document()
    patterns: list[str] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.append(node["pattern"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(document["components"]["schemas"])
    collect([operation.get("parameters", []) for item in document["paths"].values() for operation in item.values()])
    assert len(patterns) > 20
    for pattern in patterns:
        assert pattern.startswith("^") and pattern.endswith("$"), pattern
    kid = document["components"]["schemas"]["RotationRequest"]["properties"]["kid"]["pattern"]
    assert re.fullmatch(kid[1:-1], KID) and not re.fullmatch(kid[1:-1], KID + "\n")


@pytest.fixture(scope="module")
def worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Member]]:
    data: Path = tmp_path_factory.mktemp("api-models")
    admin_cli(data, "init", "--org", "Riverside", "--name", "Admin")
    code = admin_cli(data, "add-worker", "--name", "Ali")["code"]
    with TestClient(create_app(Settings(data_dir=data))) as client:
        yield client, enrol(client, code)


def test_a_plan_id_with_a_trailing_newline_is_refused_over_http(worker: tuple[TestClient, Member]) -> None:
    client, member = worker
    refused = client.post("/api/v1/plans", json={"plan_id": HEX + "\n"}, headers=member.auth)
    assert_api_error(refused, 400, "bad_request")
    assert refused.json()["detail"] == "`plan_id` must be 32 lower-case hex characters (the id the device drew)"
    created = client.post("/api/v1/plans", json={"plan_id": HEX}, headers=member.auth)
    assert created.status_code == 201, created.text
    assert_api_error(client.get(f"/api/v1/plans/{HEX}%0A/members", headers=member.auth), 404, "not_found")


def test_an_empty_body_starts_a_plan_and_a_body_that_is_not_an_object_is_refused(
    worker: tuple[TestClient, Member],
) -> None:
    client, member = worker
    assert client.post("/api/v1/plans", headers=member.auth).status_code == 201
    refused = client.post("/api/v1/plans", content=b"[]", headers=member.auth)
    assert_api_error(refused, 400, "bad_request")
